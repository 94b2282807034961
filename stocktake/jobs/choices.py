from django.db import models
from django.utils.translation import gettext_lazy as _


class JobKind(models.TextChoices):
    IMPORT = "import", _("import")
    EXPORT = "export", _("export")


class JobStatus(models.TextChoices):
    """queued -> running -> succeeded | problems | failed; a job never leaves a finished status."""

    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    SUCCEEDED = "succeeded", _("succeeded")
    PROBLEMS = "problems", _("succeeded with problems")  # finished, but something was refused or left out
    FAILED = "failed", _("failed")


ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)
FINISHED_STATUSES = (JobStatus.SUCCEEDED, JobStatus.PROBLEMS, JobStatus.FAILED)


class ImportFormat(models.TextChoices):
    """What the import form offers; empty means "tell from the file"."""

    DETECT = "", _("detect automatically")
    IATI = "iati", _("IATI XML")
    CSV = "csv", _("CSV")
    XLSX = "xlsx", _("XLSX (Excel)")
    PAGE = "page", _("text project page")


class ExportFormat(models.TextChoices):
    IATI = "iati", _("IATI XML")
    CSV = "csv", _("CSV")
    XLSX = "xlsx", _("XLSX (Excel)")
    JSON = "json", _("JSON")

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeSource(models.TextChoices):
    """Where a change came from: every write path names itself."""

    WEB = "web", _("web")
    API = "api", _("API")
    CLI = "cli", _("command line")
    IMPORT = "import", _("import")
    JOB = "job", _("background job")
    SYSTEM = "system", _("system")


# Doors through which no person writes: the operator's command line, imports, jobs and the system.
UNATTENDED_SOURCES = frozenset({ChangeSource.CLI, ChangeSource.IMPORT, ChangeSource.JOB, ChangeSource.SYSTEM})


class ChangeAction(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("changed")
    DELETE = "delete", _("deleted")


class Basis(models.TextChoices):
    """Why a fact is on a record: said by its source, added by an editor, or taken from an import."""

    STATED = "stated", _("stated in the source")
    EDITORIAL = "editorial", _("editorial (not stated in the source)")
    IMPORTED = "imported", _("imported")

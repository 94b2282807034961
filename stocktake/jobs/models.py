"""Background jobs: one import or export each, with its files, progress, log and report."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

from stocktake.jobs.choices import ACTIVE_STATUSES, FINISHED_STATUSES, JobKind, JobStatus

# Progress a running job cannot write to the database yet (see runners.JobContext) waits in this file.
PROGRESS_FILE = "progress.json"


def jobs_root() -> Path:
    """Where every job keeps its files, one folder per job (read at call time so tests can move it)."""
    return Path(settings.DATA_DIR) / "jobs"


def safe_file_name(name: str, fallback: str) -> str:
    """A name safe to store and to send back: no folders, no hidden files, no odd characters, short."""
    try:
        cleaned = get_valid_filename(Path(str(name).replace("\\", "/")).name).lstrip(".")
    except SuspiciousFileOperation:
        cleaned = ""
    if not cleaned:
        return fallback
    stem, dot, suffix = cleaned.rpartition(".")
    if len(cleaned) > 120:
        cleaned = (stem[: 110 - len(suffix)] + dot + suffix) if dot and len(suffix) <= 10 else cleaned[:120]
    return cleaned


class Job(models.Model):
    """One import or export run in the background.

    Files live in ``jobs_root() / <id>/``; ``input_path`` and ``output_path`` are relative to that folder,
    so the data directory can move. ``report`` is what the runner returned (an import's or export's
    ``as_dict()``); ``error`` is the short message of a failure, whose traceback is in the log.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=JobKind.choices)
    format = models.CharField(_("format"), max_length=10, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True
    )
    options = models.JSONField(_("options"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    input_name = models.CharField(_("file name given"), max_length=255, blank=True)
    input_path = models.CharField(max_length=300, blank=True)
    output_name = models.CharField(_("output file name"), max_length=255, blank=True)
    output_path = models.CharField(max_length=300, blank=True)
    progress_done = models.BigIntegerField(default=0)
    progress_total = models.BigIntegerField(null=True, blank=True)
    progress_label = models.CharField(max_length=200, blank=True)
    report = models.JSONField(_("report"), null=True, blank=True, encoder=DjangoJSONEncoder)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("started by"),
    )
    created = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    started = models.DateTimeField(_("started"), null=True, blank=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    task_result_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.format or ''} {self.input_name or ''}".strip()

    def get_absolute_url(self) -> str:
        return reverse("jobs:detail", args=[self.pk])

    @property
    def folder(self) -> Path:
        return jobs_root() / str(self.pk)

    @property
    def progress_file(self) -> Path:
        return self.folder / PROGRESS_FILE

    @property
    def input_file(self) -> Path | None:
        return self.folder / self.input_path if self.input_path else None

    @property
    def output_file(self) -> Path | None:
        return self.folder / self.output_path if self.output_path else None

    @property
    def shown_format(self) -> str:
        """The format asked for, or the one an import found in the file."""
        return self.format or str((self.report or {}).get("format") or "")

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    def can_start(self) -> bool:
        return self.status == JobStatus.QUEUED

    def can_finish(self) -> bool:
        return self.status == JobStatus.RUNNING

    def can_fail(self) -> bool:
        # A job that never started can fail too: its file could not be queued or its worker vanished.
        return self.status in ACTIVE_STATUSES

    def has_output(self) -> bool:
        """A file to download: written by a job that finished without failing, and still on disk."""
        path = self.output_file
        return (
            self.status in (JobStatus.SUCCEEDED, JobStatus.PROBLEMS) and path is not None and path.is_file()
        )

    @property
    def percent(self) -> int | None:
        """Whole percent done, or None while the total is unknown."""
        if self.status in (JobStatus.SUCCEEDED, JobStatus.PROBLEMS):
            return 100
        if not self.progress_total:
            return None
        return max(0, min(100, self.progress_done * 100 // self.progress_total))


class JobLogEntry(models.Model):
    """One line of a job's log. A row of its own, so the worker appends with one INSERT."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="log_entries")
    time = models.DateTimeField(default=timezone.now)
    message = models.TextField()

    class Meta:
        verbose_name = _("job log entry")
        verbose_name_plural = _("job log entries")
        ordering = ["job", "id"]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M:%S} {self.message}"

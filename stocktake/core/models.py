"""History of every change and the documents that records come from."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stocktake.core.choices import ChangeAction, ChangeSource


class TimeStampedModel(models.Model):
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated = models.DateTimeField(_("updated"), default=timezone.now, editable=False, db_index=True)

    class Meta:
        abstract = True


class HistoryEntry(models.Model):
    """One change to one object: who made it, from where, and the object before and after.

    Written by the services in the same transaction as the change, so web, API, command-line and
    import changes are all recorded. ``parent`` points at the record a child object belongs to
    (a budget's initiative), so a record's history shows its children's changes too.
    """

    time = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    source = models.CharField(max_length=10, choices=ChangeSource.choices)
    action = models.CharField(max_length=10, choices=ChangeAction.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=300)
    parent_content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    parent_object_id = models.CharField(max_length=64, blank=True)
    before = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    note = models.CharField(max_length=500, blank=True)
    batch = models.UUIDField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("history entry")
        verbose_name_plural = _("history entries")
        ordering = ["-time", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            models.Index(fields=["parent_content_type", "parent_object_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"

    def changed_fields(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for each field whose value differs."""
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return [(key, before.get(key), after.get(key)) for key in keys if before.get(key) != after.get(key)]


class SourceDocument(models.Model):
    """A document that records were taken from; facts cite it as ``key`` or ``key#anchor``."""

    key = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=300)
    file_name = models.CharField(max_length=200, blank=True)
    url = models.URLField(blank=True)
    description = models.TextField(blank=True)

    class Meta:
        verbose_name = _("source document")
        ordering = ["key"]

    def __str__(self) -> str:
        return self.title

"""Who may edit a record beyond its lead, the record's workflow events, and expert reviews."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stocktake.core.models import TimeStampedModel
from stocktake.governance.choices import ReviewDecision, ReviewerCredit, ReviewStatus
from stocktake.initiatives.choices import PublicationState
from stocktake.initiatives.models import Initiative
from stocktake.organisations.models import Organisation


class EditorGrant(TimeStampedModel):
    """Editing granted by the lead organisation to another partner's members."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="editor_grants")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["initiative", "organisation"], name="unique_editor_grant")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} edits {self.initiative.code}"


class WorkflowEvent(models.Model):
    """One step of a record through review: who, when, from where to where, and why."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="workflow_events")
    from_state = models.CharField(max_length=10, choices=PublicationState.choices, blank=True)
    to_state = models.CharField(max_length=10, choices=PublicationState.choices)
    action = models.CharField(max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    time = models.DateTimeField(default=timezone.now, db_index=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-time", "-id"]

    def __str__(self) -> str:
        return f"{self.initiative.code}: {self.from_state or '-'} -> {self.to_state}"


class Review(TimeStampedModel):
    """A neutral expert's review of one version of a record, with their signed no-conflict declaration."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.OPEN)
    version_reviewed = models.PositiveIntegerField(null=True, blank=True)
    declaration = models.TextField(blank=True)
    declared_at = models.DateTimeField(null=True, blank=True)
    scores = models.JSONField(default=dict, blank=True)
    comments = models.JSONField(default=dict, blank=True)
    summary = models.TextField(_("public summary"), blank=True)
    decision = models.CharField(max_length=8, choices=ReviewDecision.choices, blank=True)
    credit = models.CharField(max_length=5, choices=ReviewerCredit.choices, default=ReviewerCredit.NAME)
    credit_label = models.CharField(max_length=200, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            # One open review per record at a time: the queue hands each record to one expert.
            models.UniqueConstraint(
                fields=["initiative"],
                condition=models.Q(status="open"),
                name="one_open_review_per_initiative",
            )
        ]

    def __str__(self) -> str:
        return f"Review of {self.initiative.code} by {self.reviewer}"

    @property
    def total(self) -> int:
        return sum(int(value) for value in self.scores.values())

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("in progress")
    COMPLETED = "completed", _("completed")
    RELEASED = "released", _("released")  # handed back to the queue, or the record moved on


class ReviewDecision(models.TextChoices):
    PUBLISH = "publish", _("publish")
    CHANGES = "changes", _("request changes")


class ReviewerCredit(models.TextChoices):
    """How a published review names its reviewer, at the reviewer's choice."""

    NAME = "name", _("my name")
    GROUP = "group", _("my stakeholder group only")

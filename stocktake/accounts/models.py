"""People: their profile, their memberships of organisations, declared affiliations, API tokens,
failed sign-ins (for throttling) and notifications."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stocktake.accounts.choices import MembershipRole, MembershipStatus, TokenScope
from stocktake.core.models import TimeStampedModel
from stocktake.organisations.models import Organisation
from stocktake.vocabularies.models import StakeholderGroup


class Profile(TimeStampedModel):
    """What Stocktake knows of a person beyond Django's user: the platform roles they hold.

    Stewards run the platform (Django's ``is_staff``); reviewers are neutral experts, who declare
    their affiliations before they review anything.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(_("name shown to others"), max_length=150, blank=True)
    stakeholder_group = models.ForeignKey(
        StakeholderGroup,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("stakeholder group"),
    )
    email_verified = models.DateTimeField(_("e-mail verified"), null=True, blank=True)
    is_reviewer = models.BooleanField(_("neutral expert reviewer"), default=False)
    expertise = models.TextField(_("expertise"), blank=True)
    email_notifications = models.BooleanField(_("send notifications by e-mail"), default=True)

    class Meta:
        verbose_name = _("profile")

    def __str__(self) -> str:
        return self.display_name or self.user.get_username()


class Membership(TimeStampedModel):
    """A person's place in an organisation, asked for by them and approved by its administrators."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(
        _("role"), max_length=8, choices=MembershipRole.choices, default=MembershipRole.MEMBER
    )
    status = models.CharField(
        _("status"), max_length=8, choices=MembershipStatus.choices, default=MembershipStatus.PENDING
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("membership")
        ordering = ["organisation__name"]
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="unique_membership")]

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation} ({self.get_role_display()}, {self.get_status_display()})"


class Affiliation(TimeStampedModel):
    """An organisation a reviewer declares a tie to (employer, funder, board seat) without being a member."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="affiliations")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    relation = models.CharField(_("nature of the tie"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("declared affiliation")
        ordering = ["organisation__name"]
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="unique_affiliation")]

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation}"


class ApiToken(models.Model):
    """A named, scoped key for the API. Only its SHA-256 digest is kept: the key is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    scope = models.CharField(_("scope"), max_length=5, choices=TokenScope.choices, default=TokenScope.READ)
    created = models.DateTimeField(default=timezone.now)
    last_used = models.DateTimeField(null=True, blank=True)
    revoked = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked is None


class LoginFailure(models.Model):
    """One failed sign-in: counted per user name, and per user name and address, for the cool-off."""

    username = models.CharField(max_length=254, db_index=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    time = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["username", "address", "time"])]

    def __str__(self) -> str:
        return f"{self.username} from {self.address} at {self.time:%Y-%m-%d %H:%M}"


class Notification(models.Model):
    """Something that concerns a person: shown in the site, and sent by e-mail if they wish."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    subject = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)
    read = models.DateTimeField(null=True, blank=True)
    emailed = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return self.subject

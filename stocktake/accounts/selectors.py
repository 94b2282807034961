"""Reading accounts: what the account pages and the site header show of a person."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from stocktake.accounts.choices import MembershipStatus
from stocktake.accounts.models import Affiliation, ApiToken, Membership, Notification
from stocktake.accounts.permissions import is_active_user, is_steward

User = get_user_model()


@dataclass(frozen=True)
class AccountMenu:
    unread: int
    reviewer: bool
    steward: bool


def account_menu(user: Any) -> AccountMenu | None:
    """What the header shows a signed-in person (None for visitors: their pages stay cacheable)."""
    if not is_active_user(user):
        return None
    # One query on every page a signed-in person opens.
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(unread=Count("notifications", filter=Q(notifications__read__isnull=True)))
        .values("unread", "profile__is_reviewer")
        .first()
    )
    if row is None:
        return None
    return AccountMenu(
        unread=row["unread"], reviewer=bool(row["profile__is_reviewer"]), steward=is_steward(user)
    )


def person_name(user: Any) -> str:
    profile = getattr(user, "profile", None)
    return (profile.display_name if profile is not None else "") or user.get_username()


def memberships_of(user: Any) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("organisation").order_by("organisation__name")


_STATUS_ORDER = Case(
    When(status=MembershipStatus.PENDING, then=Value(0)),
    When(status=MembershipStatus.APPROVED, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def organisation_memberships(organisation_id: int) -> QuerySet[Membership]:
    """An organisation's requests first, then its members, then those declined."""
    return (
        Membership.objects.filter(organisation_id=organisation_id)
        .select_related("user__profile")
        .annotate(status_order=_STATUS_ORDER)
        .order_by("status_order", "-role", "user__username")
    )


def affiliations_of(user: Any) -> QuerySet[Affiliation]:
    return Affiliation.objects.filter(user=user).select_related("organisation")


def tokens_of(user: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created", "-pk")


def notifications_of(user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-created", "-pk")


def people_list(*, q: str = "") -> QuerySet[Any]:
    """Everyone with an account, for stewards choosing reviewers; ``q`` matches name or address."""
    people = User.objects.filter(is_active=True).select_related("profile")
    for word in q.split():
        people = people.filter(Q(username__icontains=word) | Q(profile__display_name__icontains=word))
    return people.order_by("-profile__is_reviewer", "username")

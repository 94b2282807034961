"""Who someone is on the platform: stewards, reviewers, and the organisations they belong to.

Every check takes Django's user (anonymous included) and asks the database, never the session, so a
membership approved or revoked counts from the next request on.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from stocktake.accounts.choices import MembershipRole, MembershipStatus
from stocktake.accounts.models import Affiliation, Membership, Profile


def is_active_user(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def acting_user(actor: Any) -> Any:
    """The signed-in, active person behind ``actor`` (a ``core.history.Actor``); PermissionDenied if none.

    Services that need a person (not the command line or an import) start with it.
    """
    if not is_active_user(actor.user):
        raise PermissionDenied(_("Sign in first."))
    return actor.user


def is_steward(user: Any) -> bool:
    """Stewards run the platform: Django's staff flag (which also opens the admin)."""
    return is_active_user(user) and bool(user.is_staff or user.is_superuser)


def profile_of(user: Any) -> Profile | None:
    if not is_active_user(user):
        return None
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


def is_reviewer(user: Any) -> bool:
    return is_active_user(user) and Profile.objects.filter(user=user, is_reviewer=True).exists()


def member_organisation_ids(user: Any, *, admin: bool = False) -> set[int]:
    """The organisations whose approved member (or, with ``admin``, administrator) ``user`` is."""
    if not is_active_user(user):
        return set()
    memberships = Membership.objects.filter(user=user, status=MembershipStatus.APPROVED)
    if admin:
        memberships = memberships.filter(role=MembershipRole.ADMIN)
    return set(memberships.values_list("organisation_id", flat=True))


def tied_organisation_ids(user: Any) -> set[int]:
    """Every organisation ``user`` belongs to, has asked to join or has declared a tie to.

    A pending or declined membership still counts: neutrality is judged on ties, not on approvals.
    """
    if user is None or not user.is_authenticated:
        return set()
    members = set(Membership.objects.filter(user=user).values_list("organisation_id", flat=True))
    declared = set(Affiliation.objects.filter(user=user).values_list("organisation_id", flat=True))
    return members | declared


def is_organisation_admin(user: Any, organisation_id: int) -> bool:
    return is_steward(user) or organisation_id in member_organisation_ids(user, admin=True)

"""People made through the services, so they carry history like real ones."""

from __future__ import annotations

from itertools import count
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from stocktake.accounts.choices import MembershipRole, MembershipStatus
from stocktake.accounts.models import Membership, Profile
from stocktake.core.history import Actor
from stocktake.organisations.models import Organisation

_numbers = count(1)
PASSWORD = "correct horse battery staple 42"


def make_user(
    *,
    email: str | None = None,
    verified: bool = True,
    steward: bool = False,
    reviewer: bool = False,
    display_name: str = "",
    **profile: Any,
) -> Any:
    """A person who signed up (and, unless ``verified=False``, confirmed their address)."""
    from stocktake.accounts.services import user_register

    email = email or f"person{next(_numbers)}@example.org"
    user = user_register(
        actor=Actor.system("factory"), email=email, password=PASSWORD, display_name=display_name
    )
    assert user is not None, f"{email} has an account already"
    if steward:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    Profile.objects.filter(user=user).update(
        email_verified=timezone.now() if verified else None, is_reviewer=reviewer, **profile
    )
    return get_user_model().objects.get(pk=user.pk)


def make_member(
    user: Any, organisation: Organisation, *, role: str = MembershipRole.MEMBER, approved: bool = True
) -> Membership:
    return Membership.objects.create(
        user=user,
        organisation=organisation,
        role=role,
        status=MembershipStatus.APPROVED if approved else MembershipStatus.PENDING,
    )


def actor_for(user: Any, source: str = "web") -> Actor:
    return Actor(source=source, user=user)

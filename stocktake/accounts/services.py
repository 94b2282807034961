"""Writing accounts: sign-up and e-mail verification, sign-in throttling, memberships, declared
affiliations, API tokens and notifications. Every write records its history."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stocktake.accounts.choices import MembershipRole, MembershipStatus, TokenScope
from stocktake.accounts.models import Affiliation, ApiToken, LoginFailure, Membership, Notification, Profile
from stocktake.accounts.permissions import acting_user, is_organisation_admin, is_steward
from stocktake.core.history import Actor, delete_with_history, history_record_states, save_with_history
from stocktake.organisations.models import Organisation

logger = logging.getLogger(__name__)
User = get_user_model()

VERIFY_SALT = "stocktake.accounts.verify-email"
VERIFY_MAX_AGE = timedelta(days=3)
TOKEN_PREFIX = "stk_"  # noqa: S105 (a marker that makes leaked keys easy to find, not a secret)


def normalise_email(email: str) -> str:
    return email.strip().lower()


# Sign-up and e-mail verification --------------------------------------------------------------


@transaction.atomic
def user_register(*, actor: Actor, email: str, password: str, display_name: str = "") -> Any | None:
    """Creates an account whose e-mail address is not yet verified, and sends the verification link.

    Returns None, creating nothing, when the address already has an account: the owner is told by
    e-mail instead, so the form does not reveal who has an account.
    """
    email = normalise_email(email)
    existing = User.objects.filter(username=email).first()
    if existing is not None:
        if not unasked_mail_allowed(email):
            return None
        _send_later(
            email,
            _("Someone tried to open a Stocktake account with your address"),
            _(
                "An account with this address exists already. If it was you, sign in, or reset your "
                "password if you have forgotten it. If not, you can ignore this message."
            ),
        )
        return None
    user = User(username=email, email=email)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    save_with_history(user, actor=actor, note="sign-up")
    profile = Profile(user=user, display_name=display_name.strip())
    save_with_history(profile, actor=actor)
    return user


# Anyone may type anyone's address into the sign-up, confirmation and reset forms: at most this many
# such e-mails go to one address an hour, so the forms cannot be used to flood someone's inbox. The
# forms answer the same either way (they never tell whether an address has an account).
UNASKED_MAILS_PER_HOUR = 5


def unasked_mail_allowed(recipient: str) -> bool:
    """Counts one e-mail that a visitor's form would send to ``recipient``; False once over the limit."""
    key = f"unasked-mail:{normalise_email(recipient)}:{int(timezone.now().timestamp()) // 3600}"
    if cache.add(key, 1, timeout=3700):
        return True
    try:
        return int(cache.incr(key)) <= UNASKED_MAILS_PER_HOUR
    except ValueError:  # expired between the two calls
        return bool(cache.add(key, 1, timeout=3700))


def email_verification_token(user: Any) -> str:
    return signing.dumps({"user": user.pk, "email": user.email}, salt=VERIFY_SALT, compress=True)


def send_verification_email(user: Any, *, link: str) -> None:
    if not unasked_mail_allowed(user.email):
        return
    _send_later(
        user.email,
        _("Confirm your e-mail address for Stocktake"),
        _("Open this link to confirm your address (it works for three days):\n\n%(link)s") % {"link": link},
    )


@transaction.atomic
def email_verify(*, token: str) -> Any:
    """Marks the address in ``token`` verified. Raises ValidationError for a bad or expired link."""
    try:
        data = signing.loads(token, salt=VERIFY_SALT, max_age=VERIFY_MAX_AGE)
    except signing.SignatureExpired as error:
        raise ValidationError(_("This link has expired: ask for a new one.")) from error
    except signing.BadSignature as error:
        raise ValidationError(_("This link is not valid.")) from error
    user = User.objects.filter(pk=data.get("user"), email=data.get("email"), is_active=True).first()
    if user is None:
        raise ValidationError(_("This link is not valid."))
    profile, _created = Profile.objects.get_or_create(user=user)
    if profile.email_verified is None:
        profile.email_verified = timezone.now()
        save_with_history(profile, actor=Actor(source="web", user=user), note="e-mail verified")
    return user


def is_verified(user: Any) -> bool:
    return Profile.objects.filter(user=user, email_verified__isnull=False).exists()


# Sign-in throttling ---------------------------------------------------------------------------

# Counted per user name and address, and per user name alone (a wider limit, against attacks spread
# over many addresses). Never per address alone: a ministry's staff often share one address, and
# locking it would let one attacker lock them all out. Every lock ends after the cool-off.
FAILURES_PER_USER_AND_ADDRESS = 5
FAILURES_PER_USER = 20
COOL_OFF = timedelta(minutes=15)


@dataclass(frozen=True)
class Throttle:
    allowed: bool
    retry_after: int = 0  # seconds


def login_throttle(*, username: str, address: str | None) -> Throttle:
    """Whether a sign-in may be tried now, and if not, in how many seconds."""
    username = normalise_email(username)
    since = timezone.now() - COOL_OFF
    recent = LoginFailure.objects.filter(username=username, time__gte=since)
    waits = []
    for failures, limit in (
        (recent.filter(address=address), FAILURES_PER_USER_AND_ADDRESS),
        (recent, FAILURES_PER_USER),
    ):
        times = list(failures.order_by("-time").values_list("time", flat=True)[:limit])
        if len(times) >= limit:
            # Locked until the oldest of the last ``limit`` failures leaves the window.
            waits.append((times[-1] + COOL_OFF - timezone.now()).total_seconds())
    if waits:
        return Throttle(False, max(1, int(max(waits)) + 1))
    return Throttle(True)


def login_failed(*, username: str, address: str | None) -> None:
    LoginFailure.objects.create(username=normalise_email(username)[:254], address=address)
    # Old failures count for nothing; keep the table small.
    LoginFailure.objects.filter(time__lt=timezone.now() - 4 * COOL_OFF).delete()


def login_succeeded(*, username: str, address: str | None) -> None:
    LoginFailure.objects.filter(username=normalise_email(username), address=address).delete()


# Memberships ----------------------------------------------------------------------------------


@transaction.atomic
def membership_request(*, actor: Actor, organisation: Organisation, note: str = "") -> Membership:
    user = acting_user(actor)
    if not is_verified(user):
        raise PermissionDenied(_("Confirm your e-mail address before you join an organisation."))
    existing = Membership.objects.filter(user=user, organisation=organisation).first()
    if existing is not None:
        if existing.status == MembershipStatus.REJECTED:
            raise ValidationError(_("This organisation has declined your request."))
        return existing
    membership = Membership(user=user, organisation=organisation, note=note.strip()[:500])
    # The first member of an organisation no one administers yet waits for a steward.
    save_with_history(membership, actor=actor)
    admins = _organisation_admins(organisation) or list(User.objects.filter(is_staff=True, is_active=True))
    for admin in admins:
        notify(
            admin,
            _("%(user)s asks to join %(organisation)s") % {"user": _name(user), "organisation": organisation},
            url=f"/account/organisations/{organisation.slug}/",
        )
    return membership


def _organisation_admins(organisation: Organisation) -> list[Any]:
    return [
        membership.user
        for membership in Membership.objects.filter(
            organisation=organisation, role=MembershipRole.ADMIN, status=MembershipStatus.APPROVED
        ).select_related("user")
        if membership.user.is_active
    ]


@transaction.atomic
def membership_decide(
    *, actor: Actor, membership: Membership, approve: bool, role: str = MembershipRole.MEMBER
) -> Membership:
    """An organisation's administrator (or a steward) approves or declines a request, or changes a role."""
    user = acting_user(actor)
    if not is_organisation_admin(user, membership.organisation_id):
        raise PermissionDenied(_("Only the organisation's administrators can decide on its members."))
    if role not in MembershipRole.values:
        raise ValidationError({"role": _("Unknown role.")})
    if membership.user_id == user.pk and not is_steward(user):
        raise PermissionDenied(_("You cannot decide on your own membership."))
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    membership.status = MembershipStatus.APPROVED if approve else MembershipStatus.REJECTED
    membership.role = role if approve else membership.role
    membership.decided_by = user
    membership.decided_at = timezone.now()
    membership.updated = timezone.now()
    save_with_history(membership, actor=actor)
    subject = (
        _("You are now a member of %(organisation)s")
        if approve
        else _("Your request to join %(organisation)s was declined")
    )
    notify(membership.user, subject % {"organisation": membership.organisation}, url="/account/")
    return membership


@transaction.atomic
def membership_remove(*, actor: Actor, membership: Membership) -> None:
    """A person leaves, or an administrator removes them."""
    user = acting_user(actor)
    if membership.user_id != user.pk and not is_organisation_admin(user, membership.organisation_id):
        raise PermissionDenied(_("Only the organisation's administrators can remove its members."))
    delete_with_history(membership, actor=actor)


# Reviewers' declared affiliations --------------------------------------------------------------


@transaction.atomic
def affiliation_declare(*, actor: Actor, organisation: Organisation, relation: str = "") -> Affiliation:
    user = acting_user(actor)
    affiliation, created = Affiliation.objects.get_or_create(
        user=user, organisation=organisation, defaults={"relation": relation.strip()[:300]}
    )
    if created:
        save_with_history(affiliation, actor=actor)
    return affiliation


@transaction.atomic
def affiliation_remove(*, actor: Actor, affiliation: Affiliation) -> None:
    user = acting_user(actor)
    if affiliation.user_id != user.pk and not is_steward(user):
        raise PermissionDenied(_("Only its author can remove a declaration."))
    delete_with_history(affiliation, actor=actor)


@transaction.atomic
def reviewer_set(*, actor: Actor, user: Any, is_reviewer: bool) -> Profile:
    """A steward names (or stops naming) a neutral expert reviewer."""
    if not is_steward(actor.user):
        raise PermissionDenied(_("Only stewards name reviewers."))
    profile, _created = Profile.objects.get_or_create(user=user)
    profile.is_reviewer = is_reviewer
    profile.updated = timezone.now()
    save_with_history(profile, actor=actor)
    return profile


@transaction.atomic
def profile_update(*, actor: Actor, **changes: Any) -> Profile:
    user = acting_user(actor)
    profile, _created = Profile.objects.get_or_create(user=user)
    allowed = {"display_name", "stakeholder_group", "expertise", "email_notifications"}
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"unknown profile fields: {', '.join(sorted(unknown))}")
    for name, value in changes.items():
        setattr(profile, name, value)
    profile.updated = timezone.now()
    save_with_history(profile, actor=actor)
    return profile


# API tokens ---------------------------------------------------------------------------------


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_create(*, actor: Actor, name: str, scope: str = TokenScope.READ) -> tuple[ApiToken, str]:
    """A new token and its key. The key is returned this once; only its digest is kept."""
    user = acting_user(actor)
    if scope not in TokenScope.values:
        raise ValidationError({"scope": _("Scope must be read or write.")})
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, to recognise it later.")})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name[:100], prefix=raw[: len(TOKEN_PREFIX) + 6], scope=scope)
    token.digest = token_digest(raw)
    save_with_history(token, actor=actor)
    return token, raw


@transaction.atomic
def token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    user = acting_user(actor)
    if token.user_id != user.pk and not is_steward(user):
        raise PermissionDenied(_("Only its owner can revoke a token."))
    if token.revoked is None:
        token.revoked = timezone.now()
        save_with_history(token, actor=actor)
    return token


def token_authenticate(raw: str) -> ApiToken | None:
    """The active token with this key, its owner active, or None."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(raw), revoked__isnull=True, user__is_active=True)
        .first()
    )
    # Written at most every five minutes: a busy client must not turn every read into a write.
    stale = timezone.now() - timedelta(minutes=5)
    if token is not None and (token.last_used is None or token.last_used < stale):
        ApiToken.objects.filter(pk=token.pk).update(last_used=timezone.now())
    return token


# Notifications ------------------------------------------------------------------------------


def _name(user: Any) -> str:
    profile = Profile.objects.filter(user=user).first()
    return (profile.display_name if profile else "") or user.get_username()


def notify(user: Any, subject: str, *, body: str = "", url: str = "") -> Notification:
    """Tells ``user`` in the site and, unless they opted out, by e-mail once the change commits."""
    notification = Notification.objects.create(user=user, subject=subject[:300], body=body, url=url)
    profile = Profile.objects.filter(user=user).first()
    if user.email and (profile is None or profile.email_notifications):
        link = settings.STOCKTAKE_BASE_URL.rstrip("/") + url if url else ""
        text = "\n\n".join(part for part in (body, link) if part)

        def send() -> None:
            _send(user.email, subject, text)
            Notification.objects.filter(pk=notification.pk).update(emailed=timezone.now())

        transaction.on_commit(send)
    return notification


@transaction.atomic
def notifications_mark_read(*, actor: Actor, ids: list[int] | None = None) -> int:
    user = acting_user(actor)
    unread = Notification.objects.filter(user=user, read__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read=timezone.now())


def _send(to: str, subject: str, body: str) -> None:
    try:
        send_mail(subject, body, None, [to])
    except Exception:  # a mail server that is down must not undo the change that was made
        logger.exception("could not send e-mail to %s", to)


def _send_later(to: str, subject: str, body: str) -> None:
    transaction.on_commit(lambda: _send(to, subject, body))


# The operator at the command line --------------------------------------------------------------


@dataclass(frozen=True)
class Provisioned:
    user: Any
    created: bool
    password: str  # the password set, when one was generated; empty otherwise


@transaction.atomic
def account_provision(
    *,
    actor: Actor,
    email: str,
    password: str = "",
    steward: bool | None = None,
    reviewer: bool | None = None,
    display_name: str = "",
    memberships: Sequence[tuple[Organisation, str]] = (),
) -> Provisioned:
    """Creates or updates an account from the command line (``stocktake user``): the operator, who has
    the server's shell, vouches for the address, so it counts as verified. A password is generated
    when none is given, and returned this once."""
    if actor.user is not None or actor.source not in ("cli", "system"):
        raise PermissionDenied(_("Accounts are provisioned from the command line only."))
    email = normalise_email(email)
    user = User.objects.filter(username=email).first()
    generated = ""
    created = user is None
    if user is None:
        generated = "" if password else secrets.token_urlsafe(15)
        user = user_register(
            actor=actor, email=email, password=password or generated, display_name=display_name
        )
        assert user is not None  # the address had no account
    elif password:
        validate_password(password, user)
        user.set_password(password)
        save_with_history(user, actor=actor, note="password set from the command line")
    if steward is not None and user.is_staff != steward:
        user.is_staff = steward
        save_with_history(user, actor=actor, note="steward" if steward else "no longer steward")
    profile, _created = Profile.objects.get_or_create(user=user)
    profile.email_verified = profile.email_verified or timezone.now()
    if reviewer is not None:
        profile.is_reviewer = reviewer
    if display_name:
        profile.display_name = display_name
    profile.updated = timezone.now()
    save_with_history(profile, actor=actor)
    for organisation, role in memberships:
        membership = Membership.objects.filter(user=user, organisation=organisation).first() or Membership(
            user=user, organisation=organisation
        )
        membership.role = role
        membership.status = MembershipStatus.APPROVED
        membership.decided_at = timezone.now()
        membership.updated = timezone.now()
        save_with_history(membership, actor=actor)
    return Provisioned(user=user, created=created, password=generated)


def password_changed(*, actor: Actor, user: Any, how: str) -> None:
    """Records that a password changed (never the hash: see ``core.history.SECRET_FIELDS``)."""
    history_record_states(
        actor=actor, obj=user, before={"password": "•••"}, after={"password": "••• (new)"}, note=how
    )

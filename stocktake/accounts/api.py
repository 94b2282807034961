"""The API's authentication (bearer tokens, scoped read or write), its error answers, ``/api/v1/me``
and ``/api/v1/memberships``.

Tokens are made and revoked in the web interface (``accounts.services.token_create``). Write endpoints
take only a ``write`` token; read endpoints take either scope, a signed-in browser session, or nothing
(public data). The permission itself is checked by the services, as for the web.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Router, Schema, Status
from ninja.errors import HttpError
from ninja.security.http import HttpAuthBase

from stocktake.accounts.choices import MembershipRole, TokenScope
from stocktake.accounts.models import ApiToken, Membership, Profile
from stocktake.accounts.permissions import is_reviewer, is_steward
from stocktake.accounts.ratelimit import bearer_key, request_token
from stocktake.accounts.services import is_verified, membership_decide, membership_request
from stocktake.core.choices import ChangeSource
from stocktake.core.history import Actor
from stocktake.organisations.models import Organisation

# Authentication --------------------------------------------------------------------------------


class ApiAuthError(Exception):
    """Refused before the endpoint runs: 401 (no usable token) or 403 (a read-only token)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class Caller:
    """Who calls: a token's owner, a signed-in browser's user, or nobody (public reads)."""

    user: Any = None
    token: ApiToken | None = None

    @property
    def actor(self) -> Actor:
        return Actor(source=ChangeSource.API, user=self.user)

    def __bool__(self) -> bool:
        return True  # ninja treats a falsy answer as "not authenticated"; nobody is a valid caller


class TokenAuth(HttpAuthBase):
    """``Authorization: Bearer stk_...``; shown in the OpenAPI document as the bearer scheme.

    ``write``: only a write token will do. ``optional``: a request without a token goes on as the
    signed-in browser's user or as nobody; a token that is sent must still be valid.
    """

    openapi_scheme = "bearer"

    def __init__(self, *, write: bool = False, optional: bool = False) -> None:
        super().__init__()
        self.write = write
        self.optional = optional

    def __call__(self, request: HttpRequest) -> Caller:
        if not request.headers.get("Authorization", "").strip():
            return self._without_token(request)
        if bearer_key(request) is None:
            raise ApiAuthError(401, _("Send the API token as 'Authorization: Bearer stk_…'."))
        token = request_token(request)
        if token is None:
            raise ApiAuthError(401, _("This API token is not valid: it is unknown or was revoked."))
        if self.write and token.scope != TokenScope.WRITE:
            raise ApiAuthError(
                403, _("This API token may only read. Make a token with the write scope to change data.")
            )
        return Caller(user=token.user, token=token)

    def _without_token(self, request: HttpRequest) -> Caller:
        if self.write:
            # A browser session is not enough: a page on another site could make the browser send it.
            raise ApiAuthError(
                401, _("Changing data through the API needs an API token with the write scope.")
            )
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return Caller(user=user)
        if self.optional:
            return Caller()
        raise ApiAuthError(401, _("Sign in, or send an API token as 'Authorization: Bearer stk_…'."))


write_auth = TokenAuth(write=True)
read_auth = TokenAuth()
public_auth = TokenAuth(optional=True)


def caller_of(request: HttpRequest) -> Caller:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, Caller) else Caller()


# Errors ------------------------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str


class ValidationErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = Field(description="messages by field; '__all__' for the whole record")


ERRORS: dict[int, type[Schema]] = {
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    410: ErrorOut,
    422: ValidationErrorOut,
    429: ErrorOut,
}


def validation_errors(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            field: [str(message) for message in messages] for field, messages in error.message_dict.items()
        }
    return {"__all__": [str(message) for message in error.messages]}


def install_error_handlers(api: NinjaAPI) -> None:
    """Services refuse with PermissionDenied and ValidationError: the API names the reason or field.

    (The handlers take ``Any``: ninja's annotation also allows the exception's class.)"""

    def auth_error(request: HttpRequest, error: Any) -> HttpResponse:
        response = api.create_response(request, {"detail": error.detail}, status=error.status)
        if error.status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    def permission_denied(request: HttpRequest, error: Any) -> HttpResponse:
        detail = str(error) or _("You are not allowed to do this.")
        return api.create_response(request, {"detail": detail}, status=403)

    def invalid(request: HttpRequest, error: Any) -> HttpResponse:
        errors = validation_errors(error)
        body = {"detail": _("The data is not valid: see the errors by field."), "errors": errors}
        return api.create_response(request, body, status=422)

    api.add_exception_handler(ApiAuthError, auth_error)
    api.add_exception_handler(PermissionDenied, permission_denied)
    api.add_exception_handler(ValidationError, invalid)


def field_error(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


# /me -------------------------------------------------------------------------------------------

me_router = Router(tags=["account"])


class MembershipOut(Schema):
    id: int
    organisation: str = Field(description="the organisation's slug")
    organisation_name: str
    role: str
    status: str
    note: str
    decided_at: datetime | None

    @staticmethod
    def resolve_organisation(obj: Membership) -> str:
        return obj.organisation.slug

    @staticmethod
    def resolve_organisation_name(obj: Membership) -> str:
        return obj.organisation.name


class TokenOut(Schema):
    name: str
    scope: str
    created: datetime


class MeOut(Schema):
    id: int
    username: str
    email: str
    display_name: str
    email_verified: bool
    steward: bool
    reviewer: bool
    memberships: list[MembershipOut]
    token: TokenOut | None = Field(description="the token this request was made with; null in a browser")


@me_router.get("", response={200: MeOut, **ERRORS}, auth=read_auth, summary="Who I am")
def me(request: HttpRequest) -> dict[str, Any]:
    """The caller: their roles on the platform, their memberships and the token they use."""
    caller = caller_of(request)
    user = caller.user
    profile = Profile.objects.filter(user=user).first()
    memberships = Membership.objects.filter(user=user).select_related("organisation")
    return {
        "id": user.pk,
        "username": user.get_username(),
        "email": user.email,
        "display_name": profile.display_name if profile else "",
        "email_verified": is_verified(user),
        "steward": is_steward(user),
        "reviewer": is_reviewer(user),
        "memberships": list(memberships),
        "token": caller.token,
    }


# Memberships -------------------------------------------------------------------------------------

memberships_router = Router(tags=["account"])


class MembershipRequestIn(Schema):
    organisation: str = Field(description="the organisation's slug")
    note: str = Field("", max_length=500, description="a word for the organisation's administrators")


class MembershipDecisionIn(Schema):
    approve: bool
    role: str = Field(MembershipRole.MEMBER, description="member or admin (for an approval)")


def _membership(pk: int) -> Membership:
    membership = Membership.objects.select_related("organisation").filter(pk=pk).first()
    if membership is None:
        raise HttpError(404, _("No membership has the id %(id)s.") % {"id": pk})
    return membership


@memberships_router.post(
    "",
    response={200: MembershipOut, 201: MembershipOut, **ERRORS},
    auth=write_auth,
    summary="Ask to join an organisation",
)
def membership_create(request: HttpRequest, payload: MembershipRequestIn) -> Status[Membership]:
    """Asks to join the organisation; its administrators (or, failing them, the stewards) decide.
    Answers 200 with the request already made, if there is one."""
    caller = caller_of(request)
    organisation = Organisation.objects.filter(slug=payload.organisation).first()
    if organisation is None:
        raise field_error(
            "organisation", _("No organisation has the slug %(slug)r.") % {"slug": payload.organisation}
        )
    existed = Membership.objects.filter(user=caller.user, organisation=organisation).exists()
    membership = membership_request(actor=caller.actor, organisation=organisation, note=payload.note)
    return Status(200 if existed else 201, _membership(membership.pk))


@memberships_router.post(
    "/{int:membership_id}/decide",
    response={200: MembershipOut, **ERRORS},
    auth=write_auth,
    summary="Approve or decline a membership",
)
def membership_decide_endpoint(
    request: HttpRequest, membership_id: int, payload: MembershipDecisionIn
) -> Membership:
    """For the organisation's administrators and stewards: approves (with a role) or declines."""
    caller = caller_of(request)
    membership = membership_decide(
        actor=caller.actor, membership=_membership(membership_id), approve=payload.approve, role=payload.role
    )
    return _membership(membership.pk)

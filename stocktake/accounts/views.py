"""The account pages: signing up and in, the profile, memberships, affiliations, tokens, notifications.

Thin views: they parse a form, call a service from ``accounts.services`` and render or redirect. A
service's PermissionDenied becomes a 403 page naming the reason, its ValidationError a form error.
Every page here is personal, so none is cached (``never_cache``: ``Cache-Control: private, no-store``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from stocktake.accounts import selectors, services
from stocktake.accounts.forms import (
    AffiliationForm,
    EmailForm,
    LoginForm,
    MembershipDecisionForm,
    MembershipRequestForm,
    PasswordResetForm,
    ProfileForm,
    ReviewerForm,
    SignupForm,
    TokenForm,
)
from stocktake.accounts.models import Affiliation, ApiToken, Membership
from stocktake.accounts.permissions import (
    is_organisation_admin,
    is_reviewer,
    is_steward,
    member_organisation_ids,
    profile_of,
)
from stocktake.core.addresses import client_address
from stocktake.core.history import Actor
from stocktake.core.views import paginate
from stocktake.organisations.models import Organisation
from stocktake.organisations.selectors import organisation_list

User = get_user_model()
View = Callable[..., HttpResponse]

NOTIFICATIONS_PER_PAGE = 50
PEOPLE_PER_PAGE = 50
SEARCH_RESULTS = 20  # organisations offered for a name typed in the join and affiliation searches


def _render(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    # Jinja2 has no context processors: the flash messages of a redirect come along here.
    context = {"messages": list(get_messages(request)), **context}
    return render(request, f"accounts/{template}", context, status=status)


def _forbidden(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
    reason = str(error) or _("You may not do this.")
    return _render(request, "forbidden.html", {"reason": reason}, status=403)


def _form_error(form: Form, error: ValidationError) -> None:
    """Puts a service's ValidationError on the form: on its field when it names one the form has."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def account_page(view: View) -> View:
    """A personal page: sign-in required, never cached, and a service's refusal shown as a 403 page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as error:
            return _forbidden(request, error)

    return never_cache(login_required(wrapped))


def _safe_next(request: HttpRequest, target: str) -> str | None:
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def _back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    """Back to the page a form came from (its ``next`` field), if that is on this site."""
    return redirect(_safe_next(request, request.POST.get("next", "")) or default)


# Signing up ------------------------------------------------------------------------------------


def _send_verification(request: HttpRequest, user: Any) -> None:
    path = reverse("accounts:verify", args=[services.email_verification_token(user)])
    services.send_verification_email(user, link=request.build_absolute_uri(path))


@never_cache
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:home")
    form = SignupForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            user = services.user_register(
                actor=Actor.from_request(request),
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                display_name=form.cleaned_data["display_name"],
            )
        except ValidationError as error:
            _form_error(form, error)
        else:
            # The same answer whether the address was new or not: the owner of a known one hears by e-mail.
            if user is not None:
                _send_verification(request, user)
            return redirect("accounts:signup_sent")
    return _render(request, "signup.html", {"form": form})


@never_cache
def signup_sent(request: HttpRequest) -> HttpResponse:
    return _render(request, "signup_sent.html", {})


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = services.email_verify(token=token)
    except ValidationError as error:
        return _render(request, "verify_failed.html", {"problems": error.messages, "form": EmailForm()}, 400)
    if request.user.pk != user.pk:
        auth_login(request, user)  # a new session: whoever held the old one does not come along
    messages.success(request, _("Thank you: your e-mail address is confirmed."))
    return redirect("accounts:home")


@never_cache
@require_http_methods(["GET", "POST"])
def verify_resend(request: HttpRequest) -> HttpResponse:
    """Sends a new verification link. Anyone may ask for any address: the answer never says more."""
    if request.user.is_authenticated:
        if request.method == "POST" and not services.is_verified(request.user):
            _send_verification(request, request.user)
            messages.success(request, _("We sent a new link to %(email)s.") % {"email": request.user.email})
        return redirect("accounts:home")
    form = EmailForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        user = User.objects.filter(username=form.cleaned_data["email"], is_active=True).first()
        if user is not None and not services.is_verified(user):
            _send_verification(request, user)
        return redirect("accounts:signup_sent")
    return _render(request, "verify_resend.html", {"form": form})


# Signing in and out ------------------------------------------------------------------------------


def _throttled(request: HttpRequest, form: LoginForm, seconds: int) -> HttpResponse:
    until = timezone.now() + timedelta(seconds=seconds)
    minutes = max(1, (seconds + 59) // 60)
    response = _render(
        request, "login_throttled.html", {"form": form, "until": until, "minutes": minutes}, 429
    )
    response["Retry-After"] = str(seconds)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        form = LoginForm(initial={"next": request.GET.get("next", "")})
        return _render(request, "login.html", {"form": form})
    form = LoginForm(request.POST)
    if form.is_valid():
        email, address = form.cleaned_data["email"], client_address(request)
        # Checked before the password: a locked name is refused even the right one, or guessing goes on.
        throttle = services.login_throttle(username=email, address=address)
        if not throttle.allowed:
            return _throttled(request, form, throttle.retry_after)
        user = authenticate(request, username=email, password=form.cleaned_data["password"])
        if user is not None:
            services.login_succeeded(username=email, address=address)
            auth_login(request, user)  # rotates the session key and the CSRF token
            target = _safe_next(request, form.cleaned_data["next"])
            return redirect(target or resolve_url(settings.LOGIN_REDIRECT_URL))
        services.login_failed(username=email, address=address)
        # One message for an unknown address, a wrong password and a closed account alike.
        form.add_error(None, _("This e-mail address and password do not match an account."))
    return _render(request, "login.html", {"form": form})


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


# Passwords: Django's views, with pages of ours ---------------------------------------------------

password_reset = never_cache(
    auth_views.PasswordResetView.as_view(
        form_class=PasswordResetForm,
        template_name="accounts/password_reset.html",
        success_url=reverse_lazy("accounts:password_reset_done"),
    )
)
password_reset_done = never_cache(
    auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    @transaction.atomic
    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.password_changed(
            actor=Actor(source="web", user=form.user), user=form.user, how="password reset"
        )
        return response


# Django's view swaps the token in the address for a session key before showing the form, so the
# token never leaks through a Referer header.
password_reset_confirm = PasswordResetConfirmView.as_view()
password_reset_complete = never_cache(
    auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html")
)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:home")

    @transaction.atomic
    def form_valid(self, form: Any) -> HttpResponse:
        messages.success(self.request, _("Your password is changed."))
        response = super().form_valid(form)
        services.password_changed(
            actor=Actor.from_request(self.request), user=form.user, how="password change"
        )
        return response


# Django's view keeps the person signed in here and signs their other sessions out.
password_change = never_cache(PasswordChangeView.as_view())


# My account ---------------------------------------------------------------------------------------


@account_page
@require_http_methods(["GET"])
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    memberships = list(selectors.memberships_of(user))
    steward = is_steward(user)
    context = {
        "profile": profile_of(user),
        "memberships": memberships,
        "reviewer": is_reviewer(user),
        "steward": steward,
        # Stewards administer every organisation; others those they were made administrators of.
        "admin_of": {m.organisation_id for m in memberships}
        if steward
        else member_organisation_ids(user, admin=True),
        "unread": selectors.notifications_of(user).filter(read__isnull=True).count(),
        "token_count": selectors.tokens_of(user).filter(revoked__isnull=True).count(),
    }
    return _render(request, "home.html", context)


@account_page
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    current = profile_of(request.user)
    assert current is not None  # signed in
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                services.profile_update(actor=Actor.from_request(request), **form.cleaned_data)
            except ValidationError as error:
                _form_error(form, error)
            else:
                messages.success(request, _("Your profile is saved."))
                return redirect("accounts:home")
    else:
        form = ProfileForm(
            initial={
                "display_name": current.display_name,
                "stakeholder_group": current.stakeholder_group_id,
                "expertise": current.expertise,
                "email_notifications": current.email_notifications,
            }
        )
    return _render(request, "profile.html", {"form": form})


# Memberships --------------------------------------------------------------------------------------


def _search(request: HttpRequest) -> tuple[str, list[Organisation]]:
    q = request.GET.get("q", "").strip()[:200]
    return q, list(organisation_list(q=q)[:SEARCH_RESULTS]) if q else []


@account_page
@require_http_methods(["GET", "POST"])
def organisations(request: HttpRequest) -> HttpResponse:
    form = MembershipRequestForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        organisation = get_object_or_404(Organisation, slug=form.cleaned_data["organisation"])
        try:
            services.membership_request(
                actor=Actor.from_request(request), organisation=organisation, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Your request to join %(organisation)s is sent to its administrators.")
                % {"organisation": organisation},
            )
        return redirect("accounts:organisations")
    q, results = _search(request)
    memberships = list(selectors.memberships_of(request.user))
    context = {
        "q": q,
        "results": results,
        "memberships": memberships,
        "member_of": {m.organisation_id for m in memberships},
        "verified": services.is_verified(request.user),
    }
    return _render(request, "organisations.html", context)


@account_page
@require_http_methods(["GET"])
def organisation_members(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, slug=slug)
    if not is_organisation_admin(request.user, organisation.pk):
        raise PermissionDenied(_("Only the organisation's administrators and the stewards see its members."))
    memberships = list(selectors.organisation_memberships(organisation.pk))
    context = {"organisation": organisation, "memberships": memberships, "person_name": selectors.person_name}
    return _render(request, "organisation.html", context)


@account_page
@require_POST
def membership_decide(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(Membership.objects.select_related("organisation", "user"), pk=pk)
    default = reverse("accounts:organisation", args=[membership.organisation.slug])
    form = MembershipDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to approve or decline, and a role."))
        return _back(request, default)
    try:
        services.membership_decide(
            actor=Actor.from_request(request),
            membership=membership,
            approve=form.cleaned_data["decision"] == "approve",
            role=form.cleaned_data["role"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("Saved: %(person)s.") % {"person": selectors.person_name(membership.user)}
        )
    return _back(request, default)


@account_page
@require_POST
def membership_leave(request: HttpRequest, pk: int) -> HttpResponse:
    """A person leaves an organisation, or one of its administrators removes them."""
    membership = get_object_or_404(Membership.objects.select_related("organisation", "user"), pk=pk)
    own = membership.user_id == request.user.pk
    services.membership_remove(actor=Actor.from_request(request), membership=membership)
    if own:
        messages.success(request, _("You left %(organisation)s.") % {"organisation": membership.organisation})
        return _back(request, reverse("accounts:organisations"))
    messages.success(
        request,
        _("%(person)s no longer belongs to %(organisation)s.")
        % {"person": selectors.person_name(membership.user), "organisation": membership.organisation},
    )
    return _back(request, reverse("accounts:organisation", args=[membership.organisation.slug]))


# Declared affiliations ------------------------------------------------------------------------------


@account_page
@require_http_methods(["GET", "POST"])
def affiliations(request: HttpRequest) -> HttpResponse:
    form = AffiliationForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        organisation = get_object_or_404(Organisation, slug=form.cleaned_data["organisation"])
        services.affiliation_declare(
            actor=Actor.from_request(request),
            organisation=organisation,
            relation=form.cleaned_data["relation"],
        )
        messages.success(request, _("Declared: %(organisation)s.") % {"organisation": organisation})
        return redirect("accounts:affiliations")
    q, results = _search(request)
    declared = list(selectors.affiliations_of(request.user))
    context = {
        "q": q,
        "results": results,
        "affiliations": declared,
        "declared": {a.organisation_id for a in declared},
    }
    return _render(request, "affiliations.html", context)


@account_page
@require_POST
def affiliation_remove(request: HttpRequest, pk: int) -> HttpResponse:
    affiliation = get_object_or_404(Affiliation.objects.select_related("organisation"), pk=pk)
    services.affiliation_remove(actor=Actor.from_request(request), affiliation=affiliation)
    messages.success(request, _("Removed: %(organisation)s.") % {"organisation": affiliation.organisation})
    return redirect("accounts:affiliations")


# Reviewers ------------------------------------------------------------------------------------------


@account_page
@require_http_methods(["GET", "POST"])
def reviewers(request: HttpRequest) -> HttpResponse:
    if not is_steward(request.user):
        raise PermissionDenied(_("Only stewards name reviewers."))
    if request.method == "POST":
        form = ReviewerForm(request.POST)
        if form.is_valid():
            person = get_object_or_404(User, pk=form.cleaned_data["user"])
            named = form.cleaned_data["is_reviewer"]
            services.reviewer_set(actor=Actor.from_request(request), user=person, is_reviewer=named)
            text = _("%(person)s is now a reviewer.") if named else _("%(person)s is no longer a reviewer.")
            messages.success(request, text % {"person": selectors.person_name(person)})
        return _back(request, reverse("accounts:reviewers"))
    q = request.GET.get("q", "").strip()[:200]
    page = paginate(request, selectors.people_list(q=q), per_page=PEOPLE_PER_PAGE)
    return _render(
        request,
        "reviewers.html",
        {"page": page, "q": q, "params": {"q": q}, "person_name": selectors.person_name},
    )


# API tokens -----------------------------------------------------------------------------------------


@account_page
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST if request.method == "POST" else None)
    created: tuple[ApiToken, str] | None = None
    if form.is_valid():
        try:
            created = services.token_create(actor=Actor.from_request(request), **form.cleaned_data)
        except ValidationError as error:
            _form_error(form, error)
        else:
            form = TokenForm()
    # The new key goes in this response and nowhere else: not in an address, not in the session.
    context = {"form": form, "tokens": list(selectors.tokens_of(request.user)), "created": created}
    return _render(request, "tokens.html", context)


@account_page
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk)
    services.token_revoke(actor=Actor.from_request(request), token=token)
    messages.success(
        request, _("The token “%(name)s” is revoked: it no longer opens the API.") % {"name": token.name}
    )
    return redirect("accounts:tokens")


# Notifications ----------------------------------------------------------------------------------------


@account_page
@require_http_methods(["GET", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        services.notifications_mark_read(actor=Actor.from_request(request))
        return redirect("accounts:notifications")
    page = paginate(request, selectors.notifications_of(request.user), per_page=NOTIFICATIONS_PER_PAGE)
    unread = selectors.notifications_of(request.user).filter(read__isnull=True).count()
    return _render(request, "notifications.html", {"page": page, "params": {}, "unread": unread})

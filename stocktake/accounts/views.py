"""Views: filled in by the web part of issue 5."""

from django.http import HttpRequest, HttpResponse


def home(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def signup(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def signup_sent(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def verify(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def verify_resend(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def login(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def logout(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def password_reset(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def password_reset_done(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def password_reset_confirm(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def password_reset_complete(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def password_change(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def profile(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def organisations(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def organisation_members(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def membership_decide(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def membership_leave(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def affiliations(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def affiliation_remove(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def tokens(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def token_revoke(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def notifications(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def reviewers(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError

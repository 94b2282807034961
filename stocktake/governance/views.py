"""Views: filled in by the web part of issue 5."""

from django.http import HttpRequest, HttpResponse


def my_records(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def register(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def record(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def edit(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def submit(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def withdraw(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def send_back(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def confirm(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def editors(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def editor_revoke(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def assign(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def take(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def queue(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def checklist(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def review(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def release(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def history(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError

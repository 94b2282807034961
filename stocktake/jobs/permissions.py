"""Who may run imports and exports: stewards. Until accounts and roles arrive, a steward is an active
staff user, signed in through the admin's login page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse

View = Callable[..., HttpResponseBase]


def is_steward(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def steward_required(view: View) -> View:
    """Sends visitors who are not signed in to sign in, and refuses (403) everyone else but stewards."""

    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), login_url=reverse("admin:login"))
        if not is_steward(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return checked

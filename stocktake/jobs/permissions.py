"""Who may run imports and exports: stewards (see ``accounts.permissions``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse

from stocktake.accounts.permissions import is_steward

__all__ = ["is_steward", "steward_required"]

View = Callable[..., HttpResponseBase]


def steward_required(view: View) -> View:
    """Sends visitors who are not signed in to sign in, and refuses (403) everyone else but stewards."""

    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), login_url=reverse("accounts:login"))
        if not is_steward(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return checked

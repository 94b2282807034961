"""Stewards' admin for people. Every save goes through the history, the user's own page included;
roles and memberships are better changed on the site (``/account/``), where the services notify."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from stocktake.accounts.models import Affiliation, ApiToken, LoginFailure, Membership, Notification, Profile
from stocktake.accounts.services import password_changed
from stocktake.core.admin import HistoryAdmin, ReadOnlyAdmin
from stocktake.core.history import Actor

User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class StocktakeUserAdmin(HistoryAdmin, UserAdmin):
    """Django's user admin, its saves recorded in the history like every other write."""

    list_display = ("username", "is_active", "is_staff", "last_login", "date_joined")

    @transaction.atomic
    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and isinstance(response, HttpResponseRedirect):
            user = User.objects.get(pk=id)
            password_changed(actor=Actor.from_request(request), user=user, how="password set by a steward")
        return response


@admin.register(Profile)
class ProfileAdmin(HistoryAdmin):
    list_display = ("user", "display_name", "is_reviewer", "stakeholder_group", "email_verified")
    list_filter = ("is_reviewer", "stakeholder_group")
    search_fields = ("user__username", "display_name")
    raw_id_fields = ("user",)


@admin.register(Membership)
class MembershipAdmin(HistoryAdmin):
    list_display = ("user", "organisation", "role", "status", "decided_at")
    list_filter = ("status", "role")
    search_fields = ("user__username", "organisation__name")
    raw_id_fields = ("user", "organisation", "decided_by")


@admin.register(Affiliation)
class AffiliationAdmin(HistoryAdmin):
    list_display = ("user", "organisation", "relation")
    search_fields = ("user__username", "organisation__name")
    raw_id_fields = ("user", "organisation")


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Shown, never edited: a token is made and revoked by its owner (or revoked by a steward) on
    the site, where only its digest is kept."""

    list_display = ("name", "user", "prefix", "scope", "created", "last_used", "revoked")
    list_filter = ("scope",)
    search_fields = ("name", "user__username", "prefix")
    exclude = ("digest",)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created", "user", "subject", "read", "emailed")
    search_fields = ("user__username", "subject")


@admin.register(LoginFailure)
class LoginFailureAdmin(ReadOnlyAdmin):
    list_display = ("time", "username", "address")
    search_fields = ("username", "address")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return True  # a steward may lift a cool-off early

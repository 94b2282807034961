"""Pages of the monitoring area "health": rating a partnership's health, and the stewards' flags."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from stocktake.accounts.permissions import is_steward
from stocktake.core.history import Actor
from stocktake.governance.permissions import can_view, is_editor
from stocktake.governance.selectors import record_by_code
from stocktake.initiatives.models import Initiative
from stocktake.monitoring.forms_health import HealthCheckForm, rating_field
from stocktake.monitoring.health import current_round_start, flagged_initiatives, round_end
from stocktake.monitoring.selectors.health import own_checks, rating_form
from stocktake.monitoring.services.health import can_rate, health_check_save


def _forbidden(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, "monitoring/health_forbidden.html", {"reason": reason}, status=403)


def _form_errors(form: HealthCheckForm, error: ValidationError) -> None:
    """Puts the service's refusal next to the field it names."""
    for key, texts in error.message_dict.items():
        field = rating_field(key) if rating_field(key) in form.fields else None
        for text in texts:
            form.add_error(field, text)


def _page(
    request: HttpRequest, initiative: Initiative, form: HealthCheckForm, status: int = 200
) -> HttpResponse:
    start = current_round_start(initiative)
    current, previous = own_checks(initiative, request.user)
    context = {
        "initiative": initiative,
        "form": form,
        "round_start": start,
        "round_end": round_end(start),
        "current": current,
        "previous": {rating.aspect: rating for rating in previous.ratings.all()} if previous else {},
    }
    return render(request, "monitoring/health_rate.html", context, status=status)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def health_rate(request: HttpRequest, code: str) -> HttpResponse:
    """The "rate this round" form on a page of its own (the workspace shows it too, and posts here)."""
    initiative = record_by_code(code)
    if not can_view(request.user, initiative):
        raise Http404(_("No initiative has this code."))
    if not can_rate(request.user, initiative):
        return _forbidden(
            request, _("Only members of the partner organisations rate a published partnership's health.")
        )
    if request.method == "GET":
        current, _previous = own_checks(initiative, request.user)
        return _page(request, initiative, rating_form(initiative, request.user, current))
    form = HealthCheckForm(request.POST, initiative=initiative, user=request.user)
    if form.is_valid():
        try:
            health_check_save(
                actor=Actor.from_request(request),
                initiative=initiative,
                organisation=form.organisation(),
                ratings=form.ratings(),
            )
        except PermissionDenied as error:
            return _forbidden(request, str(error))
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Thank you: your ratings for this round are saved."))
            if is_editor(request.user, initiative):
                return redirect(reverse("governance:record", args=[initiative.code_normalised]) + "#health")
            return redirect(initiative.get_absolute_url() + "#health")
    return _page(request, initiative, form, status=400)


@require_GET
@never_cache
def health_flags(request: HttpRequest) -> HttpResponse:
    """Stewards' list of published records whose latest health round is low or diverging."""
    if not is_steward(request.user):
        return _forbidden(request, _("Only stewards see the partnership health flags."))
    return render(request, "monitoring/health_flags.html", {"flagged": flagged_initiatives()})

"""Pages of the monitoring area "results": editors add, change and remove results, indicators,
periods and disaggregations from the record's workspace. Plain forms, POST-redirect-GET; the services
check who may and what is valid. Numbers are text inputs: the service refuses text with a message
naming the field, the same message the API gives."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from stocktake.core.history import Actor
from stocktake.governance.permissions import can_edit, can_view
from stocktake.governance.selectors import record_by_code
from stocktake.initiatives.models import Initiative
from stocktake.monitoring.choices import Measure, ResultType, ValueKind
from stocktake.monitoring.models import Disaggregation, Indicator, IndicatorPeriod, Result
from stocktake.monitoring.services import results as services

# Forms -----------------------------------------------------------------------------------------


def _number(label: Any, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


def _date(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label, help_text=_("YYYY-MM-DD"), widget=forms.DateInput(attrs={"type": "date"})
    )


def _text(label: Any, *, required: bool = False) -> forms.CharField:
    return forms.CharField(label=label, required=required, widget=forms.Textarea(attrs={"rows": 2}))


class ResultForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=500)
    type = forms.ChoiceField(label=_("Type"), choices=ResultType.choices)
    description = _text(_("Description"))
    aggregation_status = forms.BooleanField(
        label=_("Suitable for adding up with other initiatives' results"), required=False, initial=True
    )


class IndicatorForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=500)
    measure = forms.ChoiceField(
        label=_("Measure"),
        choices=Measure.choices,
        help_text=_("A percentage is best given as numerator and denominator, so that it adds up correctly."),
    )
    unit = forms.CharField(
        label=_("Unit"), max_length=100, required=False, help_text=_("e.g. people trained")
    )
    description = _text(_("Description"))
    ascending = forms.BooleanField(label=_("Higher is better"), required=False, initial=True)
    cumulative = forms.BooleanField(
        label=_("Cumulative"),
        required=False,
        help_text=_("Each period's value counts everything since the start, not that period alone."),
    )
    baseline_year = forms.CharField(label=_("Baseline year"), required=False, max_length=10)
    baseline_value = _number(_("Baseline"))
    baseline_numerator = _number(_("Baseline numerator"), _("Percentages only"))
    baseline_denominator = _number(_("Baseline denominator"), _("Percentages only"))
    baseline_comment = _text(_("Baseline comment"))


class PeriodForm(forms.Form):
    period_start = _date(_("Period start"))
    period_end = _date(_("Period end"))
    target_value = _number(_("Target"))
    target_numerator = _number(_("Target numerator"), _("Percentages only"))
    target_denominator = _number(_("Target denominator"), _("Percentages only"))
    target_comment = _text(_("Target comment"))
    actual_value = _number(_("Actual"))
    actual_numerator = _number(_("Actual numerator"), _("Percentages only"))
    actual_denominator = _number(_("Actual denominator"), _("Percentages only"))
    actual_comment = _text(_("Actual comment"))


class DisaggregationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Target or actual"), choices=ValueKind.choices, initial=ValueKind.ACTUAL)
    name = forms.CharField(label=_("Dimension"), max_length=100, help_text=_("e.g. sex, region"))
    value = forms.CharField(label=_("Group"), max_length=100, help_text=_("e.g. female, north"))
    amount = _number(_("Value"))
    numerator = _number(_("Numerator"), _("Percentages only"))
    denominator = _number(_("Denominator"), _("Percentages only"))


# Views -----------------------------------------------------------------------------------------


def _record(request: HttpRequest, code: str) -> Initiative:
    initiative = record_by_code(code)
    if not can_view(request.user, initiative):
        raise Http404(_g("No initiative has this code."))
    if not can_edit(request.user, initiative):
        raise PermissionDenied(_g("You cannot edit the results of this record."))
    return initiative


def _back(initiative: Initiative) -> HttpResponse:
    return redirect(reverse("governance:record", args=[initiative.code_normalised]) + "#results-workspace")


def _add_errors(form: forms.Form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for key, messages in error.message_dict.items():
        form.add_error(key if key in form.fields else None, messages)


def _form_page(
    request: HttpRequest,
    initiative: Initiative,
    form_class: type[forms.Form],
    *,
    title: str,
    save: Callable[[Actor, dict[str, Any]], Any],
    initial: dict[str, Any] | None = None,
    context: str = "",
) -> HttpResponse:
    """GET shows the form; POST calls ``save`` with the cleaned data and goes back to the workspace,
    or shows the form again with the service's errors next to their fields."""
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                save(Actor.from_request(request), form.cleaned_data)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                return _back(initiative)
    else:
        form = form_class(initial=initial)
    page = {"initiative": initiative, "form": form, "title": title, "context": context}
    return render(request, "monitoring/results_form.html", page, status=400 if form.errors else 200)


def _values(obj: Any, form_class: type[forms.Form]) -> dict[str, Any]:
    """A stored object's values as its form shows them (numbers without trailing zeros)."""
    values: dict[str, Any] = {}
    for name in form_class.base_fields:
        value = getattr(obj, name)
        if hasattr(value, "normalize"):
            value = format(value.normalize(), "f")
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        values[name] = value
    return values


EDIT = ["GET", "POST"]


@never_cache
@require_http_methods(EDIT)
def result_add(request: HttpRequest, code: str) -> HttpResponse:
    initiative = _record(request, code)
    return _form_page(
        request,
        initiative,
        ResultForm,
        title=_g("Add a result"),
        save=lambda actor, data: services.result_create(actor=actor, initiative=initiative, **data),
    )


@never_cache
@require_http_methods(EDIT)
def result_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    initiative = _record(request, code)
    result = get_object_or_404(Result, pk=pk, initiative=initiative)
    return _form_page(
        request,
        initiative,
        ResultForm,
        title=_g("Change the result"),
        save=lambda actor, data: services.result_update(actor=actor, result=result, **data),
        initial=_values(result, ResultForm),
    )


@require_POST
def result_delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    initiative = _record(request, code)
    result = get_object_or_404(Result, pk=pk, initiative=initiative)
    services.result_delete(actor=Actor.from_request(request), result=result)
    return _back(initiative)


@never_cache
@require_http_methods(EDIT)
def indicator_add(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    initiative = _record(request, code)
    result = get_object_or_404(Result, pk=pk, initiative=initiative)
    return _form_page(
        request,
        initiative,
        IndicatorForm,
        title=_g("Add an indicator"),
        context=result.title,
        save=lambda actor, data: services.indicator_create(actor=actor, result=result, **data),
    )


def _indicator(initiative: Initiative, pk: int) -> Indicator:
    return get_object_or_404(
        Indicator.objects.select_related("result__initiative"), pk=pk, result__initiative=initiative
    )


@never_cache
@require_http_methods(EDIT)
def indicator_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    initiative = _record(request, code)
    indicator = _indicator(initiative, pk)
    return _form_page(
        request,
        initiative,
        IndicatorForm,
        title=_g("Change the indicator"),
        context=indicator.result.title,
        save=lambda actor, data: services.indicator_update(actor=actor, indicator=indicator, **data),
        initial=_values(indicator, IndicatorForm),
    )


@require_POST
def indicator_delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    initiative = _record(request, code)
    services.indicator_delete(actor=Actor.from_request(request), indicator=_indicator(initiative, pk))
    return _back(initiative)


@never_cache
@require_http_methods(EDIT)
def period_add(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    initiative = _record(request, code)
    indicator = _indicator(initiative, pk)
    return _form_page(
        request,
        initiative,
        PeriodForm,
        title=_g("Add a period"),
        context=indicator.title,
        save=lambda actor, data: services.period_create(actor=actor, indicator=indicator, **data),
    )


def _period(initiative: Initiative, pk: int) -> IndicatorPeriod:
    return get_object_or_404(
        IndicatorPeriod.objects.select_related("indicator__result__initiative"),
        pk=pk,
        indicator__result__initiative=initiative,
    )


@never_cache
@require_http_methods(EDIT)
def period_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    initiative = _record(request, code)
    period = _period(initiative, pk)
    return _form_page(
        request,
        initiative,
        PeriodForm,
        title=_g("Change the period"),
        context=period.indicator.title,
        save=lambda actor, data: services.period_update(actor=actor, period=period, **data),
        initial=_values(period, PeriodForm),
    )


@require_POST
def period_delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    initiative = _record(request, code)
    services.period_delete(actor=Actor.from_request(request), period=_period(initiative, pk))
    return _back(initiative)


@never_cache
@require_http_methods(EDIT)
def disaggregation_add(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    initiative = _record(request, code)
    period = _period(initiative, pk)
    return _form_page(
        request,
        initiative,
        DisaggregationForm,
        title=_g("Add a value for a group"),
        context=str(period),
        save=lambda actor, data: services.disaggregation_create(actor=actor, period=period, **data),
    )


@require_POST
def disaggregation_delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    initiative = _record(request, code)
    row = get_object_or_404(
        Disaggregation.objects.select_related("period__indicator__result__initiative"),
        pk=pk,
        period__indicator__result__initiative=initiative,
    )
    services.disaggregation_delete(actor=Actor.from_request(request), disaggregation=row)
    return _back(initiative)

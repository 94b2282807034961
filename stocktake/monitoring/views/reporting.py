"""Pages of the monitoring area "reporting": writing, submitting and deciding on progress reports, the
record's cadence, and the public reporting KPIs. The services check who may do what."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from stocktake.core.caching import public_page
from stocktake.core.history import Actor
from stocktake.governance import selectors as governance_selectors
from stocktake.governance.permissions import can_view
from stocktake.initiatives.filtersets import filters_from_querydict
from stocktake.initiatives.models import Initiative
from stocktake.monitoring.choices import DeliverableStatus, Measure
from stocktake.monitoring.models import Deliverable, IndicatorPeriod, ProgressReport
from stocktake.monitoring.reporting import add_months, reporting_status
from stocktake.monitoring.selectors.reporting import DIMENSIONS, report_form_rows, reporting_kpis
from stocktake.monitoring.services import reporting as services


def _record(request: HttpRequest, code: str) -> Initiative:
    initiative = governance_selectors.record_by_code(code)
    if not can_view(request.user, initiative):
        raise Http404(_("No initiative has this code."))
    return initiative


def _back(initiative: Initiative) -> HttpResponse:
    return redirect(reverse("governance:record", args=[initiative.code_normalised]) + "#reporting")


def _errors(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


# Forms ------------------------------------------------------------------------------------------


class CadenceForm(forms.Form):
    cadence_months = forms.IntegerField(
        label=gettext_lazy("Reports every (months)"), min_value=1, max_value=36, initial=12
    )
    first_due = forms.DateField(
        label=gettext_lazy("First report due"),
        required=False,
        help_text=gettext_lazy("YYYY-MM-DD; empty: one cadence after publication"),
    )


class ReportForm(forms.Form):
    """A report: its period, texts, a row per indicator period (an actual) and per deliverable."""

    period_start = forms.DateField(label=gettext_lazy("Period start"), help_text=gettext_lazy("YYYY-MM-DD"))
    period_end = forms.DateField(label=gettext_lazy("Period end"), help_text=gettext_lazy("YYYY-MM-DD"))
    narrative = forms.CharField(label=gettext_lazy("What happened"), widget=forms.Textarea, required=False)
    lessons = forms.CharField(label=gettext_lazy("Lessons learned"), widget=forms.Textarea, required=False)

    def __init__(
        self, *args: Any, periods: list[IndicatorPeriod], deliverables: list[Deliverable], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.periods = periods
        self.deliverables = deliverables
        for period in periods:
            label = f"{period.indicator.title} ({period.period_start} – {period.period_end})"
            self.fields[f"actual_{period.pk}"] = forms.DecimalField(
                label=_("Actual: %(indicator)s") % {"indicator": label},
                required=False,
                max_digits=20,
                decimal_places=4,
                error_messages={"invalid": _("Give a number for “%(indicator)s”.") % {"indicator": label}},
            )
            self.fields[f"comment_{period.pk}"] = forms.CharField(
                label=_("Comment: %(indicator)s") % {"indicator": label}, required=False
            )
            if period.indicator.measure == Measure.PERCENTAGE:
                # A percentage as its two counts, so that programmes can weigh it (never average it).
                for part, part_label in (
                    ("numerator", _("Counted (numerator)")),
                    ("denominator", _("Out of (denominator)")),
                ):
                    self.fields[f"{part}_{period.pk}"] = forms.DecimalField(
                        label=f"{part_label}: {label}",
                        required=False,
                        max_digits=20,
                        decimal_places=4,
                        min_value=0,
                        error_messages={
                            "invalid": _("Give a number for “%(indicator)s”.") % {"indicator": label}
                        },
                    )
        choices = [("", _("no change")), *DeliverableStatus.choices]
        for deliverable in deliverables:
            self.fields[f"status_{deliverable.pk}"] = forms.ChoiceField(
                label=_("Status: %(deliverable)s") % {"deliverable": deliverable.title},
                choices=choices,
                required=False,
            )

    def period_rows(self) -> list[tuple[IndicatorPeriod, Any, Any, list[Any]]]:
        return [
            (
                p,
                self[f"actual_{p.pk}"],
                self[f"comment_{p.pk}"],
                [
                    self[f"{part}_{p.pk}"]
                    for part in ("numerator", "denominator")
                    if f"{part}_{p.pk}" in self.fields
                ],
            )
            for p in self.periods
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for period in self.periods:
            numerator = cleaned.get(f"numerator_{period.pk}")
            denominator = cleaned.get(f"denominator_{period.pk}")
            if (numerator is None) != (denominator is None):
                missing = f"denominator_{period.pk}" if denominator is None else f"numerator_{period.pk}"
                self.add_error(missing, _("Give both counts, or neither."))
            elif denominator is not None and denominator <= 0:
                self.add_error(f"denominator_{period.pk}", _("A denominator must be greater than zero."))
            elif numerator is not None and denominator is not None:
                # The percentage follows from its counts.
                cleaned[f"actual_{period.pk}"] = (numerator / denominator * 100).quantize(Decimal("0.0001"))
        return cleaned

    def deliverable_rows(self) -> list[tuple[Deliverable, Any]]:
        return [(d, self[f"status_{d.pk}"]) for d in self.deliverables]

    def to_input(self) -> services.ReportInput:
        data = self.cleaned_data
        return services.ReportInput(
            period_start=data["period_start"],
            period_end=data["period_end"],
            narrative=data["narrative"],
            lessons=data["lessons"],
            actuals=[
                services.ActualInput(
                    period_id=p.pk,
                    value=data[f"actual_{p.pk}"],
                    numerator=data.get(f"numerator_{p.pk}"),
                    denominator=data.get(f"denominator_{p.pk}"),
                    comment=data[f"comment_{p.pk}"],
                )
                for p in self.periods
                if data[f"actual_{p.pk}"] is not None or data[f"comment_{p.pk}"]
            ],
            statuses=[
                services.StatusInput(deliverable_id=d.pk, status=data[f"status_{d.pk}"])
                for d in self.deliverables
                if data[f"status_{d.pk}"]
            ],
        )


def _initial(initiative: Initiative, report: ProgressReport | None) -> dict[str, Any]:
    if report is not None:
        initial: dict[str, Any] = {
            "period_start": report.period_start,
            "period_end": report.period_end,
            "narrative": report.narrative,
            "lessons": report.lessons,
        }
        for actual in report.actuals.all():
            initial[f"actual_{actual.period_id}"] = actual.value
            initial[f"numerator_{actual.period_id}"] = actual.numerator
            initial[f"denominator_{actual.period_id}"] = actual.denominator
            initial[f"comment_{actual.period_id}"] = actual.comment
        for line in report.deliverable_statuses.all():
            initial[f"status_{line.deliverable_id}"] = line.status
        return initial
    standing = reporting_status(initiative)
    end = standing.next_due or timezone.localdate()
    start = (
        standing.last_approved.period_end + timedelta(days=1)
        if standing.last_approved
        else add_months(end, -12)
    )
    return {"period_start": start, "period_end": end}


# Pages and actions ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def report_form(request: HttpRequest, code: str, pk: int | None = None) -> HttpResponse:
    """Writes a new report, or edits a draft or returned one."""
    initiative = _record(request, code)
    report = get_object_or_404(ProgressReport, pk=pk, initiative=initiative) if pk else None
    periods, deliverables = report_form_rows(initiative)
    form = ReportForm(
        request.POST or None,
        initial=_initial(initiative, report),
        periods=periods,
        deliverables=deliverables,
    )
    if request.method == "POST" and form.is_valid():
        actor = Actor.from_request(request)
        try:
            if report is None:
                report = services.report_create(actor=actor, initiative=initiative, data=form.to_input())
            else:
                services.report_edit(actor=actor, report=report, data=form.to_input())
            if "submit" in request.POST:
                services.report_submit(actor=actor, report=report)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, problems in error.message_dict.items():
                    form.add_error(name if name in form.fields else None, problems)
            else:
                form.add_error(None, error)
        else:
            messages.success(
                request,
                _("The report is submitted for approval.")
                if "submit" in request.POST
                else _("The report is saved as a draft."),
            )
            return _back(initiative)
    context = {
        "initiative": initiative,
        "report": report,
        "form": form,
        "notices": list(get_messages(request)),
    }
    return render(request, "monitoring/reporting_form.html", context, status=400 if form.errors else 200)


@require_POST
@login_required
def report_submit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    initiative = _record(request, code)
    report = get_object_or_404(ProgressReport, pk=pk, initiative=initiative)
    try:
        services.report_submit(actor=Actor.from_request(request), report=report)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, _("The report is submitted for approval."))
    return _back(initiative)


@require_POST
@login_required
def report_decide(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    initiative = _record(request, code)
    report = get_object_or_404(ProgressReport, pk=pk, initiative=initiative)
    note = request.POST.get("note", "")
    actor = Actor.from_request(request)
    try:
        if request.POST.get("decision") == "approve":
            services.report_approve(actor=actor, report=report, note=note)
            done = _("The report is approved.")
        else:
            services.report_return(actor=actor, report=report, note=note)
            done = _("The report is returned to its authors.")
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, done)
    return _back(initiative)


@require_POST
@login_required
def cadence(request: HttpRequest, code: str) -> HttpResponse:
    initiative = _record(request, code)
    form = CadenceForm(request.POST)
    if not form.is_valid():
        for field, problems in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(str(problem) for problem in problems)}")
        return _back(initiative)
    try:
        services.schedule_set(
            actor=Actor.from_request(request),
            initiative=initiative,
            cadence_months=form.cleaned_data["cadence_months"],
            first_due=form.cleaned_data["first_due"],
        )
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, _("The reporting cadence is saved."))
    return _back(initiative)


@require_GET
@public_page
def kpis(request: HttpRequest) -> HttpResponse:
    """The public reporting KPIs, with the initiatives list's filters."""
    filters, dropped = filters_from_querydict(request.GET)
    context = {
        "kpis": reporting_kpis(filters),
        "dimensions": DIMENSIONS,
        "dropped": dropped,
        "query": request.GET.urlencode(),
    }
    return render(request, "monitoring/reporting_kpis.html", context)

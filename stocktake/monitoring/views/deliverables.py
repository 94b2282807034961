"""Pages of the monitoring area "deliverables": adding and editing a record's deliverables (with
their SMART hints, recomputed on every submit, so they work without JavaScript), and the targets of
plans of action (the list, a target's country matrix, its CSV).

Views parse, call a service and render; the services check permissions (PermissionDenied: 403).
"""

from __future__ import annotations

import csv
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from stocktake.core.caching import public_page
from stocktake.core.history import Actor
from stocktake.core.partial_dates import PartialDate
from stocktake.governance.permissions import can_view
from stocktake.governance.selectors import record_by_code
from stocktake.initiatives.models import Initiative
from stocktake.monitoring.choices import DeliverableStatus, Level
from stocktake.monitoring.models import Deliverable, Target
from stocktake.monitoring.selectors.deliverables import deliverable_view, indicators_of
from stocktake.monitoring.services.deliverables import (
    can_write_deliverables,
    deliverable_create,
    deliverable_delete,
    deliverable_evidence_add,
    deliverable_evidence_remove,
    deliverable_update,
)
from stocktake.monitoring.targets import matrix_summary, target_evaluate, target_list
from stocktake.organisations.models import Organisation
from stocktake.vocabularies.models import Region
from stocktake.vocabularies.selectors import regions_by_code

# Deliverable forms -------------------------------------------------------------------------------


class DeliverableForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=500)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("What will exist once it is delivered, for whom and where."),
    )
    responsible = forms.TypedChoiceField(
        label=gettext_lazy("Responsible organisation"), required=False, coerce=int, empty_value=None
    )
    level = forms.ChoiceField(label=gettext_lazy("Level"), required=False)
    due = forms.CharField(
        label=gettext_lazy("Due date"),
        required=False,
        max_length=10,
        help_text=gettext_lazy("2005 means by the end of 2005; also 2005-06 or 2005-06-30."),
    )
    due_offset_months = forms.IntegerField(
        label=gettext_lazy("Or due within (months)"),
        required=False,
        min_value=0,
        max_value=1200,
        help_text=gettext_lazy("e.g. 36 for “within three years”, counted from the date below."),
    )
    due_anchor_date = forms.DateField(
        label=gettext_lazy("Counted from (date)"),
        required=False,
        help_text=gettext_lazy("As 2003-12-12."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    due_anchor_label = forms.CharField(
        label=gettext_lazy("Counted from (what)"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("e.g. adoption of the plan of action"),
    )
    due_text = forms.CharField(
        label=gettext_lazy("Deadline as stated"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("The deadline in the source's own words, e.g. “by 2005”."),
    )
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=DeliverableStatus.choices)
    indicator = forms.TypedChoiceField(
        label=gettext_lazy("Indicator"), required=False, coerce=int, empty_value=None
    )
    resources = forms.CharField(
        label=gettext_lazy("Resources"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Money, people or means committed"),
    )

    def __init__(self, *args: Any, initiative: Initiative, current: Deliverable | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        organisations = _responsible_choices(initiative, current)
        self.organisations = {organisation.pk: organisation for organisation in organisations}
        cast(forms.ChoiceField, self.fields["responsible"]).choices = [("", _("— not named —"))] + [
            (organisation.pk, str(organisation)) for organisation in organisations
        ]
        cast(forms.ChoiceField, self.fields["level"]).choices = [("", "—"), *Level.choices]
        self.indicators = {indicator.pk: indicator for indicator in indicators_of(initiative)}
        cast(forms.ChoiceField, self.fields["indicator"]).choices = [("", _("— none —"))] + [
            (pk, f"{indicator.result.title}: {indicator.title}") for pk, indicator in self.indicators.items()
        ]
        if not self.indicators:
            self.fields["indicator"].help_text = _("Add results and indicators to the record to link one.")

    def clean_due(self) -> PartialDate | None:
        text = self.cleaned_data.get("due", "").strip()
        if not text:
            return None
        try:
            return PartialDate.parse(text)
        except ValueError as error:
            raise ValidationError(
                _("Enter a year (2005), a month (2005-06) or a day (2005-06-30).")
            ) from error

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["responsible"] = self.organisations.get(data["responsible"]) if data.get("responsible") else None
        data["indicator"] = self.indicators.get(data["indicator"]) if data.get("indicator") else None
        return data


class EvidenceForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("What the link shows"), max_length=300)
    url = forms.CharField(
        label=gettext_lazy("Web address"), max_length=2000, help_text=gettext_lazy("https://…")
    )


def _responsible_choices(initiative: Initiative, current: Deliverable | None) -> list[Organisation]:
    """The record's partners and owning unit (and whoever is responsible now): short and relevant."""
    condition = Q(participations__initiative=initiative)
    if initiative.owning_unit_id:
        condition |= Q(pk=initiative.owning_unit_id)
    if current is not None and current.responsible_id:
        condition |= Q(pk=current.responsible_id)
    return list(Organisation.objects.filter(condition).distinct().order_by("name"))


def _initial(deliverable: Deliverable) -> dict[str, Any]:
    due = PartialDate(deliverable.due_date, deliverable.due_precision).iso() if deliverable.due_date else ""
    return {
        "title": deliverable.title,
        "description": deliverable.description,
        "responsible": deliverable.responsible_id,
        "level": deliverable.level,
        "due": due,
        "due_offset_months": deliverable.due_offset_months,
        "due_anchor_date": deliverable.due_anchor_date,
        "due_anchor_label": deliverable.due_anchor_label,
        "due_text": deliverable.due_text,
        "status": deliverable.status,
        "indicator": deliverable.indicator_id,
        "resources": deliverable.resources,
    }


def _draft(initiative: Initiative, form: DeliverableForm, base: Deliverable | None) -> Deliverable:
    """An unsaved deliverable holding what the form holds, for the SMART hints while editing."""
    draft = Deliverable(initiative=initiative)
    if base is not None:
        for name, value in _initial(base).items():
            if name != "due":
                setattr(draft, f"{name}_id" if name in ("responsible", "indicator") else name, value)
        draft.due_date, draft.due_precision = base.due_date, base.due_precision
    cleaned = getattr(form, "cleaned_data", {})
    for name in (
        "title",
        "description",
        "level",
        "due_offset_months",
        "due_anchor_date",
        "status",
        "resources",
    ):
        if name in cleaned:
            setattr(draft, name, cleaned[name])
    if "responsible" in cleaned:
        draft.responsible_id = cleaned["responsible"]
    if "indicator" in cleaned:
        draft.indicator_id = cleaned["indicator"]
    if "due" in cleaned:
        due = cleaned["due"]
        draft.due_date = due.value if due else None
        if due:
            draft.due_precision = due.precision
    return draft


def _add_errors(form: forms.Form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for key, messages_ in error.message_dict.items():
        name = {"due_date": "due"}.get(key, key)
        form.add_error(name if name in form.fields else None, messages_)


def _editable(request: HttpRequest, code: str) -> Initiative:
    initiative = record_by_code(code)
    if not can_view(request.user, initiative):
        raise Http404(_("No initiative has this code."))
    if not can_write_deliverables(request.user, initiative):
        raise PermissionDenied(_("Only the record's editors can change its deliverables."))
    return initiative


def _workspace(initiative: Initiative) -> str:
    return reverse("governance:record", args=[initiative.code_normalised]) + "#deliverables"


def _deliverable(initiative: Initiative, pk: int) -> Deliverable:
    return get_object_or_404(
        Deliverable.objects.select_related("initiative", "responsible"), pk=pk, initiative=initiative
    )


def _form_page(
    request: HttpRequest,
    initiative: Initiative,
    form: DeliverableForm,
    deliverable: Deliverable | None,
    status: int = 200,
    evidence_form: EvidenceForm | None = None,
) -> HttpResponse:
    draft = (
        _draft(initiative, form, deliverable)
        if form.is_bound
        else (deliverable or Deliverable(initiative=initiative))
    )
    context = {
        "initiative": initiative,
        "form": form,
        "deliverable": deliverable,
        "view": deliverable_view(draft, timezone.localdate()),
        "evidence_form": evidence_form or EvidenceForm(),
        "notices": list(messages.get_messages(request)),
    }
    if request.headers.get("HX-Request") and request.GET.get("part") == "hints":
        return render(request, "monitoring/_deliverables_hints.html", context)  # 200: htmx swaps it
    return render(request, "monitoring/deliverables_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
def deliverable_add(request: HttpRequest, code: str) -> HttpResponse:
    initiative = _editable(request, code)
    if request.method == "GET":
        form = DeliverableForm(initiative=initiative, initial={"status": DeliverableStatus.PLANNED})
        return _form_page(request, initiative, form, None)
    form = DeliverableForm(request.POST, initiative=initiative)
    if form.is_valid() and "check" not in request.POST:
        try:
            deliverable = deliverable_create(
                actor=Actor.from_request(request), initiative=initiative, **form.service_fields()
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Deliverable added."))
            return redirect("monitoring:deliverables_edit", initiative.code_normalised, deliverable.pk)
    return _form_page(request, initiative, form, None, status=200 if form.is_valid() else 400)


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
def deliverable_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    initiative = _editable(request, code)
    deliverable = _deliverable(initiative, pk)
    if request.method == "GET":
        form = DeliverableForm(initiative=initiative, current=deliverable, initial=_initial(deliverable))
        return _form_page(request, initiative, form, deliverable)
    form = DeliverableForm(request.POST, initiative=initiative, current=deliverable)
    if form.is_valid() and "check" not in request.POST:
        try:
            deliverable_update(
                actor=Actor.from_request(request), deliverable=deliverable, **form.service_fields()
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Deliverable saved."))
            return redirect("monitoring:deliverables_edit", initiative.code_normalised, deliverable.pk)
    return _form_page(request, initiative, form, deliverable, status=200 if form.is_valid() else 400)


@require_POST
@login_required
def deliverable_remove(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    initiative = _editable(request, code)
    deliverable_delete(actor=Actor.from_request(request), deliverable=_deliverable(initiative, pk))
    messages.success(request, _("Deliverable deleted."))
    return redirect(_workspace(initiative))


@require_POST
@login_required
def evidence_add(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    initiative = _editable(request, code)
    deliverable = _deliverable(initiative, pk)
    form = EvidenceForm(request.POST)
    if form.is_valid():
        try:
            deliverable_evidence_add(
                actor=Actor.from_request(request), deliverable=deliverable, **form.cleaned_data
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Link added."))
            return redirect(
                reverse("monitoring:deliverables_edit", args=[initiative.code_normalised, pk]) + "#evidence"
            )
    page_form = DeliverableForm(initiative=initiative, current=deliverable, initial=_initial(deliverable))
    return _form_page(request, initiative, page_form, deliverable, status=400, evidence_form=form)


@require_POST
@login_required
def evidence_remove(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    initiative = _editable(request, code)
    deliverable = _deliverable(initiative, pk)
    deliverable_evidence_remove(
        actor=Actor.from_request(request), deliverable=deliverable, url=request.POST.get("url", "")
    )
    messages.success(request, _("Link removed."))
    return redirect(
        reverse("monitoring:deliverables_edit", args=[initiative.code_normalised, pk]) + "#evidence"
    )


# Targets -----------------------------------------------------------------------------------------


@require_GET
@public_page
def targets(request: HttpRequest) -> HttpResponse:
    rows = [(matrix, matrix_summary(matrix)) for matrix in target_list()]
    return render(request, "monitoring/deliverables_targets.html", {"rows": rows})


def _world_regions() -> list[Region]:
    return sorted(
        (region for region in regions_by_code().values() if region.level == "region"), key=lambda r: r.name
    )


@require_GET
@public_page
def target_detail(request: HttpRequest, key: str) -> HttpResponse:
    target = get_object_or_404(Target.objects.select_related("commitment"), key=key)
    regions = _world_regions()
    region = request.GET.get("region", "")
    if region and region not in {r.code for r in regions}:
        region = ""
    matrix = target_evaluate(target, region=region)
    if request.GET.get("format") == "csv":
        return _csv(matrix)
    return render(
        request,
        "monitoring/deliverables_target.html",
        {"matrix": matrix, "summary": matrix_summary(matrix), "regions": regions, "region": region},
    )


def _csv(matrix: Any) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="target-{matrix.target.key}.csv"'
    writer = csv.writer(response)
    writer.writerow(["country", "country_name", "region", "matching", "achieved", "overdue", "initiatives"])
    for cell in matrix.cells:
        writer.writerow(
            [
                cell.code,
                cell.name,
                cell.region,
                cell.count,
                "yes" if cell.achieved else "no",
                "yes" if cell.overdue else "no",
                " ".join(item.code for item in cell.initiatives),
            ]
        )
    return response

"""The record form (registration and editing), the merge choices, the review form and the workflow forms.

The record form works on "values": each field's value as the form sends it (a string, or a sorted
tuple of strings for lists), so that the record now, the record as of an earlier version and what the
person typed compare field by field when two edits meet.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stocktake.core.partial_dates import PartialDate
from stocktake.core.text import normalise_code
from stocktake.governance.checklist import CHECKLIST, SCORE_LABELS, SCORES
from stocktake.governance.choices import ReviewDecision, ReviewerCredit
from stocktake.governance.services import (
    NARRATIVE_KINDS,
    BudgetLink,
    DocumentLink,
    PartnerLink,
    section_text,
)
from stocktake.initiatives.choices import DpgStatus, Kind, Outcome, PartnerRole, Scope, SectionKind
from stocktake.initiatives.models import Initiative
from stocktake.organisations.models import Organisation
from stocktake.vocabularies.models import ActionLine, Country, Region, SdgTarget
from stocktake.vocabularies.selectors import codelist

# The record's own fields the form edits, in the form's order, and the links edited with them.
OWN_FIELDS = (
    "kind",
    "title",
    "summary",
    "language",
    "status",
    "outcome",
    "scope",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "time_frame_text",
    "deadline_text",
    "venue",
    "venue_country",
    "parent",
    "software",
    "software_licence",
    "source_repository",
    "open_standards",
    "dpg_status",
)
DATE_FIELDS = ("planned_start", "planned_end", "actual_start", "actual_end")
LINE_FIELDS = ("software", "open_standards")
# One text per narrative kind, each a value of its own so two people's edits of different sections merge.
SECTION_FIELDS = {f"section_{kind}": str(kind) for kind in NARRATIVE_KINDS}
LINK_FIELDS = (
    "countries",
    "regions",
    "action_lines",
    "sdg_targets",
    "partners",
    "budgets",
    *SECTION_FIELDS,
    "documents",
)
EXTRA_ROWS = 2  # empty partner, budget and document rows offered below the filled ones
DOCUMENT_PREFIXES = ("document_title_", "document_url_", "document_category_")

Values = dict[str, Any]


def _blank(value: Any) -> str:
    return "" if value is None else str(value)


def values_from_snapshot(state: dict[str, Any], parent_codes: dict[int, str] | None = None) -> Values:
    """The own fields' values from a snapshot (``core.history.snapshot`` or a history entry's ``after``)."""
    values: Values = {}
    for name in OWN_FIELDS:
        if name in DATE_FIELDS:
            raw = state.get(name)
            values[name] = (
                PartialDate(_as_date(raw), state.get(f"{name}_precision") or "day").iso() if raw else ""
            )
        elif name in LINE_FIELDS:
            values[name] = "\n".join(str(item) for item in state.get(name) or [])
        elif name == "venue_country":
            values[name] = _blank(state.get("venue_country_id"))
        elif name == "parent":
            parent_id = state.get("parent_id")
            if parent_id:
                codes = parent_codes if parent_codes is not None else {}
                code = codes.get(parent_id)
                if code is None:
                    code = (
                        Initiative.objects.filter(pk=parent_id).values_list("code", flat=True).first() or ""
                    )
                values[name] = code
            else:
                values[name] = ""
        else:
            values[name] = _blank(state.get(name))
    return values


def _as_date(raw: Any) -> date:
    return raw if isinstance(raw, date) else date.fromisoformat(str(raw))


def link_values(initiative: Initiative) -> Values:
    """The record's links as the form shows them."""
    partners = initiative.participations.select_related("organisation")
    return {
        "countries": tuple(sorted(initiative.country_links.values_list("country_id", flat=True))),
        "regions": tuple(sorted(initiative.region_links.values_list("region__code", flat=True))),
        "action_lines": tuple(
            sorted(initiative.action_line_links.values_list("action_line__code", flat=True))
        ),
        "sdg_targets": tuple(sorted(initiative.sdg_target_links.values_list("target__code", flat=True))),
        "partners": tuple(sorted(f"{p.organisation.slug}|{p.role}" for p in partners)),
        "budgets": tuple(sorted(f"{_amount(b.amount)} {b.currency}" for b in initiative.budgets.all())),
        **section_values(initiative),
        "documents": tuple(
            sorted(document_value(d.title, d.url, d.category) for d in initiative.documents.all())
        ),
    }


def section_values(initiative: Initiative) -> Values:
    """Each narrative kind's text; several untitled sections of one kind (from imports) read as one."""
    texts: dict[str, list[str]] = {kind: [] for kind in SECTION_FIELDS.values()}
    for section in initiative.sections.filter(kind__in=NARRATIVE_KINDS, heading=""):
        texts[section.kind].append(section_text(section.text))
    return {name: "\n\n".join(texts[kind]) for name, kind in SECTION_FIELDS.items()}


def document_value(title: str, url: str, category: str) -> str:
    """A document as one sortable value; JSON, as a title may hold any character."""
    return json.dumps([title, url, category], ensure_ascii=False)


def document_parts(value: str) -> tuple[str, str, str]:
    title, url, category = json.loads(value)
    return str(title), str(url), str(category)


def _amount(amount: Decimal) -> str:
    """100, not 100.00: the same amount reads the same whatever the database gave back."""
    text = format(amount.normalize(), "f")
    return text


def data_from_values(values: Values) -> dict[str, Any]:
    """The form data (as a browser would post it) that gives ``values``."""
    data: dict[str, Any] = {}
    for name, value in values.items():
        if name == "partners":
            for index, item in enumerate(value):
                slug, role = item.split("|", 1)
                data[f"partner_org_{index}"] = slug
                data[f"partner_role_{index}"] = role
        elif name == "budgets":
            for index, item in enumerate(value):
                amount, currency = item.split(" ", 1)
                data[f"budget_amount_{index}"] = amount
                data[f"budget_currency_{index}"] = currency
        elif name == "documents":
            for index, item in enumerate(value):
                for prefix, part in zip(DOCUMENT_PREFIXES, document_parts(item), strict=True):
                    data[f"{prefix}{index}"] = part
        elif isinstance(value, tuple):
            data[name] = list(value)
        else:
            data[name] = value
    return data


def _row_count(source: Any, prefix: str) -> int:
    if not source:
        return 0
    indexes = [
        int(key[len(prefix) :]) for key in source if key.startswith(prefix) and key[len(prefix) :].isdigit()
    ]
    return max(indexes) + 1 if indexes else 0


class PartialDateField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 10)
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"inputmode": "numeric", "pattern": r"\d{4}(-\d{2}(-\d{2})?)?", "size": "10"}
        )

    def clean(self, value: Any) -> str:
        text = super().clean(value).strip()
        if text:
            try:
                text = PartialDate.parse(text).iso()
            except ValueError as error:
                raise forms.ValidationError(
                    _("Give a year (2013), a month (2013-09) or a day (2013-09-18).")
                ) from error
        return text


class LinesField(forms.CharField):
    """One item a line."""

    widget = forms.Textarea(attrs={"rows": 3})

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        return "\n".join(line.strip() for line in text.splitlines() if line.strip())


class SectionField(forms.CharField):
    """A narrative section's text, with line breaks as stored (browsers send CRLF)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 20000)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 4}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        return section_text(super().clean(value))


def _choices(pairs: Any, empty: str = "—") -> list[tuple[str, str]]:
    return [("", empty), *[(value, label) for value, label in pairs if value != ""]]


class RecordForm(forms.Form):
    """Registration (``register=True``: organisation and code too) and editing of a record."""

    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.all(),
        help_text=_("The organisation you register for: it becomes the lead partner."),
    )
    code = forms.CharField(
        label=_("Code"),
        max_length=200,
        help_text=_("Your own reference for the initiative, unique in the registry, e.g. INT/13/001."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    title = forms.CharField(
        label=_("Title"),
        max_length=500,
        help_text=_("The name the initiative goes by, e.g. “National e-government portal”."),
    )
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What the initiative does, for whom, and what it has achieved so far."),
    )
    language = forms.ChoiceField(
        label=_("Language of the text"),
        choices=[(code, code) for code in settings.UN_LANGUAGES],
        initial="en",
        help_text=_("The language the title and summary are written in."),
    )
    status = forms.ChoiceField(
        label=_("IATI status"), required=False, help_text=_("Where the initiative stands, in IATI's terms.")
    )
    outcome = forms.ChoiceField(label=_("Outcome"), required=False, choices=_choices(Outcome.choices))
    scope = forms.ChoiceField(label=_("Scope"), required=False, choices=_choices(Scope.choices))
    planned_start = PartialDateField(
        label=_("Planned start"), help_text=_("A year, a month or a day: 2013, 2013-09 or 2013-09-18.")
    )
    planned_end = PartialDateField(label=_("Planned end"), help_text=_("e.g. 2015 or 2015-06."))
    actual_start = PartialDateField(label=_("Actual start"), help_text=_("e.g. 2013-10."))
    actual_end = PartialDateField(label=_("Actual end"), help_text=_("Leave empty while it runs."))
    time_frame_text = forms.CharField(
        label=_("Time frame as stated"),
        required=False,
        max_length=200,
        help_text=_("As the source words it, e.g. “2013–2015, three years”."),
    )
    deadline_text = forms.CharField(
        label=_("Deadline as stated"), required=False, max_length=200, help_text=_("e.g. “by 2015”.")
    )
    venue = forms.CharField(
        label=_("Venue"),
        required=False,
        max_length=300,
        help_text=_("For events: where, e.g. “CICG, Geneva”."),
    )
    venue_country = forms.ModelChoiceField(
        label=_("Venue country"), required=False, queryset=Country.objects.all(), empty_label="—"
    )
    parent = forms.CharField(
        label=_("Parent initiative"),
        required=False,
        max_length=200,
        help_text=_("The code of the programme this initiative is part of, if any, e.g. PRG/2010/01."),
    )
    software = LinesField(
        label=_("Software"), required=False, help_text=_("One a line, e.g. “DHIS2” or “X-Road”.")
    )
    software_licence = forms.CharField(
        label=_("Software licence"), required=False, max_length=100, help_text=_("e.g. MIT, GPL-3.0.")
    )
    source_repository = forms.URLField(
        label=_("Source repository"),
        required=False,
        assume_scheme="https",
        help_text=_("Where the source code is, e.g. https://github.com/example/portal."),
    )
    open_standards = LinesField(
        label=_("Open standards used"),
        required=False,
        help_text=_("One a line, e.g. “IATI 2.03”, “OpenAPI”."),
    )
    dpg_status = forms.ChoiceField(
        label=_("Digital public good status"), required=False, choices=DpgStatus.choices
    )
    section_main_expectations = SectionField(
        label=SectionKind.MAIN_EXPECTATIONS.label,
        help_text=_(
            "What the partners expected the initiative to bring about, e.g. “Every district office "
            "offers its services online by 2015”."
        ),
    )
    section_objectives = SectionField(
        label=SectionKind.OBJECTIVES.label,
        help_text=_(
            "What the initiative sets out to do, one aim a line, e.g. “Train 500 civil servants in "
            "digital services”."
        ),
    )
    section_outputs = SectionField(
        label=SectionKind.OUTPUTS.label,
        help_text=_(
            "What it has delivered: services, tools, trainings, reports, e.g. “A national portal with "
            "120 online services”."
        ),
    )
    section_accomplishments = SectionField(
        label=SectionKind.ACCOMPLISHMENTS.label,
        help_text=_(
            "The results that matter most, with figures where you have them, e.g. “Business "
            "registration cut from 30 days to 3”."
        ),
    )
    section_challenges = SectionField(
        label=SectionKind.CHALLENGES.label,
        help_text=_(
            "What got in the way and how the partners dealt with it, e.g. “Patchy connectivity in "
            "rural districts: offline forms that synchronise later”."
        ),
    )
    section_lessons_learned = SectionField(
        label=SectionKind.LESSONS_LEARNED.label,
        help_text=_(
            "What others could learn from the initiative, e.g. “Involve local officials from the "
            "design stage”."
        ),
    )
    section_sustainability = SectionField(
        label=SectionKind.SUSTAINABILITY.label,
        help_text=_(
            "How the work goes on once the funding ends, e.g. “The ministry's budget covers the running "
            "costs from 2016”."
        ),
    )
    countries = forms.ModelMultipleChoiceField(
        label=_("Countries"),
        required=False,
        queryset=Country.objects.all(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Where the initiative works. Hold Ctrl (⌘ on a Mac) to choose several."),
    )
    regions = forms.ModelMultipleChoiceField(
        label=_("Regions"),
        required=False,
        queryset=Region.objects.all(),
        to_field_name="code",
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("For work across a region rather than named countries."),
    )
    action_lines = forms.ModelMultipleChoiceField(
        label=_("WSIS Action Lines"),
        required=False,
        queryset=ActionLine.objects.all(),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The Action Lines the initiative serves."),
    )
    sdg_targets = forms.ModelMultipleChoiceField(
        label=_("SDG targets"),
        required=False,
        queryset=SdgTarget.objects.select_related("goal"),
        to_field_name="code",
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("e.g. 16.6 (effective institutions) or 9.c (access to ICT). Ctrl to choose several."),
    )

    def __init__(
        self,
        data: Any = None,
        *,
        register: bool = False,
        organisations: list[Organisation] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        self.register = register
        if register:
            # The service decides who may register for which organisation; the select offers the
            # person's own (``organisations``), while any posted organisation reaches the service.
            self.fields["organisation"].widget.choices = [("", "—")] + [
                (organisation.pk, str(organisation)) for organisation in organisations or []
            ]
        else:
            del self.fields["organisation"]
            del self.fields["code"]
        self.fields["status"].choices = _choices(  # type: ignore[attr-defined]
            sorted(codelist("ActivityStatus").items())
        )
        self.fields["countries"].label_from_instance = lambda country: country.name  # type: ignore[attr-defined]
        self.fields["action_lines"].label_from_instance = (  # type: ignore[attr-defined]
            lambda line: f"{line.code} {line.local_title}"
        )
        self.fields["sdg_targets"].label_from_instance = (  # type: ignore[attr-defined]
            lambda target: f"{target.code} {target.local_title[:90]}"
        )
        self.partner_rows = (
            max(_row_count(data, "partner_org_"), _row_count(self.initial, "partner_org_")) + EXTRA_ROWS
        )
        self.budget_rows = (
            max(_row_count(data, "budget_amount_"), _row_count(self.initial, "budget_amount_")) + EXTRA_ROWS
        )
        self.document_rows = (
            max(_row_count(data, "document_title_"), _row_count(self.initial, "document_title_")) + EXTRA_ROWS
        )
        roles = _choices(PartnerRole.choices)
        for index in range(self.partner_rows):
            self.fields[f"partner_org_{index}"] = forms.CharField(
                label=_("Partner organisation %(number)s") % {"number": index + 1},
                required=False,
                max_length=300,
                widget=forms.TextInput(attrs={"list": "organisation-names"}),
            )
            self.fields[f"partner_role_{index}"] = forms.ChoiceField(
                label=_("Role of partner %(number)s") % {"number": index + 1}, required=False, choices=roles
            )
        for index in range(self.budget_rows):
            self.fields[f"budget_amount_{index}"] = forms.DecimalField(
                label=_("Budget amount %(number)s") % {"number": index + 1},
                required=False,
                min_value=Decimal(0),
                max_digits=18,
                decimal_places=2,
            )
            self.fields[f"budget_currency_{index}"] = forms.CharField(
                label=_("Currency of budget %(number)s") % {"number": index + 1},
                required=False,
                max_length=3,
                widget=forms.TextInput(attrs={"size": 4, "autocapitalize": "characters"}),
            )
        categories = _choices(sorted(codelist("DocumentCategory").items()))
        for index in range(self.document_rows):
            number = {"number": index + 1}
            self.fields[f"document_title_{index}"] = forms.CharField(
                label=_("Title of document %(number)s") % number, required=False, max_length=300
            )
            self.fields[f"document_url_{index}"] = forms.URLField(
                label=_("Address (URL) of document %(number)s") % number,
                required=False,
                max_length=1000,
                assume_scheme="https",
            )
            self.fields[f"document_category_{index}"] = forms.ChoiceField(
                label=_("Kind of document %(number)s") % number, required=False, choices=categories
            )

    @property
    def own_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in OWN_FIELDS]

    def partner_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"partner_org_{i}"], self[f"partner_role_{i}"]) for i in range(self.partner_rows)]

    def budget_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"budget_amount_{i}"], self[f"budget_currency_{i}"]) for i in range(self.budget_rows)]

    def section_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in SECTION_FIELDS]

    def document_fields(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (self[f"document_title_{i}"], self[f"document_url_{i}"], self[f"document_category_{i}"])
            for i in range(self.document_rows)
        ]

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if not normalise_code(code):
            raise forms.ValidationError(_("A code needs at least one letter or digit."))
        return code

    def clean_parent(self) -> str:
        code = self.cleaned_data["parent"].strip()
        if code:
            normalised = normalise_code(code)
            parent = Initiative.objects.filter(
                Q(code_normalised=normalised) | Q(identifiers__normalised=normalised)
            ).first()
            if parent is None:
                raise forms.ValidationError(_("No initiative has the code %(code)s.") % {"code": code})
            return parent.code
        return ""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        partners: set[str] = set()
        for index in range(self.partner_rows):
            name = (cleaned.get(f"partner_org_{index}") or "").strip()
            role = cleaned.get(f"partner_role_{index}") or ""
            if not name and not role:
                continue
            if not name or not role:
                self.add_error(
                    f"partner_org_{index}" if not name else f"partner_role_{index}",
                    _("Give both the organisation and its role."),
                )
                continue
            organisation = _organisation_named(name)
            if organisation is None:
                self.add_error(
                    f"partner_org_{index}",
                    _("No organisation is called %(name)s: pick one from the list.") % {"name": name},
                )
                continue
            partners.add(f"{organisation.slug}|{role}")
        budgets: list[str] = []
        for index in range(self.budget_rows):
            amount = cleaned.get(f"budget_amount_{index}")
            currency = (cleaned.get(f"budget_currency_{index}") or "").strip().upper()
            if amount is None and not currency:
                continue
            if amount is None or len(currency) != 3 or not currency.isalpha():
                self.add_error(
                    f"budget_amount_{index}" if amount is None else f"budget_currency_{index}",
                    _("Give the amount and its currency as a three-letter code, e.g. 250000 and USD."),
                )
                continue
            budgets.append(f"{_amount(amount)} {currency}")
        cleaned["partners"] = tuple(sorted(partners))
        cleaned["budgets"] = tuple(sorted(budgets))
        cleaned["documents"] = tuple(sorted(self._documents(cleaned)))
        return cleaned

    def _documents(self, cleaned: dict[str, Any]) -> list[str]:
        documents: list[str] = []
        for index in range(self.document_rows):
            if self.has_error(f"document_url_{index}"):
                continue  # named next to the address already
            title = (cleaned.get(f"document_title_{index}") or "").strip()
            url = (cleaned.get(f"document_url_{index}") or "").strip()
            category = cleaned.get(f"document_category_{index}") or ""
            if not (title or url or category):
                continue
            if not title:
                self.add_error(f"document_title_{index}", _("Give the document's title too."))
                continue
            documents.append(document_value(title, url, category))
        return documents

    def values(self) -> Values:
        """What the person asks for, as values (after ``is_valid``)."""
        data = self.cleaned_data
        values: Values = {}
        for name in OWN_FIELDS:
            value = data.get(name)
            if name == "venue_country":
                values[name] = value.code if value else ""
            else:
                values[name] = _blank(value)
        values["countries"] = tuple(sorted(country.code for country in data["countries"]))
        values["regions"] = tuple(sorted(region.code for region in data["regions"]))
        values["action_lines"] = tuple(sorted(line.code for line in data["action_lines"]))
        values["sdg_targets"] = tuple(sorted(target.code for target in data["sdg_targets"]))
        values["partners"] = data["partners"]
        values["budgets"] = data["budgets"]
        for name in SECTION_FIELDS:
            values[name] = data[name]
        values["documents"] = data["documents"]
        return values


def _organisation_named(text: str) -> Organisation | None:
    """The organisation a partner row names: its short name (slug, as the list offers) or its exact name."""
    found = Organisation.objects.filter(slug=text).first()
    if found is not None:
        return found
    matches = list(Organisation.objects.filter(name__iexact=text)[:2])
    return matches[0] if len(matches) == 1 else None


def own_changes(values: Values) -> dict[str, Any]:
    """The own fields' values as ``initiative_edit`` takes them."""
    changes: dict[str, Any] = {}
    for name, value in values.items():
        if name not in OWN_FIELDS:
            continue
        if name in DATE_FIELDS:
            changes[name] = PartialDate.parse(value) if value else None
        elif name in LINE_FIELDS:
            changes[name] = [line for line in value.split("\n") if line]
        elif name == "venue_country":
            changes[name] = Country.objects.get(pk=value) if value else None
        elif name == "parent":
            changes[name] = Initiative.objects.get(code=value) if value else None
        else:
            changes[name] = value
    return changes


def link_changes(values: Values) -> dict[str, Any]:
    """The links' values as ``initiative_set_links`` takes them."""
    links: dict[str, Any] = {}
    for name, value in values.items():
        if name == "countries":
            links[name] = list(Country.objects.filter(code__in=value))
        elif name == "regions":
            links[name] = list(Region.objects.filter(code__in=value))
        elif name == "action_lines":
            links[name] = list(ActionLine.objects.filter(code__in=value))
        elif name == "sdg_targets":
            links[name] = list(SdgTarget.objects.filter(code__in=value))
        elif name == "partners":
            pairs = [item.split("|", 1) for item in value]
            by_slug = Organisation.objects.in_bulk([slug for slug, _role in pairs], field_name="slug")
            links[name] = [PartnerLink(organisation=by_slug[slug], role=role) for slug, role in pairs]
        elif name == "budgets":
            budgets = []
            for item in value:
                amount, currency = item.split(" ", 1)
                try:
                    budgets.append(BudgetLink(amount=Decimal(amount), currency=currency))
                except InvalidOperation:
                    continue
            links[name] = budgets
        elif name in SECTION_FIELDS:
            links.setdefault("sections", {})[SECTION_FIELDS[name]] = value
        elif name == "documents":
            links[name] = [DocumentLink(*document_parts(item)) for item in value]
    return links


# Workflow and review ---------------------------------------------------------------------------


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the withdrawal"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown in public where the record was."),
    )


class ReviewForm(forms.Form):
    summary = forms.CharField(
        label=_("Public summary"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the public reads on the record's page: the strengths, and what is missing."),
    )
    decision = forms.ChoiceField(
        label=_("Decision"), choices=ReviewDecision.choices, widget=forms.RadioSelect
    )
    credit = forms.ChoiceField(
        label=_("Name me as"),
        choices=ReviewerCredit.choices,
        initial=ReviewerCredit.NAME,
        widget=forms.RadioSelect,
        help_text=_("How the published review credits you."),
    )
    declaration_signed = forms.BooleanField(label=_("I sign this declaration"), required=False)
    signature = forms.CharField(label=_("Your full name, as signature"), required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        score_choices = [(str(score), f"{score} · {SCORE_LABELS[score]}") for score in SCORES]
        for item in CHECKLIST:
            self.fields[f"score_{item.key}"] = forms.TypedChoiceField(
                label=str(item.title),
                choices=score_choices,
                coerce=int,
                widget=forms.RadioSelect,
                help_text=str(item.question),
            )
            self.fields[f"comment_{item.key}"] = forms.CharField(
                label=_("Comment on “%(item)s”") % {"item": item.title},
                required=False,
                max_length=4000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def checklist_fields(self) -> list[tuple[Any, forms.BoundField, forms.BoundField]]:
        return [(item, self[f"score_{item.key}"], self[f"comment_{item.key}"]) for item in CHECKLIST]

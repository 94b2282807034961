"""The import and export forms of the jobs pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from stocktake.interchange.tabular.tables import TABLES
from stocktake.jobs.choices import ExportFormat, ImportFormat
from stocktake.jobs.services import export_querystring


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "An IATI activity file, a CSV or XLSX sheet in Stocktake's columns, or a text project page."
        ),
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=ImportFormat.choices,
        required=False,
        help_text=_("Stocktake tells the format from the file's first bytes and its name's ending."),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run"),
        required=False,
        help_text=_("Do everything and report it, but keep nothing: see what an import would do."),
    )
    all_or_nothing = forms.BooleanField(
        label=_("All or nothing"),
        required=False,
        help_text=_(
            "Keep nothing if any record is refused. Otherwise the valid records are kept and the refused "
            "ones are listed in the report."
        ),
    )


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        label=_("Format"),
        choices=ExportFormat.choices,
        help_text=_(
            "IATI XML for aid registries (initiatives that cannot make a valid activity are left out and "
            "listed), CSV or XLSX for spreadsheets, JSON as the API gives it."
        ),
    )
    table = forms.ChoiceField(
        label=_("Table (CSV only)"),
        choices=[(name, name) for name in TABLES],
        initial="initiatives",
        required=False,
        help_text=_(
            "CSV holds one table per file: initiatives, or their partners, budgets or classifications."
        ),
    )
    # The list's filters travel as its query string, so a link from the list can fill them in.
    querystring = forms.CharField(required=False, max_length=4000, widget=forms.HiddenInput)

    def clean_table(self) -> str:
        return self.cleaned_data.get("table") or "initiatives"

    def clean_querystring(self) -> str:
        cleaned, errors = export_querystring(self.cleaned_data.get("querystring", ""))
        if errors:
            raise forms.ValidationError(
                _("Some filters are not valid: %(errors)s"), params={"errors": "; ".join(errors)}
            )
        return cleaned

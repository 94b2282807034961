"""Forms of the saved searches."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from stocktake.search.models import SavedSearch

NAME_LENGTH = SavedSearch._meta.get_field("name").max_length or 200
QUERY_LENGTH = SavedSearch._meta.get_field("query").max_length or 2000


class SavedSearchForm(forms.Form):
    """Saves the list's current search; the name defaults to a description of the search."""

    name = forms.CharField(label=_("Name"), max_length=NAME_LENGTH, required=False, strip=True)
    query = forms.CharField(max_length=QUERY_LENGTH, required=False, widget=forms.HiddenInput)


class RenameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_LENGTH, strip=True)

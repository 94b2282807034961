"""The saved searches pages (the search page itself is ``initiatives.views.initiative_list``)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from stocktake.initiatives.filtersets import InitiativeFilters, filters_from_querydict
from stocktake.search.facets import describe_search, facet_labels, organisation_names
from stocktake.search.forms import NAME_LENGTH, RenameForm, SavedSearchForm
from stocktake.search.models import SavedSearch
from stocktake.search.services import (
    saved_search_create,
    saved_search_delete,
    saved_search_rename,
    saved_search_seen,
)

LOGIN_URL = reverse_lazy("accounts:login")


def _own(request: HttpRequest, pk: int) -> SavedSearch:
    """One of the signed-in person's saved searches (404 for anyone else's: not even its existence shows)."""
    return get_object_or_404(SavedSearch, pk=pk, user__pk=request.user.pk)


@never_cache
@require_GET
@login_required(login_url=LOGIN_URL)
def saved_search_list(request: HttpRequest) -> HttpResponse:
    owner = request.user.pk
    assert owner is not None  # signed in
    saved = list(SavedSearch.objects.filter(user__pk=owner))
    labels = facet_labels()
    queries = {item.pk: filters_from_querydict(QueryDict(item.query))[0] for item in saved}
    slugs = [slug for filters in queries.values() for slug in filters.organisation]
    organisations = organisation_names(slugs)
    rows = [(item, describe_search(queries[item.pk], labels, organisations)) for item in saved]
    return render(request, "search/saved_list.html", {"rows": rows})


@require_POST
@login_required(login_url=LOGIN_URL)
def saved_search_save(request: HttpRequest) -> HttpResponse:
    form = SavedSearchForm(request.POST)
    if not form.is_valid():
        return render(request, "search/saved_error.html", {"form": form}, status=400)
    filters, _errors = filters_from_querydict(QueryDict(form.cleaned_data["query"]))
    name = form.cleaned_data["name"]
    if not name:
        organisations = organisation_names(filters.organisation)
        name = describe_search(filters, facet_labels(), organisations)[:NAME_LENGTH]
    try:
        saved = saved_search_create(user=request.user, name=name, filters=filters)
    except ValidationError as error:
        return render(request, "search/saved_error.html", {"problems": error.messages}, status=400)
    return redirect(reverse("search:saved_list") + f"#saved-{saved.pk}")


@never_cache
@require_GET
@login_required(login_url=LOGIN_URL)
def saved_search_open(request: HttpRequest, pk: int) -> HttpResponse:
    saved = saved_search_seen(saved_search=_own(request, pk))
    return redirect(saved.list_url)


@require_POST
@login_required(login_url=LOGIN_URL)
def saved_search_rename_view(request: HttpRequest, pk: int) -> HttpResponse:
    saved = _own(request, pk)
    form = RenameForm(request.POST)
    if not form.is_valid():
        return render(request, "search/saved_error.html", {"form": form}, status=400)
    saved_search_rename(saved_search=saved, name=form.cleaned_data["name"])
    return redirect(reverse("search:saved_list") + f"#saved-{saved.pk}")


@require_POST
@login_required(login_url=LOGIN_URL)
def saved_search_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    saved_search_delete(saved_search=_own(request, pk))
    return redirect("search:saved_list")


def feed_href(filters: InitiativeFilters) -> str:
    """The Atom feed of a search: its filters, without sort or page (a feed lists the latest changes)."""
    encoded = urlencode(filters.active(), doseq=True)
    return reverse("search:feed") + (f"?{encoded}" if encoded else "")

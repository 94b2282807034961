"""Writing saved searches.

Saved searches are a person's own data, not registry records: they are saved plainly, with no history
entry (the history is the registry's record of changes, and the search index reads it).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stocktake.initiatives.filtersets import InitiativeFilters
from stocktake.search.models import SavedSearch

MAX_SAVED_SEARCHES = 200  # per person: enough for anyone, and a bound on what one account can store


def search_params(filters: InitiativeFilters) -> dict[str, Any]:
    """The parameters that state a search: the filters that are set, and the sort unless it is the default.

    The default sort is relevance with words and code without, so a sort equal to it (or relevance
    without words, which means code) is left out: one search has one address.
    """
    params = filters.active()
    default = "relevance" if filters.q.strip() else "code"
    if filters.effective_sort != default:
        params["sort"] = filters.effective_sort
    return params


def search_query_string(filters: InitiativeFilters) -> str:
    """The canonical query string of a search, without "?" and without a page."""
    return urlencode(search_params(filters), doseq=True)


@transaction.atomic
def saved_search_create(*, user: Any, name: str, filters: InitiativeFilters) -> SavedSearch:
    """Keeps a search under a name for a signed-in person."""
    if SavedSearch.objects.filter(user=user).count() >= MAX_SAVED_SEARCHES:
        raise ValidationError(
            _("You have %(count)s saved searches, the most one person may keep: delete some first.")
            % {"count": MAX_SAVED_SEARCHES}
        )
    saved = SavedSearch(user=user, name=name.strip(), query=search_query_string(filters))
    saved.full_clean()
    saved.save()
    return saved


@transaction.atomic
def saved_search_rename(*, saved_search: SavedSearch, name: str) -> SavedSearch:
    saved_search.name = name.strip()
    saved_search.full_clean()
    saved_search.save(update_fields=["name"])
    return saved_search


@transaction.atomic
def saved_search_delete(*, saved_search: SavedSearch) -> None:
    saved_search.delete()


def saved_search_seen(*, saved_search: SavedSearch) -> SavedSearch:
    """Notes when its owner last opened it (the saved searches page says so)."""
    saved_search.last_seen_at = timezone.now()
    SavedSearch.objects.filter(pk=saved_search.pk).update(last_seen_at=saved_search.last_seen_at)
    return saved_search

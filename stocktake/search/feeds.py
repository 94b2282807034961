"""Atom feeds of searches: any list of initiatives, followed in a feed reader.

``/initiatives/feed.atom?country=KE&wsis=C7`` reads the same filters as the list
(``filters_from_querydict``) and lists the most recently changed initiatives among the matches, so a
new or edited initiative shows at the top.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext

from stocktake.initiatives.filtersets import InitiativeFilters, filters_from_querydict
from stocktake.initiatives.rows import InitiativeRow
from stocktake.search.facets import describe_search, facet_labels, list_href, organisation_names
from stocktake.search.selectors import search_initiatives
from stocktake.search.views import feed_href

FEED_SIZE = 50


class InitiativeSearchFeed(Feed):
    """The latest changed initiatives matching a search, newest first."""

    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, *args: object, **kwargs: object) -> InitiativeFilters:
        filters, _errors = filters_from_querydict(request.GET)  # what is not understood is left out
        return filters

    def title(self, obj: InitiativeFilters) -> str:
        description = describe_search(obj, facet_labels(), organisation_names(obj.organisation))
        return gettext("Stocktake: initiatives, %(search)s") % {"search": description}

    def subtitle(self, obj: InitiativeFilters) -> str:
        return gettext("The %(count)s most recently changed initiatives that match this search.") % {
            "count": FEED_SIZE
        }

    def link(self, obj: InitiativeFilters) -> str:
        return list_href(obj.active())

    def feed_url(self, obj: InitiativeFilters) -> str:
        return feed_href(obj)

    def items(self, obj: InitiativeFilters) -> list[InitiativeRow]:
        latest = obj.model_copy(update={"sort": "-updated"})
        return search_initiatives(latest, page=1, per_page=FEED_SIZE, facets=False).rows

    def item_title(self, item: InitiativeRow) -> str:
        return f"{item.code}: {item.title}"

    def item_description(self, item: InitiativeRow) -> str:
        return str(item.summary)

    def item_link(self, item: InitiativeRow) -> str:
        return str(item.initiative.get_absolute_url())

    def item_pubdate(self, item: InitiativeRow) -> datetime:
        return item.initiative.created

    def item_updateddate(self, item: InitiativeRow) -> datetime:
        return item.initiative.updated

    def item_categories(self, item: InitiativeRow) -> list[str]:
        return [f"{line.code} {line.local_title}" for line in item.action_lines]

"""The "find experiences for my situation" page: a plain GET form and the initiatives to learn from."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET
from pydantic import ValidationError

from stocktake.core.caching import public_page
from stocktake.core.text import fold
from stocktake.jinja2 import query
from stocktake.search.similar import SimilarCase, Situation, experiences_for
from stocktake.vocabularies import selectors as vocabularies

logger = logging.getLogger(__name__)

SINGLE_FIELDS = ("country", "country_group", "q")
LIST_FIELDS = ("wsis", "sdg")
RESULTS = 20


def _field_errors() -> dict[str, str]:
    return {
        "country": gettext("Choose a country from the list."),
        "country_group": gettext("Choose a country group from the list."),
        "wsis": gettext("Choose Action Lines from the list."),
        "sdg": gettext("Choose SDGs from the list."),
        "q": gettext("Write at most 200 characters."),
    }


def situation_from_querydict(data: QueryDict) -> tuple[Situation | None, dict[str, Any], dict[str, str]]:
    """(the situation, or None if nothing usable was given; the values to fill the form with; errors
    by field). A value that is not understood is dropped and named, the others are still used."""
    raw: dict[str, Any] = {}
    for key in SINGLE_FIELDS:
        value = data.get(key, "").strip()
        if value:
            raw[key] = value
    for key in LIST_FIELDS:
        values = [value.strip() for value in data.getlist(key) if value.strip()]
        if values:
            raw[key] = values
    params = {key: raw.get(key, "") for key in SINGLE_FIELDS} | {key: raw.get(key, []) for key in LIST_FIELDS}
    messages = _field_errors()
    errors: dict[str, str] = {}
    while raw:
        try:
            return Situation.model_validate(raw), params, errors
        except ValidationError as error:
            fields = {str(problem["loc"][0]) for problem in error.errors() if problem["loc"]}
            if not fields & set(raw):
                break
            for name in fields & set(raw):
                errors[name] = messages[name]
                raw.pop(name)
    return None, params, errors


def _options() -> dict[str, list[tuple[str, ...]]]:
    countries = vocabularies.countries_by_code().values()
    return {
        "countries": sorted(
            ((country.code, country.name) for country in countries), key=lambda choice: fold(choice[1])
        ),
        "country_groups": [
            (group.code, gettext(group.name) + (f" ({group.acronym})" if group.acronym else ""))
            for group in vocabularies.country_groups()
        ],
        "action_lines": [
            (line.code, line.local_title, "sub" if line.parent_id else "")
            for line in vocabularies.action_lines()
        ],
        "sdg_goals": [(str(goal.number), goal.local_short_title) for goal in vocabularies.sdg_goals()],
    }


@require_GET
@public_page
def experience_search(request: HttpRequest) -> HttpResponse:
    situation, params, errors = situation_from_querydict(request.GET)
    cases: list[SimilarCase] = []
    unavailable = False
    if situation is not None:
        try:
            cases = experiences_for(situation, limit=RESULTS)
        except Exception:
            # The registry answers without its index; the form stays usable and says so.
            logger.exception("Experiences could not be searched for %s.", request.get_full_path())
            unavailable = True
    return render(
        request,
        "search/experiences.html",
        {
            "params": params,
            "errors": errors,
            "searched": situation is not None,
            "cases": cases,
            "unavailable": unavailable,
            "options": _options(),
            "api_query": query(situation.model_dump(exclude_defaults=True)) if situation else "",
        },
    )

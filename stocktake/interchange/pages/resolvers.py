"""Names on a text page -> registry rows: organisations (divisions, partners) and funding sources.

Organisations go through the shared `OrganisationMatcher`, which this extends with acronyms that one
organisation alone holds (a page says "DPIDG" or "UNDESA" where the registry keeps the full name, the
acronym beside it) and with forgetting what a refused record matched or created, since its savepoint
was rolled back. Funding texts are found by the parser's key, then by name or acronym; a funding source
not in the registry is created: a known fund under its full name, a country as its government.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.utils.text import slugify
from django.utils.translation import gettext as _

from stocktake.core.history import Actor
from stocktake.core.text import normalise_name
from stocktake.initiatives import services as initiatives
from stocktake.initiatives.choices import FundingSourceKind
from stocktake.initiatives.models import FundingSource
from stocktake.interchange.organisations import (
    CREATED,
    MATCHED_BY_ALIAS,
    MATCHED_BY_NAME,
    OrganisationMatcher,
)
from stocktake.interchange.pages.names import COUNTRY_CODES, COUNTRY_ENGLISH_NAMES, fold
from stocktake.interchange.reports import ImportReport, Problem
from stocktake.organisations.models import Organisation

MATCHED_BY_ACRONYM = "acronym"
# Funds the parser knows by key, with the names a new registry gives them.
KNOWN_FUNDS = {
    "un-development-account": ("United Nations Development Account", "DA"),
    "xbtc": ("Extrabudgetary technical cooperation", "XBTC"),
}
# A "partner" longer than this is prose, not a name: the text stays a section, no partner is recorded.
MAX_PARTNER_WORDS = 12
_TRAILING_ACRONYM = re.compile(r"^(?P<name>.+?)\s*\((?P<acronym>[^\s()]{2,20})\)$")
_PARTNER_SEPARATORS = re.compile(r"\s*[/;•\n]\s*")


def organisation_names(text: str) -> list[str]:
    """ "Colombian Ministry of ... (MINTIC)" -> [the name, "MINTIC"]: the acronym is another name to match."""
    text = " ".join(text.split())
    match = _TRAILING_ACRONYM.match(text)
    return [match["name"], match["acronym"]] if match else [text]


def partner_names(text: str) -> list[str] | None:
    """The names of a Cooperation Partners text ("UNDESA / MINTIC / UNDP-Colombia"); None when it is prose.

    Commas split only a list of short names ("UNDP, ITU"), not "Ministry of Finance, Planning and ...".
    """
    names: list[str] = []
    for part in _PARTNER_SEPARATORS.split(text):
        part = part.strip().lstrip("-–*").strip().rstrip(".").strip()
        pieces = [piece.strip() for piece in part.split(",")]
        if len(pieces) > 1 and all(1 <= len(piece.split()) <= 3 for piece in pieces):
            names.extend(pieces)
        elif part:
            names.append(part)
    if not names or any(len(name.split()) > MAX_PARTNER_WORDS for name in names):
        return None
    unique: dict[str, str] = {}
    for name in names:
        unique.setdefault(normalise_name(name), name)
    return list(unique.values())


class PageOrganisations(OrganisationMatcher):
    """The shared matcher, plus acronyms held by one organisation only, and forgetting a refused record's."""

    def __init__(self, *, actor: Actor, report: ImportReport, source: str) -> None:
        super().__init__(actor=actor, report=report, source=source)
        holders: dict[str, list[Organisation]] = {}
        for organisation in Organisation.objects.exclude(acronym="").order_by("pk"):
            holders.setdefault(normalise_name(organisation.acronym), []).append(organisation)
        # An acronym two organisations share says nothing about which one is meant.
        self.by_acronym = {key: found[0] for key, found in holders.items() if key and len(found) == 1}

    def find(self, names: Iterable[str]) -> Organisation | None:
        """The organisation a name, alias or unique acronym points at; None, creating nothing, otherwise."""
        names = [name.strip() for name in names if name and name.strip()]
        tables = (
            ((self.by_name, MATCHED_BY_NAME), (self.by_alias, MATCHED_BY_ALIAS)),
            ((self.by_acronym, MATCHED_BY_ACRONYM),),
        )
        for group in tables:
            for name in names:
                for table, how in group:
                    found = table.get(normalise_name(name))
                    if found is not None:
                        return self._note(names[0], found, how)
        return None

    def match(
        self, *, names: Iterable[str], ref: str | None = None, iati_type: str | None = None, place: str = ""
    ) -> Organisation | None:
        names = list(names)
        found = None if ref else self.find(names)
        return found or super().match(names=names, ref=ref, iati_type=iati_type, place=place)

    def mark(self) -> tuple[int, frozenset[tuple[str, int]]]:
        return len(self.report.organisations), frozenset(self._reported)

    def forget_since(self, mark: tuple[int, frozenset[tuple[str, int]]]) -> None:
        """Forgets what was matched and created since `mark`: a refused record's writes were rolled back."""
        count, reported = mark
        created = {match.organisation for match in self.report.organisations[count:] if match.how == CREATED}
        del self.report.organisations[count:]
        self._reported = set(reported)
        for table in (self.by_identifier, self.by_name, self.by_alias):
            for key in [key for key, organisation in table.items() if organisation.slug in created]:
                del table[key]


class PageFundingSources:
    """Funding texts -> funding sources: by the parser's key, else by name or acronym, else created."""

    def __init__(self, *, actor: Actor, report: ImportReport, organisations: PageOrganisations) -> None:
        self.actor = actor
        self.report = report
        self.organisations = organisations
        self.by_key = {source.key: source for source in FundingSource.objects.all()}
        self.by_name: dict[str, FundingSource] = {}
        for source in self.by_key.values():
            self._index(source)

    def _index(self, source: FundingSource) -> None:
        self.by_key[source.key] = source
        for text in (source.name, source.acronym):
            if normalise_name(text):
                self.by_name.setdefault(normalise_name(text), source)

    def mark(self) -> tuple[dict[str, FundingSource], dict[str, FundingSource]]:
        return dict(self.by_key), dict(self.by_name)

    def forget_since(self, mark: tuple[dict[str, FundingSource], dict[str, FundingSource]]) -> None:
        self.by_key, self.by_name = dict(mark[0]), dict(mark[1])

    def resolve(self, funding: dict[str, Any], place: str) -> FundingSource:
        key = funding.get("funding_source")
        text = " ".join(str(funding.get("funding_source_text") or key).split())
        found = self.by_key.get(key) if key else self.by_name.get(normalise_name(text))
        if found is not None:
            return found
        country = COUNTRY_CODES.get(fold(text).removeprefix("the "))
        organisation = None
        if key in KNOWN_FUNDS:
            (name, acronym), kind = KNOWN_FUNDS[key], FundingSourceKind.FUND
        elif key and country and slugify(COUNTRY_ENGLISH_NAMES[country]) == key:
            name, acronym, kind = COUNTRY_ENGLISH_NAMES[country], "", FundingSourceKind.GOVERNMENT
            organisation = self.organisations.find([text, name])
        else:
            name, acronym, kind = text[:200], "", FundingSourceKind.FUND
            root = (key or slugify(text))[:56] or "funding"
            key, number = root, 2
            while key in self.by_key or FundingSource.objects.filter(key=key).exists():
                key, number = f"{root}-{number}", number + 1
            message = _("Funding “%(text)s” is not a known funding source: recorded as a new fund; check it.")
            self.report.warnings.append(Problem(place, message % {"text": text}))
        created = initiatives.funding_source_create(
            actor=self.actor, key=key, name=name, kind=kind, acronym=acronym, organisation=organisation
        )
        self._index(created)
        return created

"""Matching the organisations an input names to the registry's, creating those it does not know.

The order is the issue's: the IATI organisation identifier, then the normalised name, then an alias.
A name match is taken only when it cannot contradict an identifier (the input gives none, or the
organisation has none), so two organisations that share a name but not an identifier stay apart.
The index is read once per import and kept up to date as organisations are created.

With ``deferred=True`` (batch importers) a new organisation is returned unsaved and created, with the
others of the batch, by ``save_pending`` in one insert with its history; rows may point at it until then.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.text import slugify

from stocktake.core.choices import ChangeAction
from stocktake.core.history import Actor, history_record_many, snapshot
from stocktake.core.text import normalise_name
from stocktake.interchange.reports import ImportReport, OrganisationMatch, Problem
from stocktake.organisations import services as organisations
from stocktake.organisations.models import Organisation, OrganisationAlias
from stocktake.vocabularies.selectors import is_code

MATCHED_BY_IDENTIFIER = "identifier"
MATCHED_BY_NAME = "name"
MATCHED_BY_ALIAS = "alias"
CREATED = "created"


class OrganisationMatcher:
    def __init__(self, *, actor: Actor, report: ImportReport, source: str, deferred: bool = False) -> None:
        self.actor = actor
        self.deferred = deferred
        self.pending: list[Organisation] = []
        self.slugs: set[str] | None = None  # slugs taken, read when the first is needed
        self.report = report
        self.source = source
        self.by_identifier: dict[str, Organisation] = {}
        self.by_name: dict[str, Organisation] = {}
        self.by_alias: dict[str, Organisation] = {}
        self._reported: set[tuple[str, int]] = set()
        organisations_by_pk: dict[int, Organisation] = {}
        for organisation in Organisation.objects.order_by("pk"):
            organisations_by_pk[organisation.pk] = organisation
            self._index(organisation)
        for organisation_id, normalised in OrganisationAlias.objects.order_by("pk").values_list(
            "organisation_id", "name_normalised"
        ):
            self.by_alias.setdefault(normalised, organisations_by_pk[organisation_id])

    def _index(self, organisation: Organisation) -> None:
        if organisation.iati_identifier:
            self.by_identifier.setdefault(organisation.iati_identifier.strip().upper(), organisation)
        self.by_name.setdefault(organisation.name_normalised, organisation)

    def _note(self, given: str, organisation: Organisation, how: str) -> Organisation:
        key = (given, id(organisation))
        if key not in self._reported:
            self._reported.add(key)
            self.report.organisations.append(OrganisationMatch(given, organisation.slug, how))
        return organisation

    def match(
        self, *, names: Iterable[str], ref: str | None = None, iati_type: str | None = None, place: str = ""
    ) -> Organisation | None:
        """The organisation for a ref and names (several languages), created when none matches.

        None when the input gives neither a ref nor a name: there is nothing to match or create.
        """
        ref = (ref or "").strip()
        names = [name.strip() for name in names if name and name.strip()]
        given = names[0] if names else ref
        if not given:
            return None
        if ref and (found := self.by_identifier.get(ref.upper())) is not None:
            return self._note(given, found, MATCHED_BY_IDENTIFIER)
        for name in names:
            normalised = normalise_name(name)
            for table, how in ((self.by_name, MATCHED_BY_NAME), (self.by_alias, MATCHED_BY_ALIAS)):
                found = table.get(normalised)
                if found is not None and (not ref or not found.iati_identifier):
                    return self._note(given, found, how)
        return self._create(names, ref, iati_type, place, given)

    def _create(
        self, names: list[str], ref: str, iati_type: str | None, place: str, given: str
    ) -> Organisation:
        type_code = (iati_type or "").strip()
        if type_code and not is_code("OrganisationType", type_code):
            self.report.warnings.append(
                Problem(
                    place, f"organisation type {type_code!r} is not an IATI OrganisationType code; left out"
                )
            )
            type_code = ""
        name = (names[0] if names else ref)[:300]
        if self.deferred:
            organisation = Organisation(
                name=name,
                name_normalised=normalise_name(name),
                slug=self._pending_slug(name),
                iati_identifier=ref[:150] or None,
                iati_type=type_code,
                provenance=[self.source],
            )
            self.pending.append(organisation)
        else:
            organisation = organisations.organisation_create(
                actor=self.actor,
                name=name,
                aliases=[name[:300] for name in names[1:]],
                iati_identifier=ref[:150] or None,
                iati_type=type_code,
                provenance=[self.source],
            )
        self._index(organisation)
        for alias in names[1:]:
            self.by_alias.setdefault(normalise_name(alias), organisation)
        return self._note(given, organisation, CREATED)

    def _pending_slug(self, name: str) -> str:
        if self.slugs is None:
            self.slugs = set(Organisation.objects.values_list("slug", flat=True))
        root = slugify(name)[:90] or "organisation"
        slug, number = root, 2
        while slug in self.slugs:
            slug, number = f"{root}-{number}", number + 1
        self.slugs.add(slug)
        return slug

    def save_pending(self) -> None:
        """Creates the organisations matched so far that do not exist yet: one insert, with history.

        Their other names are not kept as aliases here: a batch names an organisation by one name.
        """
        if not self.pending:
            return
        created, self.pending = self.pending, []
        Organisation.objects.bulk_create(created, batch_size=500)
        history_record_many(
            actor=self.actor,
            changes=[
                (ChangeAction.CREATE, organisation, None, snapshot(organisation)) for organisation in created
            ],
        )

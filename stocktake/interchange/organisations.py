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
CHUNK = 500  # values in one IN (...) query


class OrganisationMatcher:
    def __init__(self, *, actor: Actor, report: ImportReport, source: str, deferred: bool = False) -> None:
        self.actor = actor
        self.deferred = deferred
        self.pending: list[Organisation] = []
        self.report = report
        self.source = source
        self.by_identifier: dict[str, Organisation] = {}
        self.by_name: dict[str, Organisation] = {}
        self.by_alias: dict[str, Organisation] = {}
        self._reported: set[tuple[str, int]] = set()
        self._by_pk: dict[int, Organisation] = {}
        self._fetched_refs: set[str] = set()
        self._fetched_names: set[str] = set()
        self._unsaved_notes: list[tuple[int, Organisation]] = []  # report entries waiting for a slug
        if deferred:
            return  # batch mode reads what each batch names (prefetch), not the whole table
        for organisation in Organisation.objects.order_by("pk"):
            self._index(organisation)
        for organisation_id, normalised in OrganisationAlias.objects.order_by("pk").values_list(
            "organisation_id", "name_normalised"
        ):
            self.by_alias.setdefault(normalised, self._by_pk[organisation_id])

    def prefetch(self, *, refs: Iterable[str | None], names: Iterable[str]) -> None:
        """Batch mode: reads the organisations a batch may name (by identifier, name or alias), once."""
        wanted_refs = sorted({ref.strip() for ref in refs if ref and ref.strip()} - self._fetched_refs)
        wanted_names = sorted({normalise_name(name) for name in names if name} - self._fetched_names)
        self._fetched_refs.update(wanted_refs)
        self._fetched_names.update(wanted_names)
        for start in range(0, len(wanted_refs), CHUNK):
            for organisation in Organisation.objects.filter(
                iati_identifier__in=wanted_refs[start : start + CHUNK]
            ):
                self._index(organisation)
        for start in range(0, len(wanted_names), CHUNK):
            chunk = wanted_names[start : start + CHUNK]
            for organisation in Organisation.objects.filter(name_normalised__in=chunk):
                self._index(organisation)
            aliases = OrganisationAlias.objects.filter(name_normalised__in=chunk).select_related(
                "organisation"
            )
            for alias in aliases:
                organisation = self._by_pk.setdefault(alias.organisation_id, alias.organisation)
                self.by_alias.setdefault(alias.name_normalised, organisation)

    def _index(self, organisation: Organisation) -> None:
        if organisation.pk is not None:
            organisation = self._by_pk.setdefault(organisation.pk, organisation)
        if organisation.iati_identifier:
            self.by_identifier.setdefault(organisation.iati_identifier.strip().upper(), organisation)
        self.by_name.setdefault(organisation.name_normalised, organisation)

    def _note(self, given: str, organisation: Organisation, how: str) -> Organisation:
        key = (given, id(organisation))
        if key not in self._reported:
            self._reported.add(key)
            if organisation.pk is None:
                self._unsaved_notes.append((len(self.report.organisations), organisation))
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

    def _give_slugs(self, created: list[Organisation]) -> None:
        """Unique slugs for new organisations, read in one query for the usual case."""
        roots = [slugify(organisation.name)[:90] or "organisation" for organisation in created]
        candidates = {root if n == 1 else f"{root}-{n}" for root in roots for n in range(1, 6)}
        taken = set(Organisation.objects.filter(slug__in=candidates).values_list("slug", flat=True))
        for organisation, root in zip(created, roots, strict=True):
            slug, number = root, 2
            while slug in taken or (number > 5 and Organisation.objects.filter(slug=slug).exists()):
                slug, number = f"{root}-{number}", number + 1
            taken.add(slug)
            organisation.slug = slug

    def save_pending(self) -> None:
        """Creates the organisations matched so far that do not exist yet: one insert, with history.

        Their other names are not kept as aliases here: a batch names an organisation by one name.
        """
        if not self.pending:
            return
        created, self.pending = self.pending, []
        self._give_slugs(created)
        Organisation.objects.bulk_create(created, batch_size=500)
        for organisation in created:
            self._by_pk[organisation.pk] = organisation
        for index, organisation in self._unsaved_notes:
            match = self.report.organisations[index]
            self.report.organisations[index] = OrganisationMatch(match.given, organisation.slug, match.how)
        self._unsaved_notes = []
        history_record_many(
            actor=self.actor,
            changes=[
                (ChangeAction.CREATE, organisation, None, snapshot(organisation)) for organisation in created
            ],
        )

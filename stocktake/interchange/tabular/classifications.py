"""The classifications table: WSIS Action Lines, SDG targets and goals, and sectors, each with its basis.

A target brings its goal, so a goal is a row of its own only when it is served without a target; a
goal given beside one of its targets is left out as saying nothing more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from stocktake.core.choices import Basis
from stocktake.initiatives import services
from stocktake.initiatives.models import Initiative
from stocktake.interchange.reports import Problem
from stocktake.interchange.tabular.children import ChildTable, Entry, cell, parse_cell
from stocktake.interchange.tabular.errors import RowError, service_errors
from stocktake.interchange.tabular.reading import Row
from stocktake.interchange.tabular.tables import (
    DAC_SECTORS,
    SCHEME_SDG_GOAL,
    SCHEME_SDG_TARGET,
    SCHEME_SECTOR,
    SCHEME_WSIS,
    SCHEMES,
    SECTOR_VOCABULARY_SEPARATOR,
    initiative_classifications,
    sector_value,
)
from stocktake.interchange.tabular.values import parse_choice
from stocktake.vocabularies import selectors as vocabularies

_SECTOR_VOCABULARY = re.compile(r"^[0-9]{1,3}$")


@dataclass(frozen=True)
class Classification:
    scheme: str
    value: str  # as the export writes it
    basis: str
    target: Any = None  # the vocabulary entry: an ActionLine, SdgTarget or SdgGoal
    vocabulary: str = ""  # of a sector
    code: str = ""  # of a sector

    @property
    def key(self) -> tuple[str, str]:
        return (self.scheme, self.value)


class Classifications(ChildTable[Classification]):
    name = "classifications"

    def parse(self, row: Row, problems: list[tuple[str, str]]) -> Classification:
        scheme = cell(row, "scheme").strip().lower()
        text = cell(row, "value").strip()
        basis = parse_cell(row, problems, "basis", lambda text: parse_choice(text, Basis, blank=True)) or ""
        basis = basis or Basis.IMPORTED
        codes = self.context.codes
        if scheme not in SCHEMES:
            problems.append(
                (
                    "scheme",
                    _("expected one of %(allowed)s, got %(got)r")
                    % {"allowed": ", ".join(SCHEMES), "got": scheme},
                )
            )
            return Classification(scheme, text, basis)
        if scheme == SCHEME_SECTOR:
            vocabulary, separator, code = text.rpartition(SECTOR_VOCABULARY_SEPARATOR)
            vocabulary = vocabulary.strip() if separator else DAC_SECTORS
            code = code.strip()
            if (
                not _SECTOR_VOCABULARY.match(vocabulary)
                or not code
                or (vocabulary == DAC_SECTORS and not vocabularies.is_code("Sector", code))
            ):
                problems.append(
                    (
                        "value",
                        _(
                            "expected a DAC 5-digit sector code such as 15110, or vocabulary:code for "
                            "another IATI SectorVocabulary, got %(got)r"
                        )
                        % {"got": text},
                    )
                )
            return Classification(
                scheme, sector_value(vocabulary, code), basis, vocabulary=vocabulary, code=code
            )
        finders = {
            SCHEME_WSIS: (codes.action_line, _("a WSIS Action Line such as C7.1")),
            SCHEME_SDG_TARGET: (codes.sdg_target, _("an SDG target such as 16.6")),
            SCHEME_SDG_GOAL: (codes.sdg_goal, _("an SDG goal number from 1 to 17")),
        }
        find, expected = finders[scheme]
        found = find(text)
        if found is None:
            problems.append(
                ("value", _("expected %(expected)s, got %(got)r") % {"expected": expected, "got": text})
            )
            return Classification(scheme, text, basis)
        return Classification(scheme, str(found.code), basis, target=found)

    def prepare(self, entries: list[Entry[Classification]]) -> list[Entry[Classification]]:
        kept: dict[tuple[str, str], Entry[Classification]] = {}
        for entry in entries:
            first = kept.get(entry.item.key)
            if first is None:
                kept[entry.item.key] = entry
            elif first.item.basis == entry.item.basis or "basis" not in self.compared:
                self.duplicate(entry, first, cell(entry.row, "code"))
            else:
                raise RowError(
                    entry.row,
                    [
                        (
                            "basis",
                            _("%(scheme)s %(value)s is already in row %(row)d with the basis %(basis)s")
                            % {
                                "scheme": entry.item.scheme,
                                "value": entry.item.value,
                                "row": first.row.number,
                                "basis": first.item.basis,
                            },
                        )
                    ],
                )
        # A target brings its goal: the goal given as well says nothing more.
        goals = {
            str(entry.item.target.goal.number)
            for entry in kept.values()
            if entry.item.scheme == SCHEME_SDG_TARGET
        }
        result = []
        for entry in kept.values():
            if entry.item.scheme == SCHEME_SDG_GOAL and entry.item.value in goals:
                self.context.report.duplicates.append(
                    Problem(
                        self.sheet.place(entry.row.number),
                        _("the goal %(goal)s comes with one of its targets; left out")
                        % {"goal": entry.item.value},
                        cell(entry.row, "code"),
                    )
                )
            else:
                result.append(entry)
        return result

    def _compared_basis(self, basis: str) -> str:
        return basis if "basis" in self.compared else ""

    def apply(self, initiative: Initiative, entries: list[Entry[Classification]]) -> bool:
        stored = Initiative.objects.prefetch_related(
            "action_line_links__action_line", "sdg_target_links__target", "sdg_goal_links__goal", "sectors"
        ).get(pk=initiative.pk)
        have = {
            (scheme, value, self._compared_basis(basis))
            for scheme, value, basis in initiative_classifications(stored)
        }
        want = {(e.item.scheme, e.item.value, self._compared_basis(e.item.basis)) for e in entries}
        if have == want:
            return False
        wanted = {entry.item.key: entry for entry in entries}
        actor = self.context.actor

        def stays(scheme: str, value: str, basis: str) -> bool:
            entry = wanted.get((scheme, value))
            return entry is not None and self._compared_basis(entry.item.basis) == self._compared_basis(basis)

        kept: set[tuple[str, str]] = set()
        for link in stored.action_line_links.all():
            if stays(SCHEME_WSIS, link.action_line.code, link.basis):
                kept.add((SCHEME_WSIS, link.action_line.code))
            else:
                self.remove(link)
        for target_link in stored.sdg_target_links.all():
            if stays(SCHEME_SDG_TARGET, target_link.target.code, target_link.basis):
                kept.add((SCHEME_SDG_TARGET, target_link.target.code))
            else:
                self.remove(target_link)
        for sector in stored.sectors.all():
            value = sector_value(sector.vocabulary, sector.code)
            if stays(SCHEME_SECTOR, value, sector.basis):
                kept.add((SCHEME_SECTOR, value))
            else:
                self.remove(sector)
        # Goals: those given alone, and those the wanted targets bring.
        target_goals = {e.item.target.goal_id for e in entries if e.item.scheme == SCHEME_SDG_TARGET}
        for goal_link in stored.sdg_goal_links.all():
            value = str(goal_link.goal.number)
            if goal_link.goal_id in target_goals or stays(SCHEME_SDG_GOAL, value, goal_link.basis):
                kept.add((SCHEME_SDG_GOAL, value))
            else:
                self.remove(goal_link)
        for entry in entries:
            item = entry.item
            if item.key in kept:
                continue
            with service_errors(entry.row, "value", {"basis": "basis"}):
                if item.scheme == SCHEME_WSIS:
                    services.action_line_add(
                        actor=actor, initiative=initiative, action_line=item.target, basis=item.basis
                    )
                elif item.scheme == SCHEME_SDG_TARGET:
                    services.sdg_target_add(
                        actor=actor, initiative=initiative, target=item.target, basis=item.basis
                    )
                    kept.add((SCHEME_SDG_GOAL, str(item.target.goal.number)))
                elif item.scheme == SCHEME_SDG_GOAL:
                    services.sdg_goal_add(
                        actor=actor, initiative=initiative, goal=item.target, basis=item.basis
                    )
                else:
                    services.sector_add(
                        actor=actor,
                        initiative=initiative,
                        code=item.code,
                        vocabulary=item.vocabulary,
                        basis=item.basis,
                    )
        return True

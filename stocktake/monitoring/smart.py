"""The SMART check of a deliverable: Specific, Measurable, Achievable, Resource-based, Time-bound.

The rules, so that editors know what each criterion asks:

- Specific: a description of at least ``SPECIFIC_MIN_WORDS`` words, or a title naming a concrete
  output: a number ("100 telecentres") or one of ``OUTPUT_WORDS`` ("a national e-strategy").
- Measurable: linked to an indicator of the record's results framework.
- Achievable: a responsible organisation is named and the deliverable is not dropped.
- Resource-based: the resources (money, people or means) committed are named.
- Time-bound: it has an effective due date, absolute or relative (``deadlines.effective_due``).

The score is the number of criteria met (0-5); a record's score is the average over its deliverables.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from stocktake.monitoring.choices import DeliverableStatus
from stocktake.monitoring.deadlines import effective_due
from stocktake.monitoring.models import Deliverable

SPECIFIC_MIN_WORDS = 12
# Nouns that name something one can point at when it is delivered (English: most plans of action
# are drafted in it; a description of twelve words meets the criterion in any language).
OUTPUT_WORDS = frozenset(
    (
        "act",
        "agency",
        "agreement",
        "centre",
        "center",
        "centres",
        "centers",
        "course",
        "courses",
        "curriculum",
        "database",
        "dialogue",
        "directory",
        "e-strategy",
        "e-strategies",
        "framework",
        "fund",
        "guide",
        "guidelines",
        "law",
        "laws",
        "mechanism",
        "network",
        "observatory",
        "plan",
        "plans",
        "platform",
        "policy",
        "portal",
        "programme",
        "programmes",
        "program",
        "programs",
        "regulation",
        "report",
        "reports",
        "service",
        "services",
        "standard",
        "standards",
        "strategy",
        "strategies",
        "survey",
        "telecentre",
        "telecentres",
        "toolkit",
        "training",
        "website",
        "workshop",
        "workshops",
    )
)
_WORD = re.compile(r"[\w-]+", re.UNICODE)


@dataclass(frozen=True)
class Criterion:
    key: str  # "specific", "measurable", ...
    label: Any
    met: bool
    hint: Any  # what would meet it (shown when it is not met)


@dataclass(frozen=True)
class SmartCheck:
    criteria: tuple[Criterion, ...]

    @property
    def score(self) -> int:
        return sum(1 for criterion in self.criteria if criterion.met)

    @property
    def missing(self) -> list[Criterion]:
        return [criterion for criterion in self.criteria if not criterion.met]


def _words(text: str) -> list[str]:
    return _WORD.findall(text or "")


def is_specific(title: str, description: str) -> bool:
    if len(_words(description)) >= SPECIFIC_MIN_WORDS:
        return True
    words = [word.lower() for word in _words(title)]
    return any(word.isdigit() or word in OUTPUT_WORDS for word in words)


def smart_check(deliverable: Deliverable) -> SmartCheck:
    """Each criterion met or not, with a hint of what would meet it. Works on unsaved deliverables
    too (the form's hints as one types)."""
    criteria = (
        Criterion(
            "specific",
            _("Specific"),
            is_specific(deliverable.title, deliverable.description),
            _(
                "Describe it in at least %(count)s words, or name a concrete output in the title "
                "(a strategy, a law, 100 telecentres)."
            )
            % {"count": SPECIFIC_MIN_WORDS},
        ),
        Criterion(
            "measurable",
            _("Measurable"),
            deliverable.indicator_id is not None,
            _("Link it to an indicator of the record's results."),
        ),
        Criterion(
            "achievable",
            _("Achievable"),
            deliverable.responsible_id is not None and deliverable.status != DeliverableStatus.DROPPED,
            _("Name the organisation responsible for it (a dropped deliverable is not achievable)."),
        ),
        Criterion(
            "resourced",
            _("Resource-based"),
            bool((deliverable.resources or "").strip()),
            _("Name the money, people or means committed to it."),
        ),
        Criterion(
            "time_bound",
            _("Time-bound"),
            effective_due(deliverable) is not None,
            _("Give a due date, or a number of months counted from a date."),
        ),
    )
    return SmartCheck(criteria)


def average_score(deliverables: Iterable[Deliverable]) -> float | None:
    """The mean SMART score of deliverables, to one decimal; None when there are none."""
    scores = [smart_check(deliverable).score for deliverable in deliverables]
    if not scores:
        return None
    return round(sum(scores) / len(scores), 1)

"""The published review checklist: what a neutral expert scores on every record.

Scores run 0 (absent) to 3 (fully met). The checklist is public (/review/checklist/) so that
contributors know what reviewers look for before they submit.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    title: Promise
    question: Promise
    group: Promise


COMPLETENESS = _("Record")
PRINCIPLES = _("Partnership principles")

CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem(
        "completeness",
        _("Completeness"),
        _("Are the partners, their roles, the places, the dates, the budget and the themes given?"),
        COMPLETENESS,
    ),
    ChecklistItem(
        "smart",
        _("SMART deliverables"),
        _("Are the deliverables specific, measurable, achievable, resource-based and time-bound?"),
        COMPLETENESS,
    ),
    ChecklistItem(
        "evidence",
        _("Evidence"),
        _("Are claims of results backed by documents, links or data that others can check?"),
        COMPLETENESS,
    ),
    ChecklistItem(
        "effective",
        _("Effective"),
        _("Does the partnership have clear goals, a plan to reach them and a way to learn what works?"),
        PRINCIPLES,
    ),
    ChecklistItem(
        "equitable",
        _("Equitable"),
        _("Do the partners share decisions, risks and benefits fairly, whatever their size?"),
        PRINCIPLES,
    ),
    ChecklistItem(
        "transparent",
        _("Transparent"),
        _("Are funding, decisions and results open to the partners and the public?"),
        PRINCIPLES,
    ),
    ChecklistItem(
        "inclusive",
        _("Inclusive"),
        _("Are the stakeholder groups concerned, including those usually left out, taking part?"),
        PRINCIPLES,
    ),
)
CHECKLIST_KEYS = tuple(item.key for item in CHECKLIST)
SCORES = (0, 1, 2, 3)
SCORE_LABELS = {0: _("absent"), 1: _("weak"), 2: _("adequate"), 3: _("strong")}

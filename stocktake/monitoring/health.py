"""Partnership health checks: rounds, and the arithmetic over the ratings partners give.

A round lasts ``HEALTH_CHECK_MONTHS`` months, counted from the record's publication (or, for records
published before review existed, from its creation). Each rating scores green 2, amber 1, red 0; an
aspect's score is the mean. Flags: "low" when an aspect's mean in the latest round is below 1,
"diverging" when two stakeholder groups' means for an aspect differ by 1 or more.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from stocktake.initiatives.models import Initiative
from stocktake.monitoring.choices import HealthAspect, Rating
from stocktake.monitoring.deadlines import add_months
from stocktake.monitoring.models import HealthRating
from stocktake.monitoring.reporting import published_on

POINTS = {Rating.GREEN: 2, Rating.AMBER: 1, Rating.RED: 0}
LOW_BELOW = Fraction(1)
DIVERGING_FROM = Fraction(1)
NO_GROUP = ""


# Rounds -----------------------------------------------------------------------------------------


def round_months() -> int:
    return int(settings.HEALTH_CHECK_MONTHS)


def round_start_on(origin: date, day: date, months: int | None = None) -> date:
    """The start of the round holding ``day`` when rounds of ``months`` start at ``origin``."""
    months = months or round_months()
    if day <= origin:
        return origin
    elapsed = (day.year - origin.year) * 12 + day.month - origin.month
    count = elapsed // months
    start = add_months(origin, count * months)
    # A round starting later in its month than ``day`` has not started yet.
    while start > day:
        count -= 1
        start = add_months(origin, count * months)
    return start


def current_round_start(initiative: Initiative, today: date | None = None) -> date:
    return round_start_on(published_on(initiative), today or timezone.localdate())


def round_end(start: date) -> date:
    """The last day of the round starting at ``start``."""
    return date.fromordinal(add_months(start, round_months()).toordinal() - 1)


# Aggregation ------------------------------------------------------------------------------------


@dataclass
class Tally:
    """Counts of green, amber and red for one aspect (in one round, perhaps for one group)."""

    green: int = 0
    amber: int = 0
    red: int = 0

    def add(self, rating: str) -> None:
        setattr(self, rating, getattr(self, rating) + 1)

    @property
    def total(self) -> int:
        return self.green + self.amber + self.red

    @property
    def mean(self) -> Fraction | None:
        """The exact mean, for comparisons (None with no ratings)."""
        if not self.total:
            return None
        return Fraction(2 * self.green + self.amber, self.total)

    @property
    def score(self) -> float | None:
        mean = self.mean
        return None if mean is None else round(float(mean), 2)

    def as_dict(self) -> dict[str, Any]:
        return {
            "green": self.green,
            "amber": self.amber,
            "red": self.red,
            "total": self.total,
            "score": self.score,
        }


@dataclass
class Flag:
    kind: str  # "low" or "diverging"
    aspect: str
    reason: str
    groups: tuple[str, ...] = ()

    @property
    def aspect_label(self) -> str:
        return str(HealthAspect(self.aspect).label)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "aspect": self.aspect, "reason": self.reason, "groups": list(self.groups)}


@dataclass
class Comment:
    aspect: str
    rating: str
    group: str  # the stakeholder group's name: comments never carry their author's name
    text: str

    @property
    def aspect_label(self) -> str:
        return str(HealthAspect(self.aspect).label)


@dataclass
class RoundSummary:
    start: date
    end: date
    checks: int = 0
    aspects: dict[str, Tally] = field(default_factory=dict)
    groups: dict[str, dict[str, Tally]] = field(default_factory=dict)
    comments: list[Comment] = field(default_factory=list)

    def aspect_rows(self) -> list[tuple[str, str, Tally]]:
        return [(aspect, str(label), self.aspects[aspect]) for aspect, label in HealthAspect.choices]


@dataclass
class HealthSummary:
    rounds: list[RoundSummary]  # oldest first
    group_names: dict[str, str]
    flags: list[Flag]

    @property
    def latest(self) -> RoundSummary | None:
        return self.rounds[-1] if self.rounds else None

    def trend(self) -> list[tuple[str, str, list[float | None]]]:
        """Per aspect, its score in each round, oldest first."""
        return [
            (aspect, str(label), [summary.aspects[aspect].score for summary in self.rounds])
            for aspect, label in HealthAspect.choices
        ]

    def diverging(self) -> list[Flag]:
        return [flag for flag in self.flags if flag.kind == "diverging"]


@dataclass(frozen=True)
class _Row:
    round_start: date
    check_id: int
    aspect: str
    rating: str
    comment: str
    group: str
    group_name: str


def _empty_tallies() -> dict[str, Tally]:
    return {aspect: Tally() for aspect in HealthAspect.values}


def summarise(rows: Iterable[_Row]) -> HealthSummary:
    rounds: dict[date, RoundSummary] = {}
    checks: dict[date, set[int]] = defaultdict(set)
    names: dict[str, str] = {}
    for row in rows:
        summary = rounds.get(row.round_start)
        if summary is None:
            summary = rounds[row.round_start] = RoundSummary(
                start=row.round_start, end=round_end(row.round_start), aspects=_empty_tallies()
            )
        checks[row.round_start].add(row.check_id)
        if row.aspect not in summary.aspects:
            continue  # an aspect no longer published
        summary.aspects[row.aspect].add(row.rating)
        summary.groups.setdefault(row.group, _empty_tallies())[row.aspect].add(row.rating)
        names[row.group] = row.group_name
        if row.comment:
            summary.comments.append(Comment(row.aspect, row.rating, row.group_name, row.comment))
    ordered = [rounds[start] for start in sorted(rounds)]
    for summary in ordered:
        summary.checks = len(checks[summary.start])
    result = HealthSummary(rounds=ordered, group_names=names, flags=[])
    result.flags = flags_of(result)
    return result


def flags_of(summary: HealthSummary) -> list[Flag]:
    latest = summary.latest
    if latest is None:
        return []
    found: list[Flag] = []
    for aspect, label, tally in latest.aspect_rows():
        mean = tally.mean
        if mean is not None and mean < LOW_BELOW:
            found.append(
                Flag(
                    "low",
                    aspect,
                    _("%(aspect)s scores %(score)s of 2 in the latest round (mostly amber or red).")
                    % {"aspect": label, "score": f"{float(mean):.2f}"},
                )
            )
        means = {
            group: tallies[aspect].mean
            for group, tallies in latest.groups.items()
            if group != NO_GROUP and tallies[aspect].mean is not None
        }
        if len(means) < 2:
            continue
        high = max(means, key=lambda group: (means[group], group))
        low = min(means, key=lambda group: (means[group], group))
        high_mean, low_mean = means[high], means[low]
        assert high_mean is not None and low_mean is not None
        if high_mean - low_mean >= DIVERGING_FROM:
            found.append(
                Flag(
                    "diverging",
                    aspect,
                    _(
                        "On %(aspect)s, %(high)s partners score %(high_score)s "
                        "and %(low)s partners %(low_score)s."
                    )
                    % {
                        "aspect": label,
                        "high": summary.group_names[high],
                        "high_score": f"{float(high_mean):.2f}",
                        "low": summary.group_names[low],
                        "low_score": f"{float(low_mean):.2f}",
                    },
                    (high, low),
                )
            )
    return found


def _rows(initiative_ids: Iterable[int] | None = None) -> dict[int, list[_Row]]:
    ratings = HealthRating.objects.all()
    if initiative_ids is not None:
        ratings = ratings.filter(health_check__initiative_id__in=list(initiative_ids))
    values = ratings.values_list(
        "health_check__initiative_id",
        "health_check__round_start",
        "health_check_id",
        "aspect",
        "rating",
        "comment",
        "health_check__organisation__stakeholder_group_id",
        "health_check__organisation__stakeholder_group__name",
    ).order_by("health_check__round_start", "health_check_id", "aspect")
    rows: dict[int, list[_Row]] = defaultdict(list)
    no_group = _("no stakeholder group given")
    for initiative_id, start, check_id, aspect, rating, comment, group, name in values:
        rows[initiative_id].append(
            _Row(start, check_id, aspect, rating, comment, group or NO_GROUP, name or no_group)
        )
    return rows


def health_summary(initiative: Initiative) -> HealthSummary:
    return summarise(_rows([initiative.pk]).get(initiative.pk, []))


def flagged_initiatives() -> list[tuple[Initiative, list[Flag]]]:
    """Published records whose latest round raises a flag, for stewards; in code order."""
    published = Initiative.published.filter(health_checks__isnull=False).distinct()
    ids = list(published.values_list("pk", flat=True))
    by_initiative = _rows(ids)
    flagged: dict[int, list[Flag]] = {}
    for initiative_id, rows in by_initiative.items():
        flags = summarise(rows).flags
        if flags:
            flagged[initiative_id] = flags
    initiatives = Initiative.published.filter(pk__in=list(flagged)).order_by("code_normalised")
    return [(initiative, flagged[initiative.pk]) for initiative in initiatives]

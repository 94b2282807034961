"""Similar cases, and "experiences for my situation": found by the search index, explained here.

The backend (``SearchBackend.similar``) finds the initiatives sharing most of a profile's words and
classification values. This module builds the profile, then re-ranks the candidates by comparing each
one's document with the subject (an initiative, or a person's situation) and names what they share:
the Action Lines, SDGs, country, country group or region, partners and distinctive words. Nothing is
learned or downloaded: similarity comes from the text index and the classifications.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import Q
from django.http import Http404
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext, ngettext
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from stocktake.core.text import fold, normalise_code
from stocktake.initiatives.choices import Outcome
from stocktake.initiatives.models import Initiative
from stocktake.initiatives.rows import InitiativeRow, initiative_rows
from stocktake.organisations.models import Organisation
from stocktake.search.backends.base import Hit, SimilarityProfile
from stocktake.search.documents import InitiativeDocument, initiative_documents
from stocktake.search.selectors import similar_hits
from stocktake.search.text import analyzer, cjk_bigrams, cjk_runs, stem_language
from stocktake.vocabularies import selectors as vocabularies
from stocktake.vocabularies.choices import RegionLevel
from stocktake.vocabularies.models import CountryGroupMembership

# The UN's "countries in special situations": a membership worth naming as a shared trait. Wider
# groups (developing countries, all Member States) hold most of the world and say little.
SPECIAL_SITUATION_GROUPS = ("ldc", "lldc", "sids")
# Continents and the world are too broad to make two initiatives alike; sub-regions are not.
NARROW_REGION_LEVELS = (RegionLevel.SUB_REGION, RegionLevel.INTERMEDIATE)
# Outcomes that mean an experience ran its course and can be learned from.
FINISHED_OUTCOMES = (Outcome.SUSTAINED, Outcome.CONCLUDED, Outcome.HANDED_OVER)

MAX_PROFILE_WORDS = 25
MIN_WORD_LENGTH = 3
WORDS_NAMED = 4  # shared words a reason names
NAMES_SHOWN = 3  # partners, countries or regions a reason names before "and N more"
SIMILAR_CANDIDATES = 50
EXPERIENCE_CANDIDATES = 100
MAX_SIMILAR = 20
MAX_EXPERIENCES = 50


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Stop words (folded: lower case, no accents) of the languages with stemmed search.
STOP_WORDS: dict[str, frozenset[str]] = {
    "en": _word_set(
        "a about above after again against all also am an and any are as at be because been before being "
        "below between both but by can could did do does doing down during each few for from further had "
        "has have having he her here hers herself him himself his how i if in into is it its itself just "
        "may me might more most must my myself no nor not now of off on once only or other our ours out "
        "over own same shall she should so some such than that the their theirs them themselves then "
        "there these they this those through to too under until up upon us very was we well were what "
        "when where which while who whom why will with within without would you your yours across "
        "among aim aims along already another around etc however its onto per since thus towards toward "
        "various via whether yet"
    ),
    "fr": _word_set(
        "a afin ai aie ainsi alors au aucun aupres aussi autre aux avec avoir ce ceci cela celle celles "
        "celui ces cet cette ceux chaque chez comme comment dans de des deux donc dont du elle elles en "
        "encore entre est et etaient etait ete etre eu eux fait faire il ils je la le les leur leurs lors "
        "lui mais me meme mes moi mon ne ni nos notre nous on ont ou par parmi pas pendant peu peut plus "
        "pour pourquoi qu quand que quel quelle quelles quels qui sa sans se selon ses si son sont sous "
        "sur ta te tel telle tes toi ton tous tout toute toutes tres tu un une vers vos votre vous"
    ),
    "es": _word_set(
        "a al algo algunas algunos ante antes como con contra cual cuando de del desde donde durante e el "
        "ella ellas ellos en entre era eran es esa esas ese eso esos esta estaba estan estas este esto "
        "estos fue fueron ha hace han hasta hay la las le les lo los mas me mi mis mucho muy ni no nos "
        "nosotros o otra otras otro otros para pero poco por porque que quien se sea segun ser si sin "
        "sobre son su sus tambien tan te tiene tienen todo todos tu un una uno unos y ya"
    ),
}
# Words nearly every record in a registry like this one uses: they tell no initiative from another.
COMMON_WORDS: dict[str, frozenset[str]] = {
    "en": _word_set(
        "activities activity development initiative initiatives national partnership partnerships "
        "programme programmes program programs project projects support supporting through use used "
        "using including new based united nations countries country world global help helps"
    ),
    "fr": _word_set(
        "activite activites developpement initiative initiatives national nationale partenariat "
        "partenariats programme programmes projet projets soutien appui unies nations pays monde"
    ),
    "es": _word_set(
        "actividad actividades desarrollo iniciativa iniciativas nacional alianza alianzas asociacion "
        "programa programas proyecto proyectos apoyo unidas naciones pais paises mundo"
    ),
}
_WORD = re.compile(r"\w+", re.UNICODE)


class Weight:
    """How much each shared trait adds to a case's score (the backend's own score adds up to 1)."""

    ACTION_LINE = 3.0  # each shared Action Line (C1-C11)
    SUB_LINE = 1.0  # each shared sub-line (C7.1), on top of its Action Line
    SDG_GOAL = 1.5
    SDG_TARGET = 1.0
    COUNTRY = 3.0  # the first shared country
    MORE_COUNTRIES = 0.5  # each further one
    COUNTRY_GROUP = 1.5
    REGION = 1.0
    PARTNER = 2.0  # each shared partner, up to MAX_PARTNERS
    MAX_PARTNERS = 3
    WORD = 1.0  # each shared distinctive word found in few candidates; half that if in all of them
    MAX_WORDS = 6
    BACKEND = 1.0
    # "Experiences for my situation" only.
    FINISHED = 2.5  # concluded, sustained or handed over
    SUSTAINED = 0.5  # sustained / institutionalised, on top
    LESSONS = 2.5


class ReasonKind(StrEnum):
    WSIS = "wsis"
    SDG = "sdg"
    COUNTRY = "country"
    COUNTRY_GROUP = "country_group"
    REGION = "region"
    PARTNER = "partner"
    TEXT = "text"
    OUTCOME = "outcome"
    LESSONS = "lessons"


# Reasons that say how a case matches; the others (outcome, lessons) only say why it is worth reading.
MATCHING_REASONS = frozenset(ReasonKind) - {ReasonKind.OUTCOME, ReasonKind.LESSONS}


@dataclass(frozen=True)
class Reason:
    """Why a case is listed, in the active language, with the codes or names it rests on."""

    kind: ReasonKind
    text: str
    values: tuple[str, ...] = ()


@dataclass
class SimilarCase:
    row: InitiativeRow
    score: float
    reasons: list[Reason]


@dataclass
class _Traits:
    """What a subject or a candidate is compared on."""

    wsis: set[str] = field(default_factory=set)
    sdg_goals: set[str] = field(default_factory=set)
    sdg_targets: set[str] = field(default_factory=set)
    countries: set[str] = field(default_factory=set)
    groups: set[str] = field(default_factory=set)
    regions: set[str] = field(default_factory=set)
    partners: set[str] = field(default_factory=set)
    words: dict[str, str] = field(default_factory=dict)  # word key (stem) -> the word as written
    outcome: str = ""
    has_lessons: bool = False


# Words


def _keys(text: str, language: str) -> list[str]:
    return analyzer(stem_language(language)).analyze(text)


def _is_plain_word(word: str, stop_words: frozenset[str]) -> bool:
    folded = fold(word)
    return len(folded) < MIN_WORD_LENGTH or folded.isdigit() or folded in stop_words


def _stop_words(languages: Iterable[str]) -> frozenset[str]:
    words: set[str] = set()
    for language in languages:
        base = stem_language(language) or (language or "").split("-")[0].lower()
        words |= STOP_WORDS.get(base, frozenset()) | COMMON_WORDS.get(base, frozenset())
    return frozenset(words)


def distinctive_words(
    title: str,
    text: str,
    language: str,
    *,
    limit: int = MAX_PROFILE_WORDS,
    stop_languages: Iterable[str] = (),
) -> dict[str, str]:
    """{key: word} of the words that tell this text apart: stop and common words dropped, title words
    first, then longer words (rarer, as a rule) first; runs of Chinese (or Japanese, Korean) characters
    give their pairs of characters, as the index holds them."""
    stop_words = _stop_words([language, *stop_languages])
    candidates: dict[str, tuple[tuple[int, int, int], str]] = {}
    position = 0
    for in_title, part in ((1, title), (0, text)):
        for run in cjk_runs(part):
            for pair in cjk_bigrams(run):
                position += 1
                candidates.setdefault(pair, ((-in_title, -len(pair), position), pair))
        for word in _WORD.findall(part):
            position += 1
            if _is_plain_word(word, stop_words) or cjk_runs(word):
                continue
            keys = _keys(word, language)
            if len(keys) != 1:
                continue
            rank = (-in_title, -len(word), position)
            if keys[0] not in candidates or rank < candidates[keys[0]][0]:
                candidates[keys[0]] = (rank, word.lower())
    chosen = sorted(candidates.items(), key=lambda item: item[1][0])[:limit]
    return {key: word for key, (_rank, word) in chosen}


def _text_keys(doc: InitiativeDocument) -> set[str]:
    """Every word key of a candidate's titles and texts, each by its own language."""
    keys: set[str] = set(_keys(" ".join([doc.title, *doc.other_titles]), doc.language))
    for language, texts in doc.texts_by_language().items():
        joined = "\n".join(texts)
        keys.update(_keys(joined, language))
        for run in cjk_runs(joined):
            keys.update(cjk_bigrams(run))
    for run in cjk_runs(" ".join([doc.title, *doc.other_titles])):
        keys.update(cjk_bigrams(run))
    return keys


# Places


def _special_groups_of(countries: Iterable[str]) -> dict[str, set[str]]:
    """{country: the special-situation groups it belongs to now}, in one query."""
    groups: dict[str, set[str]] = {}
    for country, group in CountryGroupMembership.objects.filter(
        country_id__in=set(countries), group_id__in=SPECIAL_SITUATION_GROUPS, until__isnull=True
    ).values_list("country_id", "group_id"):
        groups.setdefault(country, set()).add(group)
    return groups


def _members_of(groups: Iterable[str]) -> set[str]:
    return set(
        CountryGroupMembership.objects.filter(group_id__in=set(groups), until__isnull=True).values_list(
            "country_id", flat=True
        )
    )


def _narrow_regions(codes: Iterable[str]) -> set[str]:
    """Sub-regions and intermediate regions; a continent only where nothing narrower is named."""
    regions = vocabularies.regions_by_code()
    known = [regions[code] for code in codes if code in regions]
    narrow = {region.code for region in known if region.level in NARROW_REGION_LEVELS}
    if narrow:
        return narrow
    return {region.code for region in known if region.level == RegionLevel.REGION}


def _traits(doc: InitiativeDocument, special_groups: dict[str, set[str]]) -> _Traits:
    facets = doc.facets
    groups = set(facets.get("country_group", []))
    for country in facets.get("country", []):
        groups |= special_groups.get(country, set())
    sdg = facets.get("sdg", [])
    return _Traits(
        wsis=set(facets.get("wsis", [])),
        sdg_goals={value for value in sdg if value.isdigit()},
        sdg_targets={value for value in sdg if not value.isdigit()},
        countries=set(facets.get("country", [])),
        groups=groups,
        regions=_narrow_regions(facets.get("region", [])),
        partners=set(facets.get("organisation", [])),
        outcome=(facets.get("outcome") or [""])[0],
        has_lessons=doc.has_lessons,
    )


# Explaining


def _most_specific_lines(codes: set[str]) -> list[str]:
    """C7.1 rather than C7 and C7.1; in the official order."""
    lines = {line.code: line for line in vocabularies.action_lines()}
    parents = {lines[code].main_code for code in codes if code in lines and lines[code].parent_id}
    kept = [code for code in codes if code in lines and code not in parents]
    return sorted(kept, key=lambda code: lines[code].position)


def _narrowest(codes: set[str]) -> list[str]:
    """Eastern Africa rather than Sub-Saharan Africa and Eastern Africa."""
    regions = vocabularies.regions_by_code()
    by_id = vocabularies.regions_by_id()
    parent_ids = {regions[code].parent_id for code in codes if code in regions}
    parents = {by_id[pk].code for pk in parent_ids if pk is not None and pk in by_id}
    return sorted(code for code in codes if code in regions and code not in parents)


def _listing(names: list[str], shown: int = NAMES_SHOWN) -> str:
    """The names joined, or the first few and how many more: a reason stays one short line."""
    if len(names) <= shown:
        return ", ".join(names)
    more = len(names) - shown
    return ngettext("%(names)s and %(num)s more", "%(names)s and %(num)s more", more) % {
        "names": ", ".join(names[:shown]),
        "num": more,
    }


def _line_names(codes: list[str]) -> str:
    """One Action Line with its title; several by their codes (their titles are long)."""
    lines = {line.code: line for line in vocabularies.action_lines()}
    if len(codes) == 1:
        return f"{codes[0]} {lines[codes[0]].local_title}"
    return _listing(codes, shown=len(codes))


def _goal_names(numbers: list[str]) -> str:
    goals = {str(goal.number): goal for goal in vocabularies.sdg_goals()}
    if len(numbers) > NAMES_SHOWN:
        return _listing(numbers, shown=len(numbers))
    return ", ".join(f"{number} {goals[number].local_short_title}" for number in numbers if number in goals)


def _group_names(codes: list[str]) -> str:
    groups = vocabularies.country_groups_by_code()
    return ", ".join(groups[code].acronym or gettext(groups[code].name) for code in codes if code in groups)


def _sorted_goals(values: set[str]) -> list[str]:
    return sorted(values, key=int)


@dataclass
class _Explained:
    score: float
    reasons: list[Reason]


def _explain(
    subject: _Traits,
    candidate: _Traits,
    candidate_keys: set[str],
    rarity: dict[str, float],
    partner_names: dict[str, str],
    *,
    experiences: bool,
) -> _Explained:
    score = 0.0
    reasons: list[Reason] = []

    shared_lines = subject.wsis & candidate.wsis
    if shared_lines:
        named = _most_specific_lines(shared_lines)
        score += Weight.ACTION_LINE * len({code.split(".")[0] for code in shared_lines})
        score += Weight.SUB_LINE * len([code for code in shared_lines if "." in code])
        template = gettext("Under %(lines)s") if experiences else gettext("Both under %(lines)s")
        reasons.append(Reason(ReasonKind.WSIS, template % {"lines": _line_names(named)}, tuple(named)))

    shared_goals = _sorted_goals(subject.sdg_goals & candidate.sdg_goals)
    shared_targets = sorted(subject.sdg_targets & candidate.sdg_targets)
    if shared_goals or shared_targets:
        score += Weight.SDG_GOAL * len(shared_goals) + Weight.SDG_TARGET * len(shared_targets)
        goals_text = _goal_names(shared_goals)
        if shared_targets:
            targets = ", ".join(shared_targets)
            goals_text = f"{goals_text} ({targets})" if goals_text else targets
        count = len(shared_goals) + (0 if shared_goals else len(shared_targets))
        if experiences:
            text = ngettext("Serves SDG %(goals)s", "Serves SDGs %(goals)s", count)
        else:
            text = ngettext("Both serve SDG %(goals)s", "Both serve SDGs %(goals)s", count)
        reasons.append(
            Reason(ReasonKind.SDG, text % {"goals": goals_text}, tuple(shared_goals + shared_targets))
        )

    shared_countries = sorted(subject.countries & candidate.countries)
    if shared_countries:
        countries = vocabularies.countries_by_code()
        score += Weight.COUNTRY + Weight.MORE_COUNTRIES * (len(shared_countries) - 1)
        names = _listing([countries[code].name for code in shared_countries if code in countries])
        text = ngettext("Same country: %(countries)s", "Same countries: %(countries)s", len(shared_countries))
        reasons.append(Reason(ReasonKind.COUNTRY, text % {"countries": names}, tuple(shared_countries)))
    else:
        shared_groups = [
            g.code for g in vocabularies.country_groups() if g.code in subject.groups & candidate.groups
        ]
        if shared_groups:
            score += Weight.COUNTRY_GROUP
            text = ngettext(
                "Same country group: %(groups)s", "Same country groups: %(groups)s", len(shared_groups)
            )
            reasons.append(
                Reason(
                    ReasonKind.COUNTRY_GROUP,
                    text % {"groups": _group_names(shared_groups)},
                    tuple(shared_groups),
                )
            )
        shared_regions = _narrowest(subject.regions & candidate.regions)
        if shared_regions:
            regions = vocabularies.regions_by_code()
            score += Weight.REGION
            names = ", ".join(regions[code].name for code in shared_regions)
            text = ngettext("Same region: %(regions)s", "Same regions: %(regions)s", len(shared_regions))
            reasons.append(Reason(ReasonKind.REGION, text % {"regions": names}, tuple(shared_regions)))

    shared_partners = sorted(
        subject.partners & candidate.partners, key=lambda slug: (fold(partner_names.get(slug) or slug), slug)
    )
    if shared_partners:
        score += Weight.PARTNER * min(len(shared_partners), Weight.MAX_PARTNERS)
        names = _listing([partner_names.get(slug, slug) for slug in shared_partners])
        text = ngettext("Shared partner: %(names)s", "Shared partners: %(names)s", len(shared_partners))
        reasons.append(Reason(ReasonKind.PARTNER, text % {"names": names}, tuple(shared_partners)))

    shared = [key for key in subject.words if key in candidate_keys]
    if shared:
        # Rarer among the candidates first: a word they all hold tells them apart least.
        shared.sort(key=lambda key: rarity.get(key, 1.0), reverse=True)
        score += Weight.WORD * sum(rarity.get(key, 1.0) for key in shared[: Weight.MAX_WORDS])
        named_words = [subject.words[key] for key in shared[:WORDS_NAMED]]
        template = (
            gettext("Matches your words: %(words)s") if experiences else gettext("Similar text: %(words)s")
        )
        reasons.append(
            Reason(ReasonKind.TEXT, template % {"words": ", ".join(named_words)}, tuple(named_words))
        )

    if experiences:
        if candidate.outcome in FINISHED_OUTCOMES:
            score += Weight.FINISHED + (Weight.SUSTAINED if candidate.outcome == Outcome.SUSTAINED else 0.0)
            label = str(capfirst(Outcome(candidate.outcome).label))
            reasons.append(Reason(ReasonKind.OUTCOME, label, (candidate.outcome,)))
        if candidate.has_lessons:
            score += Weight.LESSONS
            reasons.append(Reason(ReasonKind.LESSONS, gettext("Has lessons learned")))
    return _Explained(score, reasons)


def _partner_names(slugs: set[str]) -> dict[str, str]:
    if not slugs:
        return {}
    return dict(Organisation.objects.filter(slug__in=slugs).values_list("slug", "name"))


def _rank(subject: _Traits, hits: list[Hit], *, limit: int, experiences: bool) -> list[SimilarCase]:
    """Explains each candidate against the subject and keeps the best that share something."""
    if not hits:
        return []
    docs = initiative_documents([hit.pk for hit in hits], to_compare=True)
    if not docs:
        return []
    top_score = max((hit.score for hit in hits), default=0.0) or 1.0
    backend_scores = {hit.pk: hit.score / top_score for hit in hits}
    special_groups = _special_groups_of(country for doc in docs for country in doc.facets.get("country", []))
    traits = {doc.pk: _traits(doc, special_groups) for doc in docs}
    partner_names = _partner_names(
        {slug for candidate in traits.values() for slug in candidate.partners & subject.partners}
    )
    keys = {doc.pk: _text_keys(doc) for doc in docs}
    rarity = {
        key: 1.0 - 0.5 * sum(key in held for held in keys.values()) / len(docs) for key in subject.words
    }
    scored: list[tuple[float, str, int, list[Reason]]] = []
    for doc in docs:
        explained = _explain(
            subject, traits[doc.pk], keys[doc.pk], rarity, partner_names, experiences=experiences
        )
        if not any(reason.kind in MATCHING_REASONS for reason in explained.reasons):
            continue
        score = explained.score + Weight.BACKEND * backend_scores.get(doc.pk, 0.0)
        scored.append((round(score, 4), doc.code_normalised, doc.pk, explained.reasons))
    scored.sort(key=lambda item: (-item[0], item[1]))
    scored = scored[:limit]
    light = Initiative.published.defer("title_translations", "software", "open_standards", "provenance")
    by_pk = {initiative.pk: initiative for initiative in light.filter(pk__in=[item[2] for item in scored])}
    rows = {row.pk: row for row in initiative_rows([by_pk[item[2]] for item in scored if item[2] in by_pk])}
    return [
        SimilarCase(row=rows[pk], score=score, reasons=reasons)
        for score, _code, pk, reasons in scored
        if pk in rows
    ]


# Similar initiatives


def _profile(traits: _Traits, pk: int) -> SimilarityProfile:
    """What a similar initiative should share with this one."""
    return SimilarityProfile(
        words=list(traits.words.values()),
        facets={
            "wsis": sorted(traits.wsis),
            "sdg": _sorted_goals(traits.sdg_goals),
            "country": sorted(traits.countries),
            "country_group": sorted(traits.groups),
            "region": sorted(traits.regions),
            "organisation": sorted(traits.partners),
        },
        exclude=pk,
    )


def similar_initiatives(initiative: Initiative, limit: int = 5) -> list[SimilarCase]:
    """The initiatives most like this one, best first (then by code), each with why."""
    docs = initiative_documents([initiative.pk], to_compare=True)
    if not docs:
        return []
    doc = docs[0]
    subject = _traits(doc, _special_groups_of(doc.facets.get("country", [])))
    subject.words = distinctive_words(doc.title, doc.summary, doc.language)
    profile = _profile(subject, doc.pk)
    if not profile.words and not any(profile.facets.values()):
        return []
    hits = [hit for hit in similar_hits(profile, limit=SIMILAR_CANDIDATES) if hit.pk != initiative.pk]
    return _rank(subject, hits, limit=min(limit, MAX_SIMILAR), experiences=False)


def initiative_for_code(code: str) -> Initiative:
    """The initiative answering to a code (its own or another identifier), without its relations."""
    normalised = normalise_code(code)
    initiative = (
        Initiative.published.filter(Q(code_normalised=normalised) | Q(identifiers__normalised=normalised))
        .order_by("pk")
        .first()
    )
    if initiative is None:
        raise Http404(f"No initiative has the code {code!r}")
    return initiative


# Experiences for a situation


class Situation(BaseModel):
    """Where a person works, the themes they care about and a few words about their need."""

    model_config = ConfigDict(extra="ignore")

    country: str = Field("", max_length=2, description="ISO 3166-1 alpha-2 code of your country, e.g. FJ")
    country_group: str = Field(
        "",
        max_length=32,
        description="Or a group of countries, e.g. sids (also ldc, lldc, developing, all-member-states)",
    )
    wsis: list[str] = Field(default_factory=list, description="WSIS Action Lines, e.g. C7.1 (any of them)")
    sdg: list[str] = Field(default_factory=list, description="SDG goals (16) or targets (16.10)")
    q: str = Field("", max_length=200, description="A few words about your need, e.g. open data portal")

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str) -> str:
        value = value.strip().upper()
        if value and value not in vocabularies.countries_by_code():
            raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
        return value

    @field_validator("country_group")
    @classmethod
    def _known_group(cls, value: str) -> str:
        value = value.strip().lower()
        if value and value not in vocabularies.country_groups_by_code():
            known = ", ".join(vocabularies.country_groups_by_code())
            raise ValueError(f"{value!r} is not a country group (one of {known})")
        return value

    @field_validator("wsis")
    @classmethod
    def _known_lines(cls, values: list[str]) -> list[str]:
        codes = {line.code for line in vocabularies.action_lines()}
        cleaned = list(dict.fromkeys(value.strip().upper() for value in values if value.strip()))
        unknown = [value for value in cleaned if value not in codes]
        if unknown:
            raise ValueError(f"not WSIS Action Lines: {', '.join(unknown)} (C1 to C11, or C7.1 to C7.8)")
        return cleaned

    @field_validator("sdg")
    @classmethod
    def _known_sdgs(cls, values: list[str]) -> list[str]:
        goals = {str(goal.number) for goal in vocabularies.sdg_goals()}
        targets = {target.code for target in vocabularies.sdg_targets_by_id().values()}
        cleaned = list(dict.fromkeys(value.strip().lower() for value in values if value.strip()))
        unknown = [value for value in cleaned if value not in goals and value not in targets]
        if unknown:
            raise ValueError(f"not SDG goals or targets: {', '.join(unknown)} (1 to 17, or e.g. 16.10)")
        return cleaned

    @field_validator("q")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        return " ".join(value.split())

    @model_validator(mode="after")
    def _something_given(self) -> Situation:
        if self.is_empty:
            raise ValueError(
                "Give at least a country or a country group, a theme (wsis, sdg) or some words (q)"
            )
        return self

    @property
    def is_empty(self) -> bool:
        return not (self.country or self.country_group or self.wsis or self.sdg or self.q)

    def sdg_goals(self) -> set[str]:
        return {value for value in self.sdg if value.isdigit()}

    def sdg_targets(self) -> set[str]:
        return {value for value in self.sdg if not value.isdigit()}


def _situation_traits(situation: Situation) -> tuple[_Traits, set[str]]:
    """(the traits a case is compared with, the countries a case may be in to count as nearby)."""
    countries = vocabularies.countries_by_code()
    groups = {situation.country_group} if situation.country_group else set()
    regions: set[str] = set()
    if situation.country:
        groups |= _special_groups_of([situation.country]).get(situation.country, set())
        country = countries[situation.country]
        regions = {region.code for region in (country.sub_region, country.intermediate_region) if region}
    wsis = set(situation.wsis)
    targets = situation.sdg_targets()
    goals = situation.sdg_goals()
    traits = _Traits(
        wsis=wsis,
        sdg_goals=goals,
        sdg_targets=targets,
        countries={situation.country} if situation.country else set(),
        groups=groups,
        regions=regions,
        # People write in the language they read the site in; any of the three lists' stop words go.
        words=distinctive_words("", situation.q, get_language() or "en", stop_languages=list(STOP_WORDS)),
    )
    # Initiatives in any country of the group are experiences from the same kind of place.
    nearby = traits.countries | _members_of(groups & set(SPECIAL_SITUATION_GROUPS))
    return traits, nearby


def experiences_for(situation: Situation, *, limit: int = 20) -> list[SimilarCase]:
    """Initiatives that can teach someone in this situation, best first: those alike in place, themes
    and words, the concluded or sustained ones and those with lessons learned weighted higher."""
    if situation.is_empty:
        return []
    subject, nearby = _situation_traits(situation)
    goals = sorted(subject.sdg_goals, key=int)
    profile = SimilarityProfile(
        words=list(subject.words.values()),
        facets={
            "wsis": sorted(subject.wsis),
            "sdg": goals + sorted(subject.sdg_targets),
            "country": sorted(nearby),
            "country_group": sorted(subject.groups),
            "region": sorted(subject.regions),
        },
    )
    hits = similar_hits(profile, limit=EXPERIENCE_CANDIDATES)
    return _rank(subject, hits, limit=min(limit, MAX_EXPERIENCES), experiences=True)

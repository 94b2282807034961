"""Generates a realistic registry for the search benchmark, through the batch write service.

    .venv/bin/python bench/generate_search_registry.py ROWS [--seed 7] [--batch 1000]

Adds initiatives BENCH-0000000, BENCH-0000001, ... to the database DATABASE_URL points at (migrated,
vocabularies loaded) until it holds ROWS of them. A database that holds them already is left alone; one
that holds fewer is completed. Row n is the same whatever the batch size or the point a run resumed
from (each row has its own seed), and a registry of N rows is the first N rows of a larger one.

Every row is written by ``initiatives_write_batch``, the batch service imports use (one history entry
per initiative holding its whole state); partner organisations by ``organisation_create``, when a row
first names them. The text is composed from the loaded vocabularies: WSIS Action Line titles and
keywords, SDG goal, target and indicator wording, IATI sector names and descriptions, country names, in
English and, for about a quarter of the rows, in French, Spanish, Arabic, Russian or Chinese (the SDG
wording exists in the six UN languages). Word frequencies vary: a few words are in most documents
("development" in about four in five, "digital" in about half), most vocabulary phrases follow a Zipf
curve, and invented project names make a long tail of rare words.

The search index does not follow the writes while the generator runs (the benchmark rebuilds it once,
afterwards, and times that); the history is recorded as for any write, so the index catches up anyway.
Progress (rows per second) goes to stderr.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import sys
import time
from bisect import bisect_right
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stocktake.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.utils.text import slugify  # noqa: E402

from stocktake.core import history  # noqa: E402
from stocktake.core.choices import Basis, ChangeSource  # noqa: E402
from stocktake.core.history import Actor  # noqa: E402
from stocktake.core.partial_dates import DatePrecision  # noqa: E402
from stocktake.core.text import normalise_code  # noqa: E402
from stocktake.initiatives.batch import ChildRow, InitiativeDraft, initiatives_write_batch  # noqa: E402
from stocktake.initiatives.choices import Kind, Outcome, PartnerRole, Scope, SectionKind  # noqa: E402
from stocktake.initiatives.models import (  # noqa: E402
    Budget,
    Initiative,
    InitiativeActionLine,
    InitiativeCountry,
    InitiativeCountryGroup,
    InitiativeIdentifier,
    InitiativeRegion,
    InitiativeSdgGoal,
    InitiativeSdgTarget,
    InitiativeSector,
    Participation,
    Section,
)
from stocktake.organisations.models import Organisation  # noqa: E402
from stocktake.organisations.services import organisation_create  # noqa: E402
from stocktake.vocabularies.models import (  # noqa: E402
    ActionLine,
    Code,
    Country,
    CountryGroup,
    CountryGroupMembership,
    Region,
    SdgGoal,
    SdgIndicator,
    SdgTarget,
    StakeholderGroup,
)
from stocktake.vocabularies.services import vocabularies_load  # noqa: E402

CODE_PREFIX = "BENCH-"
LANGUAGES = ("en", "fr", "es", "ar", "ru", "zh")
FIRST_YEAR, LAST_YEAR = 1995, 2026
TODAY = date(2026, 6, 30)  # fixed, so the same seed gives the same statuses every year

# --- weights (relative); unknown codes weigh 1

KINDS = {
    Kind.PROJECT: 45,
    Kind.PARTNERSHIP: 18,
    Kind.PROGRAMME: 10,
    Kind.PPP: 7,
    Kind.COMMITMENT: 14,
    Kind.EVENT: 6,
}
ACTION_LINES = {
    "C1": 6, "C2": 8, "C3": 7, "C4": 9, "C5": 4, "C6": 4, "C7": 3, "C7.1": 8, "C7.2": 4, "C7.3": 6,
    "C7.4": 5, "C7.5": 2, "C7.6": 2, "C7.7": 3, "C7.8": 1.5, "C8": 2, "C9": 2, "C10": 1, "C11": 3,
}  # fmt: skip
GOALS = {
    9: 10, 17: 8, 4: 8, 16: 6, 5: 5, 8: 5, 3: 4, 1: 3, 10: 3, 11: 3, 13: 2, 2: 2, 6: 1.5, 7: 1.5,
    12: 1, 14: 0.7, 15: 0.7,
}  # fmt: skip
# The SDG goal and the IATI sector categories an Action Line's work usually serves.
AFFINITY: dict[str, tuple[int, tuple[str, ...]]] = {
    "C1": (17, ("151",)), "C2": (9, ("220",)), "C3": (4, ("220", "111")), "C4": (4, ("114", "113")),
    "C5": (16, ("152", "151")), "C6": (16, ("151", "250")), "C7": (9, ("220",)),
    "C7.1": (16, ("151",)), "C7.2": (8, ("250", "321")), "C7.3": (4, ("111", "112", "113", "114")),
    "C7.4": (3, ("121", "122")), "C7.5": (8, ("160",)), "C7.6": (13, ("410",)), "C7.7": (2, ("311",)),
    "C7.8": (9, ("430",)), "C8": (4, ("160",)), "C9": (16, ("151", "220")), "C10": (16, ("151",)),
    "C11": (17, ("151", "998")),
}  # fmt: skip
# Where a country lies makes a language of the record likelier: M49 (sub-)region -> (language, share).
REGION_LANGUAGE = {
    "419": ("es", 0.35), "005": ("es", 0.35), "013": ("es", 0.35), "011": ("fr", 0.4), "017": ("fr", 0.45),
    "015": ("ar", 0.45), "145": ("ar", 0.3), "151": ("ru", 0.35), "143": ("ru", 0.45), "030": ("zh", 0.3),
}  # fmt: skip
OTHER_LANGUAGES = {"en": 86, "fr": 5, "es": 4, "ar": 2, "ru": 1.5, "zh": 1.5}
STAKEHOLDER_SHARES = {
    "government": 30, "civil-society": 24, "private-sector": 20, "academic-research": 10,
    "international-organisation": 6, "technical-community": 5, "partnership": 5,
}  # fmt: skip

# The big partners: the top of the Zipf curve (rank 0 is in the most initiatives).
KNOWN_ORGANISATIONS = [
    ("International Telecommunication Union", "ITU", "international-organisation"),
    ("United Nations Development Programme", "UNDP", "international-organisation"),
    (
        "United Nations Educational, Scientific and Cultural Organization",
        "UNESCO",
        "international-organisation",
    ),
    ("World Bank", "WB", "international-organisation"),
    ("United Nations Children's Fund", "UNICEF", "international-organisation"),
    ("European Union", "EU", "international-organisation"),
    ("Food and Agriculture Organization of the United Nations", "FAO", "international-organisation"),
    ("World Health Organization", "WHO", "international-organisation"),
    ("United Nations Conference on Trade and Development", "UNCTAD", "international-organisation"),
    ("United Nations Department of Economic and Social Affairs", "UN DESA", "international-organisation"),
    ("Internet Society", "ISOC", "technical-community"),
    ("GSMA", "GSMA", "private-sector"),
    ("African Development Bank", "AfDB", "international-organisation"),
    ("Asian Development Bank", "ADB", "international-organisation"),
    ("Inter-American Development Bank", "IDB", "international-organisation"),
    ("Deutsche Gesellschaft für Internationale Zusammenarbeit", "GIZ", "government"),
    ("Japan International Cooperation Agency", "JICA", "government"),
    ("Korea International Cooperation Agency", "KOICA", "government"),
    ("Swedish International Development Cooperation Agency", "Sida", "government"),
    ("United States Agency for International Development", "USAID", "government"),
    ("Agence française de développement", "AFD", "government"),
    ("International Labour Organization", "ILO", "international-organisation"),
    ("UN Women", "UN Women", "international-organisation"),
    ("United Nations Environment Programme", "UNEP", "international-organisation"),
    ("Universal Postal Union", "UPU", "international-organisation"),
    ("Economic Commission for Africa", "ECA", "international-organisation"),
    ("Economic and Social Commission for Asia and the Pacific", "ESCAP", "international-organisation"),
    ("Economic Commission for Latin America and the Caribbean", "ECLAC", "international-organisation"),
    ("Economic and Social Commission for Western Asia", "ESCWA", "international-organisation"),
    ("African Union Commission", "AUC", "international-organisation"),
    ("Internet Corporation for Assigned Names and Numbers", "ICANN", "technical-community"),
    ("World Wide Web Foundation", "WebF", "civil-society"),
    ("Association for Progressive Communications", "APC", "civil-society"),
    ("Alliance for Affordable Internet", "A4AI", "partnership"),
    ("Digital Public Goods Alliance", "DPGA", "partnership"),
    ("Global Partnership for Sustainable Development Data", "GPSDD", "partnership"),
    ("Open Government Partnership", "OGP", "partnership"),
    ("Wikimedia Foundation", "WMF", "civil-society"),
    ("Bill & Melinda Gates Foundation", "BMGF", "civil-society"),
    ("Mozilla Foundation", "", "civil-society"),
    ("Massachusetts Institute of Technology", "MIT", "academic-research"),
    ("University of Cape Town", "UCT", "academic-research"),
    ("Makerere University", "", "academic-research"),
    ("Indian Institute of Technology Bombay", "IITB", "academic-research"),
]
PORTFOLIOS = [
    "Communications", "Health", "Education", "Agriculture", "Finance", "ICT and Innovation",
    "Digital Economy", "Environment", "Labour", "Science and Technology", "Justice", "Trade",
    "Local Government", "Youth and Sports", "Women and Social Affairs", "Planning",
]  # fmt: skip
AGENCIES = [
    "National Telecommunications Regulatory Authority", "Information Society Agency", "E-Government Agency",
    "National Statistics Office", "Digital Transformation Office", "Universal Service Fund",
    "National Computer Emergency Response Team", "Rural Electrification Agency", "National Library",
]  # fmt: skip
COMPANY_WORDS = ["Technologies", "Telecom", "Systems", "Networks", "Digital", "Solutions", "Data", "Labs"]
COMPANY_FORMS = ["Ltd", "Inc.", "S.A.", "GmbH", "PLC", "LLC", "SARL", "Pty Ltd"]
CIVIL_THEMES = [
    "Digital Rights", "Open Data", "Women in Tech", "Community Radio", "Rural Development", "Youth Coding",
    "Media Freedom", "Disability Inclusion", "Open Knowledge", "Consumer Protection", "Smart Farming",
]  # fmt: skip
CIVIL_FORMS = ["Foundation", "Association", "Network", "Initiative", "Trust", "Collective"]
RESEARCH_TOPICS = [
    "Internet Policy", "Development Informatics", "Data Science", "Public Health Informatics",
    "Educational Technology", "Climate Information", "Digital Governance", "Telecommunications Research",
]  # fmt: skip
TECHNICAL_FORMS = [
    "{country} Network Information Centre", "{country} Internet Exchange Point",
    "Internet Society {country} Chapter", "{name} Open Source Community",
    "{country} Research and Education Network",
]  # fmt: skip
PARTNERSHIP_FORMS = [
    "{theme} Alliance for {region}", "Global Partnership for {theme}", "{region} {theme} Coalition",
    "{theme} Compact of {region}",
]  # fmt: skip
REGIONAL_BODIES = [
    "{region} Telecommunications Union", "{region} Development Bank", "{region} Economic Community",
    "{region} Regulators Association", "{region} Cooperation Council",
]  # fmt: skip
SYLLABLES = [
    "ka", "la", "mi", "to", "ra", "ne", "su", "ba", "ri", "mo", "ta", "ko", "ni", "sa", "vi", "lu", "de",
    "ma", "ze", "po", "ga", "fi", "no", "ya", "bo", "we", "chi", "zu", "ke", "ha", "an", "el", "or", "um",
]  # fmt: skip

# Composition pieces by language; the vocabularies give the wording, these only join it.
KIND_WORD = {
    Kind.PROJECT: "project", Kind.PARTNERSHIP: "partnership", Kind.PROGRAMME: "programme",
    Kind.PPP: "public-private partnership", Kind.COMMITMENT: "commitment", Kind.EVENT: "event",
}  # fmt: skip
OPENERS = {
    "en": ["This {kind} aims to", "The {kind} helps partners to", "Partners joined in this {kind} to",
           "The aim of the {kind} is to", "Through this {kind}, partners work to"],
    "fr": ["Ce projet vise à", "L'initiative a pour but de", "Le programme contribue à",
           "Les partenaires s'engagent à"],
    "es": ["Este proyecto tiene como objetivo", "La iniciativa busca", "El programa contribuye a",
           "Los socios se comprometen a"],
    "ar": ["يهدف هذا المشروع إلى", "تسعى المبادرة إلى", "يسهم البرنامج في"],
    "ru": ["Проект направлен на то, чтобы", "Цель инициативы:", "Программа помогает"],
    "zh": ["本项目旨在", "该倡议致力于", "该方案帮助"],
}  # fmt: skip
EVERYWHERE = {
    "en": "developing countries", "fr": "les pays en développement", "es": "los países en desarrollo",
    "ar": "البلدان النامية", "ru": "развивающиеся страны", "zh": "发展中国家",
}  # fmt: skip
COUNTRY_LABEL = {
    "en": "Countries",
    "fr": "Pays",
    "es": "Países",
    "ar": "البلدان",
    "ru": "Страны",
    "zh": "国家",
}
INDICATOR_LABEL = {
    "en": "Progress is measured by the", "fr": "Indicateur :", "es": "Indicador:", "ar": "المؤشر:",
    "ru": "Показатель:", "zh": "指标:",
}  # fmt: skip
GOAL_LABEL = {
    "en": "SDG",
    "fr": "ODD",
    "es": "ODS",
    "ar": "هدف التنمية المستدامة",
    "ru": "ЦУР",
    "zh": "可持续发展目标",
}
DEVELOPMENT_ADJECTIVES = [
    "sustainable", "inclusive", "economic", "social", "rural", "local", "human", "digital", "community",
]  # fmt: skip
DIGITAL_NOUNS = [
    "services", "platforms", "public records", "payment systems", "learning materials", "health records",
    "registries", "maps", "identity systems", "archives",
]  # fmt: skip
DIGITAL_VERBS = ["built", "designed", "run", "maintained", "tested", "rolled out", "piloted"]
STAKEHOLDER_WORDS = {
    "government": "government", "civil-society": "civil society", "private-sector": "private sector",
    "academic-research": "academic", "international-organisation": "international",
    "technical-community": "technical community", "partnership": "partnership",
}  # fmt: skip
LESSONS = {
    "en": [
        "Involving {group} partners from the start made the {theme} work last after the project ended.",
        "Connectivity in {place} cost more than planned; sharing infrastructure brought the cost down.",
        "Training local trainers worked better than training end users directly.",
        "Open standards and open-source software let {place2} reuse the {theme} platform.",
        "Data protection rules had to be agreed before {sector} data could be shared.",
        "Paying for maintenance was the hardest part; the ministry took over the costs in {year}.",
        "Content in local languages doubled the use of the services.",
        "More women took part when sessions were held in community centres.",
        "Procurement delays cost a year; framework agreements helped the later phases.",
        "Mobile-first design reached rural users whom the web portal had missed.",
        "Regular feedback from users in {place} changed the priorities of the second phase.",
        "A steering committee with all stakeholder groups kept the partnership together.",
    ],
    "fr": [
        "Associer les partenaires locaux dès le début a permis de pérenniser les résultats.",
        "La connectivité à {place} a coûté plus cher que prévu.",
        "Former des formateurs locaux a mieux fonctionné que former directement les usagers.",
        "Les contenus en langues locales ont doublé l'utilisation des services.",
    ],
    "es": [
        "Involucrar a los socios locales desde el inicio permitió que los resultados perduraran.",
        "La conectividad en {place} costó más de lo previsto.",
        "Formar a formadores locales funcionó mejor que capacitar directamente a los usuarios.",
        "Los contenidos en idiomas locales duplicaron el uso de los servicios.",
    ],
    "ar": [
        "أدى إشراك الشركاء المحليين منذ البداية إلى استدامة النتائج.",
        "كانت تكلفة الاتصال في {place} أعلى من المتوقع.",
        "كان تدريب المدربين المحليين أنجح من تدريب المستخدمين مباشرة.",
    ],
    "ru": [
        "Участие местных партнёров с самого начала помогло сохранить результаты.",
        "Подключение в {place} обошлось дороже, чем планировалось.",
        "Подготовка местных инструкторов оказалась эффективнее обучения пользователей напрямую.",
    ],
    "zh": [
        "从一开始就让当地合作伙伴参与,使成果得以持续。",
        "{place}的网络连接费用高于预期。",
        "培训当地培训师比直接培训用户更有效。",
    ],
}  # fmt: skip
CHALLENGES = [
    "Unreliable electricity in rural {place} interrupted the services.",
    "Staff turnover at {organisation} slowed the work.",
    "Licensing rules for {theme} had to change before the roll-out.",
    "The cost of devices kept many households in {place} offline.",
    "Coordination between ministries took longer than planned.",
]
ACCOMPLISHMENTS = [
    "{number:,} teachers trained in {theme}.",
    "{number:,} community access points opened in {place}.",
    "{number:,} civil servants use the new {theme} services.",
    "{number:,} farmers receive market prices by SMS.",
    "{number:,} health workers report through mobile phones.",
    "{number:,} young people completed coding courses.",
]
SUSTAINABILITY = [
    "The {organisation} took over the running costs in {year}.",
    "The platform is now part of the national {theme} strategy of {place}.",
    "A user fee covers the maintenance of the {theme} services.",
]


# "By 2030, ensure ..." and its French and Spanish forms, which read badly after an opener.
DEADLINE = re.compile(r"^(By|D[’']ici à|De aquí a|Para) (\d{4}), (.*)$", re.S)


def lower_first(text: str) -> str:
    """The text with its first letter in lower case, unless the first word is an acronym ("ICT")."""
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def weighted(weights: dict, default: float = 1.0) -> tuple[list, list[float]]:
    items = list(weights)
    return items, [float(weights.get(item, default)) for item in items]


def cumulative(values: list[float]) -> list[float]:
    total, out = 0.0, []
    for value in values:
        total += value
        out.append(total)
    return out


def zipf_rank(rng: random.Random, size: int) -> int:
    """A rank in [0, size) with P(rank k) about proportional to 1/(k+1): few big, many small."""
    return min(size - 1, int(math.exp(rng.random() * math.log(size + 1))) - 1)


def pool_size(rows_so_far: int) -> int:
    """How many partner organisations row n draws from: the pool grows with the registry
    (about 1,600 at 10k rows, 7,000 at 100k, 32,000 at 1M)."""
    return len(KNOWN_ORGANISATIONS) + int(4 * (rows_so_far + 1) ** 0.65)


# --- the vocabularies, read once


@dataclass
class Line:
    pk: int
    code: str
    title: str
    keywords: list[str]


@dataclass
class Target:
    pk: int
    code: str
    goal_pk: int
    goal_number: int
    titles: dict[str, str]
    indicators: list[dict[str, str]]


@dataclass
class Place:
    code: str
    names: dict[str, str]
    regions: list[str]
    groups: list[str]


@dataclass
class Vocabulary:
    lines: list[Line]
    line_weights: list[float]
    goal_pk: dict[int, int]
    goal_titles: dict[int, dict[str, str]]
    goal_short: dict[int, dict[str, str]]
    goals: list[int]
    goal_weights: list[float]
    targets_by_goal: dict[int, list[Target]]
    sectors: list[tuple[str, str, str, str]]  # code, name, first clause of the description, French name
    sectors_by_category: dict[str, list[int]]  # category -> indexes into sectors
    countries: list[Place]
    country_cumulative: list[float]
    regions: dict[str, tuple[int, str]]  # code -> (pk, name)
    groups: dict[str, str]  # code -> name
    stakeholder_groups: dict[str, StakeholderGroup]
    country_objects: dict[str, Country] = field(default_factory=dict)


def load_vocabulary(seed: int) -> Vocabulary:
    lines = [
        Line(
            line.pk,
            line.code,
            line.title,
            [k.strip() for k in line.keywords.split(";") if 2 < len(k.strip()) < 60],
        )
        for line in ActionLine.objects.all()
    ]
    if not lines:
        raise SystemExit("no vocabularies in this database: run `stocktake load_vocabularies` first")
    goals = list(SdgGoal.objects.all())
    indicators: dict[int, list[dict[str, str]]] = {}
    for indicator in SdgIndicator.objects.all():
        indicators.setdefault(indicator.target_id, []).append(
            indicator.translations or {"en": indicator.title}
        )
    targets_by_goal: dict[int, list[Target]] = {}
    for target in SdgTarget.objects.select_related("goal"):
        targets_by_goal.setdefault(target.goal.number, []).append(
            Target(
                target.pk,
                target.code,
                target.goal_id,
                target.goal.number,
                {"en": target.title, **(target.translations or {})},
                indicators.get(target.pk, []),
            )
        )
    sectors = []
    for code in Code.objects.filter(codelist__name="Sector", active=True).order_by("code"):
        clause = code.description.split(";")[0].strip().rstrip(".")
        sectors.append((code.code, code.name, clause, (code.translations or {}).get("fr", code.name)))
    by_category: dict[str, list[int]] = {}
    for index, (code, *_rest) in enumerate(sectors):
        by_category.setdefault(code[:3], []).append(index)
    # Zipf over a seeded order, so that some sectors are everywhere and most are rare.
    order = list(range(len(sectors)))
    random.Random(f"{seed}:sectors").shuffle(order)
    sectors = [sectors[i] for i in order]
    by_category = {cat: sorted(order.index(i) for i in idx) for cat, idx in by_category.items()}

    groups_of: dict[str, list[str]] = {}
    for country_id, group_id in CountryGroupMembership.objects.filter(until__isnull=True).values_list(
        "country_id", "group_id"
    ):
        groups_of.setdefault(country_id, []).append(group_id)
    country_rng = random.Random(f"{seed}:countries")
    countries, weights, objects = [], [], {}
    for country in Country.objects.select_related("region", "sub_region", "intermediate_region"):
        if country.region_id is None:
            continue
        groups = groups_of.get(country.code, [])
        weight = 0.6
        if "developing" in groups:
            weight = 2.0
        if "ldc" in groups:
            weight = 3.0
        if "sids" in groups:
            weight *= 0.8
        weight *= country_rng.lognormvariate(0, 1.0)  # some countries far more active than others
        countries.append(
            Place(
                country.code,
                {"en": country.title, **(country.translations or {})},
                country.region_codes(),
                groups,
            )
        )
        weights.append(weight)
        objects[country.code] = country
    line_codes = {line.code: line for line in lines}
    return Vocabulary(
        lines=lines,
        line_weights=[ACTION_LINES.get(code, 1.0) for code in line_codes],
        goal_pk={goal.number: goal.pk for goal in goals},
        goal_titles={goal.number: {"en": goal.title, **(goal.translations or {})} for goal in goals},
        goal_short={
            goal.number: {"en": goal.short_title, **(goal.short_translations or {})} for goal in goals
        },
        goals=[goal.number for goal in goals],
        goal_weights=[GOALS.get(goal.number, 1.0) for goal in goals],
        targets_by_goal=targets_by_goal,
        sectors=sectors,
        sectors_by_category=by_category,
        countries=countries,
        country_cumulative=cumulative(weights),
        regions={region.code: (region.pk, region.name) for region in Region.objects.all()},
        groups=dict(CountryGroup.objects.values_list("code", "name")),
        stakeholder_groups={group.code: group for group in StakeholderGroup.objects.all()},
        country_objects=objects,
    )


# --- partner organisations


@dataclass(frozen=True)
class OrganisationSpec:
    slug: str
    name: str
    acronym: str
    group: str
    country: str | None


def organisation_specs(vocabulary: Vocabulary, count: int, seed: int) -> list[OrganisationSpec]:
    """The first ``count`` organisations of the pool, the same for every count (a prefix)."""
    specs: list[OrganisationSpec] = []
    slugs: set[str] = set()
    groups, group_weights = weighted(STAKEHOLDER_SHARES)
    region_names = [name for code, (_pk, name) in sorted(vocabulary.regions.items()) if code != "001"]
    for rank in range(count):
        rng = random.Random(f"{seed}:organisation:{rank}")
        country = vocabulary.countries[_pick_cumulative(rng, vocabulary.country_cumulative)]
        acronym = ""
        if rank < len(KNOWN_ORGANISATIONS):
            name, acronym, group = KNOWN_ORGANISATIONS[rank]
            country_code = None
        else:
            group = rng.choices(groups, group_weights)[0]
            country_code = country.code
            cname = country.names["en"]
            made_up = _made_up_name(rng).title()
            if group == "government":
                name = rng.choice(
                    [
                        f"Ministry of {rng.choice(PORTFOLIOS)} of {cname}",
                        f"{cname} {rng.choice(AGENCIES)}",
                        f"{rng.choice(AGENCIES)} of {cname}",
                    ]
                )
            elif group == "private-sector":
                name = f"{made_up} {rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_FORMS)}"
            elif group == "civil-society":
                name = rng.choice(
                    [
                        f"{cname} {rng.choice(CIVIL_THEMES)} {rng.choice(CIVIL_FORMS)}",
                        f"{made_up} {rng.choice(CIVIL_THEMES)} {rng.choice(CIVIL_FORMS)}",
                    ]
                )
            elif group == "academic-research":
                name = rng.choice(
                    [
                        f"University of {made_up}",
                        f"{cname} Institute of Technology",
                        f"{made_up} Centre for {rng.choice(RESEARCH_TOPICS)}",
                    ]
                )
            elif group == "technical-community":
                name = rng.choice(TECHNICAL_FORMS).format(country=cname, name=made_up)
            elif group == "partnership":
                name = rng.choice(PARTNERSHIP_FORMS).format(
                    theme=rng.choice(CIVIL_THEMES), region=rng.choice(region_names)
                )
                country_code = None
            else:
                name = rng.choice(REGIONAL_BODIES).format(region=rng.choice(region_names))
                country_code = None
            if group in ("international-organisation", "partnership") or rng.random() < 0.15:
                acronym = "".join(word[0] for word in name.split() if word[0].isupper())[:12]
        base = slugify(acronym or name)[:90] or "organisation"
        slug, number = base, 2
        while slug in slugs:
            slug, number = f"{base}-{number}", number + 1
        slugs.add(slug)
        specs.append(OrganisationSpec(slug, name[:300], acronym, group, country_code))
    return specs


def _made_up_name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


def _pick_cumulative(rng: random.Random, cumulative_weights: list[float]) -> int:
    return min(
        len(cumulative_weights) - 1, bisect_right(cumulative_weights, rng.random() * cumulative_weights[-1])
    )


class Organisations:
    """The pool, created through the service when a row first names one of its organisations."""

    def __init__(self, vocabulary: Vocabulary, rows: int, seed: int, actor: Actor) -> None:
        self.vocabulary, self.actor = vocabulary, actor
        self.specs = organisation_specs(vocabulary, pool_size(rows), seed)
        self.ids: dict[int, int] = {}
        self.created = 0
        found = dict(
            Organisation.objects.filter(slug__in=[spec.slug for spec in self.specs]).values_list("slug", "pk")
        )
        for rank, spec in enumerate(self.specs):
            if spec.slug in found:
                self.ids[rank] = found[spec.slug]

    def ensure(self, ranks: set[int]) -> None:
        for rank in sorted(ranks - self.ids.keys()):
            spec = self.specs[rank]
            organisation = organisation_create(
                actor=self.actor,
                name=spec.name,
                slug=spec.slug,
                acronym=spec.acronym,
                stakeholder_group=self.vocabulary.stakeholder_groups.get(spec.group),
                country=self.vocabulary.country_objects.get(spec.country) if spec.country else None,
            )
            self.ids[rank] = organisation.pk
            self.created += 1


# --- one row


@dataclass
class Row:
    draft: InitiativeDraft
    partner_ranks: list[tuple[int, str]]  # (pool rank, role): ids are known once the pool is created


class RowMaker:
    def __init__(self, vocabulary: Vocabulary, organisations: Organisations, seed: int) -> None:
        self.v, self.organisations, self.seed = vocabulary, organisations, seed
        self.kinds, self.kind_weights = weighted(KINDS)
        self.line_cumulative = cumulative(vocabulary.line_weights)
        self.goal_cumulative = cumulative(vocabulary.goal_weights)
        self.languages, self.language_weights = weighted(OTHER_LANGUAGES)
        self.year_cumulative = cumulative(
            # More initiatives every year, with a bump around the two WSIS summits.
            [
                math.exp((y - FIRST_YEAR) / 11) * (1.6 if y in (2003, 2005) else 1.0)
                for y in range(FIRST_YEAR, LAST_YEAR + 1)
            ]
        )
        self.affinity_sectors = {
            line.code: [
                index
                for category in AFFINITY.get(line.code, (9, ("220",)))[1]
                for index in vocabulary.sectors_by_category.get(category, [])
            ]
            for line in vocabulary.lines
        }
        self.region_codes = [code for code in vocabulary.regions if code != "001"]

    def make(self, n: int) -> Row:
        rng = random.Random(self.seed * 1_000_003 + n)
        v = self.v
        kind = rng.choices(self.kinds, self.kind_weights)[0]

        # Places: most initiatives name 1-3 countries, some a region, a few nothing (global).
        countries: list[Place] = []
        region_code = ""
        draw = rng.random()
        if draw < 0.88:
            for _ in range(rng.choices((1, 2, 3), (62, 24, 14))[0]):
                country = v.countries[_pick_cumulative(rng, v.country_cumulative)]
                if all(country.code != other.code for other in countries):
                    countries.append(country)
        elif draw < 0.95:
            region_code = rng.choice(self.region_codes)
        groups: list[str] = []
        for group, share in (("ldc", 0.45), ("lldc", 0.35), ("sids", 0.5)):
            if countries and all(group in c.groups for c in countries) and rng.random() < share:
                groups.append(group)
        if rng.random() < 0.04:
            groups.append("developing")

        language = "en"
        if countries:
            for region in countries[0].regions:
                if region in REGION_LANGUAGE and rng.random() < REGION_LANGUAGE[region][1]:
                    language = REGION_LANGUAGE[region][0]
                    break
            else:
                language = rng.choices(self.languages, self.language_weights)[0]
        else:
            language = rng.choices(self.languages, self.language_weights)[0]

        # Themes: 1-2 Action Lines, 1-3 SDG targets, 1-2 sectors, the first of each related.
        lines = [v.lines[_pick_cumulative(rng, self.line_cumulative)]]
        if rng.random() < 0.35:
            other = v.lines[_pick_cumulative(rng, self.line_cumulative)]
            if other is not lines[0]:
                lines.append(other)
        affinity_goal = AFFINITY.get(lines[0].code, (9, ("220",)))[0]
        targets: list[Target] = []
        for index in range(rng.choices((1, 2, 3), (50, 32, 18))[0]):
            goal = (
                affinity_goal
                if index == 0 and rng.random() < 0.6
                else v.goals[_pick_cumulative(rng, self.goal_cumulative)]
            )
            target = rng.choice(v.targets_by_goal[goal])
            if target not in targets:
                targets.append(target)
        sector_indexes: list[int] = []
        for index in range(rng.choices((1, 2), (75, 25))[0]):
            candidates = self.affinity_sectors.get(lines[0].code, [])
            if index == 0 and candidates and rng.random() < 0.6:
                chosen = rng.choice(candidates)
            else:
                chosen = zipf_rank(rng, len(v.sectors))
            if chosen not in sector_indexes:
                sector_indexes.append(chosen)

        # Partners: 1-5, Zipf-distributed over the pool; the funder from the bigger ones.
        size = pool_size(n)
        partner_count = rng.choices((1, 2, 3, 4, 5), (30, 30, 20, 12, 8))[0]
        partners: list[tuple[int, str]] = []
        seen: set[int] = set()
        for index in range(partner_count):
            rank = zipf_rank(rng, size)
            if rank in seen:
                continue
            seen.add(rank)
            role = (
                rng.choice([PartnerRole.IMPLEMENTING, PartnerRole.LEAD])
                if index == 0
                else rng.choices(
                    [
                        PartnerRole.PARTNER,
                        PartnerRole.IMPLEMENTING,
                        PartnerRole.ACCOUNTABLE,
                        PartnerRole.EXTENDING,
                    ],
                    (50, 30, 12, 8),
                )[0]
            )
            partners.append((rank, role))
        has_budget = rng.random() < 0.8
        if has_budget and rng.random() < 0.7:
            rank = zipf_rank(rng, min(size, 300))
            if rank not in seen:
                partners.append((rank, PartnerRole.FUNDING))

        # Dates, status and outcome follow each other.
        year = FIRST_YEAR + _pick_cumulative(rng, self.year_cumulative)
        start = date(year, rng.randint(1, 12), rng.randint(1, 28))
        precision = rng.choices((DatePrecision.DAY, DatePrecision.MONTH, DatePrecision.YEAR), (60, 25, 15))[0]
        if precision == DatePrecision.MONTH:
            start = start.replace(day=1)
        elif precision == DatePrecision.YEAR:
            start = start.replace(month=1, day=1)
        end = start + timedelta(days=rng.randint(1, 6) * 365 + rng.randint(0, 200))
        if kind == Kind.EVENT:
            end = start + timedelta(days=rng.randint(0, 4))
        if start > TODAY:
            status, outcome = "1", ""
        elif end > TODAY:
            status = rng.choices(("2", "6", "1"), (90, 4, 6))[0]
            outcome = Outcome.ONGOING if rng.random() < 0.7 else ""
        else:
            status = rng.choices(("4", "3", "5"), (80, 12, 8))[0]
            outcome = (
                Outcome.ENDED_EARLY
                if status == "5"
                else rng.choices(
                    (Outcome.CONCLUDED, Outcome.SUSTAINED, Outcome.HANDED_OVER, Outcome.ENDED_EARLY, ""),
                    (50, 20, 15, 8, 7),
                )[0]
            )
        scope = (
            Scope.INTERNATIONAL
            if not countries and not region_code
            else Scope.REGIONAL
            if region_code or len(countries) > 1
            else rng.choices((Scope.NATIONAL, Scope.SUB_NATIONAL), (85, 15))[0]
        )

        words = Words(
            rng, v, language, kind, countries, region_code, groups, lines, targets, sector_indexes, year
        )
        title, title_translations = words.title()
        code = f"{CODE_PREFIX}{n:07d}"
        initiative = Initiative(
            code=code,
            code_normalised=normalise_code(code),
            kind=kind,
            title=title[:500],
            title_translations=title_translations,
            language=language,
            summary=words.summary(),
            status=status,
            outcome=outcome,
            scope=scope,
            planned_start=start,
            planned_start_precision=precision,
            planned_end=end,
            planned_end_precision=precision,
            provenance=["generated for the search benchmark"],
        )
        if status in ("2", "3", "4", "5", "6") and rng.random() < 0.6:
            initiative.actual_start = start
            initiative.actual_start_precision = precision
            if status in ("3", "4", "5"):
                initiative.actual_end = end
                initiative.actual_end_precision = precision

        children: list[ChildRow] = []
        for country in countries:
            children.append(ChildRow(InitiativeCountry, country_id=country.code, basis=Basis.IMPORTED))
        if region_code:
            children.append(
                ChildRow(InitiativeRegion, region_id=v.regions[region_code][0], basis=Basis.IMPORTED)
            )
        for group in groups:
            children.append(ChildRow(InitiativeCountryGroup, group_id=group, basis=Basis.IMPORTED))
        for line in lines:
            children.append(ChildRow(InitiativeActionLine, action_line_id=line.pk, basis=Basis.IMPORTED))
        goal_pks: list[int] = []
        for target in targets:
            children.append(ChildRow(InitiativeSdgTarget, target_id=target.pk, basis=Basis.IMPORTED))
            if target.goal_pk not in goal_pks:
                goal_pks.append(target.goal_pk)
                children.append(ChildRow(InitiativeSdgGoal, goal_id=target.goal_pk, basis=Basis.IMPORTED))
        for index in sector_indexes:
            children.append(
                ChildRow(InitiativeSector, vocabulary="1", code=v.sectors[index][0], basis=Basis.IMPORTED)
            )
        if has_budget:
            amount = min(rng.lognormvariate(math.log(400_000), 1.5), 9e11)
            currency = "USD" if rng.random() < 0.93 else rng.choice(("EUR", "GBP", "CHF", "JPY"))
            children.append(
                ChildRow(
                    Budget,
                    amount=Decimal(max(1000, int(amount))),
                    currency=currency,
                    period_start=start,
                    period_end=end,
                )
            )
            if rng.random() < 0.15:
                children.append(
                    ChildRow(
                        Budget,
                        amount=Decimal(int(amount * rng.uniform(0.8, 1.5))),
                        currency=currency,
                        type="2",
                        period_start=start,
                        period_end=end,
                    )
                )
        if rng.random() < 0.1:
            children.append(
                ChildRow(
                    InitiativeIdentifier,
                    value=(other_code := f"XM-DAC-{rng.randint(1, 99999)}-{n:07d}"),
                    normalised=normalise_code(other_code),
                    scheme="iati",
                )
            )
        children.extend(words.sections(self.organisations, partners))
        return Row(InitiativeDraft(initiative=initiative, children=children), partners)


class Words:
    """The text of one row, in its language, from the vocabularies' wording."""

    def __init__(
        self,
        rng: random.Random,
        v: Vocabulary,
        language: str,
        kind: str,
        countries: list[Place],
        region_code: str,
        groups: list[str],
        lines: list[Line],
        targets: list[Target],
        sectors: list[int],
        year: int,
    ) -> None:
        self.rng, self.v, self.language, self.kind = rng, v, language, kind
        self.countries, self.region_code, self.groups = countries, region_code, groups
        self.lines, self.targets, self.sectors, self.year = lines, targets, sectors, year
        self.name = _made_up_name(rng).title() if rng.random() < 0.3 else ""

    def place(self, language: str = "en") -> str:
        if self.groups and self.rng.random() < 0.4 and language == "en":
            return self.v.groups[self.groups[0]]
        if self.countries:
            names = [c.names.get(language) or c.names["en"] for c in self.countries[:2]]
            joiner = {"en": " and ", "fr": " et ", "es": " y ", "ar": " و", "ru": " и ", "zh": "和"}[language]
            return joiner.join(names)
        if self.region_code:
            return self.v.regions[self.region_code][1]
        return EVERYWHERE[language]

    def theme(self) -> str:
        line = self.lines[0]
        if line.keywords and self.rng.random() < 0.6:
            return self.rng.choice(line.keywords)
        if len(line.title) < 45 and self.rng.random() < 0.7:
            return line.title
        return self.v.sectors[self.sectors[0]][1]

    def english_title(self) -> str:
        rng = self.rng
        theme, place = self.theme(), self.place()
        goal = self.v.goal_short[self.targets[0].goal_number]["en"]
        sector = self.v.sectors[self.sectors[0]][1]
        name = f"{self.name}: " if self.name else ""
        templates = {
            Kind.PROJECT: [
                f"{name}{theme} for {lower_first(goal)} in {place}",
                f"{name}Strengthening {lower_first(theme)} in {place}",
                f"{place}: {lower_first(sector)} through {lower_first(theme)}",
                f"{name}Digital {lower_first(sector)} in {place}",
            ],
            Kind.PARTNERSHIP: [
                f"{name or 'Partnership: '}{theme} for {lower_first(goal)}",
                f"Multi-stakeholder partnership on {lower_first(theme)} in {place}",
            ],
            Kind.PPP: [f"Public-private partnership for {lower_first(theme)} in {place}"],
            Kind.PROGRAMME: [
                f"{place} programme on {lower_first(theme)}",
                f"Regional programme for {lower_first(goal)}",
            ],
            Kind.COMMITMENT: [f"Commitment: {lower_first(theme)} for {lower_first(goal)} in {place}"],
            Kind.EVENT: [
                f"Workshop on {lower_first(theme)} ({place}, {self.year})",
                f"Forum on {lower_first(goal)} and {lower_first(theme)}",
                f"{self.name or 'Regional'} Summit on {lower_first(theme)}",
            ],
        }[self.kind]
        return rng.choice(templates)

    def foreign_title(self, language: str) -> str:
        goal = self.v.goal_short[self.targets[0].goal_number].get(language, "")
        place = self.place(language)
        if language == "fr" and self.rng.random() < 0.5:
            return f"{goal} : {self.v.sectors[self.sectors[0]][3]} ({place})"
        separator = "：" if language == "zh" else " — "
        return f"{goal}{separator}{place}"

    def title(self) -> tuple[str, dict[str, str]]:
        if self.language == "en":
            title = self.english_title()
            translations = {}
            if self.rng.random() < 0.06:
                other = self.rng.choice(LANGUAGES[1:])
                translations[other] = self.foreign_title(other)
            return title, translations
        title = self.foreign_title(self.language)
        return title, {"en": self.english_title()} if self.rng.random() < 0.5 else {}

    def target_phrase(self, target: Target, language: str) -> str:
        """The target's wording as the rest of a sentence: "By 2030, ensure X" -> "ensure X by 2030"."""
        text = (target.titles.get(language) or target.titles["en"]).rstrip(". 。")
        deadline = DEADLINE.match(text)
        if deadline:
            text = f"{deadline.group(3)} {lower_first(deadline.group(1))} {deadline.group(2)}"
        return lower_first(text)

    def summary(self) -> str:
        rng, language = self.rng, self.language
        first = self.targets[0]
        if language != "en":
            opener = rng.choice(OPENERS[language])
            stop = "。" if language == "zh" else "."
            parts = [f"{opener}{'' if language == 'zh' else ' '}{self.target_phrase(first, language)}{stop}"]
            if first.indicators and rng.random() < 0.6:
                indicator = rng.choice(first.indicators)
                parts.append(
                    f"{INDICATOR_LABEL[language]} {indicator.get(language) or indicator['en']}{stop}"
                )
            goal = self.v.goal_titles[first.goal_number]
            parts.append(
                f"{GOAL_LABEL[language]} {first.goal_number}: {goal.get(language) or goal['en']}{stop}"
            )
            parts.append(f"{COUNTRY_LABEL[language]}: {self.place(language)}{stop}")
            for target in self.targets[1:]:
                phrase = self.target_phrase(target, language)
                parts.append(phrase[:1].upper() + phrase[1:] + stop)
            return " ".join(parts)
        kind = KIND_WORD[Kind(self.kind)]
        place = self.place()
        sector = self.v.sectors[self.sectors[0]]
        parts = [f"{rng.choice(OPENERS['en']).format(kind=kind)} {self.target_phrase(first, 'en')}."]
        if rng.random() < 0.85:
            parts.append(
                f"It supports {rng.choice(DEVELOPMENT_ADJECTIVES)} development in {place} through "
                f"{lower_first(sector[1])}."
            )
        if rng.random() < 0.45:
            parts.append(
                f"Digital {rng.choice(DIGITAL_NOUNS)} are {rng.choice(DIGITAL_VERBS)} with "
                f"{STAKEHOLDER_WORDS[rng.choice(list(STAKEHOLDER_WORDS))]} partners."
            )
        if sector[2] and rng.random() < 0.5:
            parts.append(f"Activities cover {lower_first(sector[2])}.")
        if rng.random() < 0.3:
            line = self.lines[-1]
            parts.append(f"It contributes to WSIS Action Line {line.code}, {lower_first(line.title)}.")
        for target in self.targets[1:]:
            parts.append(f"It also works to {self.target_phrase(target, 'en')}.")
        if first.indicators and rng.random() < 0.25:
            indicator = rng.choice(first.indicators)["en"]
            parts.append(f"Progress is measured by the {lower_first(indicator)}.")
        keywords = [k for line in self.lines for k in line.keywords]
        if keywords and rng.random() < 0.15:
            parts.append(f"Keywords: {', '.join(rng.sample(keywords, min(3, len(keywords))))}.")
        if self.name and rng.random() < 0.5:
            parts.append(f"{self.name} is the name partners in {place} gave to the work.")
        return " ".join(parts)

    def sections(self, organisations: Organisations, partners: list[tuple[int, str]]) -> list[ChildRow]:
        rng, language = self.rng, self.language
        rows: list[ChildRow] = []
        place = self.place(language)
        values = {
            "place": place,
            "place2": self.place(),
            "theme": lower_first(self.theme()),
            "sector": lower_first(self.v.sectors[self.sectors[0]][1]),
            "group": STAKEHOLDER_WORDS[rng.choice(list(STAKEHOLDER_WORDS))],
            "year": self.year + rng.randint(1, 6),
            "organisation": organisations.specs[partners[0][0]].name if partners else "the ministry",
        }

        def add(kind: str, text: str) -> None:
            rows.append(ChildRow(Section, kind=kind, text=text, position=len(rows)))

        if rng.random() < 0.4:
            phrases = [self.target_phrase(t, language) for t in self.targets]
            add(SectionKind.OBJECTIVES, "\n".join(f"- {p[:1].upper()}{p[1:]}" for p in phrases))
        if language == "en":
            if rng.random() < 0.2:
                add(
                    SectionKind.ACCOMPLISHMENTS,
                    rng.choice(ACCOMPLISHMENTS).format(number=rng.randint(20, 50_000), **values),
                )
            if rng.random() < 0.15:
                add(SectionKind.CHALLENGES, rng.choice(CHALLENGES).format(**values))
            if rng.random() < 0.1:
                add(SectionKind.SUSTAINABILITY, rng.choice(SUSTAINABILITY).format(**values))
        if rng.random() < 0.2:
            lessons = LESSONS[language]
            picked = rng.sample(lessons, min(len(lessons), rng.randint(1, 3)))
            add(SectionKind.LESSONS_LEARNED, " ".join(text.format(**values) for text in picked))
        return rows


# --- the run


@contextmanager
def index_not_following() -> Iterator[None]:
    """The search index does not follow each batch (the benchmark rebuilds it once, and times it).

    The history is recorded as always, so the next sync or search brings the index up to date anyway.
    """
    hooks = history._write_hooks
    saved = list(hooks)
    hooks.clear()
    try:
        yield
    finally:
        hooks[:] = saved


def bench_count() -> int:
    return Initiative.objects.filter(code__startswith=CODE_PREFIX).count()


def generate(rows: int, *, seed: int = 7, batch: int = 1000, quiet: bool = False) -> int:
    """Adds rows until the database holds ``rows`` generated initiatives; returns how many it added."""
    existing = bench_count()
    if existing >= rows:
        if not quiet:
            print(f"{existing:,} generated initiatives there already: nothing to add", file=sys.stderr)
        analyze()
        return 0
    if Initiative.objects.filter(code=f"{CODE_PREFIX}{existing:07d}").exists():
        raise SystemExit(f"generated rows are not 0..{existing - 1}: start from a fresh database")
    actor = Actor.system("search benchmark generator", source=ChangeSource.IMPORT)
    started = time.perf_counter()
    vocabulary = load_vocabulary(seed)
    organisations = Organisations(vocabulary, rows, seed, actor)
    maker = RowMaker(vocabulary, organisations, seed)
    print(
        f"generating rows {existing:,} to {rows - 1:,} (seed {seed}, batches of {batch:,}; "
        f"pool of {len(organisations.specs):,} organisations, {len(organisations.ids):,} there already)",
        file=sys.stderr,
        flush=True,
    )
    done, shown_at, shown_done = 0, started, 0
    with index_not_following():
        for first in range(existing, rows, batch):
            made = [maker.make(n) for n in range(first, min(rows, first + batch))]
            with transaction.atomic():
                organisations.ensure({rank for row in made for rank, _role in row.partner_ranks})
                for row in made:
                    row.draft.children.extend(
                        ChildRow(
                            Participation,
                            organisation_id=organisations.ids[rank],
                            role=role,
                            basis=Basis.IMPORTED,
                        )
                        for rank, role in row.partner_ranks
                    )
                initiatives_write_batch(actor=actor, drafts=[row.draft for row in made])
            reset_queries()
            done += len(made)
            now = time.perf_counter()
            if not quiet and (now - shown_at >= 5 or first + batch >= rows):
                print(
                    f"  {existing + done:>10,} / {rows:,}  {done / (now - started):8,.0f} rows/s "
                    f"(last {now - shown_at:.0f}s: {(done - shown_done) / (now - shown_at):,.0f}/s), "
                    f"{organisations.created:,} organisations created",
                    file=sys.stderr,
                    flush=True,
                )
                shown_at, shown_done = now, done
    elapsed = time.perf_counter() - started
    if not quiet:
        print(
            f"added {done:,} initiatives in {elapsed:.1f}s ({done / elapsed:,.0f} rows/s)",
            file=sys.stderr,
            flush=True,
        )
    analyze()
    return done


def analyze() -> None:
    """PostgreSQL's planner statistics, as autovacuum gathers them after a bulk load. Autovacuum may be
    off (it is on the machines these figures were taken on): without statistics the planner took 20
    initiatives' links for 1% of each 1.3M-row table and read the tables whole (400 ms, not 1 ms)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def prepare() -> None:
    """Migrates the database and loads the vocabularies (each is loaded again only if its files changed)."""
    started = time.perf_counter()
    call_command("migrate", "--no-input", verbosity=0)
    with index_not_following():
        loads = vocabularies_load(actor=Actor.system("search benchmark generator", source=ChangeSource.CLI))
    changed = [load.name for load in loads if load.changed]
    print(
        f"database migrated, vocabularies {'loaded: ' + ', '.join(changed) if changed else 'there already'} "
        f"({time.perf_counter() - started:.1f}s)",
        file=sys.stderr,
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("rows", type=int, help="how many generated initiatives the database should hold")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch", type=int, default=1000, help="initiatives per call of the batch service")
    parser.add_argument("--profile", metavar="FILE", help="run under cProfile and write the stats to FILE")
    parser.add_argument(
        "--prepare", action="store_true", help="migrate the database and load the vocabularies first"
    )
    args = parser.parse_args()
    if args.prepare:
        prepare()
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        generate(args.rows, seed=args.seed, batch=args.batch)
        profiler.disable()
        profiler.dump_stats(args.profile)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
    else:
        generate(args.rows, seed=args.seed, batch=args.batch)


if __name__ == "__main__":
    main()

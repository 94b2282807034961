"""Writes an IATI 2.03 activity file of generated, realistic activities: the scale input of the import bench.

    .venv/bin/python bench/generate_iati.py OUT.xml [--activities 200000] [--seed 7] [--check]

Modelled on the US Government corpus the bench also imports (/work/shared/iati/bench/): a few
dozen publishers, 2 to 6 participating organisations each drawn from a pool of a few thousand
(with refs and types, named now and then in a slightly different spelling), ~5 transactions per
activity carrying the sector and the country (the activity carries them for about one in six),
titles and descriptions in English with French or Spanish for some, budgets, document links,
policy markers, contact details, programmes of a parent and child activities linked both ways, and
the parts an importer keeps verbatim (result, location, planned-disbursement, crs-add, a
publisher's own namespaced elements). Codes come from the vocabularies Stocktake loads.

The file is streamed (lxml ``xmlfile``: each activity is built, written and dropped), so memory
stays flat whatever the size, and the same seed always gives the same bytes. It is written beside
OUT and renamed into place at the end, so an interrupted run never leaves a truncated OUT.
--check validates the result against the IATI 2.03 schema (small files only: the schema check
holds the whole document in memory).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import time
from collections import deque
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
VOCABULARIES = ROOT / "stocktake" / "vocabularies" / "data"
CHECK_LIMIT = 20_000  # the schema check parses the whole file into memory

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# A publisher's own elements, as USG's usg:treasury-account: schema-valid (##other) and kept verbatim.
FIN = "https://bench.stocktake.example.org/ns/finance"
NSMAP = {"fin": FIN}
GENERATED_AT = "2025-02-05T00:00:00Z"  # fixed, so that a seed always gives the same file
TODAY = date(2025, 2, 5)

# (English, French, Spanish, DAC 3-digit sector categories)
TOPICS: list[tuple[str, str, str, tuple[str, ...]]] = [
    (
        "maternal and child health",
        "santé maternelle et infantile",
        "salud materna e infantil",
        ("122", "130"),
    ),
    ("primary education", "éducation primaire", "educación primaria", ("112", "111")),
    (
        "secondary and vocational education",
        "enseignement secondaire et professionnel",
        "educación secundaria y formación profesional",
        ("113", "114"),
    ),
    (
        "water, sanitation and hygiene",
        "eau, assainissement et hygiène",
        "agua, saneamiento e higiene",
        ("140",),
    ),
    ("food security", "sécurité alimentaire", "seguridad alimentaria", ("520", "311")),
    (
        "agricultural value chains",
        "chaînes de valeur agricoles",
        "cadenas de valor agrícolas",
        ("311", "250"),
    ),
    (
        "HIV/AIDS prevention and treatment",
        "prévention et traitement du VIH/sida",
        "prevención y tratamiento del VIH/sida",
        ("130", "122"),
    ),
    ("malaria control", "lutte contre le paludisme", "control de la malaria", ("122",)),
    ("democratic governance", "gouvernance démocratique", "gobernabilidad democrática", ("151",)),
    ("climate resilience", "résilience climatique", "resiliencia climática", ("410", "740")),
    (
        "renewable energy access",
        "accès aux énergies renouvelables",
        "acceso a energías renovables",
        ("231", "232", "236"),
    ),
    ("digital connectivity", "connectivité numérique", "conectividad digital", ("220",)),
    ("humanitarian assistance", "assistance humanitaire", "asistencia humanitaria", ("720", "730")),
    (
        "financial inclusion of women entrepreneurs",
        "inclusion financière des femmes entrepreneures",
        "inclusión financiera de mujeres emprendedoras",
        ("240", "250"),
    ),
    (
        "rule of law and access to justice",
        "état de droit et accès à la justice",
        "estado de derecho y acceso a la justicia",
        ("151",),
    ),
    ("youth employment", "emploi des jeunes", "empleo juvenil", ("160", "250")),
    (
        "disaster risk reduction",
        "réduction des risques de catastrophe",
        "reducción del riesgo de desastres",
        ("740", "430"),
    ),
    (
        "public financial management",
        "gestion des finances publiques",
        "gestión de las finanzas públicas",
        ("151",),
    ),
    (
        "biodiversity conservation",
        "conservation de la biodiversité",
        "conservación de la biodiversidad",
        ("410",),
    ),
    ("refugee protection", "protection des réfugiés", "protección de refugiados", ("720", "930")),
    ("trade facilitation", "facilitation des échanges", "facilitación del comercio", ("331",)),
    ("road maintenance", "entretien routier", "mantenimiento vial", ("210",)),
    ("peacebuilding", "consolidation de la paix", "consolidación de la paz", ("152",)),
    ("nutrition", "nutrition", "nutrición", ("122", "520")),
]
ACTIONS = [
    ("Strengthening", "Renforcement :", "Fortalecimiento:"),
    ("Improving", "Amélioration :", "Mejora:"),
    ("Support to", "Appui :", "Apoyo:"),
    ("Scaling up", "Extension :", "Ampliación:"),
    ("Expanding access to", "Élargissement de l'accès :", "Ampliación del acceso:"),
    ("Building capacity for", "Renforcement des capacités :", "Desarrollo de capacidades:"),
    ("Programme for", "Programme :", "Programa:"),
]
TASKS = [
    "training of health workers",
    "community outreach",
    "procurement of equipment",
    "technical assistance to ministries",
    "monitoring and evaluation",
    "policy dialogue",
    "small grants to local organisations",
    "rehabilitation of infrastructure",
    "research and data collection",
    "awareness campaigns",
    "support to cooperatives",
    "school feeding",
    "cash transfers",
]
FIELDS = [
    ("Health", "la santé", "la salud"),
    ("Water", "l'eau", "el agua"),
    ("Education", "l'éducation", "la educación"),
    ("Rural Development", "le développement rural", "el desarrollo rural"),
    ("Youth", "la jeunesse", "la juventud"),
    ("Women's Empowerment", "l'autonomisation des femmes", "el empoderamiento de las mujeres"),
    ("Agricultural", "l'agriculture", "la agricultura"),
    ("Community", "la communauté", "la comunidad"),
    ("Governance", "la gouvernance", "la gobernanza"),
    ("Energy", "l'énergie", "la energía"),
    ("Peace", "la paix", "la paz"),
    ("Environmental", "l'environnement", "el medio ambiente"),
    ("Microfinance", "la microfinance", "las microfinanzas"),
    ("Human Rights", "les droits humains", "los derechos humanos"),
]
NGO_KINDS = [
    "Foundation",
    "Alliance",
    "Network",
    "Institute",
    "Trust",
    "Association",
    "Initiative",
    "Partners",
    "Society",
    "Council",
    "Centre",
    "Coalition",
    "Fund",
    "Collective",
]
FR_KINDS = ["Association pour", "Fondation pour", "Réseau pour", "Centre pour", "Collectif pour"]
ES_KINDS = ["Fundación para", "Asociación para", "Red para", "Centro para", "Corporación para"]
SCOPES = [
    "Global",
    "International",
    "African",
    "Pan-American",
    "Regional",
    "Asian",
    "Sahel",
    "Andean",
    "Pacific",
    "Mekong",
    "Great Lakes",
    "Caribbean",
    "Horn of Africa",
    "Balkan",
]
SURNAMES = [
    "Adeyemi",
    "Kimani",
    "Okafor",
    "Mensah",
    "Diallo",
    "Nguyen",
    "Sharma",
    "Rahman",
    "Silva",
    "Mendoza",
    "Haddad",
    "Petrov",
    "Kowalski",
    "Tanaka",
    "Osei",
    "Banda",
    "Moyo",
    "Ortega",
    "Castillo",
    "Hassan",
    "Abebe",
    "Tesfaye",
    "Chowdhury",
    "Santos",
    "Lopez",
    "Murphy",
    "Fischer",
    "Dubois",
    "Rossi",
    "Kariuki",
]
BUSINESS = [
    "Engineering",
    "Consulting",
    "Logistics",
    "Construction",
    "Solar",
    "Agritech",
    "Health Systems",
    "Water Solutions",
    "Analytics",
    "Pharma",
    "Telecom",
    "Development Associates",
    "Advisory",
]
CORP = ["Ltd", "Inc.", "LLC", "PLC", "S.A.", "SARL", "GmbH", "& Partners", "Group", "Limited"]
# Registration agencies (org-id.guide) by country; others get XI-IATI.
AGENCIES = {
    "GB": "GB-CHC",
    "US": "US-EIN",
    "KE": "KE-NCB",
    "FR": "FR-RNA",
    "NL": "NL-KVK",
    "CA": "CA-CRA_ACR",
    "DE": "DE-CR",
    "IN": "IN-MCA",
    "ZA": "ZA-NPO",
    "BD": "BD-NAB",
    "UG": "UG-NGB",
    "NG": "NG-CAC",
}
DAC_REGIONS = [
    "89",
    "189",
    "289",
    "298",
    "380",
    "389",
    "489",
    "498",
    "589",
    "619",
    "679",
    "689",
    "789",
    "798",
    "889",
    "998",
]
AID_TYPES = ["C01", "B01", "B03", "D01", "D02", "A02", "E01", "G01", "H01"]
CURRENCIES = ["USD"] * 14 + ["EUR"] * 3 + ["GBP", "CAD", "SEK"]
LANGUAGE_MIX = ["en"] * 93 + ["fr"] * 4 + ["es"] * 3  # default language of an activity


@dataclass(frozen=True, eq=False)
class Country:
    code: str
    names: dict[str, str]
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Org:
    ref: str | None
    type: str
    name: str
    language: str


@dataclass
class Stats:
    activities: int = 0
    transactions: int = 0
    bytes: int = 0
    seconds: float = 0.0


def _rows(relative: str) -> list[dict[str, str]]:
    with (VOCABULARIES / relative).open(encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def load_codes() -> dict[str, Any]:
    """Codes from the vocabularies Stocktake loads, so the importer finds each one it looks up."""
    countries = [
        Country(
            code=row["ISO 3166-1 Alpha 2-Codes"],
            names={
                "en": row["English Short"] or row["Preferred Term"],
                "fr": row["French Short"] or row["English Short"] or row["Preferred Term"],
                "es": row["Spanish Short"] or row["English Short"] or row["Preferred Term"],
            },
            latitude=float(row["Latitude"] or 0),
            longitude=float(row["Longitude"] or 0),
        )
        for row in _rows("countries/hdx-python-country-4.2.5_CT_Taxonomy.csv")
        if row["Independent"] == "Y" and row["Deprecated"] == "N" and row["ISO 3166-1 Alpha 2-Codes"]
    ]
    sectors: dict[str, list[str]] = {}
    for row in _rows("iati/Sector.csv"):
        if row["status"] == "active":
            sectors.setdefault(row["category"], []).append(row["code"])
    return {
        "countries": countries,
        "sectors": sectors,
        "all_sectors": [code for codes in sectors.values() for code in codes],
        "org_types": [row["code"] for row in _rows("iati/OrganisationType.csv") if row["status"] == "active"],
        "document_categories": [
            row["code"] for row in _rows("iati/DocumentCategory.csv") if row["category"] == "A"
        ],
    }


class Generator:
    """Holds the seeded pools; ``activity(index)`` builds one element, in the schema's order."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        codes = load_codes()
        self.countries: list[Country] = codes["countries"]
        self.sectors: dict[str, list[str]] = codes["sectors"]
        self.all_sectors: list[str] = codes["all_sectors"]
        self.document_categories: list[str] = codes["document_categories"]
        rng = self.rng
        # A few dozen countries receive most of the money, as in any donor's portfolio.
        focus = set(rng.sample(range(len(self.countries)), 45))
        # Cumulative weights, computed once: random.choices would otherwise sum them at every draw.
        self.country_weights = list(accumulate(12 if n in focus else 1 for n in range(len(self.countries))))
        self.orgs = self._organisations(3000)
        self.org_weights = list(accumulate(1 / (rank + 10) for rank in range(len(self.orgs))))  # a long tail
        self.publishers = self._publishers(32)
        self.publisher_weights = list(accumulate(1 / (rank + 1) for rank in range(len(self.publishers))))
        self.recent_ids: deque[str] = deque(maxlen=500)  # for co-funded links; bounded, memory stays flat
        self.programme: list[str] = []  # identifiers of the programme being written: parent first
        self.programme_left = 0
        self.publisher, self.topic, self.country = self.publishers[0], TOPICS[0], self.countries[0]

    # --- pools

    def _ref(self, country: Country) -> str:
        agency = AGENCIES.get(country.code, "XI-IATI")
        return f"{agency}-{self.rng.randint(10_000, 99_999_999)}"

    def _organisations(self, count: int) -> list[Org]:
        rng, orgs, seen = self.rng, list[Org](), set[str]()
        while len(orgs) < count:
            country = rng.choices(self.countries, cum_weights=self.country_weights)[0]
            kind = rng.random()
            language = "en"
            if kind < 0.30:
                field = rng.choice(FIELDS)
                name, type_ = (
                    f"{rng.choice([*SCOPES, country.names['en']])} {field[0]} {rng.choice(NGO_KINDS)}",
                    "21",
                )
            elif kind < 0.52:
                field = rng.choice(FIELDS)
                language = rng.choice(["en", "en", "fr", "es"])
                if language == "fr":
                    name = f"{rng.choice(FR_KINDS)} {field[1]} ({country.names['fr']})"
                elif language == "es":
                    name = f"{rng.choice(ES_KINDS)} {field[2]} ({country.names['es']})"
                else:
                    name = f"{country.names['en']} {field[0]} {rng.choice(NGO_KINDS)}"
                type_ = rng.choice(["22", "22", "23"])
            elif kind < 0.74:
                name = f"{rng.choice(SURNAMES)} {rng.choice(BUSINESS)} {rng.choice(CORP)}"
                type_ = "70"
            elif kind < 0.84:
                field = rng.choice(FIELDS)
                name, type_ = (
                    f"Ministry of {field[0].replace(chr(39) + 's', '')}, {country.names['en']}",
                    "10",
                )
            elif kind < 0.92:
                name = f"University of {country.names['en']} {rng.choice(['Medical School', 'Faculty of Agriculture', 'Institute of Public Health', 'School of Engineering'])}"  # noqa: E501
                type_ = "80"
            elif kind < 0.97:
                name = f"{rng.choice(SURNAMES)} Family Foundation"
                type_ = "60"
            else:
                name = f"{rng.choice(SCOPES)} {rng.choice(FIELDS)[0]} Fund"
                type_ = "40"
            if name in seen:
                continue
            seen.add(name)
            # A quarter publish no identifier, as for most of USG's implementing partners.
            ref = self._ref(country) if rng.random() < 0.75 else None
            if type_ == "40" and ref:
                ref = f"XM-DAC-{rng.randint(41000, 47999)}"
            orgs.append(Org(ref=ref, type=type_, name=name, language=language))
        return orgs

    def _publishers(self, count: int) -> list[Org]:
        publishers = []
        for n in range(count):
            country = self.rng.choices(self.countries, cum_weights=self.country_weights)[0]
            if n % 4 == 0:
                org = Org(
                    f"XM-DAC-{41100 + n}", "40", f"{self.rng.choice(SCOPES)} Development Fund {n}", "en"
                )
            elif n % 4 == 3:
                org = Org(
                    f"{self._ref(country)}", "21", f"{self.rng.choice(SCOPES)} Relief Alliance {n}", "en"
                )
            else:
                org = Org(
                    f"XX-GOV-{n}",
                    "10",
                    f"Agency for International Cooperation {n} ({country.names['en']})",
                    "en",
                )
            publishers.append(org)
        return publishers

    def _spelling(self, name: str) -> str:
        """Now and then a name as people type it: another case, a trailing dot, a leading "The"."""
        roll = self.rng.random()
        if roll < 0.03:
            return name.upper()
        if roll < 0.05:
            return f"The {name}"
        if roll < 0.07:
            return f"{name}."
        if roll < 0.08:
            return f"  {name.lower()} "
        return name

    # --- building blocks

    @staticmethod
    def _sub(parent: Any, tag: str, attrib: dict[str, str] | None = None, text: str | None = None) -> Any:
        element = etree.SubElement(parent, tag, attrib or {})
        if text is not None:
            element.text = text
        return element

    def _narratives(self, parent: Any, tag: str, texts: dict[str, str], default: str) -> Any:
        element = self._sub(parent, tag)
        for language, text in texts.items():
            self._sub(element, "narrative", {XML_LANG: language} if language != default else None, text)
        return element

    def _org(
        self,
        parent: Any,
        tag: str,
        org: Org,
        attrib: dict[str, str] | None = None,
        *,
        always_ref: bool = False,
    ) -> None:
        attributes = dict(attrib or {})
        # A ref known to the pool is given four times in five; sometimes it is left out.
        if org.ref and (always_ref or self.rng.random() < 0.8):
            attributes["ref"] = org.ref
        attributes["type"] = org.type
        element = self._sub(parent, tag, attributes)
        self._sub(element, "narrative", None, self._spelling(org.name))

    def _percentages(self, count: int) -> list[str]:
        if count == 1:
            return ["100"]
        cuts = sorted(self.rng.sample(range(5, 96, 5), count - 1))
        parts = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
        return [str(part) for part in parts]

    def _date(self, start: date, end: date) -> date:
        span = max((end - start).days, 0)
        return start + timedelta(days=self.rng.randint(0, span))

    def _money(self, median_log: float) -> str:
        return f"{round(self.rng.lognormvariate(median_log, 1.4), 2):.2f}"

    # --- the activity

    def _identifier(self, publisher: Org, index: int) -> str:
        return f"{publisher.ref}-{index:07d}"

    def activity(self, index: int, last: int) -> Any:
        rng = self.rng
        if self.programme_left == 0:
            # A new standalone activity or programme: a parent and 2 to 5 children of one publisher.
            self.publisher = rng.choices(self.publishers, cum_weights=self.publisher_weights)[0]
            children = rng.choice([2, 3, 4, 5]) if rng.random() < 0.05 else 0
            children = min(children, last - index)  # every link points at an activity of the file
            self.programme = [self._identifier(self.publisher, index + k) for k in range(children + 1)]
            self.programme_left = children + 1
            self.topic = rng.choice(TOPICS)
            self.country = rng.choices(self.countries, cum_weights=self.country_weights)[0]
        position = len(self.programme) - self.programme_left
        self.programme_left -= 1
        publisher, topic, country = self.publisher, self.topic, self.country
        identifier = self.programme[position]
        language = rng.choice(LANGUAGE_MIX)
        translations = [language]
        if language == "en" and rng.random() < 0.1:
            translations.append(rng.choice(["fr", "fr", "es"]))
        currency = rng.choice(CURRENCIES)
        start = date(rng.randint(2008, 2025), rng.randint(1, 12), rng.randint(1, 28))
        end = start + timedelta(days=rng.randint(300, 6 * 365))
        if start > TODAY:
            status = "1"
        elif end < TODAY:
            status = rng.choice(["4", "4", "4", "3"])
        else:
            status = rng.choice(["2"] * 12 + ["5", "6"])
        humanitarian = topic[3][0] in ("720", "730", "740")

        attributes = {
            "default-currency": currency,
            "hierarchy": "1" if position == 0 else "2",
            "last-updated-datetime": f"{self._date(date(2024, 1, 1), TODAY).isoformat()}T12:00:00Z",
            XML_LANG: language,
        }
        if humanitarian:
            attributes["humanitarian"] = "1"
        activity = etree.Element("iati-activity", attributes, nsmap=NSMAP)
        self._sub(activity, "iati-identifier", None, identifier)
        self._org(activity, "reporting-org", publisher, always_ref=True)

        action = rng.choice(ACTIONS)
        phase = f" – component {position}" if position else ""
        titles = {
            "en": f"{action[0]} {topic[0]} in {country.names['en']}{phase}",
            "fr": f"{action[1]} {topic[1]} ({country.names['fr']}){phase}",
            "es": f"{action[2]} {topic[2]} ({country.names['es']}){phase}",
        }
        self._narratives(activity, "title", {lang: titles[lang] for lang in translations}, language)
        partner = rng.choices(self.orgs, cum_weights=self.org_weights)[0]
        beneficiaries = rng.randint(2, 900) * 100
        tasks = rng.sample(TASKS, 3)
        descriptions = {
            "en": (
                f"This activity supports {topic[0]} in {country.names['en']}, working with {partner.name} "
                f"and local partners. It aims to reach {beneficiaries:,} people by {end.year}. "
                f"Activities include {tasks[0]}, {tasks[1]} and {tasks[2]}."
                + (
                    f" It builds on a first phase completed in {start.year - 1}."
                    if rng.random() < 0.3
                    else ""
                )
            ),
            "fr": (
                f"Cette activité soutient {topic[1]} ({country.names['fr']}), avec {partner.name} et des "
                f"partenaires locaux. Elle vise à atteindre {beneficiaries} personnes d'ici {end.year}."
            ),
            "es": (
                f"Esta actividad apoya {topic[2]} ({country.names['es']}), con {partner.name} y socios "
                f"locales. Busca llegar a {beneficiaries} personas antes de {end.year}."
            ),
        }
        description = self._narratives(
            activity, "description", {lang: descriptions[lang] for lang in translations}, language
        )
        description.set("type", "1")
        if rng.random() < 0.25:
            objectives = self._narratives(
                activity,
                "description",
                {"en": f"Objective: better {topic[0]} outcomes for {beneficiaries:,} people."},
                language,
            )
            objectives.set("type", "2")

        # 2 to 6 participating organisations: funding, accountable, extending, implementing.
        partners = [partner, *rng.choices(self.orgs, cum_weights=self.org_weights, k=rng.randint(0, 3))]
        roles: list[tuple[str, Org]] = [("1", publisher if rng.random() < 0.7 else partners[-1])]
        if rng.random() < 0.6:
            roles.append(("2", publisher))
        if rng.random() < 0.3:
            roles.append(("3", publisher))
        roles += [("4", org) for org in dict.fromkeys(partners)]
        for role, org in roles[:6]:
            self._org(activity, "participating-org", org, {"role": role})

        self._sub(activity, "activity-status", {"code": status})
        self._sub(activity, "activity-date", {"iso-date": start.isoformat(), "type": "1"})
        if status != "1":
            self._sub(activity, "activity-date", {"iso-date": start.isoformat(), "type": "2"})
        self._sub(activity, "activity-date", {"iso-date": end.isoformat(), "type": "3"})
        if status in ("3", "4"):
            self._sub(activity, "activity-date", {"iso-date": end.isoformat(), "type": "4"})

        if rng.random() < 0.85:
            contact = self._sub(activity, "contact-info", {"type": "1"})
            self._sub(self._sub(contact, "organisation"), "narrative", None, publisher.name)
            self._sub(self._sub(contact, "person-name"), "narrative", None, f"{rng.choice(SURNAMES)} desk")
            self._sub(contact, "telephone", None, f"+1 202 555 {rng.randint(1000, 9999)}")
            self._sub(contact, "email", None, f"transparency{rng.randint(1, 40)}@publisher.example.org")
            self._sub(contact, "website", None, "https://publisher.example.org/projects")
            self._sub(self._sub(contact, "mailing-address"), "narrative", None, "1 Main Street, Capital City")
        if rng.random() < 0.8:
            self._sub(activity, "activity-scope", {"code": rng.choice(["4", "5", "5", "1"])})

        topic_sectors = [code for category in topic[3] for code in self.sectors.get(category, [])]
        sectors = rng.sample(
            topic_sectors or self.all_sectors, min(rng.randint(1, 3), len(topic_sectors) or 1)
        )
        countries = [country] + (
            rng.choices(self.countries, cum_weights=self.country_weights, k=1) if rng.random() < 0.15 else []
        )
        countries = list(dict.fromkeys(countries))
        region = rng.choice(DAC_REGIONS) if rng.random() < 0.07 else None
        # Most USG activities put sector and country on each transaction; about one in six here does not.
        on_activity = rng.random() < 0.16
        if on_activity:
            if region:
                self._sub(
                    activity, "recipient-region", {"code": region, "vocabulary": "1", "percentage": "100"}
                )
            else:
                for place, share in zip(countries, self._percentages(len(countries)), strict=True):
                    self._sub(activity, "recipient-country", {"code": place.code, "percentage": share})
        if rng.random() < 0.05:
            self._location(activity, country)
        if on_activity:
            for code, share in zip(sectors, self._percentages(len(sectors)), strict=True):
                self._sub(activity, "sector", {"vocabulary": "1", "code": code, "percentage": share})
        if rng.random() < 0.1:
            goal = str(rng.randint(1, 17))
            self._sub(activity, "tag", {"vocabulary": "2", "code": goal})
            if rng.random() < 0.5:
                self._sub(activity, "tag", {"vocabulary": "3", "code": f"{goal}.{rng.randint(1, 5)}"})
        if humanitarian and rng.random() < 0.5:
            scope = self._sub(
                activity,
                "humanitarian-scope",
                {"type": "1", "vocabulary": "1-2", "code": f"EP-{start.year}-{rng.randint(1, 999999):06d}"},
            )
            self._sub(scope, "narrative", None, f"Emergency in {country.names['en']}, {start.year}")
        if rng.random() < 0.3:
            for marker in rng.sample(range(1, 13), rng.randint(1, 3)):
                self._sub(
                    activity,
                    "policy-marker",
                    {"vocabulary": "1", "code": str(marker), "significance": rng.choice("0112")},
                )
        self._sub(activity, "collaboration-type", {"code": rng.choice("1112")})
        self._sub(activity, "default-flow-type", {"code": "10"})
        self._sub(activity, "default-finance-type", {"code": "110"})
        self._sub(activity, "default-aid-type", {"code": rng.choice(AID_TYPES), "vocabulary": "1"})
        self._sub(activity, "default-tied-status", {"code": "5"})

        if rng.random() < 0.4:
            for year in range(start.year, min(end.year, start.year + 4) + 1):
                budget = self._sub(activity, "budget", {"type": "1", "status": rng.choice("12")})
                self._sub(budget, "period-start", {"iso-date": f"{year}-01-01"})
                self._sub(budget, "period-end", {"iso-date": f"{year}-12-31"})
                self._sub(budget, "value", {"value-date": f"{year}-01-01"}, self._money(12.5))
        if rng.random() < 0.05:
            quarter = date(max(start.year, 2024), 1, 1)
            planned = self._sub(activity, "planned-disbursement", {"type": "1"})
            self._sub(planned, "period-start", {"iso-date": quarter.isoformat()})
            self._sub(planned, "period-end", {"iso-date": (quarter + timedelta(days=89)).isoformat()})
            self._sub(planned, "value", {"value-date": quarter.isoformat()}, self._money(11))
            self._org(planned, "provider-org", publisher)
            self._org(planned, "receiver-org", partner)

        self._transactions(
            activity,
            identifier,
            publisher,
            partners,
            sectors,
            countries,
            region,
            on_activity,
            start,
            min(end, TODAY),
        )

        if rng.random() < 0.1:
            for _ in range(rng.randint(1, 2)):
                self._document(activity, identifier, publisher, start, language)
        self._related(activity, position)
        self._sub(activity, "conditions", {"attached": "0"})
        if rng.random() < 0.04:
            self._result(activity, topic, start, end)
        if rng.random() < 0.03:
            crs = self._sub(activity, "crs-add")
            self._sub(crs, "other-flags", {"code": "1", "significance": "1"})
            self._sub(crs, "channel-code", None, rng.choice(["21000", "22000", "23000", "41000", "51000"]))
        if rng.random() < 0.3:
            self._sub(activity, f"{{{FIN}}}mechanism-signing-date", {"iso-date": start.isoformat()})
        self.recent_ids.append(identifier)
        return activity

    def _transactions(
        self,
        activity: Any,
        identifier: str,
        publisher: Org,
        partners: list[Org],
        sectors: list[str],
        countries: list[Country],
        region: str | None,
        on_activity: bool,
        start: date,
        end: date,
    ) -> int:
        rng = self.rng
        count = min(1 + int(rng.expovariate(1 / 4)), 40)  # ~5 on average, a long tail as in USG
        if start > TODAY:
            count = rng.choice([0, 1])
        kinds = ["2"] + [rng.choice(["3", "3", "3", "4", "4", "1"]) for _ in range(count - 1)]
        for kind in kinds[:count]:
            when = self._date(start, max(start, end))
            transaction = self._sub(activity, "transaction", {"ref": f"{rng.getrandbits(48):012X}"})
            self._sub(transaction, "transaction-type", {"code": kind})
            self._sub(transaction, "transaction-date", {"iso-date": when.isoformat()})
            self._sub(
                transaction, "value", {"value-date": when.isoformat()}, self._money(13 if kind == "2" else 11)
            )
            if rng.random() < 0.75:
                self._narratives(
                    transaction, "description", {"en": f"{rng.choice(TASKS).capitalize()}"}, "en"
                )
            if kind == "1":
                attributes = {}
                if self.recent_ids and rng.random() < 0.3:
                    attributes["provider-activity-id"] = rng.choice(self.recent_ids)
                self._org(transaction, "provider-org", rng.choice(self.publishers), attributes)
                self._org(transaction, "receiver-org", publisher, {"receiver-activity-id": identifier})
            else:
                if rng.random() < 0.2:
                    self._org(transaction, "provider-org", publisher, {"provider-activity-id": identifier})
                self._org(transaction, "receiver-org", rng.choice(partners))
            self._sub(transaction, "disbursement-channel", {"code": rng.choice("1222")})
            if not on_activity:
                self._sub(transaction, "sector", {"code": rng.choice(sectors), "vocabulary": "1"})
                if rng.random() < 0.3:
                    self._sub(transaction, "sector", {"code": str(rng.randint(1, 90)), "vocabulary": "99"})
                if region:
                    self._sub(transaction, "recipient-region", {"code": region})
                else:
                    self._sub(transaction, "recipient-country", {"code": rng.choice(countries).code})
            if rng.random() < 0.5:
                account = self._sub(
                    transaction, f"{{{FIN}}}treasury-account", {"code": f"72x{rng.randint(1000, 1099)}"}
                )
                account.text = "Economic Support Fund"
                self._sub(
                    account,
                    f"{{{FIN}}}fiscal-funding-year",
                    {"begin": str(when.year), "end": str(when.year + 1)},
                )
        return len(kinds[:count])

    def _location(self, activity: Any, country: Country) -> None:
        rng = self.rng
        location = self._sub(activity, "location", {"ref": f"{country.code}-{rng.randint(1, 99):02d}"})
        self._sub(location, "location-reach", {"code": "1"})
        self._sub(location, "location-id", {"vocabulary": "G1", "code": str(rng.randint(100_000, 9_999_999))})
        self._sub(
            self._sub(location, "name"),
            "narrative",
            None,
            f"District {rng.randint(1, 40)}, {country.names['en']}",
        )
        self._sub(
            location, "administrative", {"vocabulary": "G1", "level": "1", "code": str(rng.randint(1, 99999))}
        )
        point = self._sub(location, "point", {"srsName": "http://www.opengis.net/def/crs/EPSG/0/4326"})
        latitude = max(-89.0, min(89.0, country.latitude + rng.uniform(-2, 2)))
        longitude = max(-179.0, min(179.0, country.longitude + rng.uniform(-2, 2)))
        self._sub(point, "pos", None, f"{latitude:.5f} {longitude:.5f}")
        self._sub(location, "exactness", {"code": "1"})
        self._sub(location, "location-class", {"code": "2"})
        self._sub(location, "feature-designation", {"code": "ADM2"})

    def _document(self, activity: Any, identifier: str, publisher: Org, start: date, language: str) -> None:
        rng = self.rng
        year = rng.randint(start.year, max(start.year, TODAY.year))
        kind = rng.choice(["evaluation", "annual-report", "agreement", "budget", "results-framework"])
        link = self._sub(
            activity,
            "document-link",
            {"format": "application/pdf", "url": f"https://docs.example.org/{identifier}/{kind}-{year}.pdf"},
        )
        title = kind.replace("-", " ").capitalize()
        self._narratives(link, "title", {language: f"{title} {year}"}, language)
        self._sub(link, "category", {"code": rng.choice(self.document_categories)})
        self._sub(link, "language", {"code": language})
        self._sub(link, "document-date", {"iso-date": f"{year}-06-30"})

    def _related(self, activity: Any, position: int) -> None:
        """Parent and children of a programme point at each other; siblings at their neighbours."""
        rng = self.rng
        if position == 0:
            for child in self.programme[1:]:
                self._sub(activity, "related-activity", {"ref": child, "type": "2"})
        else:
            self._sub(activity, "related-activity", {"ref": self.programme[0], "type": "1"})
            for sibling in self.programme[1:]:
                if sibling != self.programme[position] and rng.random() < 0.5:
                    self._sub(activity, "related-activity", {"ref": sibling, "type": "3"})
        if self.recent_ids and rng.random() < 0.03:
            self._sub(activity, "related-activity", {"ref": rng.choice(self.recent_ids), "type": "4"})

    def _result(
        self, activity: Any, topic: tuple[str, str, str, tuple[str, ...]], start: date, end: date
    ) -> None:
        rng = self.rng
        result = self._sub(activity, "result", {"type": "2", "aggregation-status": "0"})
        self._narratives(result, "title", {"en": f"Better {topic[0]}"}, "en")
        indicator = self._sub(result, "indicator", {"measure": "1", "ascending": "1"})
        self._narratives(indicator, "title", {"en": "People reached"}, "en")
        baseline = rng.randint(0, 5000)
        self._sub(indicator, "baseline", {"year": str(start.year), "value": str(baseline)})
        period = self._sub(indicator, "period")
        self._sub(period, "period-start", {"iso-date": start.isoformat()})
        self._sub(period, "period-end", {"iso-date": end.isoformat()})
        self._sub(period, "target", {"value": str(baseline + rng.randint(100, 50_000))})
        if end < TODAY:
            self._sub(period, "actual", {"value": str(baseline + rng.randint(0, 50_000))})


def generate(path: Path, activities: int, seed: int = 7, *, quiet: bool = False) -> Stats:
    """Writes ``activities`` generated activities to ``path``; the same seed gives the same file."""
    path = Path(path)
    partial = path.with_name(path.name + ".part")
    generator = Generator(seed)
    stats, started = Stats(), time.monotonic()
    step = max(activities // 10, 1)
    with etree.xmlfile(str(partial), encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(
            "iati-activities", {"version": "2.03", "generated-datetime": GENERATED_AT}, nsmap=NSMAP
        ):
            xf.write("\n")
            for index in range(activities):
                activity = generator.activity(index, activities - 1)
                stats.transactions += sum(1 for child in activity if child.tag == "transaction")
                xf.write(activity, pretty_print=True)
                stats.activities += 1
                if not quiet and (index + 1) % step == 0:
                    elapsed = time.monotonic() - started
                    print(
                        f"  generated {index + 1:,} of {activities:,} activities "
                        f"({(index + 1) / elapsed:,.0f}/s)",
                        flush=True,
                    )
    os.replace(partial, path)
    stats.bytes = path.stat().st_size
    stats.seconds = time.monotonic() - started
    return stats


def check(path: Path) -> list[str]:
    """The IATI 2.03 schema's complaints about ``path``, through Stocktake's own validator."""
    # Django is set up only here: generating needs none of it.
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stocktake.settings")
    django.setup()
    from stocktake.interchange.iati.writer import validate

    return validate(path)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--activities", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--check", action="store_true", help=f"validate against the schema (up to {CHECK_LIMIT:,})"
    )
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    if args.check and args.activities > CHECK_LIMIT:
        parser.error(
            f"--check holds the whole file in memory: use it with --activities {CHECK_LIMIT:,} or fewer"
        )
    stats = generate(args.out, args.activities, args.seed, quiet=args.quiet)
    print(
        f"{args.out}: {stats.activities:,} activities, {stats.transactions:,} transactions, "
        f"{stats.bytes / 1e6:,.1f} MB in {stats.seconds:.1f}s"
    )
    if args.check:
        errors = check(args.out)
        for error in errors[:20]:
            print(f"  {error}")
        print(f"schema check: {'valid' if not errors else f'{len(errors)} errors'}")
        sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()

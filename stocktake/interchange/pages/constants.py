"""Tables the page parser reads: labels and their variants, funding sources, country groups, months.

Keys are written in the form `names.fold` produces (case-folded, single spaces, straight apostrophes).
"""

from __future__ import annotations

from stocktake.initiatives.choices import Kind, SectionKind

# What a label's text becomes. Section kinds are SectionKind values; the rest are record fields.
TIME_FRAME = "time_frame"
FUNDING = "funding"
BUDGET = "budget"
DIVISION = "owning_unit"
FOCUS = "focus_countries"
PARTNERS = "partners"


def _labels(table: dict[str, list[str]]) -> dict[str, str]:
    return {variant: target for target, variants in table.items() for variant in variants}


# Label variants -> target. A label may carry a parenthetical ("Key Accomplishments (to-date)",
# "Indicators of achievement (IA)"): it is looked up with and without it.
ENGLISH_LABELS = _labels(
    {
        SectionKind.MAIN_EXPECTATIONS.value: [
            "main expectations",
            "expectations",
            "expected accomplishments",
        ],
        SectionKind.OBJECTIVES.value: [
            "objective/purpose of project",
            "objective/purpose",
            "objective",
            "objectives",
            "purpose",
            "purpose of project",
        ],
        SectionKind.OUTPUTS.value: [
            "specific products/outputs delivered",
            "products/outputs delivered",
            "outputs delivered",
            "outputs",
        ],
        SectionKind.ACCOMPLISHMENTS.value: ["key accomplishments", "accomplishments"],
        SectionKind.CHALLENGES.value: ["challenges"],
        SectionKind.LESSONS_LEARNED.value: ["lessons learned", "lessons learnt"],
        SectionKind.SUSTAINABILITY.value: ["sustainability"],
        SectionKind.COMMENT.value: ["comment", "comments", "summary"],
        # Known headings without a kind of their own: "other" sections under the heading as written.
        SectionKind.OTHER.value: ["feedback", "indicators of achievement", "activities"],
        PARTNERS: ["cooperation partners", "partners"],
        TIME_FRAME: ["time frame", "timeframe", "duration"],
        FUNDING: ["funding", "source of funding"],
        BUDGET: ["proposed budget", "budget"],
        DIVISION: ["division"],
        FOCUS: ["focus countries", "focus country"],
    }
)
FRENCH_LABELS = _labels(
    {
        SectionKind.MAIN_EXPECTATIONS.value: ["résultats attendus"],
        SectionKind.OBJECTIVES.value: ["objectif", "objectifs", "objectif(s)", "objectif/but du projet"],
        SectionKind.OUTPUTS.value: ["produits", "produits livrés", "produits/résultats obtenus"],
        SectionKind.ACCOMPLISHMENTS.value: ["principales réalisations", "réalisations"],
        SectionKind.CHALLENGES.value: ["défis"],
        SectionKind.LESSONS_LEARNED.value: ["enseignements tirés", "leçons apprises"],
        SectionKind.SUSTAINABILITY.value: ["durabilité", "viabilité"],
        SectionKind.COMMENT.value: ["commentaire", "commentaires", "résumé"],
        SectionKind.OTHER.value: ["indicateurs de succès", "retour d'information", "activités"],
        PARTNERS: ["partenaires", "partenaires de coopération"],
        TIME_FRAME: ["calendrier", "durée", "période"],
        FUNDING: ["financement", "source de financement"],
        BUDGET: ["budget proposé"],
        FOCUS: ["pays cibles", "pays cible", "pays bénéficiaires"],
    }
)
LABELS = {**ENGLISH_LABELS, **FRENCH_LABELS}

KIND = Kind.PROJECT.value

# Lines between listings that say which listings follow; the value is an IATI activity status code.
STATUS_HEADINGS: dict[str, str] = {
    **dict.fromkeys(
        [
            "past projects",
            "completed projects",
            "closed projects",
            "concluded projects",
            "projets passés",
            "projets achevés",
            "projets terminés",
        ],
        "4",
    ),
    **dict.fromkeys(
        ["current projects", "ongoing projects", "active projects", "projets en cours", "projets actuels"],
        "2",
    ),
}

# Funding texts -> funding-source keys (the importer's table of funding sources).
FUNDING_SOURCES: dict[str, str] = {
    **dict.fromkeys(
        [
            "development account (da)",
            "development account",
            "da",
            "un development account",
            "united nations development account",
            "compte pour le développement",
            "compte de l'onu pour le développement",
        ],
        "un-development-account",
    ),
    "xbtc": "xbtc",
}

# Focus Countries names -> country-group codes (vocabularies/data/country_groups.yaml).
COUNTRY_GROUPS: dict[str, str] = {
    **dict.fromkeys(
        [
            "developing countries",
            "developing country",
            "pays en développement",
            "pays en voie de développement",
        ],
        "developing",
    ),
    **dict.fromkeys(
        [
            "all member states",
            "all un member states",
            "all united nations member states",
            "tous les états membres",
        ],
        "all-member-states",
    ),
    **dict.fromkeys(["ldc", "ldcs", "least developed countries", "pma", "pays les moins avancés"], "ldc"),
    **dict.fromkeys(
        ["sids", "small island developing states", "peid", "petits états insulaires en développement"], "sids"
    ),
    **dict.fromkeys(
        [
            "lldc",
            "lldcs",
            "landlocked developing countries",
            "land-locked developing countries",
            "pdsl",
            "pays en développement sans littoral",
        ],
        "lldc",
    ),
}

# Region names the M49 file does not spell -> M49 codes.
REGION_ALIASES: dict[str, str] = {"global": "001", "monde": "001"}

MONTHS: dict[str, int] = {
    **{
        name: number
        for number, name in enumerate(
            [
                "january",
                "february",
                "march",
                "april",
                "may",
                "june",
                "july",
                "august",
                "september",
                "october",
                "november",
                "december",
            ],
            start=1,
        )
    },
    **{
        name: number
        for number, name in enumerate(
            ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1
        )
    },
    "sept": 9,
    **{
        name: number
        for number, name in enumerate(
            [
                "janvier",
                "février",
                "mars",
                "avril",
                "mai",
                "juin",
                "juillet",
                "août",
                "septembre",
                "octobre",
                "novembre",
                "décembre",
            ],
            start=1,
        )
    },
    "fevrier": 2,
    "aout": 8,
    "decembre": 12,
    "janv": 1,
    "févr": 2,
    "avr": 4,
    "juil": 7,
    "déc": 12,
}

CURRENCIES: dict[str, str] = {
    "us$": "USD",
    "usd": "USD",
    "$": "USD",
    "$us": "USD",
    "eur": "EUR",
    "€": "EUR",
    "chf": "CHF",
    "gbp": "GBP",
    "£": "GBP",
}

# IATI BudgetType 1 (original) and BudgetStatus 1 (indicative): a page's proposed budget.
BUDGET_TYPE = "1"
BUDGET_STATUS = "1"
BUDGET_LABEL = "Proposed budget"

# Outcome words in a comment (case-folded, whole words): a comment saying the project concluded gives the
# outcome "concluded", or "sustained" when it also has a word starting with one of SUSTAINED_PREFIXES.
CONCLUDED_WORDS = ("concluded", "conclu", "conclue", "achevé", "achevée", "terminé", "terminée")
SUSTAINED_PREFIXES = ("sustainab", "sustained", "institutional", "institutionnalis", "pérenn")

# Function words for telling the language of a title; elided d'/l' count as French.
LANGUAGE_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset({"the", "of", "and", "for", "to", "in", "on", "with", "project", "support", "from"}),
    "fr": frozenset(
        {
            "le",
            "la",
            "les",
            "de",
            "des",
            "du",
            "et",
            "à",
            "au",
            "aux",
            "pour",
            "projet",
            "d",
            "l",
            "une",
            "sur",
        }
    ),
}

# Unknown "Heading: text" lines: a heading has at most this many words.
MAX_HEADING_WORDS = 6

# Key order of a record, as in demo.yaml.
RECORD_KEYS = (
    "code",
    "other_codes",
    "kind",
    "title",
    "title_translations",
    "language",
    "status",
    "outcome",
    "planned_start",
    "planned_end",
    "time_frame_text",
    "countries",
    "regions",
    "country_groups",
    "sections",
    "budgets",
    "budget_text",
    "funding",
    "owning_unit_text",
    "partners_text",
    "focus_countries_text",
    "conflicts",
    "sources",
)

"""Readers for the vocabulary data files: each returns plain rows, and the services store them."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from lxml import etree

DATA_DIR = Path(__file__).resolve().parent / "data"
SDG_LANGUAGE_FILES = {"en": "en", "fr": "fr", "es": "es", "ru": "ru", "ar": "ar", "zh": "zh-Hans"}
TAXONOMY_FILE = "countries/hdx-python-country-4.2.5_CT_Taxonomy.csv"
M49_FILE = "m49/codeforiati_RegionM49.csv"
TAXONOMY_NAME_COLUMNS = {
    "en": "English Short",
    "fr": "French Short",
    "es": "Spanish Short",
    "ru": "Russian Short",
    "zh": "Chinese Short",
    "ar": "Arabic Short",
}


def manifest() -> dict[str, dict[str, Any]]:
    with (DATA_DIR / "manifest.yaml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def files_of(entry: dict[str, Any]) -> list[Path]:
    paths: list[Path] = []
    for pattern in entry["files"]:
        matches = sorted(DATA_DIR.glob(pattern))
        if not matches:
            raise FileNotFoundError(f"vocabulary file {pattern!r} is missing from {DATA_DIR}")
        paths.extend(matches)
    return paths


def checksum(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def read_csv(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def read_yaml(name: str) -> Any:
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def m49_code(raw: str) -> str:
    return raw.strip().zfill(3) if raw.strip() else ""


def action_line_rows() -> Iterator[dict[str, Any]]:
    for position, row in enumerate(read_csv("wsis/wsis_action_lines.csv"), start=1):
        yield {
            "code": row["code"],
            "parent_code": row["parent"] or None,
            "position": position,
            "title": row["title_itu_current"],
            "title_2003": row["title_geneva_plan_of_action_2003"],
            "facilitator": row["facilitator_with_evidence"],
            "keywords": row["stocktaking_keywords"],
        }


def sdg_texts(kind: str) -> dict[str, dict[str, str]]:
    """{language: {key: text}} for goals, targets or indicators."""
    return {
        language: read_yaml(f"sdg/{prefix}_global_{kind}.yml")
        for language, prefix in SDG_LANGUAGE_FILES.items()
    }


def _sdg_code(key: str, suffix: str) -> str:
    return key[: -len(suffix)].replace("-", ".")


def sdg_goal_rows() -> list[dict[str, Any]]:
    texts = sdg_texts("goals")
    numbers = sorted(int(key.split("-")[0]) for key in texts["en"] if key.endswith("-title"))
    return [
        {
            "number": number,
            "titles": {lang: texts[lang].get(f"{number}-title", "") for lang in texts},
            "shorts": {lang: texts[lang].get(f"{number}-short", "") for lang in texts},
        }
        for number in numbers
    ]


def _ordered_codes(keys: list[str], suffix: str) -> list[str]:
    codes = [_sdg_code(key, suffix) for key in keys if key.endswith(suffix)]

    def order(code: str) -> tuple:
        # "9.1" before "9.a": numeric parts first, then lettered ones.
        return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in code.split("."))

    return sorted(codes, key=order)


def sdg_target_rows() -> list[dict[str, Any]]:
    texts = sdg_texts("targets")
    return [
        {
            "code": code,
            "titles": {lang: texts[lang].get(code.replace(".", "-") + "-title", "") for lang in texts},
        }
        for code in _ordered_codes(list(texts["en"]), "-title")
    ]


def sdg_indicator_rows() -> list[dict[str, Any]]:
    texts = sdg_texts("indicators")
    return [
        {
            "code": code,
            "titles": {lang: texts[lang].get(code.replace(".", "-") + "-title", "") for lang in texts},
        }
        for code in _ordered_codes(list(texts["en"]), "-title")
        if code.count(".") == 2
    ]


def region_rows() -> list[dict[str, str | None]]:
    """World, regions, sub-regions and intermediate regions, parents before children."""
    regions: dict[str, dict[str, str | None]] = {}

    def add(code: str, name: str, level: str, parent: str | None) -> None:
        if code and code not in regions:
            regions[code] = {"code": code, "name": name, "level": level, "parent_code": parent}

    for row in read_csv(M49_FILE):
        world = m49_code(row["codeforiati:global-code"])
        add(world, row["codeforiati:global-name"], "world", None)
        region = m49_code(row["codeforiati:region-code"])
        add(region, row["codeforiati:region-name"], "region", world)
        sub = m49_code(row["codeforiati:sub-region-code"])
        add(sub, row["codeforiati:sub-region-name"], "sub-region", region or None)
        inter = m49_code(row["codeforiati:intermediate-region-code"])
        add(inter, row["codeforiati:intermediate-region-name"], "intermediate", sub or None)
    return list(regions.values())


def country_rows() -> list[dict[str, Any]]:
    rows = []
    for row in read_csv(TAXONOMY_FILE):
        code = row["ISO 3166-1 Alpha 2-Codes"].strip()
        if not code or row["Deprecated"] == "Y" or len(code) != 2:
            continue
        names = {
            lang: row[column].strip() for lang, column in TAXONOMY_NAME_COLUMNS.items() if row[column].strip()
        }
        rows.append(
            {
                "code": code,
                "iso3": row["ISO 3166-1 Alpha 3-Codes"].strip(),
                "m49": m49_code(row["m49 numerical code"]),
                "title": names.get("en") or row["Preferred Term"],
                "translations": names,
                "region_code": m49_code(row["Region Code"]) or None,
                "sub_region_code": m49_code(row["Sub-region Code"]) or None,
                "intermediate_region_code": m49_code(row["Intermediate Region Code"]) or None,
                "income_level": row["World Bank Income Level"].strip(),
            }
        )
    return rows


def country_group_rows() -> list[dict[str, Any]]:
    """Each group with its members as {country, until, source}."""
    m49 = [row for row in read_csv(M49_FILE) if row["codeforiati:iso-alpha-2-code"]]
    taxonomy = read_csv(TAXONOMY_FILE)
    groups = []
    for position, spec in enumerate(read_yaml("country_groups.yaml"), start=1):
        members: dict[str, dict[str, Any]] = {}
        if "from_m49_column" in spec:
            wanted = spec.get("m49_value", "1")
            for row in m49:
                if row[spec["from_m49_column"]] == wanted:
                    members[row["codeforiati:iso-alpha-2-code"]] = {"until": None, "source": spec["source"]}
        if "from_taxonomy_column" in spec:
            for row in taxonomy:
                if row[spec["from_taxonomy_column"]] == "Y" and row["ISO 3166-1 Alpha 2-Codes"]:
                    members[row["ISO 3166-1 Alpha 2-Codes"]] = {"until": None, "source": spec["source"]}
        for left in spec.get("graduated", []):
            members[left["country"]] = {"until": left["until"], "source": left["source"]}
        groups.append(
            {
                "code": spec["code"],
                "name": spec["name"],
                "acronym": spec.get("acronym", ""),
                "source": spec["source"],
                "position": position,
                "members": members,
            }
        )
    return groups


XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def codelist_translations(name: str) -> dict[str, dict[str, str]]:
    """{code: {language: name}} from the official XML codelist, for the languages it carries."""
    path = DATA_DIR / "iati-xml" / f"{name}.xml"
    if not path.exists():
        return {}
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.parse(str(path), parser).getroot()
    translations: dict[str, dict[str, str]] = {}
    for item in root.iter("codelist-item"):
        names = {
            narrative.get(XML_LANG): (narrative.text or "").strip()
            for narrative in item.findall("name/narrative")
            if narrative.get(XML_LANG) and (narrative.text or "").strip()
        }
        if names:
            translations[item.findtext("code", "").strip()] = names
    return translations


def codelist_rows() -> dict[str, list[dict[str, Any]]]:
    lists = {}
    for path in sorted((DATA_DIR / "iati").glob("*.csv")):
        rows = read_csv(f"iati/{path.name}")
        translations = codelist_translations(path.stem)
        lists[path.stem] = [
            {
                "code": row["code"],
                "name": row.get("name") or "",
                "description": row.get("description") or "",
                "category": row.get("category") or "",
                "active": (row.get("status") or "active") == "active",
                "translations": translations.get(row["code"], {}),
            }
            for row in rows
        ]
    return lists

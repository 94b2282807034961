"""Loading vocabularies. Each load is one transaction and one history entry per vocabulary."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import models, transaction

from stocktake.core.choices import ChangeAction
from stocktake.core.history import Actor, history_record, snapshot
from stocktake.vocabularies import loaders
from stocktake.vocabularies.models import (
    ActionLine,
    Code,
    Codelist,
    Country,
    CountryGroup,
    CountryGroupMembership,
    Region,
    SdgGoal,
    SdgIndicator,
    SdgTarget,
    StakeholderGroup,
    VocabularyVersion,
)
from stocktake.vocabularies.selectors import clear_caches


@dataclass(frozen=True)
class VocabularyLoad:
    name: str
    version: str
    item_count: int
    changed: bool


def _sync(model: type[models.Model], key: str, rows: Iterable[dict[str, Any]], **scope: Any) -> int:
    """Creates missing rows and updates changed ones, matching on ``key``; never deletes
    (records elsewhere may point at a code a newer release withdrew)."""
    rows = list(rows)
    existing = {getattr(obj, key): obj for obj in model._default_manager.filter(**scope)}
    new, changed, fields = [], [], set()
    for row in rows:
        obj = existing.get(row[key])
        if obj is None:
            new.append(model(**scope, **row))
            continue
        differing = [name for name, value in row.items() if getattr(obj, name) != value]
        if differing:
            for name in differing:
                setattr(obj, name, row[name])
            fields.update(differing)
            changed.append(obj)
    model._default_manager.bulk_create(new, batch_size=500)
    if changed:
        model._default_manager.bulk_update(changed, sorted(fields), batch_size=500)
    return len(rows)


def _load_action_lines() -> int:
    rows = list(loaders.action_line_rows())
    _sync(ActionLine, "code", [{k: v for k, v in row.items() if k != "parent_code"} for row in rows])
    by_code = {line.code: line for line in ActionLine.objects.all()}
    parents = []
    for row in rows:
        line = by_code[row["code"]]
        parent_id = by_code[row["parent_code"]].pk if row["parent_code"] else None
        if line.parent_id != parent_id:
            line.parent_id = parent_id
            parents.append(line)
    ActionLine.objects.bulk_update(parents, ["parent"])
    return len(rows)


def _load_sdg() -> int:
    goals = loaders.sdg_goal_rows()
    _sync(
        SdgGoal,
        "number",
        [
            {
                "number": g["number"],
                "title": g["titles"]["en"],
                "short_title": g["shorts"]["en"],
                "translations": g["titles"],
                "short_translations": g["shorts"],
            }
            for g in goals
        ],
    )
    goal_ids = dict(SdgGoal.objects.values_list("number", "pk"))
    targets = loaders.sdg_target_rows()
    _sync(
        SdgTarget,
        "code",
        [
            {
                "code": t["code"],
                "goal_id": goal_ids[int(t["code"].split(".")[0])],
                "position": position,
                "title": t["titles"]["en"],
                "translations": t["titles"],
            }
            for position, t in enumerate(targets, start=1)
        ],
    )
    target_ids = dict(SdgTarget.objects.values_list("code", "pk"))
    indicators = [i for i in loaders.sdg_indicator_rows() if i["code"].rsplit(".", 1)[0] in target_ids]
    _sync(
        SdgIndicator,
        "code",
        [
            {
                "code": i["code"],
                "target_id": target_ids[i["code"].rsplit(".", 1)[0]],
                "position": position,
                "title": i["titles"]["en"],
                "translations": i["titles"],
            }
            for position, i in enumerate(indicators, start=1)
        ],
    )
    return len(goals) + len(targets) + len(indicators)


def _load_regions() -> int:
    rows = loaders.region_rows()
    _sync(Region, "code", [{k: v for k, v in row.items() if k != "parent_code"} for row in rows])
    ids = dict(Region.objects.values_list("code", "pk"))
    parent_of = {row["code"]: row["parent_code"] for row in rows}
    changed = []
    for region in Region.objects.all():
        parent_id = ids.get(parent_of.get(region.code) or "")
        if region.parent_id != parent_id:
            region.parent_id = parent_id
            changed.append(region)
    Region.objects.bulk_update(changed, ["parent"])
    return len(rows)


def _load_countries() -> int:
    if not Region.objects.exists():
        _load_regions()
    ids = dict(Region.objects.values_list("code", "pk"))
    rows = []
    for row in loaders.country_rows():
        rows.append(
            {
                "code": row["code"],
                "iso3": row["iso3"],
                "m49": row["m49"],
                "title": row["title"],
                "translations": row["translations"],
                "income_level": row["income_level"],
                "region_id": ids.get(row["region_code"] or ""),
                "sub_region_id": ids.get(row["sub_region_code"] or ""),
                "intermediate_region_id": ids.get(row["intermediate_region_code"] or ""),
            }
        )
    return _sync(Country, "code", rows)


def _load_country_groups() -> int:
    known = set(Country.objects.values_list("code", flat=True))
    count = 0
    for spec in loaders.country_group_rows():
        members = spec.pop("members")
        _sync(CountryGroup, "code", [spec])
        group = CountryGroup.objects.get(code=spec["code"])
        _sync(
            CountryGroupMembership,
            "country_id",
            [
                {
                    "country_id": code,
                    "until": date.fromisoformat(m["until"]) if m["until"] else None,
                    "source": m["source"],
                }
                for code, m in members.items()
                if code in known
            ],
            group=group,
        )
        count += len(members)
    return count


def _load_stakeholder_groups() -> int:
    rows = [
        {
            "code": g["code"],
            "name": g["name"],
            "description": g.get("description", ""),
            "position": position,
            "iati_organisation_types": g.get("iati_organisation_types", []),
        }
        for position, g in enumerate(loaders.read_yaml("stakeholder_groups.yaml"), start=1)
    ]
    return _sync(StakeholderGroup, "code", rows)


def _load_codelists() -> int:
    count = 0
    for name, rows in loaders.codelist_rows().items():
        codelist, _ = Codelist.objects.get_or_create(name=name)
        count += _sync(Code, "code", rows, codelist=codelist)
    return count


LOADERS: dict[str, Callable[[], int]] = {
    "m49-regions": _load_regions,
    "countries": _load_countries,
    "country-groups": _load_country_groups,
    "stakeholder-groups": _load_stakeholder_groups,
    "wsis-action-lines": _load_action_lines,
    "sdg": _load_sdg,
    "iati-codelists": _load_codelists,
}


def vocabularies_load(
    *, actor: Actor, force: bool = False, only: Iterable[str] | None = None
) -> list[VocabularyLoad]:
    """Loads every vocabulary whose files changed since the last load (all of them with ``force``)."""
    manifest = loaders.manifest()
    unknown = set(only or ()) - set(manifest)
    if unknown:
        raise ValueError(f"unknown vocabularies: {', '.join(sorted(unknown))}; known: {', '.join(manifest)}")
    results = []
    for name, load in LOADERS.items():
        if only and name not in only:
            continue
        entry = manifest[name]
        digest = loaders.checksum(loaders.files_of(entry))
        current = VocabularyVersion.objects.filter(name=name).first()
        if current and current.sha256 == digest and not force:
            results.append(VocabularyLoad(name, current.version, current.item_count, changed=False))
            continue
        with transaction.atomic():
            before = snapshot(current) if current else None
            count = load()
            version, _ = VocabularyVersion.objects.update_or_create(
                name=name,
                defaults={
                    "version": entry["version"],
                    "source": entry["source"],
                    "licence": entry.get("licence", ""),
                    "sha256": digest,
                    "item_count": count,
                },
            )
            history_record(
                actor=actor,
                action=ChangeAction.UPDATE if current else ChangeAction.CREATE,
                obj=version,
                before=before,
                note=f"loaded {count} items",
            )
        results.append(VocabularyLoad(name, entry["version"], count, changed=True))
    clear_caches()
    return results

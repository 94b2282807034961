import csv

import pytest
import yaml
from django.utils import translation

from stocktake.core.history import Actor
from stocktake.core.models import HistoryEntry
from stocktake.vocabularies.loaders import DATA_DIR
from stocktake.vocabularies.models import (
    ActionLine,
    Code,
    Country,
    CountryGroupMembership,
    Region,
    SdgGoal,
    SdgIndicator,
    SdgTarget,
    StakeholderGroup,
)
from stocktake.vocabularies.selectors import code_name, region_and_descendants
from stocktake.vocabularies.services import vocabularies_load

pytestmark = pytest.mark.django_db


def test_wsis_action_lines_come_from_the_data_file() -> None:
    rows = list(csv.DictReader((DATA_DIR / "wsis/wsis_action_lines.csv").open(encoding="utf-8")))
    assert ActionLine.objects.filter(parent__isnull=True).count() == 11
    assert sorted(ActionLine.objects.get(code="C7").children.values_list("code", flat=True)) == [
        f"C7.{n}" for n in range(1, 9)
    ]
    for row in rows:
        assert ActionLine.objects.get(code=row["code"]).title == row["title_itu_current"]


def test_sdgs_have_17_goals_169_targets_and_titles_in_six_languages() -> None:
    assert SdgGoal.objects.count() == 17
    assert SdgTarget.objects.count() == 169
    assert SdgIndicator.objects.count() > 200
    english = yaml.safe_load((DATA_DIR / "sdg/en_global_targets.yml").open(encoding="utf-8"))
    french = yaml.safe_load((DATA_DIR / "sdg/fr_global_targets.yml").open(encoding="utf-8"))
    target = SdgTarget.objects.get(code="16.6")
    assert target.title == english["16-6-title"]
    assert target.title_in("fr") == french["16-6-title"]
    assert set(target.translations) == {"en", "fr", "es", "ru", "ar", "zh"}
    assert list(SdgTarget.objects.filter(goal__number=9).values_list("code", flat=True))[-3:] == [
        "9.a",
        "9.b",
        "9.c",
    ]


def test_countries_sit_in_m49_regions_with_names_in_un_languages() -> None:
    kenya = Country.objects.select_related("region", "sub_region").get(code="KE")
    assert kenya.region is not None and kenya.sub_region is not None
    assert (kenya.iso3, kenya.m49, kenya.region.code) == ("KEN", "404", "002")
    assert kenya.title_in("fr") == "Kenya" and kenya.title_in("ar")
    assert "002" in region_and_descendants("002") and kenya.sub_region.code in region_and_descendants("002")
    assert Region.objects.get(code="002").parent == Region.objects.get(code="001")


def test_country_group_membership_is_dated() -> None:
    vanuatu = CountryGroupMembership.objects.get(group_id="ldc", country_id="VU")
    assert vanuatu.until is not None and vanuatu.until.year == 2020
    assert CountryGroupMembership.objects.get(group_id="ldc", country_id="NP").until is None
    assert CountryGroupMembership.objects.filter(group_id="sids", country_id="FJ").exists()
    assert CountryGroupMembership.objects.filter(group_id="all-member-states").count() == 193


def test_iati_codelists_and_stakeholder_groups_are_loaded() -> None:
    assert code_name("ActivityStatus", "2") == "Implementation"
    assert Code.objects.filter(codelist__name="Sector", code="15110").exists()
    assert Code.objects.filter(codelist__name="Currency", code="USD").exists()
    assert StakeholderGroup.objects.get(code="civil-society").iati_organisation_types == [
        "21",
        "22",
        "23",
        "24",
        "60",
    ]


def test_codelist_names_follow_the_language_where_iati_translates_them() -> None:
    with translation.override("fr"):
        assert code_name("ActivityStatus", "2") == "Actif"
        assert code_name("Currency", "USD") == "US Dollar"  # no French in the official list
    with translation.override("ar"):
        assert code_name("ActivityStatus", "2") == "Implementation"
    assert code_name("ActivityStatus", "99") == "99"


def test_reloading_unchanged_files_changes_nothing_and_force_reloads() -> None:
    before = HistoryEntry.objects.count()
    results = vocabularies_load(actor=Actor.system("test"))
    assert not any(result.changed for result in results)
    assert HistoryEntry.objects.count() == before
    forced = vocabularies_load(actor=Actor.system("test"), force=True, only=["wsis-action-lines"])
    assert [(r.name, r.changed) for r in forced] == [("wsis-action-lines", True)]
    assert ActionLine.objects.count() == 19


def test_unknown_vocabulary_names_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown vocabularies: nope"):
        vocabularies_load(actor=Actor.system("test"), only=["nope"])

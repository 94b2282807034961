from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from stocktake.core.history import Actor
from stocktake.core.partial_dates import PartialDate
from stocktake.initiatives import services
from stocktake.initiatives.tests.factories import make_initiative
from stocktake.organisations.tests.factories import make_organisation
from stocktake.vocabularies.models import ActionLine, Country, SdgTarget

pytestmark = pytest.mark.django_db


def rich_initiative(actor: Actor, code: str) -> None:
    initiative = make_initiative(code=code, planned_start=PartialDate.parse("2013-09"), status="4")
    services.country_add(actor=actor, initiative=initiative, country=Country.objects.get(code="CO"))
    services.action_line_add(
        actor=actor, initiative=initiative, action_line=ActionLine.objects.get(code="C7.1")
    )
    services.sdg_target_add(actor=actor, initiative=initiative, target=SdgTarget.objects.get(code="16.6"))
    services.budget_add(
        actor=actor,
        initiative=initiative,
        amount=Decimal("164189"),
        currency="USD",
        period_start=PartialDate.parse("2013-09"),
        period_end=PartialDate.parse("2015-11"),
    )
    services.participation_add(
        actor=actor,
        initiative=initiative,
        organisation=make_organisation(acronym=code),
        role="implementing",
    )


def test_list_fields_are_named_as_in_the_model(client: Client, actor: Actor) -> None:
    rich_initiative(actor, "INT13001")
    body = client.get("/api/v1/initiatives").json()
    assert body["count"] == 1 and body["page"] == 1
    item = body["items"][0]
    assert item["code"] == "INT13001" and item["status"] == "4" and item["start"] == "2013-09"
    assert item["countries"] == ["CO"]
    assert item["wsis_action_lines"] == ["C7"] and item["wsis_sub_lines"] == ["C7.1"]
    assert item["sdg_targets"] == ["16.6"] and item["sdg_goals"] == [16]
    assert item["budgets"] == [
        {
            "amount": "164189.00",
            "currency": "USD",
            "period_start": "2013-09",
            "period_end": "2015-11",
            "type": "1",
            "status": "1",
            "label": "",
        }
    ]
    assert item["partners"][0]["role"] == "implementing"
    assert item["partners"][0]["organisation"]["acronym"] == "INT13001"
    assert item["url"] == "http://127.0.0.1/initiatives/INT13001/"


def test_the_api_takes_the_web_lists_filters(client: Client, actor: Actor) -> None:
    rich_initiative(actor, "CO-1")
    make_initiative(code="OTHER-1")
    assert [i["code"] for i in client.get("/api/v1/initiatives?country=CO&wsis=C7").json()["items"]] == [
        "CO-1"
    ]
    assert client.get("/api/v1/initiatives?country=KE").json()["count"] == 0
    both = client.get("/api/v1/initiatives?kind=project&kind=event").json()
    assert [i["code"] for i in both["items"]] == ["CO-1", "OTHER-1"]


@pytest.mark.parametrize(
    "query", ["wsis=C7&sort=-code", "q=initiative&wsis=C7&sort=-code", "q=-D-1&sort=-code"]
)
def test_web_list_api_and_export_return_the_same_records(client: Client, actor: Actor, query: str) -> None:
    """One filter definition: the web list, the API and the CSV export list the same initiatives."""
    for code in ("A-1", "B-1", "C-1"):
        rich_initiative(actor, code)
    make_initiative(code="D-1")
    api_codes = [i["code"] for i in client.get(f"/api/v1/initiatives?{query}").json()["items"]]
    page = client.get(f"/initiatives/?{query}").content.decode()
    cells = {code: page.find(f'<td class="code">{code}</td>') for code in ("A-1", "B-1", "C-1", "D-1")}
    web_codes = sorted((code for code, at in cells.items() if at >= 0), key=cells.__getitem__)
    response = client.get(f"/export/initiatives.csv?{query}")
    export = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    export_codes = [row.split(",")[0] for row in export.splitlines()[1:]]
    assert api_codes == web_codes == export_codes == ["C-1", "B-1", "A-1"]


def test_pages_are_stable_and_bounded(client: Client) -> None:
    for n in range(7):
        make_initiative(code=f"P-{n}")
    first = client.get("/api/v1/initiatives?page_size=3").json()
    third = client.get("/api/v1/initiatives?page_size=3&page=3").json()
    assert first["count"] == 7 and [i["code"] for i in first["items"]] == ["P-0", "P-1", "P-2"]
    assert [i["code"] for i in third["items"]] == ["P-6"]
    assert client.get("/api/v1/initiatives?page_size=501").status_code == 422
    assert client.get("/api/v1/initiatives?page=0").status_code == 422


def test_pages_stop_at_the_window_and_say_where_the_rest_is(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("stocktake.initiatives.api.MAX_OFFSET", 6)
    monkeypatch.setattr("stocktake.search.selectors.MAX_OFFSET", 6)
    for n in range(9):
        make_initiative(code=f"W-{n}")
    second = client.get("/api/v1/initiatives?page_size=3&page=2").json()
    assert second["count"] == 9 and [i["code"] for i in second["items"]] == ["W-3", "W-4", "W-5"]
    beyond = client.get("/api/v1/initiatives?page_size=3&page=3")
    assert beyond.status_code == 400 and "/export/initiatives.csv" in beyond.json()["detail"]


def test_invalid_filters_get_a_422_naming_the_parameter(client: Client) -> None:
    response = client.get("/api/v1/initiatives?kind=bogus")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-2:] == ["kind", 0]


def test_list_query_count_does_not_grow_with_rows(client: Client, actor: Actor, settings: Any) -> None:
    settings.PAGE_CACHE_SECONDS = 0

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/initiatives").status_code == 200
        return len(captured)

    rich_initiative(actor, "Q-1")
    queries()  # fills the vocabulary caches
    few = queries()
    for n in range(2, 8):
        rich_initiative(actor, f"Q-{n}")
    queries()  # the search index follows the new records first
    assert queries() == few


def test_detail_by_any_code_variant(client: Client, actor: Actor) -> None:
    initiative = make_initiative(code="INT13001", title="Centre")
    services.identifier_add(actor=actor, initiative=initiative, value="INT/13/001")
    services.section_add(actor=actor, initiative=initiative, kind="objectives", text="To ensure maximum use")
    for variant in ("INT13001", "int-13-001"):
        body = client.get(f"/api/v1/initiatives/{variant}").json()
        assert body["code"] == "INT13001" and body["other_codes"] == ["INT/13/001"]
        assert body["sections"] == [
            {
                "kind": "objectives",
                "title": "Objectives",
                "text": "To ensure maximum use",
                "language": "",
                "source": "",
            }
        ]
    assert client.get("/api/v1/initiatives/NOPE").status_code == 404


def test_openapi_documents_the_filters(client: Client) -> None:
    schema = client.get("/api/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    names = {p["name"] for p in schema["paths"]["/api/v1/initiatives"]["get"]["parameters"]}
    assert {
        "q",
        "kind",
        "country",
        "wsis",
        "sdg",
        "stakeholder_group",
        "funding",
        "page",
        "page_size",
    } <= names
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and b"cdn" not in docs.content.lower()


def test_detail_carries_sectors_tags_and_relations(client: Client, actor: Actor) -> None:
    first, second = make_initiative(code="REL-1"), make_initiative(code="REL-2")
    services.sector_add(actor=actor, initiative=first, code="15110", percentage=Decimal("60"))
    services.relation_add(actor=actor, initiative=first, related=second, type="3")
    services.tag_add(actor=actor, initiative=first, name="open data")
    services.tag_add(actor=actor, initiative=first, name="Open Data")  # the same tag: nothing changes
    body = client.get("/api/v1/initiatives/REL-1").json()
    assert body["sectors"] == [{"vocabulary": "1", "code": "15110", "percentage": "60.00"}]
    assert body["tags"] == ["open data"] and body["related"] == [{"code": "REL-2", "type": "3"}]
    page = client.get("/initiatives/REL1/").content.decode()
    assert "Public sector policy and administrative management" in page and "Related initiatives" in page


def test_api_answers_are_cached_until_the_registry_changes(client: Client, actor: Actor) -> None:
    initiative = make_initiative(code="API-1", title="Before")
    assert client.get("/api/v1/initiatives").json()["items"][0]["title"] == "Before"
    services.initiative_update(actor=actor, initiative=initiative, title="After")
    assert client.get("/api/v1/initiatives").json()["items"][0]["title"] == "After"
    assert client.get("/api/v1/initiatives/API-1").json()["title"] == "After"

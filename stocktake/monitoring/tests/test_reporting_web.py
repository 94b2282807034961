"""The reporting pages: write, submit, approve in the workspace; the public section and the KPI page."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from stocktake.accounts.tests.factories import PASSWORD
from stocktake.monitoring.choices import Measure, ReportState
from stocktake.monitoring.models import IndicatorPeriod, ProgressReport, ReportingSchedule
from stocktake.monitoring.tests.reporting_factories import make_world

pytestmark = pytest.mark.django_db


def _login(client: Client, user: object) -> Client:
    assert client.login(username=user.get_username(), password=PASSWORD)  # type: ignore[attr-defined]
    return client


def _record(world: object) -> str:
    return f"/records/{world.initiative.code_normalised}/"  # type: ignore[attr-defined]


def _form(world: object, **overrides: str) -> dict[str, str]:
    data = {
        "period_start": "2020-01-01",
        "period_end": "2020-12-31",
        "narrative": "Forty schools online.",
        "lessons": "Teachers first.",
        f"actual_{world.period.pk}": "40",  # type: ignore[attr-defined]
        f"comment_{world.period.pk}": "",  # type: ignore[attr-defined]
        f"status_{world.deliverable.pk}": "achieved",  # type: ignore[attr-defined]
    }
    data.update(overrides)
    return data


def test_member_files_and_admin_approves_through_the_pages(settings: object) -> None:
    settings.PAGE_CACHE_SECONDS = 0  # type: ignore[attr-defined]
    today = timezone.localdate()
    world = make_world(published=today - timedelta(days=400))
    member = _login(Client(HTTP_HOST="127.0.0.1"), world.member)
    page = member.get(_record(world))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="reporting-title"' in html and "Write a progress report" in html
    new = f"{_record(world)}reports/new/"
    form_page = member.get(new)
    assert form_page.status_code == 200
    assert f'for="id_actual_{world.period.pk}"' in form_page.content.decode()
    response = member.post(
        new, _form(world, submit="1", period_start=str(today - timedelta(days=365)), period_end=str(today))
    )
    assert response.status_code == 302
    report = ProgressReport.objects.get(initiative=world.initiative)
    assert report.state == ReportState.SUBMITTED
    # The public page shows no report before approval.
    public = Client(HTTP_HOST="127.0.0.1").get(world.initiative.get_absolute_url()).content.decode()
    assert "Forty schools online." not in public
    admin = _login(Client(HTTP_HOST="127.0.0.1"), world.admin)
    assert 'value="approve"' in admin.get(_record(world)).content.decode()
    response = admin.post(f"{_record(world)}reports/{report.pk}/decide/", {"decision": "approve", "note": ""})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == ReportState.APPROVED
    assert IndicatorPeriod.objects.get(pk=world.period.pk).actual_value == Decimal(40)
    public = Client(HTTP_HOST="127.0.0.1").get(world.initiative.get_absolute_url()).content.decode()
    assert "Forty schools online." in public and "up to date" in public


def test_text_in_a_number_is_refused_naming_the_field() -> None:
    world = make_world()
    member = _login(Client(HTTP_HOST="127.0.0.1"), world.member)
    response = member.post(
        f"{_record(world)}reports/new/", _form(world, **{f"actual_{world.period.pk}": "forty"})
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html and "Give a number for" in html and "Schools online" in html
    assert not ProgressReport.objects.exists()


def test_outsider_cannot_write_or_decide_and_sees_no_drafts() -> None:
    world = make_world()
    outsider = _login(Client(HTTP_HOST="127.0.0.1"), world.outsider)
    assert outsider.post(f"{_record(world)}reports/new/", _form(world)).status_code == 403
    member = _login(Client(HTTP_HOST="127.0.0.1"), world.member)
    member.post(f"{_record(world)}reports/new/", _form(world, narrative="Secret draft text"))
    report = ProgressReport.objects.get()
    assert report.state == ReportState.DRAFT
    assert "Secret draft text" not in outsider.get(_record(world)).content.decode()
    assert "Secret draft text" in member.get(_record(world)).content.decode()
    member.post(f"{_record(world)}reports/{report.pk}/submit/")
    assert (
        outsider.post(f"{_record(world)}reports/{report.pk}/decide/", {"decision": "approve"}).status_code
        == 403
    )
    # Its author cannot approve it either.
    assert (
        member.post(f"{_record(world)}reports/{report.pk}/decide/", {"decision": "approve"}).status_code
        == 403
    )
    report.refresh_from_db()
    assert report.state == ReportState.SUBMITTED


def test_cadence_form() -> None:
    world = make_world()
    member = _login(Client(HTTP_HOST="127.0.0.1"), world.member)
    response = member.post(f"{_record(world)}reporting/cadence/", {"cadence_months": "6", "first_due": ""})
    assert response.status_code == 302
    assert ReportingSchedule.objects.get(initiative=world.initiative).cadence_months == 6
    member.post(f"{_record(world)}reporting/cadence/", {"cadence_months": "six"})
    assert ReportingSchedule.objects.get(initiative=world.initiative).cadence_months == 6


def test_kpi_page(client: Client) -> None:
    make_world(published=date(2019, 1, 1))
    response = client.get("/reporting/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Reporting</h1>" in html and "By Country" in html and "100 %" in html
    assert client.get("/reporting/?kind=bogus").status_code == 200


def test_a_percentage_is_reported_as_its_two_counts_so_that_it_rolls_up(settings: object) -> None:
    settings.PAGE_CACHE_SECONDS = 0  # type: ignore[attr-defined]
    world = make_world()
    indicator = world.period.indicator
    indicator.measure = Measure.PERCENTAGE
    indicator.save()
    member = _login(Client(HTTP_HOST="127.0.0.1"), world.member)
    pk = world.period.pk
    new = f"{_record(world)}reports/new/"
    assert f'for="id_numerator_{pk}"' in member.get(new).content.decode()
    # One count alone is refused, naming the other.
    response = member.post(new, _form(world, **{f"actual_{pk}": "", f"numerator_{pk}": "30"}))
    assert response.status_code == 400 and f'href="#id_denominator_{pk}"' in response.content.decode()
    assert not ProgressReport.objects.exists()
    response = member.post(
        new,
        _form(world, submit="1", **{f"actual_{pk}": "", f"numerator_{pk}": "30", f"denominator_{pk}": "40"}),
    )
    assert response.status_code == 302
    report = ProgressReport.objects.get()
    admin = _login(Client(HTTP_HOST="127.0.0.1"), world.admin)
    admin.post(f"{_record(world)}reports/{report.pk}/decide/", {"decision": "approve", "note": ""})
    period = IndicatorPeriod.objects.get(pk=pk)
    assert (period.actual_numerator, period.actual_denominator, period.actual_value) == (
        Decimal(30),
        Decimal(40),
        Decimal(75),
    )

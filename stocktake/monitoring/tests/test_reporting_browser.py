"""End to end in Chromium, on `stocktake serve` with the demo data: DPIDG's member finds one of its
published records overdue with its report, files a progress report and submits it; DPIDG's
administrator approves it; the public page then shows the record up to date."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest

from stocktake.governance.tests.test_browser_journey import _demo_password, _sign_in
from stocktake.pages.tests.test_browser import (  # noqa: F401
    axe_problems,
    axe_problems_here,
    browser,
    database_url,
    server,
    server_dir,
)

pytestmark = pytest.mark.browser

from playwright.sync_api import Browser, expect  # noqa: E402


def test_a_partner_files_a_report_that_is_approved(
    server: str,  # noqa: F811
    server_dir: Path,  # noqa: F811
    browser: Browser,  # noqa: F811
) -> None:
    member = browser.new_context(bypass_csp=True).new_page()
    _sign_in(member, server, "member@example.org", _demo_password(server_dir, "member@example.org"))
    # A published record DPIDG owns in the demo data (a 2014 forum, concluded).
    code = "INT14X26"
    member.goto(server + f"/records/{code}/")
    expect(member.get_by_role("link", name="Write a progress report")).to_be_visible()

    # Its first report was due long ago: it is overdue, in the API and on the public page.
    member.get_by_label("First report due").fill("2020-01-01")
    member.get_by_role("button", name="Save the cadence").click()
    expect(member.get_by_role("main")).to_contain_text("report overdue")
    assert member.request.get(server + f"/api/v1/initiatives/{code}").json()["reporting_status"] == "overdue"

    # The member writes the report and submits it.
    member.get_by_role("link", name="Write a progress report").click()
    assert axe_problems_here(member) == []
    today = datetime.date.today()
    member.get_by_label("Period start").fill(str(today - datetime.timedelta(days=365)))
    member.get_by_label("Period end").fill(str(today))
    member.get_by_label("What happened").fill("Twelve ministries trained in digital government assessment.")
    member.get_by_label("Lessons learned").fill("Peer review works best between neighbours.")
    member.get_by_role("button", name="Save and submit for approval").click()
    expect(member.get_by_role("main")).to_contain_text("submitted for approval")

    # The administrator approves it.
    admin = browser.new_context(bypass_csp=True).new_page()
    _sign_in(admin, server, "admin@example.org", _demo_password(server_dir, "admin@example.org"))
    admin.goto(server + f"/records/{code}/#reporting")
    assert axe_problems_here(admin) == []
    admin.get_by_role("button", name="Approve", exact=True).click()
    expect(admin.get_by_role("main")).to_contain_text("The report is approved.")

    # The public sees the report and the record up to date.
    public = browser.new_context().new_page()
    public.goto(server + f"/initiatives/{code}/")
    section = public.locator("#reporting")
    expect(section).to_contain_text("up to date")
    expect(section).to_contain_text("Twelve ministries trained")
    assert re.search(r"up-to-date", public.request.get(server + f"/api/v1/initiatives/{code}").text())

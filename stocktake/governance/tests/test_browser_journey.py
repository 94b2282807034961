"""End to end in Chromium, on `stocktake serve` with the demo data: a civil servant signs up, confirms
their address, joins their organisation, registers an initiative and submits it; a neutral expert
reviews and publishes it; the public sees the record with its review summary."""

from __future__ import annotations

import re
from email import message_from_bytes
from pathlib import Path

import pytest

from stocktake.pages.tests.test_browser import (  # noqa: F401
    axe_problems,
    axe_problems_here,
    browser,
    database_url,
    server,
    server_dir,
)

pytestmark = pytest.mark.browser
DPIDG = "Division for Public Institutions and Digital Government (DPIDG)"

from playwright.sync_api import Browser, Page, expect  # noqa: E402


def _mail_to(data_dir: Path, address: str) -> str:
    """The text of the last e-mail the server sent to ``address``."""
    found = []
    for path in sorted((data_dir / "mail").glob("*.log")):
        for raw in path.read_bytes().split(b"-" * 79):
            message = message_from_bytes(raw.strip())
            if address in str(message.get("To", "")):
                payload = message.get_payload(decode=True)
                found.append(payload.decode() if isinstance(payload, bytes) else str(message.get_payload()))
    assert found, f"no e-mail to {address}"
    return found[-1]


def _demo_password(data_dir: Path, email: str) -> str:
    for line in (data_dir / "demo-accounts.txt").read_text().splitlines():
        address, password, _role = line.split("\t")
        if address == email:
            return password
    raise AssertionError(f"{email} is not a demo account")


def _sign_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(base + "/account/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_from_sign_up_to_a_published_reviewed_record(
    server: str,  # noqa: F811
    server_dir: Path,  # noqa: F811
    browser: Browser,  # noqa: F811
) -> None:
    # A civil servant signs up and confirms their address from the e-mail.
    newcomer = browser.new_context().new_page()
    errors: list[str] = []
    newcomer.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    newcomer.goto(server + "/")
    newcomer.get_by_role("link", name="Sign up").click()
    newcomer.get_by_label("E-mail address").fill("amina@ict.example.org")
    newcomer.get_by_label("Your name").fill("Amina Diallo")
    newcomer.get_by_label("Password", exact=True).fill("a long passphrase for stocktake")
    newcomer.get_by_label("Password again").fill("a long passphrase for stocktake")
    newcomer.get_by_role("button", name="Sign up").click()
    expect(newcomer.get_by_role("heading", level=1)).to_contain_text("e-mail")
    link = re.search(r"https?://\S+/account/verify/\S+/", _mail_to(server_dir, "amina@ict.example.org"))
    assert link is not None
    newcomer.goto(link.group(0))
    expect(newcomer.get_by_role("button", name="Sign out")).to_be_visible()

    # They ask to join their organisation (the demo's DPIDG).
    newcomer.goto(server + "/account/organisations/")
    newcomer.get_by_label("Organisation name").fill("DPIDG")
    newcomer.get_by_role("button", name="Search").click()
    newcomer.get_by_role("button", name=re.compile("Ask to join")).first.click()
    expect(newcomer.get_by_role("main")).to_contain_text("awaiting approval")

    # Its administrator approves them.
    admin = browser.new_context(bypass_csp=True).new_page()  # axe checks the administrator's pages
    _sign_in(admin, server, "admin@example.org", _demo_password(server_dir, "admin@example.org"))
    admin.goto(server + "/account/organisations/dpidg/")
    assert axe_problems_here(admin) == []
    admin.get_by_role("button", name=re.compile(r"Approve\s*:\s*Amina Diallo")).click()
    expect(admin.get_by_role("main")).to_contain_text("Amina Diallo")
    admin.goto(server + "/records/new/")  # the registration form, as the administrator sees it
    assert axe_problems_here(admin) == []

    # The newcomer registers an initiative for it, as a draft, and submits it.
    newcomer.goto(server + "/records/new/")
    newcomer.locator("[name=organisation]").select_option(
        label="Division for Public Institutions and Digital Government (DPIDG)"
    )
    newcomer.locator("[name=code]").fill("DPIDG/2026/042")
    newcomer.locator("[name=kind]").select_option("ppp")
    newcomer.locator("[name=title]").fill("National e-procurement platform with a telecom partner")
    newcomer.locator("[name=summary]").fill(
        "A public-private partnership that runs the national e-procurement portal."
    )
    newcomer.locator("[name=countries]").select_option(["SN"])
    newcomer.get_by_role("button", name=re.compile("Register|Save")).first.click()
    expect(newcomer.get_by_role("heading", level=1)).to_have_text(
        "National e-procurement platform with a telecom partner"
    )
    expect(newcomer.get_by_role("main")).to_contain_text("draft")
    newcomer.get_by_role("button", name="Submit for review").click()
    expect(newcomer.get_by_role("main")).to_contain_text("submitted for review")

    # The public cannot see it yet.
    public = browser.new_context().new_page()
    response = public.goto(server + "/initiatives/DPIDG2026042/")
    assert response is not None and response.status == 404

    # A neutral expert takes it from the queue, scores the checklist, signs and publishes.
    reviewer = browser.new_context(bypass_csp=True).new_page()  # axe checks the reviewer's pages
    _sign_in(reviewer, server, "reviewer@example.org", _demo_password(server_dir, "reviewer@example.org"))
    reviewer.goto(server + "/review/")
    assert axe_problems_here(reviewer) == []
    reviewer.get_by_role("link", name=re.compile("National e-procurement platform")).click()
    reviewer.get_by_role("button", name="Take it for review").click()
    expect(reviewer.get_by_role("heading", level=1)).to_contain_text("Review")
    assert axe_problems_here(reviewer) == []
    for name in ("completeness", "smart", "evidence", "effective", "equitable", "transparent", "inclusive"):
        reviewer.locator(f"input[name=score_{name}][value='2']").check()
    reviewer.locator("[name=summary]").fill(
        "A clear record of a sound partnership; budget figures would help."
    )
    reviewer.locator("input[name=decision][value=publish]").check()
    reviewer.locator("input[name=credit][value=group]").check()
    reviewer.locator("[name=declaration_signed]").check()
    reviewer.locator("[name=signature]").fill("Rita Reviewer")
    reviewer.get_by_role("button", name="Record the review").click()
    expect(reviewer.get_by_role("main")).to_contain_text("published")

    # The public sees the record and its review summary, credited as the reviewer chose.
    public.goto(server + "/initiatives/DPIDG2026042/")
    expect(public.get_by_role("heading", level=1)).to_contain_text("National e-procurement platform")
    summary = public.locator("section.review-summary")
    expect(summary).to_contain_text("A clear record of a sound partnership")
    expect(summary).not_to_contain_text("Rita Reviewer")
    assert errors == []
    # And the pages of the journey meet WCAG AA as axe checks them.
    for path in ("/initiatives/DPIDG2026042/", "/account/signup/", "/account/login/", "/review/checklist/"):
        assert axe_problems(browser, server + path) == [], path

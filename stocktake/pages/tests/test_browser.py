"""End to end: `stocktake serve` (what ./start.sh runs) on a fresh database, driven in headless Chromium."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import dj_database_url
import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[3]
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"  # axe-core 4.14.1, MPL-2.0
pytestmark = pytest.mark.browser

if not Path(CHROMIUM).exists():
    if os.environ.get("STOCKTAKE_REQUIRE_BROWSER") == "1":
        raise RuntimeError("Chromium is required (STOCKTAKE_REQUIRE_BROWSER=1) but not installed")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    """A database of its own for the server: a new SQLite file, or a new PostgreSQL database."""
    configured = os.environ.get("DATABASE_URL", "")
    if not configured.startswith("postgres"):
        yield ""  # the server makes its SQLite file in its own data directory
        return
    import psycopg

    name = f"stocktake_e2e_{uuid.uuid4().hex[:8]}"
    admin_url = configured.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield configured.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def server_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The server's data directory: its demo accounts file, and ``mail/`` with every e-mail it sent."""
    return tmp_path_factory.mktemp("serve")


@pytest.fixture(scope="module")
def server(server_dir: Path, database_url: str) -> Iterator[str]:
    port = _free_port()
    env = {
        **os.environ,
        "STOCKTAKE_DATA_DIR": str(server_dir),
        "STOCKTAKE_ENV": "development",
        "STOCKTAKE_EMAIL_FILE_PATH": str(server_dir / "mail"),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["STOCKTAKE_VENV"] = str(Path(sys.executable).parent.parent)
    if database_url:
        env["DATABASE_URL"] = database_url
        assert dj_database_url.parse(database_url)["NAME"].startswith("stocktake_e2e_")
    else:
        env.pop("DATABASE_URL", None)
    # README's start command itself: ./start.sh finds .venv installed and runs `stocktake serve`.
    command = [str(ROOT / "start.sh"), "--port", str(port), "--workers", "1"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"stocktake serve exited:\n{process.stdout.read() if process.stdout else ''}"
                )
            try:
                with urllib.request.urlopen(url + "/", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("stocktake serve did not answer within 120 s")
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def axe_problems(browser: Browser, url: str) -> list[dict[str, object]]:
    """What axe-core's WCAG 2.0-2.2 A and AA rules find on the page (it catches about half of all issues)."""
    context = browser.new_context(bypass_csp=True)  # axe is injected as a script the CSP would refuse
    page = context.new_page()
    page.goto(url)
    problems = axe_problems_here(page)
    context.close()
    return problems


def axe_problems_here(page: Page) -> list[dict[str, object]]:
    """axe's findings on the page as it is now (its context must bypass the CSP, to let axe in)."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", tags)
    return [
        {"rule": v["id"], "impact": v["impact"], "where": [n["target"] for n in v["nodes"][:3]]}
        for v in result["violations"]
    ]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


def _open_int13001_from_the_filtered_list(page: Page, server: str) -> None:
    page.goto(server + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Register, monitor and learn")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Initiatives").click()
    expect(page).to_have_url(server + "/initiatives/")
    # Facet checkboxes: with JavaScript each one updates the list in place, without it the button does.
    page.locator("#fv-country-CO").check()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#fv-country-CO")).to_be_checked()
    page.locator("#fv-kind-project").check()
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Apply filters").click()
    # The list already shows the answer: wait for the request the button sent, or leaving the page
    # aborts it (htmx reports that as an error).
    page.wait_for_load_state("networkidle")
    expect(page.locator("#result-count")).to_have_text("1 initiative")
    expect(page).to_have_url(server + "/initiatives/?kind=project&country=CO")
    page.get_by_role("link", name="Centre for Innovation on e-Government Development").click()
    expect(page).to_have_url(server + "/initiatives/INT13001/")
    expect(page.locator(".facts")).to_contain_text("US$164,189")
    partners = page.locator("section", has=page.get_by_role("heading", name="Partners", exact=True))
    expect(partners.get_by_role("heading", name="Implementing")).to_be_visible()
    expect(
        partners.get_by_role(
            "link", name="Colombian Ministry of Information Technologies and Communications (MINTIC)"
        )
    ).to_be_visible()
    expect(partners.get_by_role("link", name="UNDP-Colombia")).to_be_visible()


def test_visitor_filters_the_list_and_opens_int13001(server: str, browser: Browser) -> None:
    page = browser.new_page()
    messages: list[str] = []
    page.on("console", lambda message: messages.append(f"{message.type}: {message.text}"))
    _open_int13001_from_the_filtered_list(page, server)
    assert [m for m in messages if m.startswith("error")] == []  # no CSP violation, no script error


def test_filters_update_in_place_with_htmx(server: str, browser: Browser) -> None:
    page = browser.new_page()
    page.goto(server + "/initiatives/")
    expect(page.locator("#result-count")).to_have_text("26 initiatives")
    expected = page.request.get(server + "/api/v1/initiatives?wsis=C1").json()["count"]
    assert 0 < expected < 26
    page.locator("#fv-wsis-C1").check()
    expect(page.locator("#result-count")).to_have_text(f"{expected} initiatives")
    expect(page).to_have_url(server + "/initiatives/?wsis=C1")


def test_the_same_journey_works_without_javascript(server: str, browser: Browser) -> None:
    context = browser.new_context(java_script_enabled=False)
    _open_int13001_from_the_filtered_list(context.new_page(), server)
    context.close()


def test_arabic_pages_are_right_to_left(server: str, browser: Browser) -> None:
    page = browser.new_page()
    page.goto(server + "/ar/initiatives/INT13001/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert page.evaluate("getComputedStyle(document.querySelector('main')).direction") == "rtl"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/initiatives/?country=CO",
        "/initiatives/INT13001/",
        "/initiatives/EGMEGOVPPP2009/",
        "/organisations/undesa/",
        "/action-lines/C7/",
        "/countries/KE/",
        "/ar/initiatives/INT13001/",
        "/fr/",
        "/experiences/?country=CO&wsis=C7&q=e-government",
        "/ar/experiences/?country_group=sids",
    ],
)
def test_pages_meet_wcag_aa_by_axe(server: str, browser: Browser, path: str) -> None:
    """axe-core's WCAG 2.0-2.2 A and AA rules find nothing (it catches about half of all issues)."""
    problems = axe_problems(browser, server + path)
    assert problems == [], json.dumps(problems, indent=1)

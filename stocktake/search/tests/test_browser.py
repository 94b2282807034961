"""The search page in headless Chromium, on `stocktake serve` with the demo data: facets update the
results in place and the address, and the same page works with JavaScript turned off."""

from __future__ import annotations

import json
import re

import pytest

# The server (README's start command on a fresh database) and Chromium, as the pages' browser tests run them.
from stocktake.pages.tests.test_browser import (  # noqa: F401
    axe_problems,
    browser,
    database_url,
    server,
    server_dir,
)

pytestmark = pytest.mark.browser

from playwright.sync_api import Browser, Page, expect  # noqa: E402

LIST = "/initiatives/"


def count_of(page: Page) -> int:
    return int(re.sub(r"\D", "", page.locator("#result-count").inner_text()))


def first_unchosen_value(page: Page, facet: str) -> tuple[str, str, int]:
    """(value, its checkbox's id, count) of the facet's first value, which is not chosen yet."""
    checkbox = page.locator(f"#facet-{facet} input[type=checkbox]").first
    value, element_id = checkbox.get_attribute("value"), checkbox.get_attribute("id")
    assert value and element_id and not checkbox.is_checked()
    count = page.locator(f"#{element_id}-n").inner_text()
    return value, element_id, int(re.sub(r"\D", "", count))


def test_a_facet_checkbox_updates_results_and_address_in_place(server: str, browser: Browser) -> None:  # noqa: F811
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(server + LIST)
    total = count_of(page)
    value, element_id, expected = first_unchosen_value(page, "wsis")
    assert 0 < expected < total
    page.evaluate("window.stillTheSamePage = true")
    page.locator(f"#{element_id}").check()
    expect(page.locator("#result-count")).to_have_text(
        f"{expected} initiative" + ("s" if expected > 1 else "")
    )
    expect(page).to_have_url(f"{server}{LIST}?wsis={value}")
    assert page.evaluate("window.stillTheSamePage") is True  # swapped in place, not reloaded
    expect(page.locator(f"#{element_id}")).to_be_checked()
    expect(page.locator(f"#{element_id}")).to_be_focused()  # focus stays where it was
    expect(page.locator("#search-status")).to_have_text(re.compile(rf"^{expected} initiatives?$"))

    # Words typed in the box search as one types, after a pause; the facets follow.
    page.locator("#f-q").fill("government")
    expect(page).to_have_url(re.compile(rf"\?q=government&wsis={re.escape(value)}$"))
    with_words = count_of(page)
    assert with_words <= expected
    expect(page.locator(f"#{element_id}")).to_be_checked()

    # A facet's "clear" link is swapped in place too.
    page.locator("#facet-wsis .facet-clear").click()
    expect(page).to_have_url(f"{server}{LIST}?q=government")
    expect(page.locator(f"#{element_id}")).not_to_be_checked()
    assert page.evaluate("window.stillTheSamePage") is True

    # Back goes to the previous address and its results.
    page.go_back()
    expect(page).to_have_url(re.compile(rf"\?q=government&wsis={re.escape(value)}$"))
    expect(page.locator("#result-count")).to_contain_text(str(with_words))
    assert errors == [], errors


def test_pages_turn_in_place(server: str, browser: Browser) -> None:  # noqa: F811
    page = browser.new_page()
    page.goto(server + LIST + "?sort=-code")
    first_code = page.locator("td.code").first.inner_text()
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_role("link", name="Next").click()
    expect(page).to_have_url(f"{server}{LIST}?sort=-code&page=2")
    expect(page.locator("td.code").first).not_to_have_text(first_code)
    assert page.evaluate("window.stillTheSamePage") is True
    expect(page.get_by_role("link", name="Previous")).to_be_visible()


def test_the_search_page_works_without_javascript(server: str, browser: Browser) -> None:  # noqa: F811
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server + LIST)
    value, element_id, expected = first_unchosen_value(page, "wsis")
    page.locator(f"#{element_id}").check()
    page.get_by_role("button", name="Apply filters").click()
    # The form sends its empty fields too; the list answers at the address with only what is set.
    expect(page).to_have_url(f"{server}{LIST}?wsis={value}")
    assert count_of(page) == expected
    expect(page.locator(f"#{element_id}")).to_be_checked()

    # Each facet value is a plain link as well.
    kind_link = page.locator("#facet-kind a").first
    kind_count = int(re.sub(r"\D", "", page.locator("#facet-kind .count").first.inner_text()))
    kind_link.click()
    expect(page).to_have_url(re.compile(rf"\?kind=[\w-]+&wsis={re.escape(value)}$"))
    assert count_of(page) == kind_count

    # The feed of the search is a link away.
    feed = page.get_by_role("link", name="Subscribe (Atom)")
    assert (feed.get_attribute("href") or "").startswith("/initiatives/feed.atom?kind=")
    context.close()


@pytest.mark.parametrize("path", ["/initiatives/?q=government&wsis=C7", "/ar/initiatives/?kind=project"])
def test_the_search_page_meets_wcag_aa_by_axe(server: str, browser: Browser, path: str) -> None:  # noqa: F811
    problems = axe_problems(browser, server + path)
    assert problems == [], json.dumps(problems, indent=1)

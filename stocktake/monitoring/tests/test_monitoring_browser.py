"""Monitoring's public pages meet WCAG 2.2 AA as axe checks them, in English and in Arabic."""

from __future__ import annotations

import pytest

from stocktake.pages.tests.test_browser import (  # noqa: F401
    axe_problems,
    browser,
    database_url,
    server,
    server_dir,
)

pytestmark = pytest.mark.browser

from playwright.sync_api import Browser  # noqa: E402


@pytest.mark.parametrize(
    "path",
    [
        "/targets/",
        "/targets/wsis-18g-ppp/",
        "/ar/targets/wsis-18e-e-strategies/",
        "/reporting/",
        "/ar/reporting/",
        "/initiatives/WSIS-POA-18G/",
    ],
)
def test_monitoring_pages_meet_wcag_aa_by_axe(server: str, browser: Browser, path: str) -> None:  # noqa: F811
    assert axe_problems(browser, server + path) == []

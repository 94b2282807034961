"""Security basics that hold for every page: production cookie and transport settings, the Content
Security Policy, and user text that can never become markup."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.test import Client

from stocktake.core.history import Actor
from stocktake.initiatives.services import section_add
from stocktake.initiatives.tests.factories import make_initiative

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _production_settings() -> dict[str, object]:
    """The settings as production loads them, read in a fresh interpreter."""
    names = [
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SECURE",
        "CSRF_COOKIE_HTTPONLY",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "X_FRAME_OPTIONS",
        "DEBUG",
    ]
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{name: getattr(settings, name) for name in {names!r}}}))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "stocktake.settings",
        "STOCKTAKE_ENV": "production",
        "STOCKTAKE_SECRET_KEY": "x" * 64,
        "STOCKTAKE_ALLOWED_HOSTS": "stocktake.example.org",
    }
    env.pop("STOCKTAKE_DEBUG", None)
    output = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def test_production_cookies_are_secure_http_only_and_same_site() -> None:
    settings = _production_settings()
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_HTTPONLY"] is True
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert settings["CSRF_COOKIE_SECURE"] is True
    assert settings["CSRF_COOKIE_HTTPONLY"] is True
    assert settings["SECURE_SSL_REDIRECT"] is True
    assert int(str(settings["SECURE_HSTS_SECONDS"])) >= 31536000
    assert settings["DEBUG"] is False and settings["X_FRAME_OPTIONS"] == "DENY"


@pytest.mark.django_db
def test_every_page_carries_a_strict_content_security_policy(client: Client) -> None:
    for path in ("/", "/initiatives/", "/account/login/", "/account/signup/"):
        response = client.get(path)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, path
        assert "frame-ancestors 'none'" in policy


@pytest.mark.django_db
def test_user_text_is_shown_as_text_never_as_markup(client: Client) -> None:
    initiative = make_initiative(title=f"Portal {HOSTILE}", summary=HOSTILE)
    section_add(actor=Actor.system("test"), initiative=initiative, kind="lessons_learned", text=HOSTILE)
    pages = {
        "page": client.get(initiative.get_absolute_url()).content.decode(),
        "list": client.get("/initiatives/?q=portal").content.decode(),
        "history": client.get(f"/initiatives/{initiative.code_normalised}/history/").content.decode(),
        "feed": client.get("/initiatives/feed.atom?q=portal").content.decode(),
    }
    for name, html in pages.items():
        assert "<script>alert" not in html, name
        assert "<img src=x" not in html, name
    assert "&lt;script&gt;alert" in pages["page"]
    api = client.get(f"/api/v1/initiatives/{initiative.code_normalised}").json()
    assert api["title"] == f"Portal {HOSTILE}"  # JSON carries the text as it was given, for clients to escape

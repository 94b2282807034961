"""The interface translations are complete, compiled from the current catalogues, and cover every string."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"
ROOT = Path(settings.BASE_DIR).parent
SHIPPED = [code for code, _name in settings.LANGUAGES if code != "en"]


def catalogue(language: str, kind: str = "po") -> dict[object, object]:
    path = LOCALE / language / "LC_MESSAGES" / f"django.{kind}"
    with path.open("rb") as handle:
        messages = read_po(handle) if kind == "po" else read_mo(handle)

    def plain(value: object) -> object:
        return tuple(value) if isinstance(value, list | tuple) else value

    return {plain(message.id): plain(message.string) for message in messages if message.id}


@pytest.mark.parametrize("language", SHIPPED)
def test_every_string_is_translated(language: str) -> None:
    untranslated = [
        msgid
        for msgid, text in catalogue(language).items()
        if not text or (isinstance(text, tuple) and not all(text))
    ]
    assert untranslated == []


@pytest.mark.parametrize("language", SHIPPED)
def test_compiled_catalogues_match_their_sources(language: str) -> None:
    assert catalogue(language, "mo") == catalogue(language, "po"), "run scripts/messages.sh compile"


def test_the_template_holds_every_marked_string(tmp_path: Path) -> None:
    extracted = tmp_path / "django.pot"
    subprocess.run(
        [
            Path(sys.executable).parent / "pybabel",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "gettext_lazy",
            "-k",
            "gettext_noop",
            "-k",
            "pgettext_lazy:1c,2",
            "-k",
            "ngettext_lazy:1,2",
            "--ignore-dirs=migrations tests",
            "-o",
            str(extracted),
            "stocktake",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with extracted.open("rb") as handle:
        wanted = {tuple(m.id) if isinstance(m.id, list | tuple) else m.id for m in read_po(handle) if m.id}
    for language in SHIPPED:
        assert wanted <= set(catalogue(language)), f"run scripts/messages.sh update for {language}"

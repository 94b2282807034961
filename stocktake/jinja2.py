"""The Jinja2 environment of the public pages: Django's URLs, static files, translations and formats.

Links, amounts and dates repeat on every row of a list, so their formatting is remembered.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from babel.core import Locale
from babel.numbers import format_currency, format_decimal
from django.conf import settings
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse, translate_url
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext
from jinja2 import Environment
from markupsafe import Markup, escape

from stocktake.accounts.selectors import account_menu
from stocktake.core.partial_dates import PartialDate
from stocktake.vocabularies.selectors import code_name


def language() -> str:
    return (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]


@lru_cache(maxsize=8192)
def _reverse(name: str, args: tuple[Any, ...], lang: str, prefix: str) -> str:
    return reverse(name, args=args or None)


def url(name: str, *args: Any) -> str:
    return _reverse(name, args, language(), get_script_prefix())


@lru_cache(maxsize=16)
def _locale(lang: str) -> Locale:
    # Parsing a locale costs more than formatting with it; a page formats hundreds of numbers.
    return Locale.parse(lang)


def _money(amount: Decimal, currency: str, lang: str) -> str:
    pattern = _locale(lang).currency_formats["standard"].pattern
    value: Decimal | int = amount
    if amount == amount.to_integral_value():
        value = int(amount)
        pattern = pattern.replace("0.00", "0")
    text = format_currency(value, currency, format=pattern, locale=_locale(lang), currency_digits=False)
    if lang == "en" and currency == "USD":
        text = text.replace("$", "US$", 1)
    return text


def money(amount: Decimal | int | None, currency: str) -> str:
    """US$164,189 in English, 164 189 $US in French: no decimals when there are none."""
    return "" if amount is None else _money(Decimal(amount), currency, language())


@lru_cache(maxsize=8192)
def _number(value: int | Decimal, lang: str) -> str:
    return format_decimal(value, locale=_locale(lang))


def number(value: int | Decimal | None) -> str:
    # Counts repeat across a page's facets and across pages: formatting is remembered.
    return "" if value is None else _number(value, language())


@lru_cache(maxsize=8192)
def _pdate(value: PartialDate, lang: str) -> str:
    return value.display(lang)


def pdate(value: PartialDate | None) -> str:
    return _pdate(value, language()) if value else ""


def places(countries: list[Any], regions: list[Any], groups: list[Any]) -> Markup:
    """Countries (linked to their pages), then regions, then country groups: "Kenya, Uganda; Africa".

    A Python function rather than a macro: every row of a list calls it.
    """
    lang = language()
    prefix = get_script_prefix()
    parts = []
    if countries:
        links = [
            f'<a href="{_reverse("pages:country", (country.code,), lang, prefix)}">{escape(country.name)}</a>'
            for country in countries
        ]
        parts.append(", ".join(links))
    if regions:
        parts.append(", ".join(str(escape(region.name)) for region in regions))
    if groups:
        parts.append(", ".join(str(escape(gettext(group.name))) for group in groups))
    return Markup("; ".join(parts))  # noqa: S704 - every value above is escaped


def translated_url(request: Any, lang: str) -> str:
    """The current page in another language (the address says the language, so pages cache cleanly)."""
    return translate_url(request.get_full_path(), lang)


def query(params: dict[str, Any], **changes: Any) -> str:
    """A query string from ``params`` with some keys changed (None removes a key)."""
    merged = {**params, **changes}
    pairs = []
    for key, value in merged.items():
        if value in (None, "", []):
            continue
        for item in value if isinstance(value, list | tuple) else [value]:
            pairs.append((key, item))
    return "?" + urlencode(pairs) if pairs else "?"


def environment(**options: Any) -> Environment:
    env = Environment(extensions=["jinja2.ext.i18n"], **options)  # noqa: S701 (autoescape is set in settings)
    env.install_gettext_callables(gettext, ngettext, newstyle=True, pgettext=pgettext)  # type: ignore[attr-defined]
    env.globals.update(
        url=url,
        static=static,
        language=language,
        money=money,
        number=number,
        pdate=pdate,
        places=places,
        query=query,
        code_name=code_name,
        settings=settings,
        get_language_info=translation.get_language_info,
        translated_url=translated_url,
    )
    env.globals["account_menu"] = account_menu  # the header's account links, for signed-in people
    env.filters.update(money=money, number=number, pdate=pdate)
    return env

"""The Jinja2 environment of the public pages: Django's URLs, static files, translations and formats."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from babel.core import Locale
from babel.numbers import format_currency, format_decimal
from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext
from jinja2 import Environment

from stocktake.core.partial_dates import PartialDate
from stocktake.vocabularies.selectors import code_name


def language() -> str:
    return (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]


def url(name: str, *args: Any, **kwargs: Any) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def money(amount: Decimal | int | None, currency: str) -> str:
    """ "US$164,189" in English, "164 189 $US" in French: no decimals when there are none."""
    if amount is None:
        return ""
    lang = language()
    pattern = Locale.parse(lang).currency_formats["standard"].pattern
    if Decimal(amount) == Decimal(amount).to_integral_value():
        amount = int(amount)
        pattern = pattern.replace("0.00", "0")
    text = format_currency(amount, currency, format=pattern, locale=lang, currency_digits=False)
    if lang == "en" and currency == "USD":
        text = text.replace("$", "US$", 1)
    return text


def number(value: int | Decimal | None) -> str:
    return "" if value is None else format_decimal(value, locale=language())


def pdate(value: PartialDate | None) -> str:
    return value.display(language()) if value else ""


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
        query=query,
        code_name=code_name,
        settings=settings,
        get_language_info=translation.get_language_info,
    )
    env.filters.update(money=money, number=number, pdate=pdate)
    return env

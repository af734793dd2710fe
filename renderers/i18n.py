"""Interface language: message catalogs (Babel, gettext) and locale-aware formatting.

Message ids are English; ``locale/nl/LC_MESSAGES/messages.po`` translates every one of them
(a test keeps it complete). Dates and numbers follow the locale: "3 januari 2027".
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.dates import format_date as _format_date
from babel.dates import format_datetime as _format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal as _format_decimal
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
_BABEL_LOCALES = {"nl": "nl_NL", "en": "en_GB"}


def normalize(language: str | None) -> str:
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


@lru_cache(maxsize=8)
def translations(language: str) -> NullTranslations:
    po = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def gettext(language: str, message: str) -> str:
    return translations(normalize(language)).gettext(message)


def locale(language: str) -> Locale:
    return Locale.parse(_BABEL_LOCALES[normalize(language)])


def format_date(value: date | None, language: str) -> str:
    if value is None:
        return ""
    return _format_date(value, format="long", locale=locale(language))


def format_month(value: date, language: str) -> str:
    """A calendar month as a person reads it: "maart 2026", "March 2026"."""
    return _format_date(value, format="LLLL y", locale=locale(language))


def format_datetime(value: datetime | None, language: str) -> str:
    if value is None:
        return ""
    return _format_datetime(value, format="d MMMM y HH:mm", locale=locale(language))


def format_time(value: datetime | None, language: str) -> str:
    if value is None:
        return ""
    return _format_datetime(value, format="HH:mm", locale=locale(language))


def format_number(value: int | Decimal | float | None, language: str) -> str:
    if value is None:
        return ""
    return _format_decimal(value, locale=locale(language), group_separator=False)

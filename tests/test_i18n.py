"""The interface is Dutch first and English complete: every interface text has a Dutch
translation, and dates and numbers follow the language."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.messages.pofile import read_po

from renderers import i18n


def test_every_interface_text_is_translated_into_dutch() -> None:
    with (i18n.LOCALE_DIR / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    with (i18n.LOCALE_DIR / "nl" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        dutch = read_po(handle)
    wanted = {m.id for m in template if m.id}
    missing = sorted(m for m in wanted if not (dutch.get(m) and dutch.get(m).string))
    assert missing == [], f"untranslated (run scripts/update-translations): {missing}"


def test_dates_and_numbers_follow_the_language() -> None:
    assert i18n.format_date(date(2027, 1, 3), "nl") == "3 januari 2027"
    assert i18n.format_date(date(2027, 1, 3), "en") == "3 January 2027"
    assert i18n.format_number(Decimal("7.5"), "nl") == "7,5"
    assert i18n.format_number(Decimal("7.5"), "en") == "7.5"
    assert i18n.gettext("nl", "There is a problem") == "Er is een probleem"
    assert i18n.gettext("en", "There is a problem") == "There is a problem"

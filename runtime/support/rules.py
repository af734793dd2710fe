"""The rules of a support request that need no database: the SWV's decision term (it starts
when the request is complete and stands still while it is suspended), decision numbers, what a
grant must say, and when the data are deleted (WPO art. 18a). Tested alone
(tests/test_support_rules.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from engine.messages import localize

RETENTION_YEARS = 3  # WPO art. 18a lid 12: support data kept three years after the decision
MAX_GRANT_YEARS = 4  # a longer arrangement or TLV is a typing error (a TLV runs a few years)
KINDS: dict[str, dict[str, str]] = {
    "consultatie": {
        "nl": "Consultatie of korte interventie",
        "en": "Consultation or short intervention",
    },
    "extra_ondersteuning": {"nl": "Extra ondersteuning", "en": "Extra support"},
    "arrangement": {"nl": "Arrangement", "en": "Arrangement"},
    "tlv": {"nl": "Toelaatbaarheidsverklaring (TLV)", "en": "Admissibility statement (TLV)"},
    "mdo": {"nl": "Multidisciplinair overleg (MDO)", "en": "Case discussion (MDO)"},
}
TLV_KINDS: dict[str, dict[str, str]] = {
    "sbo": {"nl": "speciaal basisonderwijs (SBO)", "en": "special primary education (SBO)"},
    "so": {"nl": "speciaal onderwijs (SO)", "en": "special education (SO)"},
}
TLV_CATEGORIES: dict[str, dict[str, str]] = {
    "laag": {"nl": "categorie laag (1)", "en": "category low (1)"},
    "midden": {"nl": "categorie midden (2)", "en": "category middle (2)"},
    "hoog": {"nl": "categorie hoog (3)", "en": "category high (3)"},
}
SENSITIVE_REPORTS = ("medisch", "psychologisch")  # the parents decide on each of these


class Invalid(ValueError):
    """What a person entered cannot be recorded; ``texts`` says why, per language."""

    def __init__(self, texts: dict[str, str], **params: str | dict[str, str]) -> None:
        super().__init__(texts.get("en", ""))
        self.texts = texts
        self.params = params

    def text(self, language: str) -> str:
        """The message in ``language``; a parameter given per language in that language too."""
        params = {
            key: localize(value, language) if isinstance(value, dict) else value
            for key, value in self.params.items()
        }
        return localize(self.texts, language).format(**params)


MESSAGES: dict[str, dict[str, str]] = {
    "date_missing": {"nl": "Vul de datum in.", "en": "Enter the date."},
    "start_missing": {"nl": "Vul de ingangsdatum in.", "en": "Enter the start date."},
    "end_missing": {"nl": "Vul de einddatum in.", "en": "Enter the end date."},
    "future": {
        "nl": "De datum ligt in de toekomst; vul de dag in waarop het gebeurde.",
        "en": "The date is in the future; enter the day it happened.",
    },
    "before_submitted": {
        "nl": "De datum ligt vóór de dag waarop de aanvraag werd ingediend ({day}).",
        "en": "The date is before the day the request was submitted ({day}).",
    },
    "far_ahead": {
        "nl": "De datum ligt meer dan een jaar vooruit; controleer het jaartal.",
        "en": "The date is more than a year ahead; check the year.",
    },
    "far_back": {
        "nl": "De ingangsdatum ligt meer dan een jaar terug; controleer het jaartal.",
        "en": "The start date is more than a year back; check the year.",
    },
    "meeting_past": {
        "nl": "Het loketoverleg ligt vóór vandaag; plan het op een dag vanaf vandaag.",
        "en": "The loketoverleg is before today; plan it for today or later.",
    },
    "end_before_start": {
        "nl": "De einddatum ligt vóór de ingangsdatum.",
        "en": "The end date is before the start date.",
    },
    "too_long": {
        "nl": "Een besluit loopt hoogstens {years} jaar; controleer de einddatum.",
        "en": "A decision runs at most {years} years; check the end date.",
    },
    "text_missing": {"nl": "Vul {what} in.", "en": "Enter {what}."},
    "category_missing": {
        "nl": "Kies de categorie van de TLV voor het speciaal onderwijs.",
        "en": "Choose the category of the TLV for special education.",
    },
    "weeks_range": {
        "nl": "Vul een aantal weken van 1 tot en met 52 in.",
        "en": "Enter a number of weeks from 1 to 52.",
    },
}


def due_on(
    completed_on: date | None,
    weeks: int,
    suspended_days: int = 0,
    suspended_on: date | None = None,
    today: date | None = None,
) -> date | None:
    """The last day of the SWV's decision term: ``weeks`` from the day the request was
    complete, plus every day it stood still while suspended. While it is suspended
    (``suspended_on``), the days up to ``today`` count as standing still too, so that the date
    shown is the date as it is if the request is taken up today."""
    if completed_on is None:
        return None
    still = suspended_days + (still_days(suspended_on, today) if suspended_on and today else 0)
    return completed_on + timedelta(weeks=weeks, days=still)


def still_days(suspended_on: date, resumed_on: date) -> int:
    """The days a suspension stood still: from its first day up to the day before it was
    taken up again (the day it is resumed counts for the term again)."""
    return max(0, (resumed_on - suspended_on).days)


def decision_number(swv_code: str, year: int, number: int) -> str:
    """``PO2001-2027-0042``: the SWV's code, the year, and its decisions of that year counted."""
    return f"{swv_code}-{year}-{number:04d}"


def purge_on(decided_on: date, years: int = RETENTION_YEARS) -> date:
    """The day a request's support data are deleted: ``years`` after its decision (29 February
    becomes 28 February)."""
    try:
        return decided_on.replace(year=decided_on.year + years)
    except ValueError:
        return decided_on.replace(year=decided_on.year + years, day=28)


def checked_day(on: date | None, today: date, submitted: date | None) -> date:
    """A day something happened: given, not in the future, not before the submission."""
    if on is None:
        raise Invalid(MESSAGES["date_missing"])
    if on > today:
        raise Invalid(MESSAGES["future"])
    if submitted is not None and on < submitted:
        raise Invalid(MESSAGES["before_submitted"], day=submitted.isoformat())
    return on


@dataclass(frozen=True)
class Grant:
    """What a grant says: content, scope, start and end; a TLV its kind and category."""

    content: str
    scope: str
    starts_on: date
    ends_on: date
    tlv_kind: str | None = None
    tlv_category: str | None = None


def checked_grant(
    today: date,
    content: str,
    scope: str,
    starts_on: date | None,
    ends_on: date | None,
    *,
    tlv: bool,
    tlv_kind: str | None = None,
    tlv_category: str | None = None,
) -> Grant:
    """A grant as it may be recorded on ``today``, or :class:`Invalid` with the first thing to
    correct: it starts within a year of today (back or ahead) and runs at most
    ``MAX_GRANT_YEARS``."""
    what = {
        "content": {"nl": "de inhoud van het besluit", "en": "the content of the decision"},
        "scope": {"nl": "de omvang", "en": "the scope"},
    }
    if not tlv and not content.strip():
        raise Invalid(MESSAGES["text_missing"], what=what["content"])
    if not tlv and not scope.strip():
        raise Invalid(MESSAGES["text_missing"], what=what["scope"])
    if starts_on is None:
        raise Invalid(MESSAGES["start_missing"])
    if ends_on is None:
        raise Invalid(MESSAGES["end_missing"])
    if starts_on < today - timedelta(days=366):
        raise Invalid(MESSAGES["far_back"])
    if starts_on > today + timedelta(days=366):
        raise Invalid(MESSAGES["far_ahead"])
    if ends_on < starts_on:
        raise Invalid(MESSAGES["end_before_start"])
    if (ends_on - starts_on).days > 365 * MAX_GRANT_YEARS + 1:
        raise Invalid(MESSAGES["too_long"], years=str(MAX_GRANT_YEARS))
    if tlv:
        if tlv_kind not in TLV_KINDS:
            tlv_kind = "sbo"
        if tlv_kind == "so" and tlv_category not in TLV_CATEGORIES:
            raise Invalid(MESSAGES["category_missing"])
        if tlv_kind == "sbo":
            tlv_category = None
    return Grant(
        content.strip(),
        scope.strip(),
        starts_on,
        ends_on,
        tlv_kind if tlv else None,
        tlv_category if tlv else None,
    )


def checked_text(text: str, what: dict[str, str]) -> str:
    if not text.strip():
        raise Invalid(MESSAGES["text_missing"], what=what)
    return text.strip()

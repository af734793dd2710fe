"""Messages the engine shows to people filling a form, in every interface language.

A definition's own texts (labels, constraint messages) come from the definition; these are the
engine's built-in validation messages. Dutch first, English complete. Each has a key that
scenarios may expect instead of the text (``errors: {naam: required}``); docs/messages.md lists
them all; ``scripts/update-messages`` regenerates its list from :data:`CATALOG` and :data:`WHEN`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .model import Text

DEFAULT_LANGUAGE = "nl"

CATALOG: dict[str, dict[str, str]] = {
    "required": {"nl": "Dit veld is verplicht.", "en": "This field is required."},
    "required_choice": {"nl": "Kies een antwoord.", "en": "Choose an answer."},
    "text_too_short": {
        "nl": "Gebruik minstens {min} tekens.",
        "en": "Use at least {min} characters.",
    },
    "text_too_long": {
        "nl": "Gebruik hoogstens {max} tekens (nu {length}).",
        "en": "Use at most {max} characters (now {length}).",
    },
    "not_text": {"nl": "Vul tekst in.", "en": "Enter text."},
    "draft_too_large": {
        "nl": "Dit formulier bevat te veel tekst; dit antwoord is niet bewaard. Maak het korter.",
        "en": "This form holds too much text; this answer was not saved. Make it shorter.",
    },
    "integer_invalid": {"nl": "Vul een heel getal in.", "en": "Enter a whole number."},
    "decimal_invalid": {
        "nl": "Vul een getal in, bijvoorbeeld 7,5.",
        "en": "Enter a number, for example 7.5.",
    },
    "number_too_small": {
        "nl": "Vul een getal in van {min} of meer.",
        "en": "Enter a number of {min} or more.",
    },
    "number_too_large": {
        "nl": "Vul een getal in van {max} of minder.",
        "en": "Enter a number of {max} or less.",
    },
    "number_step": {
        "nl": "Vul een veelvoud van {step} in.",
        "en": "Enter a multiple of {step}.",
    },
    "date_invalid": {
        "nl": "Vul een bestaande datum in, bijvoorbeeld 31-01-2027.",
        "en": "Enter a real date, for example 31-01-2027.",
    },
    "date_too_early": {
        "nl": "De datum mag niet voor {min} liggen.",
        "en": "The date must not be before {min}.",
    },
    "date_too_late": {
        "nl": "De datum mag niet na {max} liggen.",
        "en": "The date must not be after {max}.",
    },
    "yesno_invalid": {"nl": "Kies ja of nee.", "en": "Choose yes or no."},
    "choice_invalid": {
        "nl": "Kies een van de mogelijkheden.",
        "en": "Choose one of the options.",
    },
    "too_few_selected": {
        "nl": "Kies er minstens {min}.",
        "en": "Choose at least {min}.",
    },
    "too_many_selected": {
        "nl": "Kies er hoogstens {max}.",
        "en": "Choose at most {max}.",
    },
    "email_invalid": {
        "nl": "Vul een e-mailadres in zoals naam@voorbeeld.nl.",
        "en": "Enter an email address like name@example.com.",
    },
    "phone_invalid": {
        "nl": "Vul een Nederlands telefoonnummer in, zoals 06 12345678 of 020 1234567.",
        "en": "Enter a Dutch phone number, like 06 12345678 or 020 1234567.",
    },
    "postcode_invalid": {
        "nl": "Vul een postcode in zoals 1234 AB.",
        "en": "Enter a postcode like 1234 AB.",
    },
    "bsn_invalid": {
        "nl": "Dit is geen geldig burgerservicenummer (9 cijfers, elfproef).",
        "en": "This is not a valid citizen service number (9 digits, 11-test).",
    },
    "onderwijsnummer_invalid": {
        "nl": "Dit is geen geldig onderwijsnummer (9 cijfers, begint met 10).",
        "en": "This is not a valid education number (9 digits, starting with 10).",
    },
    "brin_invalid": {
        "nl": "Vul een BRIN-code in: 2 cijfers en 2 letters, zoals 12AB.",
        "en": "Enter a BRIN code: 2 digits and 2 letters, like 12AB.",
    },
    "brin_vestiging_invalid": {
        "nl": "Vul BRIN en vestiging in: 2 cijfers, 2 letters en 2 cijfers, zoals 12AB00.",
        "en": "Enter BRIN and location: 2 digits, 2 letters and 2 digits, like 12AB00.",
    },
    "file_invalid": {"nl": "Voeg een bestand toe.", "en": "Attach a file."},
    "file_type": {
        "nl": "Dit bestandstype is niet toegestaan. Toegestaan: {accept}.",
        "en": "This file type is not allowed. Allowed: {accept}.",
    },
    "file_too_large": {
        "nl": "Het bestand is groter dan {max} MB.",
        "en": "The file is larger than {max} MB.",
    },
    "too_few_rows": {"nl": "Voeg er minstens {min} toe.", "en": "Add at least {min}."},
    "too_many_rows": {"nl": "Voeg er hoogstens {max} toe.", "en": "Add at most {max}."},
    "rows_invalid": {"nl": "De rijen zijn ongeldig.", "en": "The rows are not valid."},
    "evaluation_failed": {
        "nl": "Deze vraag kon niet worden gecontroleerd; meld dit aan de beheerder.",
        "en": "This question could not be checked; please report this to the administrator.",
    },
}


CONSTRAINT = "constraint"  # the key of every message a definition's constraint gives itself

WHEN: dict[str, str] = {
    "required": "a required field has no answer (not a choice or yes/no field)",
    "required_choice": "a required choice, multichoice or yes/no field has no answer",
    "text_too_short": "a text or textarea is shorter than its `min_length`",
    "text_too_long": "a text or textarea is longer than its `max_length` (the runtime also "
    "refuses an answer longer than it can store)",
    "not_text": "an answer that is not text, such as a list, for a text-like field",
    "draft_too_large": "runtime only: a draft would grow beyond what POPO stores per form",
    "integer_invalid": "an integer field's answer is not a whole number",
    "decimal_invalid": "a decimal field's answer is not a number",
    "number_too_small": "a number below the field's `min`",
    "number_too_large": "a number above the field's `max`",
    "number_step": "a number that is not a multiple of the field's `step` (counted from `min`)",
    "date_invalid": "a date field's answer is not an existing date",
    "date_too_early": "a date before the field's `min` (a date or an expression)",
    "date_too_late": "a date after the field's `max` (a date or an expression)",
    "yesno_invalid": "a yes/no field's answer is neither yes nor no",
    "choice_invalid": "an answer that is not one of the field's choices (or not one a "
    "`choice_filter` leaves)",
    "too_few_selected": "a multichoice with fewer selected than its `min_selected`",
    "too_many_selected": "a multichoice with more selected than its `max_selected`",
    "email_invalid": "an email field's answer is not an e-mail address",
    "phone_invalid": "a phone field's answer is not a Dutch phone number",
    "postcode_invalid": "a postcode field's answer is not a Dutch postcode",
    "bsn_invalid": "a bsn field's answer fails the 11-test or is not 9 digits",
    "onderwijsnummer_invalid": "an onderwijsnummer field's answer is not a valid onderwijsnummer",
    "brin_invalid": "a brin field's answer is not a BRIN code",
    "brin_vestiging_invalid": "a brin_vestiging field's answer is not BRIN and location",
    "file_invalid": "a file field's answer is not a file",
    "file_type": "a file of a type not in the field's `accept`",
    "file_too_large": "a file larger than the field's `max_size_mb`",
    "too_few_rows": "a repeating group with fewer rows than its `min_rows`",
    "too_many_rows": "a repeating group with more rows than its `max_rows`",
    "rows_invalid": "reserved: not produced by the engine today",
    "evaluation_failed": "a constraint could not be evaluated (a fault in the definition)",
}


def localize(text: Text | None, language: str, fallback: str = DEFAULT_LANGUAGE) -> str:
    """The text in ``language``, else in the fallback language, else any."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    if language in text:
        return text[language]
    if fallback in text:
        return text[fallback]
    return next(iter(text.values()), "")


@dataclass(frozen=True, slots=True)
class Message:
    """A validation message: a catalog code with parameters, or a definition's own text."""

    code: str
    params: tuple[tuple[str, Any], ...] = ()
    custom: Text | None = field(default=None, compare=True)

    def text(self, language: str = DEFAULT_LANGUAGE) -> str:
        if self.custom is not None:
            return localize(self.custom, language)
        template = localize(CATALOG[self.code], language)
        params = {key: _format_param(value, language) for key, value in self.params}
        return template.format(**params)

    def __str__(self) -> str:
        return self.text()


def _format_param(value: Any, language: str) -> str:
    from datetime import date
    from decimal import Decimal

    if isinstance(value, date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, Decimal) and language == "nl":
        return str(value).replace(".", ",")
    return str(value)


def message(code: str, **params: Any) -> Message:
    return Message(code, tuple(sorted(params.items())))


# ---------------------------------------------------------------------- docs/messages.md

BEGIN_GENERATED = "<!-- generated by scripts/update-messages: do not edit by hand -->"
END_GENERATED = "<!-- end of the generated list -->"
LANGUAGES = ("nl", "en")


def catalog_markdown() -> str:
    """The list of standard messages in docs/messages.md, from :data:`CATALOG`."""
    header = "| key | when | " + " | ".join(LANGUAGES) + " |"
    lines = [BEGIN_GENERATED, "", header, "|" + " --- |" * (2 + len(LANGUAGES))]
    for key, texts in CATALOG.items():
        cells = [f"`{key}`", WHEN[key], *(texts[language] for language in LANGUAGES)]
        lines.append("| " + " | ".join(cells) + " |")
    own = "the definition's own `message` of a constraint that is broken"
    lines.append(f"| `{CONSTRAINT}` | {own} | (the definition's text) | (the definition's text) |")
    lines += ["", END_GENERATED]
    return "\n".join(lines)


def update_document(text: str) -> str:
    """``text`` (docs/messages.md) with its generated list replaced by the current one."""
    start = text.index(BEGIN_GENERATED)
    end = text.index(END_GENERATED) + len(END_GENERATED)
    return text[:start] + catalog_markdown() + text[end:]


def write_document(path: Path | str) -> Path:
    """Regenerate the list in the page at ``path`` (docs/messages.md); scripts/update-messages."""
    target = Path(path)
    target.write_text(update_document(target.read_text(encoding="utf-8")), encoding="utf-8")
    return target

"""Field types: how a raw answer becomes a clean value (or a message), and its expression type.

Like a Django form field, a field type only turns input into a value; drawing it is the job of
``renderers/``. Input may be typed (from JSON or scenarios) or text (from an HTML form).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from .expressions.types import (
    BOOLEAN,
    DATE,
    FILE,
    NONE,
    NUMBER,
    REPEAT,
    STRING,
    ExprType,
    list_of,
)
from .messages import Message, message

Cleaned = tuple[Any, Message | None]


class Invalid(Exception):
    def __init__(self, msg: Message):
        self.msg = msg


def is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip()) or raw == []


def _text(raw: Any) -> str:
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, bool | int | Decimal | float):
        return str(raw)
    raise Invalid(message("not_text"))


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_POSTCODE = re.compile(r"^([1-9][0-9]{3})\s?([A-Za-z]{2})$")
_BRIN = re.compile(r"^[0-9]{2}[A-Z]{2}$")
_BRIN_VESTIGING = re.compile(r"^([0-9]{2}[A-Z]{2})\s?([0-9]{2})$")
_INTEGER = re.compile(r"[-+]?[0-9]{1,15}")
_DECIMAL = re.compile(r"[-+]?[0-9]{1,15}(\.[0-9]{1,10})?")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DUTCH_DATE = re.compile(r"([0-9]{1,2})[-/.]([0-9]{1,2})[-/.]([0-9]{4})")


def _eleven_test_remainder(digits: str) -> int:
    """Σ digit × weight (9, 8, …, 2, −1) modulo 11: the 11-test of BSN and onderwijsnummer."""
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True))
    return (total - int(digits[8])) % 11


def bsn_valid(digits: str) -> bool:
    """The 11-test for a burgerservicenummer (9 digits; 8 digits get a leading zero)."""
    if len(digits) == 8:
        digits = "0" + digits
    if len(digits) != 9 or not digits.isascii() or not digits.isdigit() or digits == "000000000":
        return False
    return _eleven_test_remainder(digits) == 0


def onderwijsnummer_valid(digits: str) -> bool:
    """An onderwijsnummer: 9 digits starting with 10, whose 11-test leaves remainder 5."""
    if len(digits) != 9 or not digits.isascii() or not digits.isdigit():
        return False
    return digits.startswith("10") and _eleven_test_remainder(digits) == 5


def clean_text(raw: Any) -> str:
    if type(raw) is str:
        return raw.strip()
    return _text(raw)


def clean_email(raw: Any) -> str:
    value = _text(raw)
    if len(value) > 254 or not _EMAIL.match(value):
        raise Invalid(message("email_invalid"))
    return value


def clean_phone(raw: Any) -> str:
    value = _text(raw)
    digits = re.sub(r"[\s\-().]", "", value)
    if digits.startswith("+31"):
        digits = "0" + digits[3:]
    elif digits.startswith("0031"):
        digits = "0" + digits[4:]
    if not (len(digits) == 10 and digits.isdigit() and digits[0] == "0" and digits[1] != "0"):
        raise Invalid(message("phone_invalid"))
    return digits


def clean_postcode(raw: Any) -> str:
    value = _text(raw)
    match = _POSTCODE.match(value)
    if not match or match.group(2).upper() in ("SA", "SD", "SS"):
        raise Invalid(message("postcode_invalid"))
    return f"{match.group(1)} {match.group(2).upper()}"


def clean_bsn(raw: Any) -> str:
    value = re.sub(r"[\s.]", "", _text(raw))
    if len(value) == 8:
        value = "0" + value
    if not bsn_valid(value):
        raise Invalid(message("bsn_invalid"))
    return value


def clean_onderwijsnummer(raw: Any) -> str:
    value = re.sub(r"[\s.]", "", _text(raw))
    if not onderwijsnummer_valid(value):
        raise Invalid(message("onderwijsnummer_invalid"))
    return value


def clean_brin(raw: Any) -> str:
    value = _text(raw).upper()
    if not _BRIN.match(value):
        raise Invalid(message("brin_invalid"))
    return value


def clean_brin_vestiging(raw: Any) -> str:
    value = _text(raw).upper()
    match = _BRIN_VESTIGING.match(value)
    if not match:
        raise Invalid(message("brin_vestiging_invalid"))
    return match.group(1) + match.group(2)


def clean_integer(raw: Any) -> int:
    if isinstance(raw, bool):
        raise Invalid(message("integer_invalid"))
    if isinstance(raw, int):
        return raw
    if isinstance(raw, Decimal) and raw == raw.to_integral_value():
        return int(raw)
    if type(raw) is str and raw.isdigit() and raw.isascii() and len(raw) <= 15:
        return int(raw)
    text = _text(raw).replace(" ", "")
    if not _INTEGER.fullmatch(text):
        raise Invalid(message("integer_invalid"))
    return int(text)


def clean_decimal(raw: Any) -> Decimal | int:
    if isinstance(raw, bool):
        raise Invalid(message("decimal_invalid"))
    if isinstance(raw, int | Decimal):
        return raw
    if isinstance(raw, float):
        return Decimal(str(raw))
    text = _text(raw).replace(" ", "").replace(",", ".")
    if not _DECIMAL.fullmatch(text):
        raise Invalid(message("decimal_invalid"))
    try:
        return Decimal(text)
    except InvalidOperation:
        raise Invalid(message("decimal_invalid")) from None


def clean_date(raw: Any) -> date:
    if isinstance(raw, date):
        return raw
    text = _text(raw)
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise Invalid(message("date_invalid")) from None
    try:
        if _ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
        match = _DUTCH_DATE.fullmatch(text)
        if match:
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    except ValueError:
        pass
    raise Invalid(message("date_invalid"))


_YES = {"true", "yes", "ja", "1", "on"}
_NO = {"false", "no", "nee", "0", "off"}


_YESNO = {**dict.fromkeys(_YES, True), **dict.fromkeys(_NO, False)}


def clean_yesno(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    answer = _YESNO.get(raw) if type(raw) is str else None
    if answer is None:
        answer = _YESNO.get(_text(raw).lower())
    if answer is None:
        raise Invalid(message("yesno_invalid"))
    return answer


def clean_choice(raw: Any) -> str:
    if type(raw) is str:
        return raw.strip()
    if isinstance(raw, bool):
        raise Invalid(message("choice_invalid"))
    return _text(raw)


def clean_multichoice(raw: Any) -> list[str]:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list | tuple):
        raise Invalid(message("choice_invalid"))
    result: list[str] = []
    for item in raw:
        if is_blank(item):
            continue
        text = _text(item)
        if text not in result:
            result.append(text)
    return result


def clean_file(raw: Any) -> dict[str, Any] | list[dict[str, Any]]:
    """A file answer is the metadata the runtime stored: name, media_type, size (bytes), id."""

    def one(item: Any) -> dict[str, Any]:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise Invalid(message("file_invalid"))
        size = item.get("size", 0)
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise Invalid(message("file_invalid"))
        return dict(item)

    if isinstance(raw, list):
        return [one(item) for item in raw]
    return one(raw)


@dataclass(frozen=True)
class FieldType:
    name: str
    value_type: ExprType
    clean: Callable[[Any], Any] | None  # None: no input (note, calculated, group)


FIELD_TYPES: dict[str, FieldType] = {
    "text": FieldType("text", STRING, clean_text),
    "textarea": FieldType("textarea", STRING, clean_text),
    "email": FieldType("email", STRING, clean_email),
    "phone": FieldType("phone", STRING, clean_phone),
    "postcode": FieldType("postcode", STRING, clean_postcode),
    "bsn": FieldType("bsn", STRING, clean_bsn),
    "onderwijsnummer": FieldType("onderwijsnummer", STRING, clean_onderwijsnummer),
    "brin": FieldType("brin", STRING, clean_brin),
    "brin_vestiging": FieldType("brin_vestiging", STRING, clean_brin_vestiging),
    "integer": FieldType("integer", NUMBER, clean_integer),
    "decimal": FieldType("decimal", NUMBER, clean_decimal),
    "date": FieldType("date", DATE, clean_date),
    "yesno": FieldType("yesno", BOOLEAN, clean_yesno),
    "choice": FieldType("choice", STRING, clean_choice),
    "multichoice": FieldType("multichoice", list_of(STRING), clean_multichoice),
    "file": FieldType("file", FILE, clean_file),
    "note": FieldType("note", NONE, None),
    "calculated": FieldType("calculated", NONE, None),  # typed from its expression
    "group": FieldType("group", REPEAT, None),
}

MEDIA_TYPES = {
    "application/pdf": ("pdf",),
    "image/jpeg": ("jpg", "jpeg"),
    "image/png": ("png",),
    "text/plain": ("txt",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("docx",),
    "application/vnd.oasis.opendocument.text": ("odt",),
    "application/zip": ("zip",),
}


def media_type_names(accept: list[str]) -> str:
    """Allowed media types as a person knows them: ``PDF, JPG, PNG``."""
    return ", ".join(MEDIA_TYPES.get(m, (m,))[0].upper() for m in accept)

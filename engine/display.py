"""Values and texts in a message, as an author writes them in YAML, shortened when long.

A message for a consultant shows an answer as it would be written in a definition or scenario
file (``6``, ``2027-01-15``, ``"text"``, ``[a, b]``, ``{x: 1}``), never as Python would print it
(``Decimal('6')``), and on one line: a long list shows its first :data:`MAX_ITEMS` items and how
many more there are, a long text its first characters and its length.

* :func:`show_value`: an answer (``blank`` for no answer, a text always quoted);
* :func:`show_yaml`: a value as YAML writes it (a text unquoted where YAML allows);
* :func:`show_text`: a text, quoted, shortened with its length when long;
* :func:`shorten`: a text on one line, cut with an ellipsis when long.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

MAX_ITEMS = 8  # items of a list or mapping shown before "… and N more"
MAX_TEXT = 60  # a longer text is shortened to this many characters, its quotes included

_YAML_SPECIAL_START = set("-?:,[]{}#&*!|>'\"%@` ")
_YAML_NOT_TEXT = re.compile(
    r"[-+]?(\d[\d_]*)?(\.\d*)?([eE][-+]?\d+)?|0x[0-9a-fA-F]+|0o[0-7]+|[-+]?\.(inf|Inf|INF)"
    r"|\.(nan|NaN|NAN)|true|false|True|False|TRUE|FALSE|null|Null|NULL|~|\d{4}-\d\d?-\d\d?.*"
)


def shorten(text: str, limit: int = 40) -> str:
    """``text`` on one line (each run of white space one space), at most ``limit`` characters:
    a longer one is cut and ends in an ellipsis (``Een lange tek…``)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def show_text(text: str, limit: int = MAX_TEXT) -> str:
    """``text`` in double quotes; one longer than ``limit`` shortened, with its length
    (``"Een lange tek…" (5000 characters)``)."""
    if len(text) > limit:
        cut = json.dumps(shorten(text, limit - 2), ensure_ascii=False)
        return f"{cut} ({len(text)} characters)"
    return json.dumps(text, ensure_ascii=False)


def show_value(value: Any, *, items: int = MAX_ITEMS, limit: int = MAX_TEXT) -> str:
    """An answer as an author writes it in YAML: ``blank`` for no answer, a text in quotes,
    anything else as :func:`show_yaml` shows it."""
    if value is None:
        return "blank"
    if isinstance(value, str):
        return show_text(value, limit)
    return show_yaml(value, items=items, limit=limit)


def show_yaml(value: Any, *, items: int = MAX_ITEMS, limit: int = MAX_TEXT) -> str:
    """``value`` in YAML's flow style (``[a, "true", null]``, ``{naam: Jan}``): a text quoted
    only where YAML would read it as something else; lists and mappings show at most ``items``
    items, texts at most ``limit`` characters."""
    return _Shown(items, limit).yaml(value)


class _Shown:
    def __init__(self, items: int, limit: int) -> None:
        self.items = items
        self.limit = limit

    def yaml(self, value: Any) -> str:
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, Decimal):
            return format(value, "f")
        if isinstance(value, int | float):
            return repr(value)
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, str):
            return self.plain(value)
        if isinstance(value, Mapping):
            shown = [
                f"{self.plain(str(k))}: {self.yaml(v)}"
                for k, v in list(value.items())[: self.items]
            ]
            return "{" + ", ".join(self.more(shown, len(value))) + "}"
        if isinstance(value, list | tuple | set | frozenset):
            values = sorted(value, key=str) if isinstance(value, set | frozenset) else list(value)
            shown = [self.yaml(v) for v in values[: self.items]]
            return "[" + ", ".join(self.more(shown, len(values))) + "]"
        return self.plain(str(value))

    def plain(self, text: str) -> str:
        """``text`` unquoted when YAML reads it back as this text, else quoted."""
        if len(text) > self.limit:
            return show_text(text, self.limit)
        safe = (
            text
            and text[0] not in _YAML_SPECIAL_START
            and text[-1] not in " :"
            and not any(c in text for c in ',[]{}#\n\t"')
            and ": " not in text
            and not _YAML_NOT_TEXT.fullmatch(text)
        )
        return text if safe else show_text(text, self.limit)

    @staticmethod
    def more(shown: list[str], total: int) -> list[str]:
        if total > len(shown):
            shown.append(f"… and {total - len(shown)} more")
        return shown

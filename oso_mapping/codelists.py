"""The OSO 2019.1 code lists: which elements hold a code, and the codes they allow.

Read from ``codelists_OSO_2019.1_from_validation_xslt.csv`` in the reference data (settings.py),
which lists, per code list, the element it applies to (as an XPath ending in ``od:parent/od:name``)
and its allowed values. Without the reference data no element is known to hold a code.
"""

from __future__ import annotations

import csv
from functools import lru_cache

from .settings import CODELISTS_FILE, oso_dir


@lru_cache(maxsize=1)
def _code_lists() -> dict[str, tuple[str, ...]]:
    folder = oso_dir()
    source = folder / CODELISTS_FILE if folder else None
    if source is None or not source.is_file():
        return {}
    lists: dict[str, tuple[str, ...]] = {}
    with source.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            steps = [s.removeprefix("od:") for s in row["xpath_in_dossier"].split("/") if s]
            steps = [s for s in steps if s and not s.startswith("descendant::")]
            values = tuple(v.strip() for v in row["allowed_values"].split(",") if v.strip())
            if len(steps) >= 2 and values:
                lists["/".join(steps[-2:])] = values
    return lists


def code_list(path: str) -> tuple[str, ...] | None:
    """The codes an element allows (by its path without positions), or None when it holds
    free text (or the reference data is absent)."""
    steps = path.strip("/").split("/")
    return _code_lists().get("/".join(steps[-2:])) if len(steps) >= 2 else None

"""What every table written to a file shares (CSV, XLSX): a cell a spreadsheet does not run as
a formula (CSV injection, OWASP)."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """``text`` as a cell a spreadsheet shows as text, never runs."""
    return "'" + text if text[:1] in FORMULA_STARTS else text

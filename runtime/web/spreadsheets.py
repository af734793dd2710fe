"""What every download of a table shares: a cell that a spreadsheet does not run as a formula
(CSV injection, OWASP), and the headers of a private attachment."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """``text`` as a cell a spreadsheet shows as text, never runs."""
    return "'" + text if text[:1] in FORMULA_STARTS else text


def attachment_headers(filename: str) -> dict[str, str]:
    """The headers of a download of pupil data: an attachment, never cached or sniffed."""
    return {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
        "Referrer-Policy": "no-referrer",
    }

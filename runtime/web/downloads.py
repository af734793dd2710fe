"""What every download of pupil data or its figures shares: the headers of a private
attachment."""

from __future__ import annotations


def attachment_headers(filename: str) -> dict[str, str]:
    """The headers of a download: an attachment, never cached or sniffed, no referrer."""
    return {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
        "Referrer-Policy": "no-referrer",
    }

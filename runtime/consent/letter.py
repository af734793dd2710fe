"""The aanmeldcode letter for the parents, rendered when asked (renderers/pdf.py): it shows
the code, which is not stored, so the letter is not stored either."""

from __future__ import annotations

from datetime import datetime

from renderers.pdf import CodeLetterInfo, render_code_letter_pdf

from ..clock import dutch_date


def render(
    language: str, *, code: str, expires_on: datetime, child: str, school: str, now: datetime
) -> bytes:
    return render_code_letter_pdf(
        CodeLetterInfo(
            code=code,
            pupil=child,
            school=school,
            expires_on=dutch_date(expires_on),
            issued_at=now,
            language=language,
        )
    )

"""The aanmeldcode letter for the parents, rendered when asked (renderers/pdf.py), in a PDF
worker like every PDF POPO makes: it shows the code, which is not stored, so the letter is not
stored either."""

from __future__ import annotations

from datetime import datetime

from renderers.pdf import CodeLetterInfo, render_code_letter_pdf

from ..clock import dutch_date
from ..forms.archive import in_worker
from ..state import AppState


def info(
    language: str, *, code: str, expires_on: datetime, child: str, school: str, now: datetime
) -> CodeLetterInfo:
    return CodeLetterInfo(
        code=code,
        pupil=child,
        school=school,
        expires_on=dutch_date(expires_on),
        issued_at=now,
        language=language,
    )


def render(popo: AppState, letter: CodeLetterInfo) -> bytes:
    """The letter as PDF/A, made by a PDF worker (called from a handler's thread)."""
    return in_worker(popo, render_code_letter_pdf, letter)

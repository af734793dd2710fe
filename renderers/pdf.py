"""A submission as an archival PDF/A-3b: the answers as text, and as JSON inside the file.

The JSON attachment (``answers.json``) and the metadata (form id, version, definition hash)
let a machine read the archive years later; the text lets a person read it. WeasyPrint does
the layout; this module knows no database and runs in a worker process.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from weasyprint import HTML, Attachment

from engine.compiler import CompiledForm
from engine.evaluate import FormState

from . import i18n
from .html import FormView, environment


@dataclass(frozen=True)
class ArchiveInfo:
    submission_id: str
    submitted_at: datetime
    organisation: str
    form_id: str
    version: int
    definition_hash: str
    language: str


def document_html(form: CompiledForm, state: FormState, info: ArchiveInfo) -> str:
    """The HTML of the archive document (also used to compare against raw WeasyPrint)."""
    view = FormView(form, state, info.language)
    env = environment(info.language)
    return env.get_template("document.html").render(
        form_title=view.t(form.definition.title),
        answers=view.answers(),
        info=info,
        language_url=lambda code: "",
    )


def render_pdf(html: str, answers: dict[str, Any], info: ArchiveInfo) -> bytes:
    """Render the document as PDF/A-3b with the answers attached as JSON."""
    payload = json.dumps(
        {
            "form": info.form_id,
            "version": info.version,
            "definition_sha256": info.definition_hash,
            "submission": info.submission_id,
            "submitted_at": info.submitted_at.isoformat(),
            "language": info.language,
            "answers": answers,
        },
        ensure_ascii=False,
        indent=2,
        sort_keys=True,
    ).encode("utf-8")
    attachment = Attachment(
        string=payload,
        base_url=None,
        name="answers.json",
        description="POPO answers (JSON)",
        relationship="Data",
    )
    result = HTML(string=html, base_url=None).write_pdf(
        pdf_variant="pdf/a-3b",
        attachments=[attachment],
        custom_metadata=True,
        pdf_identifier=info.submission_id.replace("-", "").encode("ascii")[:32],
    )
    assert result is not None
    return result


def title(form: CompiledForm, language: str) -> str:
    return i18n.gettext(language, "Archive") + ": " + str(form.definition.title)

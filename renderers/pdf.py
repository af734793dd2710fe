"""A submission as an archival PDF/A-3b: the answers as text, and as JSON inside the file.

The JSON attachment (``answers.json``), the files the submission carries (each as an
associated file with its name, media type and the field's label) and the metadata (form id,
version, definition hash) let a machine read the archive years later; the text lets a person
read it. WeasyPrint does the layout; this module knows no database and runs in a worker
process.

Rendering is deterministic: every date in the file is the submission's time and the file
identifier is the submission's id, so the same submission always gives the same bytes (a
missing archive rendered again has the SHA-256 that was recorded the first time).
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from engine.compiler import CompiledForm
from engine.evaluate import FormState, template_of
from engine.messages import localize

from . import i18n
from .html import FormView, environment

# The OSO paths of the pupil's name parts, in the order they are written.
_NAME_PATHS = (
    ("leerling/roepnaam", "leerling/voornaam"),
    ("leerling/voorvoegsel",),
    ("leerling/achternaam",),
)


@dataclass(frozen=True)
class ArchiveInfo:
    submission_id: str
    submitted_at: datetime
    organisation: str
    form_id: str
    version: int
    definition_hash: str
    language: str
    pupil: str = ""

    @property
    def moment(self) -> datetime:
        """The submission time in UTC (a database may hand it back without its zone)."""
        at = self.submitted_at
        return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


@dataclass(frozen=True)
class ArchiveFile:
    """A file the submission carries, embedded in the archive as an associated file."""

    key: str  # the field's instance key
    label: str  # the field's label, the description in the PDF
    name: str
    media_type: str
    size: int
    sha256: str
    data: bytes = b""


def submitted_files(form: CompiledForm, state: FormState, language: str) -> Iterator[ArchiveFile]:
    """The stored files among the answers (without their bytes), in the form's order."""
    for key, value in state.value.items():
        node = form.by_key.get(template_of(key))
        if node is None or node.kind != "file" or not value or not state.visible.get(key, True):
            continue
        label = localize(getattr(node.element, "label", None), language)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict) and item.get("sha256"):
                yield ArchiveFile(
                    key=key,
                    label=label,
                    name=str(item.get("name") or "bestand"),
                    media_type=str(item.get("media_type") or "application/octet-stream"),
                    size=int(item.get("size") or 0),
                    sha256=str(item["sha256"]),
                )


def pupil_name(form: CompiledForm, state: FormState) -> str:
    """The pupil's name as the form holds it (by the fields' OSO paths), else empty."""
    by_path: dict[str, str] = {}
    for node in form.nodes:
        path = str(getattr(node.element, "oso", None) or "")
        value = state.value.get(node.key)
        if path and not node.repeat_path and isinstance(value, str) and value.strip():
            by_path.setdefault("/".join(path.split("/")[-2:]), value.strip())
    parts = []
    for choices in _NAME_PATHS:
        found = next((by_path[p] for p in choices if p in by_path), None)
        if found:
            parts.append(found)
    return " ".join(parts)


def page_counter(language: str) -> str:
    """CSS ``content`` for "page 2 of 5" in the language (the text comes from the catalog)."""
    text = i18n.gettext(language, "page {page} of {pages}")
    out = []
    for piece in text.replace("{pages}", "\0pages\0").replace("{page}", "\0page\0").split("\0"):
        if piece in ("page", "pages"):
            out.append(f"counter({piece})")
        elif piece:
            out.append(css_string(piece))
    return " ".join(out)


def css_string(text: str) -> str:
    escaped = "".join(
        ch if ch.isalnum() or ch in " .,:;-–()/" else f"\\{ord(ch):x} " for ch in text
    )
    return f'"{escaped}"'


def document_html(
    form: CompiledForm,
    state: FormState,
    info: ArchiveInfo,
    files: Sequence[ArchiveFile] = (),
) -> str:
    """The HTML of the archive document (also used to compare against raw WeasyPrint)."""
    view = FormView(form, state, info.language, sent=True)
    env = environment(info.language)
    form_title = view.t(form.definition.title)
    reference = info.submission_id[:8].upper()
    return env.get_template("document.html").render(
        form_title=form_title,
        answers=view.answers(),
        info=info,
        files=files,
        header_title=css_string(form_title),
        header_pupil=css_string(info.pupil),
        footer_reference=css_string(
            f"{i18n.gettext(info.language, 'Submission')} {reference} · "
            f"{i18n.format_datetime(info.moment, info.language)}"
        ),
        page_counter=page_counter(info.language),
        language_url=lambda code: "",
    )


def render_pdf(
    html: str, answers: dict[str, Any], info: ArchiveInfo, files: Sequence[ArchiveFile] = ()
) -> bytes:
    """Render the document as PDF/A-3b with the answers attached as JSON and every file the
    submission carries attached with its own name and media type."""
    # imported here: loading WeasyPrint takes a second, which only the PDF workers should pay
    from weasyprint import HTML, Attachment

    moment = info.moment.replace(tzinfo=None)  # WeasyPrint writes these as UTC
    payload = json.dumps(
        {
            "form": info.form_id,
            "version": info.version,
            "definition_sha256": info.definition_hash,
            "submission": info.submission_id,
            "submitted_at": info.moment.isoformat(),
            "language": info.language,
            "answers": answers,
        },
        ensure_ascii=False,
        indent=2,
        sort_keys=True,
    ).encode("utf-8")
    attachments = [
        Attachment(
            string=payload,
            base_url=None,
            name="answers.json",
            description="POPO answers (JSON)",
            relationship="Data",
            created=moment,
            modified=moment,
        )
    ]
    for item in files:
        attachments.append(
            Attachment(
                # a data: URL carries the media type into the embedded file's /Subtype
                url=f"data:{item.media_type};base64,{base64.b64encode(item.data).decode('ascii')}",
                name=item.name,
                description=item.label,
                relationship="Source",
                created=moment,
                modified=moment,
            )
        )
    result = HTML(string=html, base_url=None).write_pdf(
        pdf_variant="pdf/a-3b",
        attachments=attachments,
        custom_metadata=True,
        pdf_identifier=info.submission_id.replace("-", "").encode("ascii")[:32],
    )
    assert result is not None
    return result


def title(form: CompiledForm, language: str) -> str:
    return i18n.gettext(language, "Archive") + ": " + str(form.definition.title)


@dataclass(frozen=True)
class ProofInfo:
    """What a bewijs van uitschrijving (proof of deregistration) says: the pupil, both schools
    (with their BRIN), the two dates, the transfer's reference and the date of issue."""

    transfer_id: str
    reference: str
    pupil: str
    birth_date: date | None
    sending_school: str
    sending_brin: str
    receiving_school: str
    receiving_brin: str
    enrolled_on: date
    deregistered_on: date
    issued_at: datetime  # the moment the deregistration was recorded
    language: str

    @property
    def moment(self) -> datetime:
        at = self.issued_at
        return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def proof_html(info: ProofInfo) -> str:
    """The HTML of a bewijs van uitschrijving in ``info.language``."""
    env = environment(info.language)
    title = i18n.gettext(info.language, "Proof of deregistration")
    return env.get_template("deregistration_proof.html").render(
        info=info,
        title=title,
        header_title=css_string(title),
        footer_reference=css_string(
            f"{info.reference} · {i18n.format_date(info.moment.date(), info.language)}"
        ),
        page_counter=page_counter(info.language),
        language_url=lambda code: "",
    )


def render_proof_pdf(html: str, info: ProofInfo) -> bytes:
    """The proof as PDF/A-3b, its facts attached as JSON; deterministic like an archive."""
    return render_document_pdf(
        html,
        {
            "kind": "bewijs_van_uitschrijving",
            "transfer": info.transfer_id,
            "reference": info.reference,
            "sending_school_brin": info.sending_brin,
            "receiving_school_brin": info.receiving_brin,
            "enrolled_on": info.enrolled_on.isoformat(),
            "deregistered_on": info.deregistered_on.isoformat(),
            "issued_at": info.moment.isoformat(),
            "language": info.language,
        },
        name="bewijs.json",
        description="POPO proof of deregistration (JSON)",
        identifier=info.transfer_id.replace("-", "") + info.language,
        moment=info.moment,
    )


def render_document_pdf(
    html: str,
    facts: dict[str, Any],
    *,
    name: str,
    description: str,
    identifier: str,
    moment: datetime,
) -> bytes:
    """A document POPO issues (a proof, a letter) as PDF/A-3b with its facts attached as JSON
    (``name``); every date in the file is ``moment``, so the same facts give the same bytes."""
    from weasyprint import HTML, Attachment

    at = moment.astimezone(UTC).replace(tzinfo=None)  # WeasyPrint writes these as UTC
    payload = json.dumps(facts, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
    attachment = Attachment(
        string=payload,
        base_url=None,
        name=name,
        description=description,
        relationship="Data",
        created=at,
        modified=at,
    )
    result = HTML(string=html, base_url=None).write_pdf(
        pdf_variant="pdf/a-3b",
        attachments=[attachment],
        custom_metadata=True,
        pdf_identifier=identifier.encode("ascii")[:32],
    )
    assert result is not None
    return result


@dataclass(frozen=True)
class LetterInfo:
    """A letter to the parents about their child's registration: the extension of the
    decision's term (WPO art. 40 lid 6), with its reason and the new date."""

    letter_id: str  # the timeline event it records
    reference: str
    pupil: str
    school: str
    school_city: str
    received_on: date
    weeks: int
    reason: str
    decision_due: date
    issued_at: datetime
    language: str

    @property
    def moment(self) -> datetime:
        at = self.issued_at
        return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


@dataclass(frozen=True)
class CodeLetterInfo:
    """The letter with an aanmeldcode for the parents: made when it is asked for, never
    stored (the code is not stored either; runtime/consent)."""

    code: str
    pupil: str
    school: str
    expires_on: date
    issued_at: datetime
    language: str
    reference: str = ""

    @property
    def moment(self) -> datetime:
        at = self.issued_at
        return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def code_letter_html(info: CodeLetterInfo) -> str:
    """The HTML of the aanmeldcode letter in ``info.language``."""
    env = environment(info.language)
    title = i18n.gettext(info.language, "Your aanmeldcode")
    return env.get_template("code_letter.html").render(
        info=info,
        title=title,
        header_title=css_string(info.school),
        footer_reference=css_string(i18n.format_date(info.moment.date(), info.language)),
        page_counter=page_counter(info.language),
        language_url=lambda code: "",
    )


def render_code_letter_pdf(info: CodeLetterInfo) -> bytes:
    """The aanmeldcode letter as PDF/A; its facts name no code (the attachment is data a
    machine reads, and the code is for the parents' eyes)."""
    return render_document_pdf(
        code_letter_html(info),
        {
            "kind": "aanmeldcode",
            "expires_on": info.expires_on.isoformat(),
            "issued_at": info.moment.isoformat(),
            "language": info.language,
        },
        name="brief.json",
        description="POPO letter to the parents (JSON)",
        identifier=secrets.token_hex(16) + info.language,
        moment=info.moment,
    )


def letter_html(info: LetterInfo) -> str:
    """The HTML of the extension letter in ``info.language``."""
    env = environment(info.language)
    title = i18n.gettext(info.language, "Extension of the term for the decision on admission")
    return env.get_template("extension_letter.html").render(
        info=info,
        title=title,
        header_title=css_string(info.school),
        footer_reference=css_string(
            f"{info.reference} · {i18n.format_date(info.moment.date(), info.language)}"
        ),
        page_counter=page_counter(info.language),
        language_url=lambda code: "",
    )


def render_letter_pdf(html: str, info: LetterInfo) -> bytes:
    return render_document_pdf(
        html,
        {
            "kind": "verlenging_beslistermijn",
            "reference": info.reference,
            "received_on": info.received_on.isoformat(),
            "weeks": info.weeks,
            "reason": info.reason,
            "decision_due": info.decision_due.isoformat(),
            "issued_at": info.moment.isoformat(),
            "language": info.language,
        },
        name="brief.json",
        description="POPO letter to the parents (JSON)",
        identifier=info.letter_id.replace("-", "") + info.language,
        moment=info.moment,
    )


@dataclass(frozen=True)
class ReportSection:
    """One overview in a periodic report: its chart (SVG, renderers/charts.py) and the table
    behind it, every figure already as a person reads it."""

    title: str
    description: str
    chart: Any  # markupsafe.Markup of an <svg>, or None
    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    totals: Sequence[str]


@dataclass(frozen=True)
class ReportInfo:
    """A periodic monitoring report: for whom, the period, the note on hidden figures, the
    overviews."""

    identifier: str  # the report's id, without dashes
    title: str
    organisation: str
    period: str
    note: str  # why small figures are hidden, or empty
    sections: Sequence[ReportSection]
    made_at: datetime
    language: str

    @property
    def moment(self) -> datetime:
        at = self.made_at
        return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def report_html(info: ReportInfo) -> str:
    env = environment(info.language)
    return env.get_template("monitoring_report.html").render(
        info=info,
        header_title=css_string(info.title),
        footer_reference=css_string(f"{info.organisation} · {info.period}"),
        page_counter=page_counter(info.language),
        language_url=lambda code: "",
    )


def render_report_pdf(html: str, info: ReportInfo) -> bytes:
    """The report as PDF/A-3b, what it covers attached as JSON; deterministic like a proof."""
    return render_document_pdf(
        html,
        {
            "kind": "monitoring_report",
            "organisation": info.organisation,
            "period": info.period,
            "overviews": [section.title for section in info.sections],
            "language": info.language,
        },
        name="rapport.json",
        description="POPO monitoring report (JSON)",
        identifier=info.identifier + info.language,
        moment=info.moment,
    )

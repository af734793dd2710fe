"""OSO exchange on top of the forms service: the database and file-store side of oso_mapping.

An import happens in the caller's transaction: the draft, its answers, its files and the
report of what was not carried are stored together, or (on any error) not at all.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from engine.compiler import CompiledForm
from engine.evaluate import template_of
from engine.messages import localize
from oso_mapping.dossier import MAX_DOSSIER_BYTES, N_, DossierError, read_dossier
from oso_mapping.export import Export, ExportContext, School, export_dossier
from oso_mapping.mapping import ImportResult, Unmapped, import_dossier
from oso_mapping.validate import Validation, validate
from renderers import i18n

from ..forms import answers as answer_paths
from ..forms.models import Draft, Submission
from ..forms.service import FormsService, NotFound
from ..organisations.models import Organisation
from ..storage import Upload

log = logging.getLogger("popo.oso")


# The upload's own request limit: the documented 64 MB of a dossier, plus room for the form's
# other fields and the multipart headers. The application's general limit (POPO_MAX_UPLOAD_MB,
# for attachments) stays for every other route (runtime/oso and runtime/support take dossiers).
UPLOAD_LIMIT = MAX_DOSSIER_BYTES + 1024 * 1024


def package_version() -> str:
    try:
        return version("popo")
    except PackageNotFoundError:  # pragma: no cover - running from a checkout without install
        return "0"


@dataclass
class SubmissionExport:
    submission: Submission
    export: Export
    validation: Validation
    filename: str


class OsoExchange:
    def __init__(self, forms: FormsService) -> None:
        self.forms = forms
        self.session = forms.session

    # -------------------------------------------------------------------- import

    def start_from_dossier(
        self,
        form_id: str,
        data: bytes,
        filename: str,
        language: str,
        organisation_id: uuid.UUID | None,
        *,
        pupil_id: uuid.UUID | None = None,
        transfer_id: uuid.UUID | None = None,
        prefill: Mapping[str, Any] | None = None,
    ) -> tuple[Draft, ImportResult]:
        """A new draft of ``form_id`` filled from the dossier; for a pupil (and a transfer),
        linked to them, what the dossier does not answer begun with ``prefill`` (what POPO
        holds of the pupil). DossierError when the file is refused; then nothing is stored."""
        entry = self.forms.registry.latest(form_id)
        if entry is None or not entry.published or not entry.imports_oso:
            raise NotFound(form_id)
        result = import_dossier(read_dossier(data), entry.form)
        draft = self.forms.start(
            form_id,
            language,
            organisation_id,
            pupil_id=pupil_id,
            transfer_id=transfer_id,
            prefill=prefill,
        )
        answers = {**draft.answers, **result.answers}
        unmapped = list(result.unmapped)
        for item in result.files:
            node = entry.form.by_key[template_of(item.key)]
            meta = self.forms.store_upload(
                draft, item.key, Upload(item.file.name, item.file.data), node
            )
            if "id" in meta:
                answer_paths.set_answer(answers, item.key, meta)
            else:
                unmapped.append(
                    Unmapped(
                        (result.carried.pop(item.key, None) or [item.key])[-1],  # its name
                        item.file.name,
                        0,
                        N_(
                            "the form does not accept this file ({media_type}, {size} bytes); "
                            "it stays in the original dossier"
                        ),
                        {"media_type": meta["media_type"], "size": meta["size"]},
                    )
                )
        source = self.forms.files.put(data)
        draft.oso_import = {
            "filename": filename[:200],
            "sha256": source,
            "standard_version": result.dossier.standard_version,
            "sender": " ".join(
                v
                for v in (
                    result.dossier.value("metadata/pakketnaam"),
                    result.dossier.value("metadata/pakketversie"),
                )
                if v
            ),
            "created": result.dossier.value("metadata/datum"),
            "imported_at": self.forms.clock.now().isoformat(timespec="seconds"),
            "carried": _count_values(answers),
            # questions the import answered so that imported answers show (mapping.py)
            "answered": [{"key": key, "value": answers.get(key)} for key in result.inferred],
            "unmapped": [
                {
                    "path": u.path,
                    "value": u.value,
                    "line": u.line,
                    "reason": u.reason,
                    "params": u.params,
                }
                for u in unmapped
            ],
        }
        self.forms.save(draft, entry, self.forms.state(draft, entry), answers)
        return draft, result

    # -------------------------------------------------------------------- export

    def export_submission(
        self, submission: Submission, today: date | None = None
    ) -> SubmissionExport:
        entry = self.forms.registry.get(submission.form_id, submission.form_version)
        if entry is None or not entry.exports_oso:
            raise NotFound(str(submission.id))
        school = (
            self.session.get(Organisation, submission.organisation_id)
            if submission.organisation_id
            else None
        )
        context = ExportContext(
            package_version(),
            today or self.forms.today(),
            _school(school),
            read_file=self._read_file,
        )
        export = export_dossier(entry.form, submission.answers, context)
        if export.not_exported:  # a definition maps elements the exporter does not write
            log.warning(
                "OSO elements not exported",
                extra={"form": submission.form_id, "paths": export.not_exported},
            )
        return SubmissionExport(
            submission,
            export,
            validate(export.xml),
            f"oso-{submission.form_id}-{str(submission.id)[:8]}.xml",
        )

    def _read_file(self, meta: dict[str, Any]) -> bytes | None:
        digest = meta.get("sha256")
        if not isinstance(digest, str) or not self.forms.files.exists(digest):
            return None
        return self.forms.files.get(digest)


def answered_text(form: CompiledForm, item: Any, language: str) -> str:
    """A question the import answered, with its answer, as the report lists it (in the
    reader's language; a report stored before answers were kept as keys holds the text)."""
    if not isinstance(item, dict):
        return str(item)
    node = form.by_key.get(item.get("key", ""))
    if node is None:
        return str(item.get("key"))
    value = item.get("value")
    if node.kind == "yesno":
        shown = i18n.gettext(language, "Yes") if value == "true" else i18n.gettext(language, "No")
    else:
        choice = next((c for c in node.choices if c.value == value), None)
        shown = localize(choice.label, language) if choice else str(value)
    return f"{localize(node.element.label, language)}: {shown}"


def _school(organisation: Organisation | None) -> School:
    if organisation is None or organisation.kind != "school":
        return School()
    code = organisation.code or ""
    return School(
        name=organisation.name,
        brin=code[:4] or None,
        location=code[4:6] or None,
        street=organisation.street,
        house_number=organisation.house_number,
        postcode=organisation.postcode,
        city=organisation.city,
        municipality=organisation.municipality,
        phone=organisation.phone,
        website=organisation.website,
    )


def _count_values(answers: Any) -> int:
    if isinstance(answers, dict):
        return sum(_count_values(v) for v in answers.values())
    if isinstance(answers, list):
        return (
            sum(_count_values(v) for v in answers)
            if answers and isinstance(answers[0], dict)
            else 1
        )
    return 0 if answers in (None, "") else 1


__all__ = ["DossierError", "OsoExchange", "SubmissionExport"]

"""The bewijs van uitschrijving (proof of deregistration) of a transfer: a PDF/A made by a
background job when the deregistration is recorded, one per language (Dutch, English), stored
content-addressed in the archive store and named on the timeline by a TransferEvent
(``deregistration_proof``, subject ``<language>:<sha256>``). Its facts are the transfer's at the
moment of deregistration and its date of issue is that moment, so a lost PDF rendered again
has the same bytes."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from renderers.pdf import ProofInfo, proof_html, render_proof_pdf

from .. import jobs
from ..forms.archive import in_worker
from ..organisations.models import Organisation
from ..pupils.models import Pupil
from ..state import AppState
from .models import Transfer, TransferEvent

KIND = "deregistration_proof"
LANGUAGES = ("nl", "en")
TASK = "render_deregistration_proof"


def queue(session: Session, transfer: Transfer) -> bool:
    """Queue the job in the session's transaction, unless it is pending already."""
    return jobs.defer_once(session, TASK, transfer_id=str(transfer.id))


def stored(session: Session, transfer_id: uuid.UUID) -> dict[str, str]:
    """The digest of each language's proof recorded for the transfer."""
    found: dict[str, str] = {}
    for subject in session.scalars(
        select(TransferEvent.subject).where(
            TransferEvent.transfer_id == transfer_id, TransferEvent.kind == KIND
        )
    ):
        language, _, digest = (subject or "").partition(":")
        found.setdefault(language, digest)
    return found


def ready(popo: AppState, session: Session, transfer_id: uuid.UUID, language: str) -> str | None:
    """The digest of the proof in ``language`` (else Dutch) if it is in the store."""
    found = stored(session, transfer_id)
    digest = found.get(language) or found.get("nl")
    return digest if digest and popo.archive.exists(digest) else None


def _info(session: Session, transfer: Transfer, language: str) -> ProofInfo | None:
    if transfer.enrolled_on is None or transfer.deregistered_on is None:
        return None
    recorded = session.scalar(
        select(TransferEvent)
        .where(TransferEvent.transfer_id == transfer.id, TransferEvent.kind == "deregistered")
        .order_by(TransferEvent.id.desc())
        .limit(1)
    )
    pupil = session.get(Pupil, transfer.pupil_id)
    sending = (
        session.get(Organisation, transfer.sending_school_id)
        if transfer.sending_school_id
        else None
    )
    receiving = (
        session.get(Organisation, transfer.receiving_school_id)
        if transfer.receiving_school_id
        else None
    )
    if recorded is None or pupil is None:
        return None
    name = " ".join(p for p in (pupil.voornamen, pupil.tussenvoegsel, pupil.achternaam) if p)
    return ProofInfo(
        transfer_id=str(transfer.id),
        reference=transfer.reference,
        pupil=name,
        birth_date=pupil.geboortedatum,
        sending_school=sending.name if sending else "",
        sending_brin=sending.code if sending else "",
        receiving_school=receiving.name if receiving else "",
        receiving_brin=receiving.code if receiving else "",
        enrolled_on=transfer.enrolled_on,
        deregistered_on=transfer.deregistered_on,
        issued_at=recorded.at,
        language=language,
    )


def render(popo: AppState, transfer_id: uuid.UUID) -> dict[str, str]:
    """The job: render the proof in each language that is not in the store yet, store it and
    record it once. The digests by language."""
    with popo.db.session() as session:
        transfer = session.get(Transfer, transfer_id)
        if transfer is None:
            return {}
        known = stored(session, transfer_id)
        wanted = {
            language: _info(session, transfer, language)
            for language in LANGUAGES
            if not (known.get(language) and popo.archive.exists(known[language]))
        }
    done = dict(known)
    for language, info in wanted.items():
        if info is None:
            continue
        pdf = in_worker(popo, render_proof_pdf, proof_html(info), info)
        digest = popo.archive.put(pdf)
        done[language] = digest
        if language in known:
            continue  # recorded before; the file was lost and is back with the same bytes
        with popo.db.session() as session:
            session.add(
                TransferEvent(
                    transfer_id=transfer_id,
                    kind=KIND,
                    subject=f"{language}:{digest}",
                    actor_id=None,
                    actor_name="POPO",
                    party=None,
                    role=None,
                    organisation_id=None,
                    on=info.moment.date(),
                    at=popo.db.clock.now(),
                    visible_to="sending_school,receiving_school",
                    detail=None,
                )
            )
    return done

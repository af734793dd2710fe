"""The letters to the parents about their child's registration: the extension of the term for
the decision (WPO art. 40 lid 6: the parents are told in writing, with the reason and the new
date). A letter is a PDF/A made by a background job in Dutch and English, stored
content-addressed in the archive store and named on the timeline by a TransferEvent
(``extension_letter``, subject ``<event id>:<language>:<sha256>``); its facts and its date are
the extension's, so a lost letter rendered again has the same bytes. The parents download it
on their link's page, the school on the transfer's page."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from renderers.pdf import LetterInfo, letter_html, render_letter_pdf

from .. import jobs
from ..definitions import Registry
from ..forms.archive import in_worker
from ..jobs.spec import task
from ..organisations.models import Organisation
from ..pupils.models import Pupil
from ..state import AppState
from ..transfers.models import Transfer, TransferEvent

KIND = "extension_letter"
LANGUAGES = ("nl", "en")
TASK = "render_extension_letter"


def queue(session: Session, transfer: Transfer, extension: TransferEvent) -> bool:
    return jobs.defer_once(session, TASK, event_id=extension.id)


def stored(session: Session, transfer_id: object) -> dict[tuple[int, str], str]:
    """The digest of each letter (by its extension event and language) of the transfer."""
    found: dict[tuple[int, str], str] = {}
    for subject in session.scalars(
        select(TransferEvent.subject).where(
            TransferEvent.transfer_id == transfer_id, TransferEvent.kind == KIND
        )
    ):
        event, language, digest = (subject or "::").split(":", 2)
        if event.isdigit():
            found.setdefault((int(event), language), digest)
    return found


def letters(session: Session, transfer: Transfer) -> list[TransferEvent]:
    """The extensions of the transfer that have a letter, oldest first."""
    return list(
        session.scalars(
            select(TransferEvent)
            .where(TransferEvent.transfer_id == transfer.id, TransferEvent.kind == "extended")
            .order_by(TransferEvent.id)
        )
    )


def ready(
    popo: AppState, session: Session, transfer: Transfer, event_id: int, language: str
) -> str | None:
    found = stored(session, transfer.id)
    digest = found.get((event_id, language)) or found.get((event_id, "nl"))
    return digest if digest and popo.archive.exists(digest) else None


def _info(
    session: Session, registry: Registry, extension: TransferEvent, language: str
) -> LetterInfo | None:
    from .models import Admission
    from .service import AdmissionService

    transfer = session.get(Transfer, extension.transfer_id)
    if transfer is None:
        return None
    admission = session.scalar(
        select(Admission).where(
            Admission.transfer_id == transfer.id,
            Admission.school_id == extension.organisation_id,
        )
    )
    pupil = session.get(Pupil, transfer.pupil_id)
    school = session.get(Organisation, extension.organisation_id)
    if admission is None or admission.received_on is None or pupil is None or school is None:
        return None
    # the decision date as it stood right after this extension: the events up to it
    service = AdmissionService(session, registry)
    events = [
        e
        for e in service.events(transfer, admission)
        if e.kind != "decided" and (e.kind != "extended" or e.on <= extension.on)
    ]
    due = service.derive(transfer, admission, events).decision_due or admission.decision_due_on
    name = " ".join(
        p for p in (pupil.roepnaam or pupil.voornamen, pupil.tussenvoegsel, pupil.achternaam) if p
    )
    return LetterInfo(
        letter_id=f"{transfer.id}-{extension.id}",
        reference=transfer.reference,
        pupil=name,
        school=school.name,
        school_city=school.city or "",
        received_on=admission.received_on,
        weeks=int(extension.subject or 0),
        reason=extension.detail or "",
        decision_due=due or admission.received_on,
        issued_at=extension.at,
        language=language,
    )


def render(popo: AppState, event_id: int) -> dict[str, str]:
    """The job: render the letter of one extension in each language not in the store yet."""
    with popo.db.session() as session:
        extension = session.get(TransferEvent, event_id)
        if extension is None or extension.kind != "extended":
            return {}
        known = stored(session, extension.transfer_id)
        wanted = {
            language: _info(session, popo.registry, extension, language)
            for language in LANGUAGES
            if not ((digest := known.get((event_id, language))) and popo.archive.exists(digest))
        }
        transfer_id, on, school = extension.transfer_id, extension.on, extension.organisation_id
    done: dict[str, str] = {}
    for language, info in wanted.items():
        if info is None:
            continue
        digest = popo.archive.put(in_worker(popo, render_letter_pdf, letter_html(info), info))
        done[language] = digest
        if (event_id, language) in known:
            continue
        with popo.db.session() as session:
            session.add(
                TransferEvent(
                    transfer_id=transfer_id,
                    kind=KIND,
                    subject=f"{event_id}:{language}:{digest}",
                    actor_id=None,
                    actor_name="POPO",
                    party=None,
                    role=None,
                    organisation_id=school,
                    on=on,
                    at=popo.db.clock.now(),
                    visible_to="receiving_school,parents",
                    detail=None,
                )
            )
    return done


@task(TASK, queue="pdf", attempts=5, delay=10, backoff=3)
def render_extension_letter(state: AppState, event_id: int) -> None:
    render(state, int(event_id))

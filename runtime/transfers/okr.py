"""The hand-over of the onderwijskundig rapport (OKR) of a transfer.

The sending school fills the OKR for the transfer (prefilled from the pupil, or from an OSO
dossier), sends it and marks it ready for the new school (klaarzetten: TransferEvent
``okr_ready``, only once it is sent). The parents add their view (``parents_view``, recorded
elsewhere); the page warns the sending school while they have not. The receiving school may
open the sent OKR (its page, its PDF and its OSO export) only once the pupil is enrolled there
(``Transfer.enrolled_on`` set) and the OKR is klaargezet: the one grant of a transfer's form to
the other school, registered with forms (forms/service.on_grant) so forms knows no transfers.
Before that it is told that the OKR exists and when it will be available. Every grant is
audited by forms; the first retrieval by each person is on the timeline (``okr_retrieved``)
for both schools and the parents.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from renderers import i18n

from ..access.scope import WRITING_ROLES
from ..clock import clock_of
from ..forms.models import Draft, Submission
from ..forms.service import NotYet
from .models import Transfer, TransferEvent

OKR_PREFIX = "onderwijskundig-rapport"  # the OKR's form id, and its regional variants'
EVERYONE = ("sending_school", "receiving_school", "parents")

NOT_YET_TITLE = {
    "nl": "Het onderwijskundig rapport is er nog niet voor u",
    "en": "The educational report is not available to you yet",
}
NOT_YET = {
    "nl": "De vorige school heeft het onderwijskundig rapport voor overstap {reference} "
    "opgesteld. U kunt het openen zodra de leerling bij uw school is ingeschreven en de "
    "vorige school het heeft klaargezet. Nu: {now}",
    "en": "The previous school has written the educational report for transfer {reference}. "
    "You can open it once the pupil is enrolled at your school and the previous school has "
    "made it ready. Now: {now}",
}
_STATE = {
    ("no", "no"): {
        "nl": "de inschrijving is nog niet vastgelegd en het rapport is nog niet klaargezet.",
        "en": "the enrolment has not been recorded and the report has not been made ready.",
    },
    ("yes", "no"): {
        "nl": "ingeschreven per {enrolled}; het rapport is nog niet klaargezet.",
        "en": "enrolled on {enrolled}; the report has not been made ready yet.",
    },
    ("no", "yes"): {
        "nl": "het rapport is klaargezet; de inschrijving is nog niet vastgelegd.",
        "en": "the report is ready; the enrolment has not been recorded yet.",
    },
}


def is_okr(form_id: str) -> bool:
    return form_id.startswith(OKR_PREFIX)


def sent(session: Session, transfer: Transfer) -> Submission | None:
    """The OKR sent for the transfer (the latest), if any."""
    return session.scalar(
        select(Submission)
        .where(Submission.transfer_id == transfer.id, Submission.form_id.startswith(OKR_PREFIX))
        .order_by(Submission.submitted_at.desc(), Submission.id.desc())
        .limit(1)
    )


def event(session: Session, transfer: Transfer, kind: str) -> TransferEvent | None:
    return session.scalar(
        select(TransferEvent)
        .where(TransferEvent.transfer_id == transfer.id, TransferEvent.kind == kind)
        .order_by(TransferEvent.id)
        .limit(1)
    )


def retrievals(session: Session, transfer: Transfer) -> list[TransferEvent]:
    return list(
        session.scalars(
            select(TransferEvent)
            .where(TransferEvent.transfer_id == transfer.id, TransferEvent.kind == "okr_retrieved")
            .order_by(TransferEvent.id)
        )
    )


def ready(session: Session, transfer: Transfer, report: Submission) -> TransferEvent | None:
    """The klaarzetten of this version of the OKR (a corrected report is made ready anew)."""
    return session.scalar(
        select(TransferEvent)
        .where(
            TransferEvent.transfer_id == transfer.id,
            TransferEvent.kind == "okr_ready",
            TransferEvent.subject == str(report.id),
        )
        .limit(1)
    )


def available(session: Session, transfer: Transfer, report: Submission) -> bool:
    """Whether the new school may open this OKR: the pupil is enrolled there (from the
    enrolment's first day on), and this version was klaargezet."""
    enrolled = transfer.enrolled_on
    return (
        enrolled is not None
        and enrolled <= clock_of(session).today()
        and ready(session, transfer, report) is not None
    )


def grant(session: Session, who: Any, draft: Draft, purpose: str) -> bool:
    """forms' grant hook: the new school's staff reading the transfer's sent OKR."""
    if draft.transfer_id is None or not is_okr(draft.form_id):
        return False
    transfer = session.get(Transfer, draft.transfer_id)
    if transfer is None or transfer.receiving_school_id is None:
        return False
    roles = [r for r in who.roles if r.organisation_id == transfer.receiving_school_id]
    if not roles:
        return False
    report = session.scalar(select(Submission).where(Submission.draft_id == draft.id))
    if report is None:
        return False
    if not available(session, transfer, report):
        made_ready = ready(session, transfer, report) is not None
        started = (
            transfer.enrolled_on is not None and transfer.enrolled_on <= clock_of(session).today()
        )
        key = ("yes" if started else "no", "yes" if made_ready else "no")
        enrolled = transfer.enrolled_on

        def now(language: str) -> str:
            text = _STATE[key][language if language in ("nl", "en") else "nl"]
            return text.format(enrolled=i18n.format_date(enrolled, language))

        raise _NotYet(transfer.reference, now)
    already = session.scalar(
        select(TransferEvent.id).where(
            TransferEvent.transfer_id == transfer.id,
            TransferEvent.kind == "okr_retrieved",
            TransferEvent.actor_id == who.user_id,
        )
    )
    if already is None:
        clock = clock_of(session)
        session.add(
            TransferEvent(
                transfer_id=transfer.id,
                kind="okr_retrieved",
                subject=draft.form_id[:100],
                actor_id=who.user_id,
                actor_name=who.name[:200],
                party="receiving_school",
                role=roles[0].role,
                organisation_id=transfer.receiving_school_id,
                on=clock.today(),
                at=clock.now(),
                visible_to=",".join(EVERYONE),
                detail=None,
            )
        )
        session.flush()
    return True


class _NotYet(NotYet):
    def __init__(self, reference: str, now: Any) -> None:
        self.now = now
        super().__init__(NOT_YET_TITLE, NOT_YET, reference=reference)

    def text(self, language: str) -> str:
        template = NOT_YET.get(language, NOT_YET["nl"])
        return template.format(reference=self.params["reference"], now=self.now(language))


def number_grant(session: Session, pupil: Any, who: Any) -> bool:
    """The previous school sees its former pupil's number in full until the transfer is
    closed: it still writes the OKR after the pupil is enrolled elsewhere (pupils.service
    on_number_grant)."""
    schools = [
        role.organisation_id
        for role in who.roles
        if role.role in WRITING_ROLES and role.organisation_id is not None
    ]
    if not schools:
        return False
    found = session.scalar(
        select(Transfer.id)
        .where(
            Transfer.pupil_id == pupil.id,
            Transfer.sending_school_id.in_(schools),
            Transfer.closed_at.is_(None),
        )
        .limit(1)
    )
    return found is not None

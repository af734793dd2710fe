"""A registration at the schools of the parents' list, under WPO art. 40, on a Session (no web).

A transfer whose procedure has an ``admission:`` block is a registration: the parents list
schools in order of preference (``TransferChoice``), and each becomes an :class:`Admission`.
The first is active from the receipt (the step that ``records: receipt``); the others wait.
The active school may ask the parents for information (its term stands still), record that it
came, extend its term once, and decide (the steps that record ``admission``, ``refusal``,
``not_handled``). A refusal, or a decision not to handle the registration, passes it to the
next school on the list (the step that ``records: next_school``, taken here), with the history
kept and the parents told; when no school is left the registration is closed.

The legal dates are never a timer: each school's :mod:`.clock` is derived from its events (its
receipt and decision on its row, the requests and the extension on the transfer's timeline
with the school as their organisation) whenever something happens, and stored on the row for
the register and the alert sweep (:mod:`.alerts`). Who holds the zorgplicht on each day follows
from the same history (:mod:`.duty`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.procedures.compile import CompiledProcedure
from renderers import i18n

from ..clock import clock_of
from ..definitions import Registry
from ..organisations.models import Organisation
from ..pupils.models import Pupil
from ..statuses.workflow import TransitionRefused
from ..transfers.models import Transfer, TransferEvent
from ..transfers.service import Refused, StepTaken, TransferService
from . import clock as law
from . import duty
from .clock import N_
from .models import EXCEPTIONS, Admission

# the timeline's events of an admission (TransferEvent.kind), with the school as organisation
REQUESTED, RECEIVED_INFO, EXTENDED = "information_requested", "information_received", "extended"
TEMPORARY, TEMPORARY_ENDED = "temporary_placement", "temporary_placement_ended"
EVENT_KINDS = (REQUESTED, RECEIVED_INFO, EXTENDED, TEMPORARY, TEMPORARY_ENDED)
DECISION_OF = {"admission": "admitted", "refusal": "refused", "not_handled": "not_handled"}
ADMISSION_AGE = 4  # WPO art. 39: a child is admitted from the age of four


class AdmissionRefused(TransitionRefused):
    """An action on a registration that the law does not allow now: nothing was written.
    ``message`` is an English msgid with ``%(name)s`` placeholders; a date among ``params``
    is written in the reader's language."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        self.message = message
        super().__init__(code, {"en": message}, **params)

    def text(self, language: str) -> str:
        values = {
            key: i18n.format_date(value, language) if isinstance(value, date) else value
            for key, value in self.params.items()
        }
        return (i18n.gettext(language, self.message) % values).strip()


def _refused(error: law.AdmissionRefused) -> AdmissionRefused:
    return AdmissionRefused(error.code, error.message, **error.params)


def _message(code: str, message: str, **params: Any) -> AdmissionRefused:
    return AdmissionRefused(code, message, **params)


@dataclass(frozen=True)
class SchoolView:
    """One school of the parents' list as a reader may see it."""

    position: int
    name: str
    state: str  # models.STATES; "" when the reader may not see another school's decision
    active: bool


def fourth_birthday(born: date) -> date:
    try:
        return born.replace(year=born.year + ADMISSION_AGE)
    except ValueError:  # born on 29 February
        return date(born.year + ADMISSION_AGE, 3, 1)


class AdmissionService:
    def __init__(self, session: Session, registry: Registry, base_url: str = "") -> None:
        self.session = session
        self.registry = registry
        self.base_url = base_url
        self.clock = clock_of(session)

    def transfers(self) -> TransferService:
        return TransferService(self.session, self.registry, self.base_url)

    # ------------------------------------------------------------------ the list

    def procedure(self, transfer: Transfer) -> CompiledProcedure | None:
        """The procedure when it is a registration's (it has an ``admission:`` block)."""
        found = self.registry.procedure(transfer.procedure_id, transfer.procedure_version)
        return found if found is not None and found.admission is not None else None

    def admissions(self, transfer: Transfer) -> list[Admission]:
        """The registration at each school of the list, in the parents' order; made from the
        transfer's choices the first time."""
        found = list(
            self.session.scalars(
                select(Admission)
                .where(Admission.transfer_id == transfer.id)
                .order_by(Admission.position)
            )
        )
        if found:
            return found
        for choice in sorted(transfer.choices, key=lambda c: c.position):
            row = Admission(
                transfer_id=transfer.id,
                school_id=choice.school_id,
                position=choice.position,
                state="waiting",
                updated_at=self.clock.now(),
            )
            self.session.add(row)
            found.append(row)
        self.session.flush()
        return found

    def active(self, transfer: Transfer) -> Admission | None:
        return next((a for a in self.admissions(transfer) if a.state == "active"), None)

    def current(self, transfer: Transfer) -> Admission | None:
        """The school handling the registration now, or the last that did."""
        rows = self.admissions(transfer)
        active = next((a for a in rows if a.state == "active"), None)
        if active is not None:
            return active
        handled = [a for a in rows if a.received_on is not None]
        return handled[-1] if handled else None

    # ------------------------------------------------------------------ the clock

    def events(self, transfer: Transfer, admission: Admission) -> list[law.Event]:
        """What happened at this school, in order, as the clock reads it."""
        found: list[law.Event] = []
        if admission.received_on is not None:
            found.append(law.Event("received", admission.received_on))
        for event in self.session.scalars(
            select(TransferEvent)
            .where(
                TransferEvent.transfer_id == transfer.id,
                TransferEvent.organisation_id == admission.school_id,
                TransferEvent.kind.in_((REQUESTED, RECEIVED_INFO, EXTENDED)),
            )
            .order_by(TransferEvent.id)
        ):
            if event.kind == REQUESTED:
                until = date.fromisoformat(event.subject) if event.subject else None
                found.append(law.Event("information_requested", event.on, until=until))
            elif event.kind == RECEIVED_INFO:
                found.append(law.Event("information_received", event.on))
            else:
                weeks = int(event.subject or 0)
                found.append(law.Event("extended", event.on, weeks=weeks, reason=event.detail))
        if admission.decided_on is not None and admission.state in DECISION_OF.values():
            found.append(law.Event("decided", admission.decided_on, decision=admission.state))
        elif admission.state == "withdrawn" and admission.decided_on is not None:
            found.append(law.Event("withdrawn", admission.decided_on))
        return found

    def _decision_weeks(self, transfer: Transfer) -> int:
        procedure = self.procedure(transfer)
        return procedure.admission.decision_weeks if procedure and procedure.admission else 6

    def clock_of(self, transfer: Transfer, admission: Admission) -> law.Clock:
        return self.derive(transfer, admission, self.events(transfer, admission))

    def derive(
        self, transfer: Transfer, admission: Admission, events: list[law.Event]
    ) -> law.Clock:
        """The school's clock from ``events`` (its own, or a part of them: as it stood)."""
        pupil = self.session.get(Pupil, transfer.pupil_id)
        elsewhere = (
            pupil is not None
            and pupil.current_school_id is not None
            and pupil.current_school_id != admission.school_id
        )
        return law.derive(
            events,
            admission_age_on=fourth_birthday(pupil.geboortedatum) if pupil else None,
            enrolled_elsewhere=elsewhere,
            decision_weeks=self._decision_weeks(transfer),
        )

    def refresh(self, transfer: Transfer) -> None:
        """Store the derived dates of every school that handled the registration."""
        for admission in self.admissions(transfer):
            if admission.received_on is None:
                continue
            derived = self.clock_of(transfer, admission)
            admission.decision_due_on = derived.decision_due
            admission.not_handled_due_on = derived.not_handled_due
            admission.ten_weeks_on = derived.ten_weeks
            admission.temporary_from = derived.temporary_placement_from
            admission.explanation = (
                derived.explain("decision_due", "nl") if derived.decision_due else None
            )
            admission.updated_at = self.clock.now()
        self.session.flush()

    def open_due_dates(self, transfer: Transfer) -> list[date]:
        """The active school's open deadlines: the decision, and the term for deciding not to
        handle the registration."""
        admission = self.active(transfer)
        if admission is None or transfer.closed_at is not None:
            return []
        return [d for d in (admission.decision_due_on, admission.not_handled_due_on) if d]

    # ------------------------------------------------------------------ actions of the school

    def record(
        self,
        transfer: Transfer,
        admission: Admission,
        kind: str,
        who: tuple[uuid.UUID | None, str, str | None],
        *,
        on: date,
        subject: str | None = None,
        detail: str | None = None,
    ) -> TransferEvent:
        actor_id, actor_name, acting = who
        party, _, role = (acting or "receiving_school").partition(".")
        return self.transfers().record(
            transfer,
            kind,
            actor_id=actor_id,
            actor_name=actor_name,
            party=party,
            role=role or None,
            organisation_id=admission.school_id,
            subject=subject,
            detail=detail,
            on=on,
        )

    def _check(self, transfer: Transfer, admission: Admission, new: law.Event) -> None:
        try:
            law.check(
                self.events(transfer, admission),
                new,
                self.clock.today(),
                decision_weeks=self._decision_weeks(transfer),
            )
        except law.AdmissionRefused as error:
            raise _refused(error) from None

    def _acting(self, transfer: Transfer, actors: list[str]) -> Admission:
        procedure = self.procedure(transfer)
        if procedure is None or procedure.admission is None:
            raise _message("not_a_registration", N_("This is not a registration at a school."))
        if transfer.closed_at is not None:
            raise _message(
                "closed", N_("This registration is closed; nothing can change any more.")
            )
        if not any(procedure.admission.allows(*_parts(a)) for a in actors):
            raise _message(
                "guard:who",
                N_("Only the school handling the registration can do this (%(who)s)."),
                who=", ".join(str(a) for a in procedure.admission.who),
            )
        admission = self.active(transfer)
        if admission is None:
            raise _message("not_active", N_("No school is handling this registration now."))
        return admission

    def request_information(
        self,
        transfer: Transfer,
        *,
        until: date | None,
        note: str,
        actors: list[str],
        actor_id: uuid.UUID | None,
        actor_name: str,
    ) -> None:
        """The school asks the parents to complete the registration by ``until``: its term
        stands still from today until the information comes or ``until`` passes."""
        admission = self._acting(transfer, actors)
        today = self.clock.today()
        if until is None:
            raise _message("until_missing", N_("Give the date by which the parents complete it."))
        self._check(transfer, admission, law.Event("information_requested", today, until=until))
        self.record(
            transfer,
            admission,
            REQUESTED,
            (actor_id, actor_name, _first(actors)),
            on=today,
            subject=until.isoformat(),
            detail=note.strip()[:2000] or None,
        )
        self._changed(transfer)
        self._tell_parents(transfer, "admission_information_requested", until=until)

    def information_received(
        self,
        transfer: Transfer,
        *,
        on: date | None,
        actors: list[str],
        actor_id: uuid.UUID | None,
        actor_name: str,
    ) -> None:
        admission = self._acting(transfer, actors)
        day = on or self.clock.today()
        self._check(transfer, admission, law.Event("information_received", day))
        self.record(
            transfer, admission, RECEIVED_INFO, (actor_id, actor_name, _first(actors)), on=day
        )
        self._changed(transfer)

    def extend(
        self,
        transfer: Transfer,
        *,
        weeks: int | None,
        reason: str,
        actors: list[str],
        actor_id: uuid.UUID | None,
        actor_name: str,
    ) -> TransferEvent:
        """Extend the decision's term once, by at most four weeks, with a reason; the parents
        are told in writing: a letter (a PDF, :mod:`.letters`) on their link and an e-mail."""
        from . import letters  # the PDF renderer is loaded when a letter is made

        admission = self._acting(transfer, actors)
        today = self.clock.today()
        new = law.Event("extended", today, weeks=weeks, reason=reason.strip() or None)
        self._check(transfer, admission, new)
        event = self.record(
            transfer,
            admission,
            EXTENDED,
            (actor_id, actor_name, _first(actors)),
            on=today,
            subject=str(weeks),
            detail=reason.strip()[:2000],
        )
        self._changed(transfer)
        letters.queue(self.session, transfer, event)
        self._tell_parents(
            transfer, "admission_extended", due=admission.decision_due_on, weeks=weeks or 0
        )
        return event

    def _changed(self, transfer: Transfer) -> None:
        self.refresh(transfer)
        service = self.transfers()
        service.touch(transfer)
        service.refresh(transfer)

    def _tell_parents(self, transfer: Transfer, event: str, **facts: Any) -> None:
        from ..transfers import parents

        parents.tell_parents_of(self.session, transfer, self.base_url, event, **facts)

    # ------------------------------------------------------------------ the decisions (steps)

    def before_step(self, transfer: Transfer, taken: StepTaken) -> None:
        """The law's rules of a decision, before the step is taken: a decision not to handle
        the registration only after the parents had their term; a refusal of a child who
        needs extra support only with another school that agreed, or an exception."""
        records = taken.step.records
        if records not in DECISION_OF or self.procedure(transfer) is None:
            return
        admission = self.active(transfer)
        if admission is None:
            raise _message("not_active", N_("No school is handling this registration now."))
        today = self.clock.today()
        self._check(transfer, admission, law.Event("decided", today, decision=DECISION_OF[records]))
        if records != "refusal":
            return
        details = taken.details
        needs = details.get("needs_support")
        if needs not in ("yes", "no"):
            raise _message(
                "needs_support_missing",
                N_("Say whether the child needs extra support (WPO art. 40 lid 3)."),
            )
        exception = details.get("exception") or None
        if exception is not None and exception not in EXCEPTIONS:
            exception = None
        agreed = _uuid(details.get("agreed_school"))
        agreed_on = _day(details.get("agreed_on"))
        if agreed is not None and (
            agreed == admission.school_id
            or (school := self.session.get(Organisation, agreed)) is None
            or school.kind != "school"
        ):
            raise _message(
                "agreed_unknown", N_("Choose the school that agreed to admit the child.")
            )
        problem = duty.may_refuse(
            needs == "yes",
            exception,
            str(agreed) if agreed else None,
            school=str(admission.school_id),
            agreed_on=agreed_on,
            refused_on=today,
        )
        if problem is not None:
            raise _message(problem, duty.REFUSALS[problem])
        admission.needs_support = needs == "yes"
        admission.exception = exception
        admission.agreed_school_id = agreed
        admission.agreed_on = agreed_on

    def after_step(self, transfer: Transfer, taken: StepTaken) -> None:
        """What a step records at the school: the receipt starts the clock of the first school;
        a decision ends it (and a temporary placement with it, WPO art. 40 lid 7)."""
        records = taken.step.records
        if self.procedure(transfer) is None:
            return
        today = self.clock.today()
        rows = self.admissions(transfer)
        if records == "receipt" and rows:
            first = rows[0]
            first.state, first.received_on = "active", today
        elif records in DECISION_OF:
            admission = self.active(transfer)
            if admission is not None:
                admission.state, admission.decided_on = DECISION_OF[records], today
                if records != "admission" and admission.temporary_flagged_on is not None:
                    # the temporary placement ends the day after the decision (lid 7)
                    self.record(
                        transfer,
                        admission,
                        TEMPORARY_ENDED,
                        (taken.actor_id, taken.actor_name, taken.acting),
                        on=today,
                        subject=date.fromordinal(today.toordinal() + 1).isoformat(),
                    )
                if records == "admission":
                    for later in rows:
                        if later.state == "waiting":
                            later.state = "closed"
        elif records is None and self.transfers().running(transfer).final(taken.step.target):
            # the parents withdrew the registration (or another closing step): no school
            # handles it any more
            for row in rows:
                if row.state == "active":
                    row.state, row.decided_on = "withdrawn", today
                elif row.state == "waiting":
                    row.state = "closed"
        elif records == "enrolment":
            for row in rows:
                if (
                    row.state in ("waiting", "active")
                    and row.school_id != transfer.receiving_school_id
                ):
                    row.state = "closed"
        self.refresh(transfer)

    def after_told(self, transfer: Transfer, taken: StepTaken) -> None:
        """After a refusal or a decision not to handle: the next school on the parents' list
        receives the registration; with none left, the registration is closed."""
        if taken.step.records not in ("refusal", "not_handled"):
            return
        procedure = self.procedure(transfer)
        if procedure is None:
            return
        following = next((a for a in self.admissions(transfer) if a.state == "waiting"), None)
        passing = procedure.recording("next_school")
        step = next((s for s in passing if transfer.status in s.sources), None)
        if following is None or step is None:
            transfer.closed_at = self.clock.now()
            self.session.flush()
            return
        service = self.transfers()
        transfer.receiving_school_id = following.school_id
        following.state, following.received_on = "active", self.clock.today()
        self.session.flush()
        acting = next((str(a) for a in step.who), taken.acting or "receiving_school")
        service.take(
            transfer,
            step.id,
            actors=[acting, *([taken.acting] if taken.acting else [])],
            version=None,
            actor_id=None,  # POPO passes it on: the history names no person
            actor_name="POPO",
            reason="next_school",
        )

    # ------------------------------------------------------------------ what a reader sees

    def schools(self, transfer: Transfer, *, as_parents: bool) -> list[SchoolView]:
        """The parents' list: every school and its order; the decisions only for the parents,
        or where the region's procedure lets the schools see them (``others_see``)."""
        procedure = self.procedure(transfer)
        decisions = as_parents or (
            procedure is not None
            and procedure.admission is not None
            and procedure.admission.others_see == "decisions"
        )
        rows = self.admissions(transfer)
        names = {
            o.id: o.name
            for o in self.session.scalars(
                select(Organisation).where(Organisation.id.in_([r.school_id for r in rows]))
            )
        }
        current = transfer.receiving_school_id
        return [
            SchoolView(
                row.position,
                names.get(row.school_id, ""),
                row.state if decisions or row.school_id == current else "",
                row.state == "active",
            )
            for row in rows
        ]

    def hidden(self, transfer: Transfer, party: str | None) -> tuple[set[int], set[int]]:
        """What the school handling the registration now may not see on its timeline: what
        the schools before it on the list did (their decisions), unless the region's
        procedure lets the schools see them (``others_see: decisions``). The parents see it
        all; the receipt by the parents stays."""
        procedure = self.procedure(transfer)
        if (
            party != "receiving_school"
            or procedure is None
            or procedure.admission is None
            or procedure.admission.others_see != "order"
        ):
            return set(), set()
        history = self.transfers().history(transfer)
        passing = {
            (source, step.target)
            for step in procedure.recording("next_school")
            for source in step.sources
        }
        received = {
            (source, step.target)
            for step in procedure.recording("receipt")
            for source in step.sources
        }
        last = max(
            (i for i, c in enumerate(history) if (c.from_status, c.to_status) in passing),
            default=None,
        )
        changes = set()
        if last is not None:
            changes = {c.id for c in history[:last] if (c.from_status, c.to_status) not in received}
        events = set(
            self.session.scalars(
                select(TransferEvent.id).where(
                    TransferEvent.transfer_id == transfer.id,
                    TransferEvent.organisation_id != transfer.receiving_school_id,
                    TransferEvent.kind.in_((*EVENT_KINDS, "extension_letter")),
                )
            )
        )
        return changes, events

    def duty(self, transfer: Transfer) -> duty.Duty:
        """Who held the zorgplicht on which days (duty.py), from the list's history."""
        rows = self.admissions(transfer)
        return duty.derive(
            [
                duty.Choice(
                    school=str(row.school_id),
                    events=tuple(self.events(transfer, row)),
                    needs_support=bool(row.needs_support),
                    exception=row.exception,  # type: ignore[arg-type]
                    agreed_school=str(row.agreed_school_id) if row.agreed_school_id else None,
                    agreed_on=row.agreed_on,
                )
                for row in rows
            ],
            enrolment=(
                duty.Enrolment(str(transfer.receiving_school_id), transfer.enrolled_on)
                if transfer.enrolled_on and transfer.receiving_school_id
                else None
            ),
        )


def _parts(actor: str) -> tuple[str, str | None]:
    party, _, role = actor.partition(".")
    return party, role or None


def _first(actors: list[str]) -> str | None:
    return actors[0] if actors else None


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


__all__ = ["AdmissionRefused", "AdmissionService", "Refused"]

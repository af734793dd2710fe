"""The rules of transfers, on a Session (no web): start one for a pupil, see where it stands
(status, open tasks, terms with their due dates, what a person may do now), take a step of its
procedure, and read its timeline.

Where a transfer stands is derived from what happened to it, never kept as a timer: its status
changes (the shared history, runtime/statuses, with the ``party.role`` that made each in the
history's role) and the forms sent for it (submissions linked to it) are replayed through the
procedure's evaluator (engine/procedures), which gives the open tasks and the terms. A step is
checked twice: by the Workflow's guards (who may, which forms first, runtime/transfers/
procedure.py) and by the version the person's page showed, so that a stale page or a second
person acting at the same moment changes nothing and is told so.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.messages import localize
from engine.procedures import CaseState, CompiledProcedure, Event, evaluate
from engine.procedures.compile import CompiledTransition
from engine.terms import TermError
from renderers import i18n

from .. import notifications
from ..access.accounts import staff_at
from ..access.models import UserAccount
from ..clock import clock_of, dutch_date
from ..definitions import Registry
from ..forms.models import Submission
from ..organisations.models import Organisation
from ..pupils.models import Pupil
from ..pupils.service import change_school
from ..statuses.db import StatusChange, move
from ..statuses.procedure import RunningProcedure, Seat, actors_of
from ..statuses.procedure import running_of as procedure_workflow
from ..statuses.workflow import TransitionRefused
from . import handover, parents, proof
from .models import Transfer, TransferChoice, TransferEvent

FAMILIES = ("tussentijdse-overstap", "aanmelding")  # the shipped procedures' base ids
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no look-alikes: 0/O, 1/I

REFUSALS: dict[str, dict[str, str]] = {
    "stale": {
        "nl": "Deze overstap is intussen gewijzigd (nu: {status}). Bekijk de nieuwe stand en "
        "kies opnieuw; er is niets veranderd.",
        "en": "This transfer was changed in the meantime (now: {status}). Look at where it "
        "stands now and choose again; nothing was changed.",
    },
    "not_from_here": {
        "nl": "'{step}' kan nu niet: de overstap staat op '{status}'.",
        "en": "'{step}' cannot be done now: the transfer is at '{status}'.",
    },
    "unknown_step": {
        "nl": "Deze stap bestaat niet in de procedure van deze overstap.",
        "en": "This step does not exist in this transfer's procedure.",
    },
    "no_procedure": {
        "nl": "De procedure van deze overstap ({procedure}) is niet meer beschikbaar; vraag de "
        "beheerder om hulp.",
        "en": "The procedure of this transfer ({procedure}) is no longer available; ask the "
        "administrator for help.",
    },
    "closed": {
        "nl": "Deze overstap is afgesloten ({status}); er kan niets meer aan veranderen.",
        "en": "This transfer is closed ({status}); nothing can change any more.",
    },
}


class Refused(TransitionRefused):
    """A step that was not taken, with the reason a person reads: nothing was written."""


@dataclass(frozen=True)
class StepTaken:
    """A step being taken, as a hook sees it: the person, their role on the transfer, and what
    they posted with the step besides the date (``details``, e.g. a refusal's grounds)."""

    step: CompiledTransition
    acting: str | None  # the party.role the step is taken in
    actor_id: uuid.UUID | None
    actor_name: str
    details: dict[str, str]


StepHook = Callable[["TransferService", Transfer, StepTaken], None]
_BEFORE_STEP: list[StepHook] = []
_AFTER_STEP: list[StepHook] = []
_AFTER_TOLD: list[StepHook] = []


def before_step(hook: StepHook) -> StepHook:
    """Register a check run before a step is taken (after the procedure's own: status, role,
    forms); it raises :class:`Refused` to refuse the step, and nothing is written. A domain
    that gives meaning to a step's ``records:`` (runtime/admissions) checks its rules here."""
    _BEFORE_STEP.append(hook)
    return hook


def after_step(hook: StepHook) -> StepHook:
    """Register what a step records, in its transaction, after the status moved and before
    the derived dates are stored and anyone is told (a registration's decision)."""
    _AFTER_STEP.append(hook)
    return hook


def after_told(hook: StepHook) -> StepHook:
    """Register what follows a step once its notifications are queued, in its transaction
    (a refused registration passes to the parents' next school, told after the refusal)."""
    _AFTER_TOLD.append(hook)
    return hook


Hidden = Callable[["TransferService", Transfer, "str | None"], "tuple[set[int], set[int]]"]
_HIDDEN: list[Hidden] = []


def timeline_hides(source: Hidden) -> Hidden:
    """Register what a party may not see on a transfer's timeline: the ids of status changes
    and of events (a registration's decisions at other schools, WPO art. 40 and the region's
    ``others_see``)."""
    _HIDDEN.append(source)
    return source


DueDates = Callable[["TransferService", Transfer], Iterable[date]]
_DUE_DATES: list[DueDates] = []


def due_dates(source: DueDates) -> DueDates:
    """Register a source of a transfer's due dates besides its procedure's terms (the legal
    terms of a registration); the register shows the earliest (``Transfer.due_on``)."""
    _DUE_DATES.append(source)
    return source


@dataclass(frozen=True)
class Actions:
    """What one person may do on a transfer now, and what they cannot and why."""

    actors: list[str]  # the party.role texts they act in
    possible: list[CompiledTransition]
    blocked: list[tuple[CompiledTransition, str]]  # a step of their role, and why not yet


@dataclass(frozen=True)
class Entry:
    """One line of a transfer's timeline."""

    at: datetime
    kind: str  # status | form | the TransferEvent kind
    text: str  # what happened, in the reader's language
    actor: str
    party: str | None
    role: str | None


def running_of(registry: Registry, procedure: CompiledProcedure) -> RunningProcedure:
    """The procedure's Workflow, built once per procedure version and content."""
    return procedure_workflow(procedure, registry.form_title)


def seats(transfer: Transfer) -> list[Seat]:
    return [
        Seat("sending_school", transfer.sending_school_id),
        Seat("receiving_school", transfer.receiving_school_id),
    ]


def actors_for(procedure: CompiledProcedure, transfer: Transfer, roles: Iterable[Any]) -> list[str]:
    """The party.role texts of a logged-in person (their ``Role`` s) on ``transfer``."""
    pairs = [(role.role, role.organisation_id) for role in roles]
    return actors_of(procedure, pairs, seats(transfer))


class TransferService:
    def __init__(self, session: Session, registry: Registry, base_url: str = "") -> None:
        self.session = session
        self.registry = registry
        self.clock = clock_of(session)
        self.base_url = base_url.rstrip("/")  # of the links in e-mails

    # ------------------------------------------------------------------ procedures

    def procedure_for(self, family: str, school_id: uuid.UUID | None) -> CompiledProcedure | None:
        """The procedure a new transfer follows: the region's variant of the school that
        decides on it (the receiving school), else the base."""
        school = self.session.get(Organisation, school_id) if school_id else None
        return self.registry.procedure_for(family, school.region if school else None)

    def procedure(self, transfer: Transfer) -> CompiledProcedure:
        """The procedure version the transfer was started on (it keeps it to the end)."""
        found = self.registry.procedure(transfer.procedure_id, transfer.procedure_version)
        if found is None:
            raise Refused(
                "no_procedure",
                REFUSALS["no_procedure"],
                procedure=f"{transfer.procedure_id} v{transfer.procedure_version}",
            )
        return found

    def running(self, transfer: Transfer) -> RunningProcedure:
        return running_of(self.registry, self.procedure(transfer))

    def reasons(self, procedure: CompiledProcedure, language: str) -> list[tuple[str, str]]:
        return [(rid, localize(label, language)) for rid, label in procedure.reasons]

    def reason_label(self, transfer: Transfer, language: str) -> str:
        procedure = self.registry.procedure(transfer.procedure_id, transfer.procedure_version)
        for rid, label in procedure.reasons if procedure else ():
            if rid == transfer.reason:
                return localize(label, language)
        return transfer.reason

    # ------------------------------------------------------------------ starting

    def new_reference(self) -> str:
        """``OV-2026-4F7K2Q``: the year and six characters without look-alikes."""
        year = self.clock.today().year
        for _ in range(10):
            code = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6))
            reference = f"OV-{year}-{code}"
            if (
                self.session.scalar(select(Transfer.id).where(Transfer.reference == reference))
                is None
            ):
                return reference
        raise RuntimeError("could not find a free transfer reference")

    def start(
        self,
        procedure: CompiledProcedure,
        pupil: Pupil,
        *,
        sending_school_id: uuid.UUID | None,
        schools: Sequence[uuid.UUID],
        reason: str,
        reason_note: str | None = None,
        desired_date: date | None = None,
        started_by_party: str,
        started_by: uuid.UUID | None,
        actor_name: str,
        role: str | None,
    ) -> Transfer:
        """A new transfer of ``pupil`` to ``schools`` (in order of preference; the first
        decides now) in the procedure's initial status. ``reason`` is one of the procedure's."""
        if reason not in {rid for rid, _ in procedure.reasons}:
            raise ValueError(f"unknown reason {reason!r}")
        if not schools:
            raise ValueError("a transfer needs a school to go to")
        now = self.clock.now()
        transfer = Transfer(
            reference=self.new_reference(),
            pupil_id=pupil.id,
            sending_school_id=sending_school_id,
            receiving_school_id=schools[0],
            procedure_id=procedure.id,
            procedure_version=procedure.version,
            status=procedure.initial,
            reason=reason,
            reason_note=reason_note or None,
            desired_date=desired_date,
            started_by_party=started_by_party,
            started_by=started_by,
            version=1,
            created_at=now,
            updated_at=now,
        )
        transfer.choices = [
            TransferChoice(position=index, school_id=school)
            for index, school in enumerate(dict.fromkeys(schools), 1)
        ]
        self.session.add(transfer)
        self.session.flush()
        self.record(
            transfer,
            "started",
            actor_id=started_by,
            actor_name=actor_name,
            party=started_by_party,
            role=role,
            organisation_id=sending_school_id if started_by_party == "sending_school" else None,
        )
        self.refresh(transfer)
        return transfer

    def form_sent(self, submission: Submission) -> None:
        """A form for a transfer was sent: what is derived from it may change (a term met),
        and so the page another person shows is out of date."""
        if submission.transfer_id is None:
            return
        transfer = self.session.get(Transfer, submission.transfer_id, with_for_update=True)
        if transfer is None:
            return
        transfer.version += 1
        transfer.updated_at = self.clock.now()
        self.refresh(transfer)

    def prefill(self, transfer: Transfer) -> dict[str, Any]:
        """The answers a form for ``transfer`` begins with besides the pupil's
        (runtime/pupils/service.prefill), by the keys of the shipped forms: the current school
        (name, BRIN, vestiging), the new school as the first preference, the desired date and
        the reason. A form takes the keys (and choices) it has."""
        answers: dict[str, Any] = {}
        current = (
            self.session.get(Organisation, transfer.sending_school_id)
            if transfer.sending_school_id
            else None
        )
        if current is not None:
            answers["school_naam"] = current.name
            if len(current.code) == 6:
                answers["school_brin"], answers["school_vestiging"] = (
                    current.code[:4],
                    current.code[4:],
                )
        rows = []
        for choice in transfer.choices:
            school = self.session.get(Organisation, choice.school_id)
            if school is not None:
                row = {"voorkeur_school": school.name, "voorkeur_brin": school.code}
                if school.city:
                    row["voorkeur_plaats"] = school.city
                rows.append(row)
        if rows:
            answers["voorkeursscholen"] = rows
        if transfer.desired_date is not None:
            answers["overstapdatum"] = transfer.desired_date.isoformat()
        answers["reden"] = transfer.reason
        return answers

    # ------------------------------------------------------------------ where it stands

    def forms_sent(self, transfer: Transfer) -> list[Submission]:
        return list(
            self.session.scalars(
                select(Submission)
                .where(Submission.transfer_id == transfer.id)
                .order_by(Submission.submitted_at, Submission.id)
            )
        )

    def history(self, transfer: Transfer) -> list[StatusChange]:
        return list(
            self.session.scalars(
                select(StatusChange)
                .where(
                    StatusChange.subject_type == "transfer",
                    StatusChange.subject_id == str(transfer.id),
                )
                .order_by(StatusChange.id)
            )
        )

    def events(self, transfer: Transfer) -> list[Event]:
        """What happened, in order, as the evaluator reads it."""
        procedure = self.procedure(transfer)
        timed: list[tuple[datetime, int, Event]] = []
        for change in self.history(transfer):
            step = procedure.transition_between(change.from_status, change.to_status)
            if step is not None:
                on = _dutch_day(change.at)
                timed.append((_aware(change.at), 1, Event(on, step.id, by=change.role)))
        for submission in self.forms_sent(transfer):
            on = _dutch_day(submission.submitted_at)
            timed.append((_aware(submission.submitted_at), 0, Event(on, form=submission.form_id)))
        return [event for _, _, event in sorted(timed, key=lambda t: (t[0], t[1]))]

    def vakantieregio(self, transfer: Transfer) -> str | None:
        """The vakantieregio school days are counted in: the new school's, else the current."""
        for school_id in (transfer.receiving_school_id, transfer.sending_school_id):
            school = self.session.get(Organisation, school_id) if school_id else None
            if school is not None and school.holiday_region:
                return school.holiday_region
        return None

    def state(self, transfer: Transfer) -> CaseState:
        """Status, open tasks and terms (due dates, overdue) as of today."""
        procedure = self.procedure(transfer)
        try:
            return evaluate(
                procedure,
                self.events(transfer),
                self.clock.today(),
                self.registry.calendar,
                self.vakantieregio(transfer),
            )
        except TermError:
            # a school day outside the calendar's years: the terms in days still count
            return evaluate(procedure, self.events(transfer), self.clock.today())

    def actions(self, transfer: Transfer, actors: list[str]) -> Actions:
        """What a person acting as ``actors`` may do now, and their steps that wait for
        something (a form), with the reason."""
        run = self.running(transfer)
        forms = {s.form_id for s in self.forms_sent(transfer)}
        possible: list[CompiledTransition] = []
        blocked: list[tuple[CompiledTransition, str]] = []
        if run.final(transfer.status):
            return Actions(actors, [], [])
        for step in run.procedure.transitions.values():
            if transfer.status not in step.sources:
                continue
            if not any(step.allows(*_parts(actor)) for actor in actors):
                continue
            missing = [form for form in step.needs if form not in forms]
            if missing:
                blocked.append((step, missing[0]))
            else:
                possible.append(step)
        return Actions(actors, possible, blocked)

    # ------------------------------------------------------------------ taking a step

    def take(
        self,
        transfer: Transfer,
        step_id: str,
        *,
        actors: list[str],
        version: int | None,
        actor_id: uuid.UUID | None,
        actor_name: str,
        reason: str | None = None,
        on: date | None = None,
        details: dict[str, str] | None = None,
    ) -> CompiledTransition:
        """Take the step ``step_id`` on ``transfer`` (locked by the caller) as a person acting
        as ``actors``, from a page that showed ``version``. Refused (nothing written) when the
        page is stale, the step is unknown or not possible from here, the person's role may
        not take it, or a form it needs has not been sent. A step that records a date
        (``records:`` in the procedure) takes it as ``on`` and refuses a wrong one
        (runtime/transfers/handover.py)."""
        run = self.running(transfer)
        if version is not None and version != transfer.version:
            raise Refused("stale", REFUSALS["stale"], status=self._status_text(run, transfer))
        if run.final(transfer.status) or transfer.closed_at is not None:
            raise Refused("closed", REFUSALS["closed"], status=self._status_text(run, transfer))
        step = run.transition(step_id)
        if step is None:
            raise Refused("unknown_step", REFUSALS["unknown_step"])
        if transfer.status not in step.sources:
            raise Refused(
                "not_from_here",
                REFUSALS["not_from_here"],
                step=lambda language: localize(step.label, language),
                status=self._status_text(run, transfer),
            )
        acting = next((a for a in actors if step.allows(*_parts(a))), actors[0] if actors else None)
        if step.records == handover.ENROLMENT:
            started_on = _dutch_day(transfer.created_at)
            on = handover.checked_enrolment(on, started_on, self.clock.today())
        elif step.records == handover.DEREGISTRATION:
            on = handover.checked_deregistration(on, transfer.enrolled_on)
        taken = StepTaken(step, acting, actor_id, actor_name, dict(details or {}))
        for hook in _BEFORE_STEP:
            hook(self, transfer, taken)
        forms = sorted({s.form_id for s in self.forms_sent(transfer)})
        move(
            self.session,
            transfer,
            step.target,
            workflow=run.workflow,
            actor=actor_id,
            role=acting,  # party.role: the evaluator replays who made each step
            reason=reason,
            facts={"actors": actors, "forms_sent": forms},
        )
        now = self.clock.now()
        transfer.version += 1
        transfer.updated_at = now
        if run.final(step.target):
            transfer.closed_at = now
        if step.records in (handover.ENROLMENT, handover.DEREGISTRATION) and on is not None:
            self._record_date(transfer, step.records, on, acting, actor_id, actor_name)
        self.session.flush()
        for hook in _AFTER_STEP:
            hook(self, transfer, taken)
        self.refresh(transfer)
        self.tell(transfer, run, step, actor_id)
        for hook in _AFTER_TOLD:
            hook(self, transfer, taken)
        return step

    def _record_date(
        self,
        transfer: Transfer,
        records: str,
        on: date,
        acting: str | None,
        actor_id: uuid.UUID | None,
        actor_name: str,
    ) -> None:
        """Store the enrolment (the pupil's current school becomes the new school at once:
        from now on its staff reach the pupil) or the deregistration, on the timeline."""
        party, role = _parts(acting or "")
        if records == handover.ENROLMENT:
            transfer.enrolled_on = on
            pupil = self.session.get(Pupil, transfer.pupil_id)
            if pupil is not None and transfer.receiving_school_id is not None:
                change_school(self.session, pupil, transfer.receiving_school_id)
            kind, organisation_id = "enrolled", transfer.receiving_school_id
        else:
            transfer.deregistered_on = on
            kind, organisation_id = "deregistered", transfer.sending_school_id
            proof.queue(self.session, transfer)  # the bewijs van uitschrijving, by a job
        self.record(
            transfer,
            kind,
            actor_id=actor_id,
            actor_name=actor_name,
            party=party or None,
            role=role,
            organisation_id=organisation_id,
            subject=on.isoformat(),
            on=on,
        )

    def touch(self, transfer: Transfer) -> None:
        """A change to the transfer that is not a step (the report made ready, the parents'
        view): every page showing it is now out of date (``version``), and a system that
        asks what changed since (the API's ``updated_since``) finds it."""
        transfer.version += 1
        transfer.updated_at = self.clock.now()
        self.session.flush()

    def refresh(self, transfer: Transfer) -> CaseState:
        """Store what is derived from the events for the register: the next due date."""
        state = self.state(transfer)
        running = [t.due for t in state.terms.values() if t.state in ("running", "overdue")]
        for source in _DUE_DATES:
            running.extend(source(self, transfer))
        transfer.due_on = min(running, default=None)
        self.session.flush()
        return state

    def _status_text(self, run: RunningProcedure, transfer: Transfer) -> Any:
        status = transfer.status
        return lambda language: run.label(status, language)

    # ------------------------------------------------------------------ telling

    def staff(self, organisation_id: uuid.UUID | None, roles: Iterable[str]) -> list[UserAccount]:
        """The accounts with one of ``roles`` at an organisation: whom a step tells."""
        return staff_at(self.session, organisation_id, roles)

    def recipients(
        self, transfer: Transfer, procedure: CompiledProcedure, to: Iterable[Any]
    ) -> list[UserAccount]:
        """The staff accounts a step's ``notify.to`` (Actors) names on this transfer."""
        found: dict[uuid.UUID, UserAccount] = {}
        schools = {seat.party: seat.organisation_id for seat in seats(transfer)}
        for actor in to:
            if actor.party not in schools:
                continue  # the parents are told by tell (parents.tell_parents)
            roles = [actor.role] if actor.role else list(procedure.roles.get(actor.party, ()))
            for account in self.staff(schools[actor.party], roles):
                found.setdefault(account.id, account)
        return list(found.values())

    def tell(
        self,
        transfer: Transfer,
        run: RunningProcedure,
        step: CompiledTransition,
        by: uuid.UUID | None = None,
    ) -> None:
        """The step's notifications: an e-mail (no pupil data, a link) and a line in the app;
        then the tasks the step opened, to the staff whose they are (not to ``by``, who took
        the step, nor to whom the step already told)."""
        told: set[uuid.UUID] = set()
        for notify in step.notify:
            if any(actor.party == "parents" for actor in notify.to):
                # by e-mail only, without their link's secret (parents.tell_parents)
                parents.tell_parents(
                    self.session,
                    transfer,
                    self.base_url,
                    step=dict(_text(step.label)),
                    status=dict(_text(run.procedure.statuses[step.target].label)),
                )
            accounts = self.recipients(transfer, run.procedure, notify.to)
            told.update(account.id for account in accounts)
            if not accounts:
                continue
            if step.records == handover.ENROLMENT and transfer.enrolled_on is not None:
                # the previous school is told at once (the law gives a week: WPO art. 40),
                # with the enrolment date and the deregistration date that follows from it
                notifications.notify(
                    self.session,
                    "transfer_enrolled",
                    accounts,
                    f"{self.base_url}/transfers/{transfer.id}",
                    ref=f"{transfer.id}:{transfer.version}:{notify.event}",
                    reference=transfer.reference,
                    enrolled_on=transfer.enrolled_on,
                    deregistered_on=handover.deregistration_for(transfer.enrolled_on),
                )
                continue
            notifications.notify(
                self.session,
                "transfer_step",
                accounts,
                f"{self.base_url}/transfers/{transfer.id}",
                ref=f"{transfer.id}:{transfer.version}:{notify.event}",
                reference=transfer.reference,
                step=dict(_text(step.label)),
                status=dict(_text(run.procedure.statuses[step.target].label)),
            )
        self.tell_tasks(transfer, run, step.target, told | ({by} if by else set()))

    def tell_tasks(
        self, transfer: Transfer, run: RunningProcedure, status: str, told: set[uuid.UUID]
    ) -> None:
        """A task that opens in ``status`` is told to the staff whose task it is."""
        for task in run.procedure.tasks:
            if task.status != status:
                continue
            accounts = [
                a for a in self.recipients(transfer, run.procedure, task.who) if a.id not in told
            ]
            if not accounts:
                continue
            notifications.notify(
                self.session,
                "transfer_task",
                accounts,
                f"{self.base_url}/transfers/{transfer.id}",
                ref=f"{transfer.id}:{transfer.version}:task:{task.id}",
                reference=transfer.reference,
                task=dict(_text(task.label)),
            )

    # ------------------------------------------------------------------ timeline

    def record(
        self,
        transfer: Transfer,
        kind: str,
        *,
        actor_id: uuid.UUID | None,
        actor_name: str,
        party: str | None,
        role: str | None,
        organisation_id: uuid.UUID | None = None,
        subject: str | None = None,
        detail: str | None = None,
        on: date | None = None,
        visible_to: Sequence[str] = (),
    ) -> TransferEvent:
        event = TransferEvent(
            transfer_id=transfer.id,
            kind=kind,
            subject=subject,
            actor_id=actor_id,
            actor_name=actor_name[:200],
            party=party,
            role=role,
            organisation_id=organisation_id,
            on=on or self.clock.today(),
            at=self.clock.now(),
            visible_to=",".join(visible_to),
            detail=detail,
        )
        self.session.add(event)
        self.session.flush()
        return event

    def timeline(self, transfer: Transfer, party: str | None, language: str) -> list[Entry]:
        """Every event of the transfer that ``party`` may see (None: every one), oldest first:
        status changes, forms sent, and the other events."""
        run = self.running(transfer)
        names = self._account_names(transfer)
        entries: list[Entry] = []
        hidden_changes: set[int] = set()
        hidden_events: set[int] = set()
        for source in _HIDDEN:
            changes, events = source(self, transfer, party)
            hidden_changes |= changes
            hidden_events |= events
        for change in self.history(transfer):
            if change.id in hidden_changes:
                continue
            step = run.procedure.transition_between(change.from_status, change.to_status)
            label = localize(step.label, language) if step else change.to_status
            text = f"{label}: {run.label(change.to_status, language)}"
            actor_party, _, actor_role = (change.role or "").partition(".")
            who = names.get(change.actor_id, "") if change.actor_id else ""
            if actor_party == "parents":
                who = localize(PARENT_NAME, language)
            entries.append(
                Entry(
                    _aware(change.at), "status", text, who, actor_party or None, actor_role or None
                )
            )
        for submission in self.forms_sent(transfer):
            title = self.registry.form_title(submission.form_id, language)
            text = f"{localize(EVENT_TEXTS['form_sent'], language)}: {title}"
            entries.append(Entry(_aware(submission.submitted_at), "form", text, "", None, None))
        for event in self.session.scalars(
            select(TransferEvent)
            .where(TransferEvent.transfer_id == transfer.id)
            .order_by(TransferEvent.id)
        ):
            shown_to = [p for p in event.visible_to.split(",") if p]
            if party is not None and shown_to and party not in shown_to:
                continue
            if event.id in hidden_events:
                continue
            if event.kind == proof.KIND and not (event.subject or "").startswith("nl:"):
                continue  # one line for the proof, whatever its languages
            entries.append(
                Entry(
                    _aware(event.at),
                    event.kind,
                    event_text(event, language),
                    localize(PARENT_NAME, language)
                    if event.party == "parents"
                    else event.actor_name,
                    event.party,
                    event.role,
                )
            )
        return sorted(entries, key=lambda e: e.at)

    def _account_names(self, transfer: Transfer) -> dict[uuid.UUID, str]:
        ids = {c.actor_id for c in self.history(transfer) if c.actor_id}
        if not ids:
            return {}
        rows = self.session.execute(
            select(UserAccount.id, UserAccount.name).where(UserAccount.id.in_(ids))
        )
        return {row.id: row.name for row in rows}


PARENT_NAME = {"nl": "Ouder/verzorger", "en": "Parent/carer"}  # a parent acts on their link
EVENT_TEXTS: dict[str, dict[str, str]] = {
    "form_sent": {"nl": "Formulier verstuurd", "en": "Form sent"},
    "started": {"nl": "Overstap gestart", "en": "Transfer started"},
    "parents_view": {"nl": "Zienswijze van de ouders", "en": "The parents' view"},
    "parents_link": {"nl": "Link voor de ouders gemaakt", "en": "Link for the parents made"},
    "parents_link_off": {
        "nl": "Link voor de ouders uitgezet",
        "en": "Link for the parents switched off",
    },
    "enrolled": {"nl": "Ingeschreven per", "en": "Enrolled on"},
    "deregistered": {"nl": "Uitgeschreven per", "en": "Deregistered on"},
    "okr_ready": {
        "nl": "Onderwijskundig rapport klaargezet voor de nieuwe school",
        "en": "Educational report made ready for the new school",
    },
    "okr_retrieved": {
        "nl": "Onderwijskundig rapport opgehaald door de nieuwe school",
        "en": "Educational report retrieved by the new school",
    },
    "deregistration_proof": {
        "nl": "Bewijs van uitschrijving gemaakt",
        "en": "Proof of deregistration made",
    },
}


def event_text(event: TransferEvent, language: str) -> str:
    """What a timeline event says, in the reader's language."""
    text = localize(EVENT_TEXTS.get(event.kind, {"en": event.kind}), language)
    if event.kind in ("enrolled", "deregistered") and event.subject:
        return f"{text} {i18n.format_date(date.fromisoformat(event.subject), language)}"
    return f"{text}: {event.detail}" if event.detail else text


def _text(label: Any) -> dict[str, str]:
    return {"nl": label, "en": label} if isinstance(label, str) else dict(label)


def _parts(actor: str) -> tuple[str, str | None]:
    party, _, role = actor.partition(".")
    return party, role or None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _dutch_day(moment: datetime) -> date:
    return dutch_date(_aware(moment))

"""Evaluate a compiled procedure: given what happened to a case (transitions made and forms
sent, each on a date by a party.role), where it stands: its status, what was refused and why,
the open tasks and the terms with their due dates. Pure: no database, no clock."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from ..calendar import SchoolCalendar
from ..terms import Term
from .compile import Actor, CompiledProcedure, CompiledTerm, CompiledTransition

RefusalReason = Literal["unknown_transition", "not_from_here", "not_by_role", "form_missing"]
TermState = Literal["running", "met", "overdue", "stopped"]


@dataclass(frozen=True)
class Event:
    """One thing that happened: a transition made or a form sent, on a date, by someone."""

    on: date
    transition: str | None = None
    form: str | None = None
    by: str | None = None  # party.role


@dataclass(frozen=True)
class Refusal:
    """A transition that could not be made: which event, why, and what was missing."""

    index: int
    transition: str
    reason: RefusalReason
    detail: str = ""  # the status it was in, the actor, or the missing form

    def describe(self) -> str:
        return {
            "unknown_transition": f"there is no transition '{self.transition}'",
            "not_from_here": f"'{self.transition}' cannot be made from '{self.detail}'",
            "not_by_role": f"'{self.transition}' may not be made by {self.detail or 'nobody'}",
            "form_missing": f"'{self.transition}' needs the form '{self.detail}' sent first",
        }[self.reason]


@dataclass(frozen=True)
class OpenTask:
    id: str
    who: tuple[Actor, ...]
    form: str | None


@dataclass(frozen=True)
class TermStatus:
    id: str
    started: date
    due: date
    state: TermState
    met_on: date | None = None


@dataclass(frozen=True)
class Notification:
    event: str
    to: tuple[Actor, ...]
    on: date


@dataclass
class CaseState:
    status: str
    history: list[tuple[str, date]] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    forms_sent: dict[str, date] = field(default_factory=dict)
    tasks: list[OpenTask] = field(default_factory=list)
    terms: dict[str, TermStatus] = field(default_factory=dict)
    notifications: list[Notification] = field(default_factory=list)


def due_date(
    term: CompiledTerm,
    start: date,
    calendar: SchoolCalendar | None = None,
    region: str | None = None,
) -> date:
    """The day by which ``term``, started on ``start``, must be met: school days are those of
    the vakantieregio ``region`` in ``calendar`` (:meth:`engine.terms.Term.due`)."""
    return Term(term.amount, term.unit).due(start, calendar, region)


def refusal(
    procedure: CompiledProcedure, state: CaseState, event: Event, index: int
) -> Refusal | None:
    """Why the transition of ``event`` cannot be made now, or None when it can."""
    name = event.transition or ""
    transition: CompiledTransition | None = procedure.transitions.get(name)
    if transition is None:
        return Refusal(index, name, "unknown_transition")
    if state.status not in transition.sources:
        return Refusal(index, name, "not_from_here", state.status)
    actor = Actor.parse(event.by) if event.by else None
    if actor is None or not transition.allows(actor.party, actor.role):
        return Refusal(index, name, "not_by_role", event.by or "")
    for form in transition.needs:
        if form not in state.forms_sent:
            return Refusal(index, name, "form_missing", form)
    return None


def available(
    procedure: CompiledProcedure, state: CaseState, by: str, on: date
) -> list[CompiledTransition]:
    """The transitions ``by`` (party.role) can make now: the actions to offer that person."""
    return [
        transition
        for transition in procedure.transitions.values()
        if refusal(procedure, state, Event(on, transition.id, by=by), len(state.history)) is None
    ]


def tasks_for(state: CaseState, by: str) -> list[OpenTask]:
    """The open tasks of ``by`` (party.role): those of that role, or of the whole party."""
    actor = Actor.parse(by)
    return [
        task for task in state.tasks if any(a.includes(actor.party, actor.role) for a in task.who)
    ]


def evaluate(
    procedure: CompiledProcedure,
    events: Iterable[Event],
    today: date | None = None,
    calendar: SchoolCalendar | None = None,
    vakantieregio: str | None = None,
) -> CaseState:
    """Replay ``events`` in order. A refused transition changes nothing and is recorded; with
    ``today``, a term not met by its due date is overdue. School days are counted with
    ``calendar`` in the school's ``vakantieregio`` (None: only the days off of every region);
    a term in school days without a calendar raises :class:`engine.terms.TermError`."""
    state = CaseState(procedure.initial)
    started: dict[str, date] = {}
    met: dict[str, date] = {}

    def happened(name: str, on: date) -> None:
        for term in procedure.terms:
            if term.start == name:
                started[term.id] = on
                met.pop(term.id, None)

    for index, event in enumerate(events):
        if event.form is not None:
            state.forms_sent.setdefault(event.form, event.on)
            for term in procedure.terms:
                if term.expects_form == event.form and term.id in started:
                    met.setdefault(term.id, event.on)
            continue
        refused = refusal(procedure, state, event, index)
        if refused is not None:
            state.refusals.append(refused)
            continue
        transition = procedure.transitions[event.transition or ""]
        state.status = transition.target
        state.history.append((transition.id, event.on))
        for term in procedure.terms:
            if term.expects_transition == transition.id and term.id in started:
                met.setdefault(term.id, event.on)
        happened(transition.id, event.on)
        for notify in transition.notify:
            state.notifications.append(Notification(notify.event, notify.to, event.on))
            happened(notify.event, event.on)
    closed = procedure.statuses[state.status].final
    for term in procedure.terms:
        if term.id not in started:
            continue
        due = due_date(term, started[term.id], calendar, vakantieregio)
        met_on = met.get(term.id)
        term_state: TermState
        if met_on is not None:
            term_state = "met"
        elif closed:
            term_state = "stopped"
        elif today is not None and today > due:
            term_state = "overdue"
        else:
            term_state = "running"
        state.terms[term.id] = TermStatus(term.id, started[term.id], due, term_state, met_on)
    state.tasks = [
        OpenTask(task.id, task.who, task.form)
        for task in procedure.tasks
        if task.status == state.status
    ]
    return state

"""Compile a checked procedure into plain, frozen data that the evaluator (and later the
runtime's Workflow) reads: no pydantic, no YAML, every ``from: any`` spelt out."""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Text
from ..terms import Unit
from .model import ANY_STATUS, ProcedureDefinition


@dataclass(frozen=True)
class Actor:
    """A party and, optionally, one of its roles; no role: every role the procedure gives it."""

    party: str
    role: str | None = None

    @classmethod
    def parse(cls, text: str) -> Actor:
        party, _, role = text.partition(".")
        return cls(party, role or None)

    def includes(self, party: str, role: str | None) -> bool:
        return self.party == party and (self.role is None or self.role == role)

    def __str__(self) -> str:
        return f"{self.party}.{self.role}" if self.role else self.party


@dataclass(frozen=True)
class CompiledStatus:
    id: str
    label: Text
    final: bool


@dataclass(frozen=True)
class CompiledNotify:
    to: tuple[Actor, ...]
    event: str


@dataclass(frozen=True)
class CompiledTransition:
    id: str
    label: Text
    sources: tuple[str, ...]
    target: str
    who: tuple[Actor, ...]
    needs: tuple[str, ...]
    notify: tuple[CompiledNotify, ...]
    records: str | None = None  # model.RECORDS: what this step records besides its status

    def allows(self, party: str, role: str | None) -> bool:
        return any(actor.includes(party, role) for actor in self.who)


@dataclass(frozen=True)
class CompiledTerm:
    id: str
    label: Text
    start: str  # a transition id or an event name
    amount: int
    unit: Unit
    expects_transition: str | None
    expects_form: str | None


@dataclass(frozen=True)
class CompiledTask:
    id: str
    label: Text
    status: str
    who: tuple[Actor, ...]
    form: str | None


@dataclass(frozen=True)
class CompiledAdmission:
    """A registration's legal terms (WPO art. 40) as the runtime applies them."""

    decision_weeks: int
    who: tuple[Actor, ...]
    alerts: tuple[int, ...]  # days before a deadline, most first
    others_see: str  # "order" | "decisions"

    def allows(self, party: str, role: str | None) -> bool:
        return any(actor.includes(party, role) for actor in self.who)


@dataclass(frozen=True)
class CompiledSupport:
    """A support request to the SWV (``support:``) as the runtime applies it."""

    kind: str  # model.SUPPORT_KINDS
    form: str  # the request's form id
    decision_weeks: int  # the default term; an SWV may set its own in the runtime
    parents_sign: bool  # submitted only once the parents signed it 'voor gezien'
    alerts: tuple[int, ...]  # days before the due date, most first


@dataclass(frozen=True)
class CompiledProcedure:
    id: str
    version: int
    title: Text
    region: str | None
    roles: dict[str, tuple[str, ...]]  # party -> the roles taking part
    statuses: dict[str, CompiledStatus]
    initial: str
    transitions: dict[str, CompiledTransition]
    terms: tuple[CompiledTerm, ...]
    tasks: tuple[CompiledTask, ...]
    reasons: tuple[tuple[str, Text], ...] = ()  # (id, label), in the author's order
    content_hash: str = ""
    admission: CompiledAdmission | None = None
    support: CompiledSupport | None = None

    def recording(self, records: str) -> list[CompiledTransition]:
        """The transitions that record ``records`` (e.g. refusal), in the author's order."""
        return [t for t in self.transitions.values() if t.records == records]

    def transition_between(self, source: str, target: str) -> CompiledTransition | None:
        """The transition that moves a case from ``source`` to ``target`` (one at most: the
        checker refuses two)."""
        for transition in self.transitions.values():
            if source in transition.sources and transition.target == target:
                return transition
        return None


def compile_procedure(procedure: ProcedureDefinition, digest: str = "") -> CompiledProcedure:
    """The compiled form of a procedure that passed :func:`.check.check_procedure`."""
    statuses = {
        status.id: CompiledStatus(status.id, status.label, status.final)
        for status in procedure.statuses
    }
    open_statuses = tuple(name for name, status in statuses.items() if not status.final)
    transitions = {
        transition.id: CompiledTransition(
            transition.id,
            transition.label,
            open_statuses if transition.from_ == ANY_STATUS else tuple(transition.sources),
            transition.to,
            tuple(Actor.parse(actor) for actor in transition.who),
            tuple(transition.needs),
            tuple(
                CompiledNotify(tuple(Actor.parse(actor) for actor in notify.to), notify.event)
                for notify in transition.notify
            ),
            transition.records,
        )
        for transition in procedure.transitions
    }
    terms = tuple(
        CompiledTerm(
            term.id,
            term.label,
            term.start or "",
            term.amount,
            term.unit,
            term.expects.transition,
            term.expects.form,
        )
        for term in procedure.terms
    )
    tasks = tuple(
        CompiledTask(
            task.id,
            task.label,
            task.status,
            tuple(Actor.parse(actor) for actor in task.who),
            task.form,
        )
        for task in procedure.tasks
    )
    initial = next(status.id for status in procedure.statuses if status.initial)
    admission = procedure.admission
    compiled_admission = (
        CompiledAdmission(
            admission.decision_weeks,
            tuple(Actor.parse(actor) for actor in admission.who),
            tuple(sorted(set(admission.alerts), reverse=True)),
            admission.others_see,
        )
        if admission is not None
        else None
    )
    support = procedure.support
    compiled_support = (
        CompiledSupport(
            support.kind,
            support.form,
            support.weeks,
            support.parents_sign,
            tuple(sorted(set(support.alerts), reverse=True)),
        )
        if support is not None
        else None
    )
    return CompiledProcedure(
        procedure.id,
        procedure.version,
        procedure.title,
        procedure.region,
        {party.id: tuple(party.roles) for party in procedure.parties},
        statuses,
        initial,
        transitions,
        terms,
        tasks,
        tuple((reason.id, reason.label) for reason in procedure.reasons),
        digest,
        compiled_admission,
        compiled_support,
    )

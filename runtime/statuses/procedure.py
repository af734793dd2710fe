"""A region's procedure as the runtime runs it: the compiled definition (engine/procedures)
turned into the shared :class:`runtime.statuses.Workflow`, whose guards say in the person's
language why a step cannot be taken, and the parties and roles a person acts in on a case.
Every kind of case that a procedure definition runs (a transfer, a support request) builds its
Workflow here, with its own :class:`CaseKind`. Pure: no database, no web."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass

from engine.messages import localize
from engine.procedures import Actor, CompiledProcedure
from engine.procedures.compile import CompiledTransition

from .workflow import Attempt, Guard, Transition, Workflow

# the parties as a person reads them, in a sentence: "de directeur van de nieuwe school"
PARTIES: dict[str, dict[str, str]] = {
    "sending_school": {"nl": "de huidige school", "en": "the current school"},
    "receiving_school": {"nl": "de nieuwe school", "en": "the new school"},
    "parents": {"nl": "de ouders", "en": "the parents"},
    "swv": {"nl": "het samenwerkingsverband", "en": "the samenwerkingsverband"},
}
ROLE_NAMES: dict[str, dict[str, str]] = {
    "medewerker": {"nl": "een medewerker", "en": "a staff member"},
    "intern_begeleider": {"nl": "de intern begeleider", "en": "the intern begeleider"},
    "directeur": {"nl": "de directeur", "en": "the head teacher"},
    "bestuur": {"nl": "het bestuur", "en": "the school board"},
    "ouder": {"nl": "een ouder", "en": "a parent"},
    "swv": {"nl": "het samenwerkingsverband", "en": "the samenwerkingsverband"},
}
FormTitle = Callable[[str, str], str]  # (form id, language) -> the form's title


@dataclass(frozen=True)
class CaseKind:
    """What kind of case a procedure runs: ``name`` is the history's subject type
    (``status_change.subject_type``), ``label`` the subject as a refusal names it ("Overstap")
    and ``this`` the case in a sentence ("deze overstap")."""

    name: str
    label: dict[str, str]
    this: dict[str, str]


TRANSFER = CaseKind(
    "transfer", {"nl": "Overstap", "en": "Transfer"}, {"nl": "deze overstap", "en": "this transfer"}
)


def actor_text(actor: Actor, language: str) -> str:
    """``receiving_school.directeur`` → "de directeur van de nieuwe school"."""
    party = localize(PARTIES.get(actor.party, {"en": actor.party}), language)
    if actor.role is None or actor.party in ("parents", "swv"):
        return party
    role = localize(ROLE_NAMES.get(actor.role, {"en": actor.role}), language)
    word = " van " if language == "nl" else " of "
    return role + word + party


def _listing(items: Sequence[str], language: str) -> str:
    if len(items) < 2:
        return "".join(items)
    word = " of " if language == "nl" else " or "
    return ", ".join(items[:-1]) + word + items[-1]


def who_guard(transition: CompiledTransition) -> Guard:
    """The person acts in a party and role the transition allows (``facts["actors"]``, the
    ``party.role`` texts of :func:`actors_of`)."""

    def check(attempt: Attempt) -> bool:
        actors: Collection[str] = attempt.facts.get("actors", ())
        return any(transition.allows(*_split(text)) for text in actors)

    def refusal(language: str) -> str:
        names = _listing([actor_text(actor, language) for actor in transition.who], language)
        if language == "nl":
            return f"Alleen {names} kan dit doen."
        return f"Only {names} can do this."

    return Guard("who", refusal, check)


def form_guard(form_id: str, form_title: FormTitle, kind: CaseKind = TRANSFER) -> Guard:
    """The form ``form_id`` has been sent for the case (``facts["forms_sent"]``)."""

    def refusal(language: str) -> str:
        title = form_title(form_id, language)
        this = localize(kind.this, language)
        if language == "nl":
            return f"Eerst moet het formulier '{title}' voor {this} verstuurd zijn."
        return f"The form '{title}' must be sent for {this} first."

    return Guard(
        f"form:{form_id}",
        refusal,
        lambda attempt: form_id in attempt.facts.get("forms_sent", ()),
    )


def _split(text: str) -> tuple[str, str | None]:
    actor = Actor.parse(text)
    return actor.party, actor.role


@dataclass(frozen=True)
class RunningProcedure:
    """A compiled procedure with its Workflow: what runtime.statuses.move checks a step with."""

    procedure: CompiledProcedure
    workflow: Workflow[enum.Enum]

    def transition(self, transition_id: str) -> CompiledTransition | None:
        return self.procedure.transitions.get(transition_id)

    def label(self, status: str, language: str) -> str:
        found = self.procedure.statuses.get(status)
        return localize(found.label, language) if found is not None else status

    def final(self, status: str) -> bool:
        found = self.procedure.statuses.get(status)
        return found is not None and found.final


def running(
    procedure: CompiledProcedure, form_title: FormTitle, kind: CaseKind = TRANSFER
) -> RunningProcedure:
    """The Workflow of ``procedure``: one transition per (from, to) of each of its transitions
    (a ``from`` list or ``any`` spelt out), guarded by who may make it and the forms it needs.
    Built once per procedure when the definitions are loaded (runtime/definitions.py)."""
    statuses = enum.Enum(  # type: ignore[misc]
        f"Status_{procedure.id}_{procedure.version}".replace("-", "_"),
        [(name, name) for name in procedure.statuses],
    )
    transitions = []
    for step in procedure.transitions.values():
        guards = (who_guard(step), *(form_guard(form, form_title, kind) for form in step.needs))
        for source in step.sources:
            transitions.append(Transition(statuses(source), statuses(step.target), guards))
    workflow: Workflow[enum.Enum] = Workflow(
        name=kind.name,
        statuses=statuses,
        initial=statuses(procedure.initial),
        transitions=tuple(transitions),
        labels={statuses(s.id): s.label for s in procedure.statuses.values()},
        subject_label=kind.label,
    )
    return RunningProcedure(procedure, workflow)


_BUILT: dict[tuple[str, str, int, str], RunningProcedure] = {}


def running_of(
    procedure: CompiledProcedure, form_title: FormTitle, kind: CaseKind = TRANSFER
) -> RunningProcedure:
    """:func:`running`, built once per kind of case, procedure version and content."""
    key = (kind.name, procedure.id, procedure.version, procedure.content_hash)
    found = _BUILT.get(key)
    if found is None:
        found = _BUILT[key] = running(procedure, form_title, kind)
    return found


@dataclass(frozen=True)
class Seat:
    """An organisation's place on a case: which party it is (e.g. the sending school)."""

    party: str
    organisation_id: uuid.UUID | None


def actors_of(
    procedure: CompiledProcedure,
    roles: Iterable[tuple[str, uuid.UUID | None]],
    seats: Iterable[Seat],
) -> list[str]:
    """The ``party.role`` texts a person with ``roles`` ((role, organisation id) pairs) acts
    in on a case whose organisations sit at ``seats``: a role counts where the procedure gives
    that party the role. A school that is both sending and receiving acts as both."""
    found: list[str] = []
    seated = [seat for seat in seats if seat.organisation_id is not None]
    for role, organisation in roles:
        for seat in seated:
            if seat.organisation_id == organisation and role in procedure.roles.get(seat.party, ()):
                text = f"{seat.party}.{role}"
                if text not in found:
                    found.append(text)
    return found

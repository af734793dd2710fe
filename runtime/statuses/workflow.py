"""The statuses a thing moves through, as data: no database, no web (docs/architecture.md,
"Statuses with history").

A :class:`Workflow` is an Enum of statuses and the :class:`Transition` s between them; each
transition may carry :class:`Guard` s (who may make it, what must be true first) and
:class:`Effect` s (jobs to run once the move is committed). A domain declares one in Python; the
transfer issue compiles a region's procedure definitions (YAML) into the same objects, which is
why guards and effects are values with a description a person can read, not code in a
controller. ``Workflow.check`` answers one question: may this attempt move a subject from its
current status to that one? It returns the transition, or raises :class:`TransitionRefused` with
a reason in the person's language. ``runtime.statuses.move`` does the database part.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from engine.messages import localize
from engine.model import Text

S = TypeVar("S", bound=enum.Enum)

# Reasons the mechanism itself gives; a guard brings its own.
REFUSALS: dict[str, dict[str, str]] = {
    "unknown_status": {
        "nl": "{subject}: de status '{target}' bestaat niet.",
        "en": "{subject}: there is no status '{target}'.",
    },
    "not_allowed": {
        "nl": "{subject}: van '{current}' kan het niet naar '{target}'.",
        "en": "{subject}: it cannot go from '{current}' to '{target}'.",
    },
    "guard": {
        "nl": "{subject}: van '{current}' naar '{target}' kan nog niet. {reason}",
        "en": "{subject}: it cannot go from '{current}' to '{target}' yet. {reason}",
    },
    "role": {
        "nl": "Dat mag alleen in de rol {roles}.",
        "en": "Only the role {roles} may do that.",
    },
}


def _or(items: Iterable[str], language: str) -> str:
    names = [f"'{item}'" for item in items]
    if len(names) < 2:
        return "".join(names)
    word = " of " if language == "nl" else " or "
    return ", ".join(names[:-1]) + word + names[-1]


@dataclass(frozen=True)
class Attempt:
    """Who asks for a move, in which role and why, with the facts the guards look at (forms
    complete, terms passed, ...), gathered by the caller: the guards read no database."""

    actor: Any = None  # an account id, or None for the system (a job, a sweep)
    role: str | None = None
    reason: str | None = None
    facts: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Guard:
    """A condition a transition needs. ``refusal`` is what a person reads when it does not
    hold (nl/en, or a ``Text`` from a definition); ``check`` decides on the attempt alone."""

    name: str
    refusal: Text | Callable[[str], str]
    check: Callable[[Attempt], bool]

    def reason(self, language: str) -> str:
        if callable(self.refusal):
            return self.refusal(language)
        return localize(self.refusal, language)


def role_guard(*roles: str) -> Guard:
    """Only a person acting in one of ``roles`` may make the move."""
    allowed = frozenset(roles)

    def refusal(language: str) -> str:
        template = localize(REFUSALS["role"], language)
        return template.format(roles=_or(sorted(allowed), language))

    return Guard("role", refusal, lambda attempt: attempt.role in allowed)


def fact_guard(fact: str, refusal: Text) -> Guard:
    """The move needs ``facts[fact]`` to be true (a form complete, a term passed, ...)."""
    return Guard(fact, refusal, lambda attempt: bool(attempt.facts.get(fact)))


@dataclass(frozen=True)
class Effect:
    """A job to defer (runtime/jobs) in the move's transaction, so that it runs if, and only
    if, the move is committed. ``arguments`` turns the subject's id into the task's keyword
    arguments; by default the task is given ``subject_id``."""

    task: str
    arguments: Callable[[str], Mapping[str, Any]] | None = None

    def kwargs(self, subject_id: str) -> dict[str, Any]:
        if self.arguments is None:
            return {"subject_id": subject_id}
        return dict(self.arguments(subject_id))


@dataclass(frozen=True)
class Transition(Generic[S]):
    source: S
    target: S
    guards: tuple[Guard, ...] = ()
    effects: tuple[Effect, ...] = ()


class TransitionRefused(Exception):
    """A move that may not be made, with the reason a person reads (``text(language)``)."""

    def __init__(self, code: str, texts: Mapping[str, str], **params: Any) -> None:
        self.code = code
        self.texts = dict(texts)
        self.params = params
        super().__init__(self.text("en"))

    def text(self, language: str) -> str:
        values = {
            key: value(language) if callable(value) else value for key, value in self.params.items()
        }
        return localize(self.texts, language).format(**values).strip()


@dataclass(frozen=True)
class Workflow(Generic[S]):
    """The statuses of one kind of subject (``name``: its table, "draft", "transfer", ...),
    the status a new one starts in, the moves between them and each status's name for people
    (``labels``; the Enum value when there is none)."""

    name: str
    statuses: type[S]
    initial: S
    transitions: tuple[Transition[S], ...]
    labels: Mapping[S, Text] = field(default_factory=dict)
    subject_label: Text | None = None

    def __post_init__(self) -> None:
        problems = []
        members = set(self.statuses)
        for status in (self.initial, *self.labels):
            if status not in members:
                problems.append(f"{status!r} is not a status of {self.statuses.__name__}")
        seen: set[tuple[S, S]] = set()
        for transition in self.transitions:
            for end in (transition.source, transition.target):
                if end not in members:
                    problems.append(f"{end!r} is not a status of {self.statuses.__name__}")
            pair = (transition.source, transition.target)
            if pair in seen:
                problems.append(f"two transitions from {pair[0].value} to {pair[1].value}")
            seen.add(pair)
        if problems:
            raise ValueError(f"workflow {self.name}: " + "; ".join(problems))

    def status(self, value: str | S) -> S:
        """The typed status of a stored value (KeyError-free: TransitionRefused if unknown)."""
        if isinstance(value, self.statuses):
            return value
        try:
            return self.statuses(value)
        except ValueError:
            raise TransitionRefused(
                "unknown_status", REFUSALS["unknown_status"], subject=self._subject, target=value
            ) from None

    def label(self, status: S, language: str) -> str:
        text = self.labels.get(status)
        return localize(text, language) if text is not None else str(status.value)

    def _subject(self, language: str) -> str:
        return localize(self.subject_label, language) if self.subject_label else self.name

    def moves_from(self, current: S | str) -> list[Transition[S]]:
        """Every transition out of ``current``, guards not looked at."""
        status = self.status(current)
        return [t for t in self.transitions if t.source == status]

    def transition(self, current: S | str, target: S | str) -> Transition[S]:
        """The transition from ``current`` to ``target``; TransitionRefused if there is none."""
        source, goal = self.status(current), self.status(target)
        for transition in self.transitions:
            if transition.source == source and transition.target == goal:
                return transition
        raise TransitionRefused(
            "not_allowed",
            REFUSALS["not_allowed"],
            subject=self._subject,
            current=lambda language: self.label(source, language),
            target=lambda language: self.label(goal, language),
        )

    def refusal(self, transition: Transition[S], attempt: Attempt) -> Guard | None:
        """The first guard of ``transition`` that does not hold for ``attempt``, if any."""
        return next((g for g in transition.guards if not g.check(attempt)), None)

    def check(self, current: S | str, target: S | str, attempt: Attempt) -> Transition[S]:
        """The transition if ``attempt`` may make it; else TransitionRefused with the reason."""
        transition = self.transition(current, target)
        guard = self.refusal(transition, attempt)
        if guard is not None:
            raise TransitionRefused(
                f"guard:{guard.name}",
                REFUSALS["guard"],
                subject=self._subject,
                current=lambda language: self.label(transition.source, language),
                target=lambda language: self.label(transition.target, language),
                reason=guard.reason,
            )
        return transition

    def available(self, current: S | str, attempt: Attempt) -> list[Transition[S]]:
        """The moves ``attempt`` may make now (the buttons a page shows)."""
        return [t for t in self.moves_from(current) if self.refusal(t, attempt) is None]

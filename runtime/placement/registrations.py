"""The input of a placement round, from POPO's own data: the registrations that take part,
each child's list of schools, and the facts the policy's rules ask about.

A registration takes part when it is a transfer of the procedure family ``aanmelding``
(parents registered their child with the aanmeldformulier, runtime/transfers/
registration.py), still open (not in a final status: withdrawn, refused, enrolled), received
in the round's registration window (the day it was made, in the Netherlands), and names at
least one school of the policy. Its list is the parents' order of preference (its
``TransferChoice`` rows) kept to the policy's schools, at most ``max_preferences`` of them. A
child registered twice counts once: the registration received last.

The facts per child (engine.placement.ChildFacts), for the rules (engine/placement/model.py):

- ``sibling``: a pupil enrolled at the school (``Pupil.current_school_id``) who shares a
  parent or guardian with the child: a guardian with the same e-mail address, or with the
  same name and phone number;
- ``neighbourhood``: the four digits of the postcode of the first parent on the child's
  aanmeldformulier (where the child lives);
- ``answer``: the yes/no questions the parents answered yes on it.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from engine.placement import ChildFacts, CompiledPolicy, postcode4

from ..clock import dutch_date
from ..definitions import Registry
from ..forms.models import Submission
from ..organisations.models import Organisation
from ..pupils.models import Guardian, Pupil
from ..transfers.models import Transfer

FAMILY = "aanmelding"  # the procedure family of parents' registrations


@dataclass(frozen=True)
class Registration:
    """One child in the round: the registration, the schools in the parents' order (codes),
    and the facts for the rules."""

    transfer_id: uuid.UUID
    pupil_id: uuid.UUID
    received: date
    schools: tuple[str, ...]
    first_choice_id: uuid.UUID | None
    facts: ChildFacts


def schools_of(session: Session, policy: CompiledPolicy) -> dict[str, Organisation]:
    """The policy's schools as POPO knows them, by code (a code POPO does not know is left
    out: :func:`register` tells ``popo placement run`` which)."""
    found = session.scalars(
        select(Organisation).where(
            Organisation.kind == "school", Organisation.code.in_(list(policy.schools))
        )
    )
    return {school.code: school for school in found}


def register(session: Session) -> dict[str, str | None]:
    """The school locations POPO knows (code → region), to check a policy against."""
    rows = session.execute(
        select(Organisation.code, Organisation.region).where(Organisation.kind == "school")
    )
    return {code: region for code, region in rows}


def gather(
    session: Session, registry: Registry, policy: CompiledPolicy
) -> tuple[list[Registration], dict[str, Organisation]]:
    """The registrations of the round (see the module), in no particular order, and the
    policy's schools by code."""
    schools = schools_of(session, policy)
    code_of = {school.id: code for code, school in schools.items()}
    families = {
        (entry.procedure.id, entry.procedure.version): entry.procedure
        for entry in registry.procedures.values()
        if entry.family == FAMILY
    }
    if not code_of or not families:
        return [], schools
    transfers = session.scalars(
        select(Transfer)
        .where(
            Transfer.procedure_id.in_({name for name, _ in families}),
            Transfer.started_by_party == "parents",
            Transfer.closed_at.is_(None),
            Transfer.receiving_school_id.is_not(None),
        )
        .options(selectinload(Transfer.choices))
        .order_by(Transfer.created_at, Transfer.id)
    ).all()
    latest: dict[uuid.UUID, Transfer] = {}
    for transfer in transfers:
        procedure = families.get((transfer.procedure_id, transfer.procedure_version))
        if procedure is None or procedure.statuses[transfer.status].final:
            continue
        if not policy.registration_window(dutch_date(_aware(transfer.created_at))):
            continue
        if not any(choice.school_id in code_of for choice in transfer.choices):
            continue
        latest[transfer.pupil_id] = transfer  # the one received last
    chosen = list(latest.values())
    answers = _answers(session, [t.id for t in chosen])
    siblings = _siblings(session, [t.pupil_id for t in chosen], code_of)
    found = []
    for transfer in chosen:
        listed = [code_of[c.school_id] for c in transfer.choices if c.school_id in code_of]
        given = answers.get(transfer.id, {})
        found.append(
            Registration(
                transfer_id=transfer.id,
                pupil_id=transfer.pupil_id,
                received=dutch_date(_aware(transfer.created_at)),
                schools=tuple(dict.fromkeys(listed))[: policy.max_preferences],
                first_choice_id=transfer.choices[0].school_id if transfer.choices else None,
                facts=ChildFacts(
                    siblings_at=frozenset(siblings.get(transfer.pupil_id, ())),
                    postcode=_postcode(given),
                    yes=frozenset(key for key, value in given.items() if value is True),
                ),
            )
        )
    return found, schools


def _answers(session: Session, transfers: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """The answers of each registration's aanmeldformulier (the one sent last)."""
    found: dict[uuid.UUID, dict[str, Any]] = {}
    for start in range(0, len(transfers), 500):
        rows = session.execute(
            select(Submission.transfer_id, Submission.answers)
            .where(Submission.transfer_id.in_(transfers[start : start + 500]))
            .order_by(Submission.submitted_at)
        )
        for transfer_id, answers in rows:
            if transfer_id is not None and isinstance(answers, dict):
                found[transfer_id] = answers
    return found


def _postcode(answers: dict[str, Any]) -> str | None:
    for row in answers.get("ouders") or []:
        if isinstance(row, dict) and row.get("ouder_postcode"):
            return postcode4(row["ouder_postcode"])
    return None


def _keys(guardian: Guardian) -> list[tuple[str, str]]:
    """What identifies a parent across their children's records."""
    keys = []
    if guardian.email and guardian.email.strip():
        keys.append(("email", guardian.email.strip().casefold()))
    if guardian.telefoon and guardian.naam.strip():
        name = " ".join(guardian.naam.casefold().split())
        keys.append(("name_phone", f"{name}|{guardian.telefoon}"))
    return keys


def _siblings(
    session: Session, children: list[uuid.UUID], code_of: dict[uuid.UUID, str]
) -> dict[uuid.UUID, set[str]]:
    """child → the policy's schools where a pupil sharing a guardian with it is enrolled."""
    own: dict[uuid.UUID, list[tuple[str, str]]] = defaultdict(list)
    emails: set[str] = set()
    phones: set[str] = set()
    for start in range(0, len(children), 500):
        for guardian in session.scalars(
            select(Guardian).where(Guardian.pupil_id.in_(children[start : start + 500]))
        ):
            for kind, text in _keys(guardian):
                own[guardian.pupil_id].append((kind, text))
                if kind == "email":
                    emails.add(text)
                else:
                    phones.add(text.rpartition("|")[2])
    if not own:
        return {}
    enrolled = session.execute(
        select(Guardian, Pupil.id, Pupil.current_school_id)
        .join(Pupil, Guardian.pupil_id == Pupil.id)
        .where(
            Pupil.current_school_id.in_(list(code_of)),
            or_(
                func.lower(Guardian.email).in_(emails or {""}),
                Guardian.telefoon.in_(phones or {""}),
            ),
        )
    )
    schools_by_key: dict[tuple[str, str], set[tuple[uuid.UUID, str]]] = defaultdict(set)
    for guardian, pupil_id, school_id in enrolled:
        for shared in _keys(guardian):
            if school_id in code_of:
                schools_by_key[shared].add((pupil_id, code_of[school_id]))
    found: dict[uuid.UUID, set[str]] = {}
    for child, keys in own.items():
        for shared in keys:
            for pupil_id, code in schools_by_key.get(shared, set()):
                if pupil_id != child:
                    found.setdefault(child, set()).add(code)
    return found


def _aware(moment: datetime) -> datetime:
    """A stored moment as an aware one (SQLite gives it back without its zone, UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)

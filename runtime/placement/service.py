"""The placement round as POPO runs it: asked for (queued, with its job), run by the job
(the registrations gathered, pseudonymised, placed by engine/placement, the log made and
stored with every child's placement), and read back for the pages.

Pseudonymisation: a child appears in the round's input and log only by a token, the first 16
hexadecimal digits of an HMAC of the registration's id under a key derived from the secret key
and the policy's id and version. So the tokens of one round say nothing outside it, the input
(and its hash) is fixed before the seed is drawn, and a round run again on the same
registrations with the same seed gives the same result. The seed comes from Python's
``secrets`` module when the round runs, after its input is fixed and hashed (unless whoever
asked for the round gave one: ``popo placement run --seed``); it is recorded in the log.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import uuid
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.errors import HintedError
from engine.messages import localize
from engine.placement import CompiledPolicy, check_placement_file
from engine.placement.lottery import draw_for
from engine.placement.match import (
    Child,
    Explanation,
    Instance,
    Priority,
    Refusal,
    School,
    describe,
    place,
)
from engine.placement.roundlog import input_sha256, make_log

from .. import jobs
from ..clock import clock_of
from ..definitions import PlacementEntry, Registry
from ..organisations.models import Organisation
from ..pupils.models import Pupil
from ..settings import Settings
from ..statuses.db import move
from ..transfers.models import Transfer
from . import registrations
from .models import ROUND, Placement, PlacementRound, RoundStatus

if TYPE_CHECKING:
    from ..state import AppState

log = logging.getLogger("popo.placement")

TOKEN_LABEL = b"popo placement tokens v1"
TASK = "placement_round"


class RoundRefused(Exception):
    """A round that cannot be asked for now: the policy's problems, or its date to come."""

    def __init__(self, message: str, hint: str = "", problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.problems = problems or []


def token_key(settings: Settings) -> bytes:
    return hmac.new(settings.secret_key.encode("utf-8"), TOKEN_LABEL, "sha256").digest()


def token_of(key: bytes, policy: CompiledPolicy, transfer_id: uuid.UUID) -> str:
    message = f"{policy.id}@{policy.version}/{transfer_id}".encode()
    return "k" + hmac.new(key, message, "sha256").hexdigest()[:16]


@dataclass(frozen=True)
class SchoolCount:
    """One school's line in a round's overview: no pupil data."""

    code: str
    name: str
    capacity: int
    applicants: int  # children who listed it
    first_choices: int
    placed: int
    cutoff: Priority | None  # the last admitted child's (group rank, lottery number)

    @property
    def full(self) -> bool:
        return self.placed >= self.capacity


@dataclass(frozen=True)
class Placed:
    """A placement as a page shows it, with its child."""

    placement: Placement
    pupil: Pupil
    reference: str


class PlacementService:
    def __init__(
        self, session: Session, registry: Registry, settings: Settings | None = None
    ) -> None:
        self.session = session
        self.registry = registry
        self.settings = settings
        self.clock = clock_of(session)

    # ------------------------------------------------------------------ asking for a round

    def problems(self, entry: PlacementEntry) -> list[str]:
        """What stands in the way of a round of ``entry``: its errors against the schools POPO
        knows (file:line:col, as ``popo check`` writes them)."""
        result = check_placement_file(entry.path, registrations.register(self.session), forms=[])
        found = [d.render() for d in result.diagnostics.errors]
        if (
            result.compiled is not None
            and result.compiled.content_hash != entry.policy.content_hash
        ):
            found.append(f"{entry.path}: the file changed since POPO started; restart it first")
        return found

    def queue(
        self,
        entry: PlacementEntry,
        *,
        requested_by: str,
        seed: str | None = None,
        early: bool = False,
    ) -> PlacementRound:
        """A new round of ``entry``, queued with its job in this transaction; refused with
        the policy's problems, or before the day the round runs (unless ``early``)."""
        policy = entry.policy
        problems = self.problems(entry)
        if problems:
            raise RoundRefused(
                f"the policy {policy.id}@{policy.version} has errors", "fix them first", problems
            )
        today = self.clock.today()
        if today < policy.runs_on and not early:
            raise RoundRefused(
                f"the round of {policy.id}@{policy.version} runs on "
                f"{policy.runs_on.isoformat()}, and today is {today.isoformat()}",
                "registrations may still come in; to run a trial round now, pass --early",
            )
        if seed is not None and (not seed or "\0" in seed or len(seed) > 200):
            raise RoundRefused("a seed is a text of 1 to 200 characters, without a zero byte")
        round_ = PlacementRound(
            policy_id=policy.id,
            policy_version=policy.version,
            policy_hash=policy.content_hash,
            region=policy.region,
            status=RoundStatus.QUEUED,
            seed=seed,
            seed_given=seed is not None,
            requested_by=requested_by,
            requested_at=self.clock.now(),
        )
        self.session.add(round_)
        self.session.flush()
        jobs.defer(self.session, TASK, round_id=str(round_.id))
        return round_

    # ------------------------------------------------------------------ running it

    def compute(self, round_: PlacementRound) -> None:
        """The work of a running round (see the module): its placements and log, stored."""
        entry = self.registry.placement(round_.policy_id, round_.policy_version)
        if entry is None or entry.policy.content_hash != round_.policy_hash:
            raise RoundRefused(
                f"the policy {round_.policy_id}@{round_.policy_version} is no longer the one "
                "the round was asked for"
            )
        policy = entry.policy
        found, schools = registrations.gather(self.session, self.registry, policy)
        assert self.settings is not None, "a round is run with the application's settings"
        key = token_key(self.settings)
        tokens = {r.transfer_id: token_of(key, policy, r.transfer_id) for r in found}
        by_token = {tokens[r.transfer_id]: r for r in found}
        children = tuple(
            Child(
                tokens[r.transfer_id],
                tuple(
                    (code, policy.rank(r.facts, code, position))
                    for position, code in enumerate(r.schools, 1)
                ),
            )
            for r in sorted(found, key=lambda r: tokens[r.transfer_id])
        )
        instance = Instance(
            children,
            tuple(School(code, s.capacity) for code, s in policy.schools.items()),
            policy.group_ids,
        )
        round_.input_hash = input_sha256(instance)
        self.session.flush()  # the input is fixed before the seed is drawn
        seed = round_.seed or secrets.token_hex(16)
        round_.seed = seed
        lottery = draw_for(instance, seed, policy.lottery)
        result = place(instance, lottery)
        round_.log = make_log(instance, policy.lottery, seed, result, policy.summary())
        for token, registration in by_token.items():
            explanation = result.explain(token)
            school = explanation.school
            self.session.add(
                Placement(
                    round_id=round_.id,
                    token=token,
                    transfer_id=registration.transfer_id,
                    pupil_id=registration.pupil_id,
                    school_id=schools[school].id if school in schools else None,
                    first_choice_id=registration.first_choice_id,
                    choice=explanation.choice,
                    group_id=explanation.group,
                    number=explanation.priority.number if explanation.priority else None,
                    explanation=asdict(explanation),
                )
            )
        round_.children = len(children)
        round_.placed = sum(1 for school in result.placed.values() if school is not None)

    # ------------------------------------------------------------------ reading it

    def rounds(self, policy: CompiledPolicy) -> list[PlacementRound]:
        """Every round of the policy's version, the newest first."""
        return list(
            self.session.scalars(
                select(PlacementRound)
                .where(
                    PlacementRound.policy_id == policy.id,
                    PlacementRound.policy_version == policy.version,
                )
                .order_by(PlacementRound.requested_at.desc(), PlacementRound.id)
            )
        )

    def result(self, policy: CompiledPolicy) -> PlacementRound | None:
        """The round whose result counts: the newest finished one of the policy's version."""
        return self.session.scalar(
            select(PlacementRound)
            .where(
                PlacementRound.policy_id == policy.id,
                PlacementRound.policy_version == policy.version,
                PlacementRound.status == RoundStatus.FINISHED,
            )
            .order_by(PlacementRound.finished_at.desc(), PlacementRound.id)
            .limit(1)
        )

    def published(self, policy: CompiledPolicy) -> bool:
        """Whether schools and parents see the result (from the day it is published)."""
        return self.clock.today() >= policy.results_published

    def counts(self, round_: PlacementRound, policy: CompiledPolicy) -> list[SchoolCount]:
        """Every school's places, applicants, first choices, placed children and cutoff."""
        data = self.log_of(round_) or {}
        children = (data.get("input") or {}).get("children") or []
        cutoffs = (data.get("result") or {}).get("cutoffs") or {}
        placed = (data.get("result") or {}).get("placed") or {}
        names = self.school_names(policy)
        found = []
        for code, school in policy.schools.items():
            listed = [c for c in children if any(p[0] == code for p in c["preferences"])]
            first = [c for c in listed if c["preferences"][0][0] == code]
            cutoff = cutoffs.get(code)
            found.append(
                SchoolCount(
                    code=code,
                    name=names.get(code, code),
                    capacity=school.capacity,
                    applicants=len(listed),
                    first_choices=len(first),
                    placed=sum(1 for at in placed.values() if at == code),
                    cutoff=Priority(*cutoff) if cutoff else None,
                )
            )
        return found

    def parents_view(self, transfer: Transfer, language: str) -> dict[str, Any] | None:
        """What the parents' page says of their child's placement: nothing before a round
        placed the child; the day of the result until it is published; then the school (or
        none) and why."""
        found = self.of_transfer(transfer)
        if found is None:
            return None
        entry, _round, placement = found
        policy = entry.policy
        published = self.published(policy)
        school = (
            self.session.get(Organisation, placement.school_id) if placement.school_id else None
        )
        return {
            "title": localize(policy.title, language),
            "published": published,
            "published_on": policy.results_published,
            "school": school.name if school is not None and published else None,
            "explanation": self.explain(placement, policy, language) if published else "",
        }

    def log_of(self, round_: PlacementRound) -> dict[str, Any] | None:
        return self.session.scalar(select(PlacementRound.log).where(PlacementRound.id == round_.id))

    def school_names(self, policy: CompiledPolicy) -> dict[str, str]:
        rows = self.session.execute(
            select(Organisation.code, Organisation.name).where(
                Organisation.kind == "school", Organisation.code.in_(list(policy.schools))
            )
        )
        return {code: name for code, name in rows}

    def group_names(self, policy: CompiledPolicy, language: str) -> dict[str, str]:
        return {group.id: localize(group.label, language) for group in policy.groups}

    def placed_at(self, round_: PlacementRound, school: Organisation) -> list[Placed]:
        """The children placed at ``school`` in the round, in the school's order: priority
        group, then lottery number. The caller has reached the school (the scope rule)."""
        rows = self.session.execute(
            select(Placement, Pupil, Transfer.reference)
            .join(Pupil, Placement.pupil_id == Pupil.id)
            .join(Transfer, Placement.transfer_id == Transfer.id)
            .where(Placement.round_id == round_.id, Placement.school_id == school.id)
        ).all()
        found = [Placed(p, pupil, reference) for p, pupil, reference in rows]
        entry = self.registry.placement(round_.policy_id, round_.policy_version)
        groups = entry.policy.group_ids if entry is not None else ()
        order = {group: rank for rank, group in enumerate(groups)}
        return sorted(
            found,
            key=lambda p: (
                order.get(p.placement.group_id or "", len(order)),
                p.placement.number or 0,
            ),
        )

    def unplaced(self, round_: PlacementRound, readable: Any) -> list[Placed]:
        """The children without a place, that the person may read (``readable``: the scope
        rule's condition on an organisation column: the school they listed first)."""
        rows = self.session.execute(
            select(Placement, Pupil, Transfer.reference)
            .join(Pupil, Placement.pupil_id == Pupil.id)
            .join(Transfer, Placement.transfer_id == Transfer.id)
            .where(
                Placement.round_id == round_.id,
                Placement.school_id.is_(None),
                readable(Placement.first_choice_id),
            )
            .order_by(Pupil.achternaam, Pupil.voornamen)
        ).all()
        return [Placed(p, pupil, reference) for p, pupil, reference in rows]

    def unplaced_count(self, round_: PlacementRound) -> int:
        return int(
            self.session.scalar(
                select(func.count())
                .select_from(Placement)
                .where(Placement.round_id == round_.id, Placement.school_id.is_(None))
            )
            or 0
        )

    def of_transfer(
        self, transfer: Transfer
    ) -> tuple[PlacementEntry, PlacementRound, Placement] | None:
        """The registration's placement in the round whose result counts, if it had one."""
        rows = self.session.execute(
            select(PlacementRound, Placement)
            .join(Placement, Placement.round_id == PlacementRound.id)
            .where(
                Placement.transfer_id == transfer.id,
                PlacementRound.status == RoundStatus.FINISHED,
            )
            .order_by(PlacementRound.finished_at.desc())
        ).all()
        for round_, placement in rows:
            entry = self.registry.placement(round_.policy_id, round_.policy_version)
            if entry is None:
                continue
            current = self.result(entry.policy)
            if current is not None and current.id == round_.id:
                return entry, round_, placement
        return None

    def explain(self, placement: Placement, policy: CompiledPolicy, language: str) -> str:
        """The placement's explanation in sentences, in ``language``."""
        return describe(
            explanation_from_json(placement.explanation),
            language,
            school_names=self.school_names(policy),
            group_names=self.group_names(policy, language),
        )


def explanation_from_json(data: dict[str, Any]) -> Explanation:
    """An explanation as :meth:`PlacementService.compute` stored it (dataclasses.asdict)."""

    def priority(value: Any) -> Priority | None:
        return Priority(value["rank"], value["number"]) if value else None

    refusals = tuple(
        Refusal(
            school=item["school"],
            choice=item["choice"],
            reason=item["reason"],
            own=Priority(item["own"]["rank"], item["own"]["number"]),
            cutoff=priority(item["cutoff"]),
            own_group=item["own_group"],
            cutoff_group=item["cutoff_group"],
        )
        for item in data.get("refusals", ())
    )
    return Explanation(
        child=data["child"],
        school=data["school"],
        choice=data["choice"],
        listed=data["listed"],
        priority=priority(data.get("priority")),
        group=data.get("group"),
        refusals=refusals,
    )


# ---------------------------------------------------------------------- the job


def run_round(state: AppState, round_id: uuid.UUID) -> RoundStatus | None:
    """The job's body: run a queued round (once: a round that is running or done is left
    alone). A failure is recorded on the round, with what went wrong but no pupil data."""
    with state.db.session() as session:
        round_ = session.get(PlacementRound, round_id, with_for_update=True)
        if round_ is None or round_.status is not RoundStatus.QUEUED:
            return None
        move(session, round_, RoundStatus.RUNNING, workflow=ROUND)
        round_.started_at = clock_of(session).now()
    try:
        with state.db.session() as session:
            round_ = session.get(PlacementRound, round_id, with_for_update=True)
            assert round_ is not None
            PlacementService(session, state.registry, state.settings).compute(round_)
            move(session, round_, RoundStatus.FINISHED, workflow=ROUND)
            round_.finished_at = clock_of(session).now()
        log.info("placement round finished", extra={"round": str(round_id)})
        return RoundStatus.FINISHED
    except Exception as exc:
        # never the text of an unknown error: it may hold what a registration held
        known = isinstance(exc, HintedError | RoundRefused)
        problem = str(exc) if known else type(exc).__name__
        log.error("placement round failed (%s)", problem, extra={"round": str(round_id)})
        with state.db.session() as session:
            round_ = session.get(PlacementRound, round_id, with_for_update=True)
            assert round_ is not None
            move(session, round_, RoundStatus.FAILED, workflow=ROUND, reason=problem[:500])
            round_.problem = problem[:2000]
            round_.finished_at = clock_of(session).now()
        return RoundStatus.FAILED

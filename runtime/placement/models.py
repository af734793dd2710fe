"""The tables of placement: a round of a region's placement policy (which version, the seed,
its status, the log that proves it) and each child's placement in it (the school, or none,
with the explanation).

A round moves through the statuses of :data:`ROUND` (runtime/statuses): queued when it is
asked for, running while the job works, finished with its result or failed (why, without
pupil data). The children appear in the log only by their round's tokens; the placement rows
link each token to the registration (transfer) and pupil it stands for, and to the school
placed at: the organisation column the scope rule reads."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db.base import Base, utcnow
from ..statuses.column import StatusColumn
from ..statuses.workflow import Transition, Workflow


class RoundStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"


ROUND = Workflow(
    name="placement_round",
    statuses=RoundStatus,
    initial=RoundStatus.QUEUED,
    transitions=(
        Transition(RoundStatus.QUEUED, RoundStatus.RUNNING),
        Transition(RoundStatus.QUEUED, RoundStatus.FAILED),
        Transition(RoundStatus.RUNNING, RoundStatus.FINISHED),
        Transition(RoundStatus.RUNNING, RoundStatus.FAILED),
    ),
    labels={
        RoundStatus.QUEUED: {"nl": "in de wachtrij", "en": "queued"},
        RoundStatus.RUNNING: {"nl": "bezig", "en": "running"},
        RoundStatus.FINISHED: {"nl": "klaar", "en": "finished"},
        RoundStatus.FAILED: {"nl": "mislukt", "en": "failed"},
    },
    subject_label={"nl": "Plaatsingsronde", "en": "Placement round"},
)


class PlacementRound(Base):
    """One run of a placement policy (``policy_id`` version ``policy_version``, whose content
    hash was ``policy_hash``). ``seed`` is drawn when the round runs (or given by whoever
    asked for it: ``seed_given``); ``input_hash`` is the SHA-256 of its pseudonymised input,
    and ``log`` the whole verifiable log (engine/placement/roundlog.py)."""

    __tablename__ = "placement_round"
    __table_args__ = (Index("ix_placement_round_policy", "policy_id", "policy_version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    policy_id: Mapped[str] = mapped_column(String(100))
    policy_version: Mapped[int] = mapped_column(Integer)
    policy_hash: Mapped[str] = mapped_column(String(64))
    region: Mapped[str] = mapped_column(String(40))
    status: Mapped[RoundStatus] = mapped_column(
        StatusColumn(RoundStatus), default=RoundStatus.QUEUED
    )
    seed: Mapped[str | None] = mapped_column(String(200))
    seed_given: Mapped[bool] = mapped_column(default=False)
    input_hash: Mapped[str | None] = mapped_column(String(64))
    children: Mapped[int] = mapped_column(Integer, default=0)
    placed: Mapped[int] = mapped_column(Integer, default=0)
    log: Mapped[dict[str, Any] | None] = mapped_column(deferred=True)
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    problem: Mapped[str | None] = mapped_column(Text)  # why it failed: no pupil data


class Placement(Base):
    """A child's outcome in a round: ``token`` as the log names the child, the registration
    (``transfer_id``) and pupil it stands for, the school placed at (None: no place), its
    position on the child's list (``choice``), the priority group there (``group_id``, None:
    none) and lottery number, and the explanation (the engine's, as JSON: the schools above
    and why not). ``first_choice_id`` is the school the parents listed first: who may read
    an unplaced child (the scope rule, on it or on the school placed at)."""

    __tablename__ = "placement"
    __table_args__ = (
        UniqueConstraint("round_id", "token", name="uq_placement_round_token"),
        Index("ix_placement_school", "school_id", "round_id"),
        Index("ix_placement_first_choice", "first_choice_id", "round_id"),
        Index("ix_placement_transfer", "transfer_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    round_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("placement_round.id"))
    token: Mapped[str] = mapped_column(String(40))
    transfer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("transfer.id"))
    pupil_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pupil.id"))
    school_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisation.id"))
    first_choice_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisation.id"))
    choice: Mapped[int | None] = mapped_column(Integer)
    group_id: Mapped[str | None] = mapped_column(String(40))
    number: Mapped[int | None] = mapped_column(Integer)
    explanation: Mapped[dict[str, Any]] = mapped_column()

"""The audit log: who saw or changed which pupil data, when, from where and why.

Events are only ever appended. Each event's hash covers its content and the previous event's
hash, so that changing or deleting an event breaks every hash after it (``popo audit verify``).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from ..db.models import AuditEvent

GENESIS = "0" * 64


def pupil_key(bsn_or_number: str | None) -> str | None:
    """Events name a pupil by a hash of their number, never the number itself."""
    if not bsn_or_number:
        return None
    return hashlib.sha256(f"popo-pupil:{bsn_or_number}".encode()).hexdigest()


_FIELDS = (
    "at", "user_id", "actor", "role", "organisation_id", "action", "object_type", "object_id",
    "pupil", "purpose", "address",
)  # fmt: skip


def _digest(values: dict[str, Any], previous: str) -> str:
    """The hash of one event's content and the previous event's hash."""
    payload = json.dumps(
        {
            "at": values["at"].astimezone(UTC).isoformat(),
            "user": str(values["user_id"]) if values["user_id"] else None,
            "actor": values["actor"],
            "role": values["role"],
            "organisation": str(values["organisation_id"]) if values["organisation_id"] else None,
            "action": values["action"],
            "object_type": values["object_type"],
            "object_id": values["object_id"],
            "pupil": values["pupil"],
            "purpose": values["purpose"],
            "address": values["address"],
            "previous": previous,
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


_INSERT = insert(AuditEvent.__table__)  # built once; each event only brings its parameters
_LAST = select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)


def _values(event: AuditEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in _FIELDS}


@dataclass(frozen=True)
class Actor:
    user_id: uuid.UUID | None
    name: str
    role: str | None
    organisation_id: uuid.UUID | None
    address: str | None


def record(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str,
    purpose: str,
    pupil: str | None = None,
) -> None:
    """Append one event to the chain, in the caller's transaction (a core INSERT: this runs on
    every request that touches pupil data)."""
    if session.get_bind().dialect.name == "postgresql":
        # one writer at a time extends the chain
        session.execute(text("SELECT pg_advisory_xact_lock(727473)"))
    previous = session.scalar(_LAST) or GENESIS
    values: dict[str, Any] = {
        "at": datetime.now(UTC),
        "user_id": actor.user_id,
        "actor": actor.name,
        "role": actor.role,
        "organisation_id": actor.organisation_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "pupil": pupil_key(pupil),
        "purpose": purpose,
        "address": actor.address,
    }
    values["previous_hash"] = previous
    values["hash"] = _digest(values, previous)
    session.execute(_INSERT, values)


def verify(session: Session) -> tuple[int, int | None]:
    """(number of events checked, id of the first broken event or None)."""
    previous = GENESIS
    count = 0
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
        count += 1
        if event.previous_hash != previous or _digest(_values(event), previous) != event.hash:
            return count, event.id
        previous = event.hash
    return count, None


def for_pupil(
    session: Session, number: str, organisations: set[uuid.UUID] | None = None
) -> list[AuditEvent]:
    """Every recorded access to one pupil's data: what a parent is shown on request (AVG 15).
    With ``organisations``: only accesses to drafts of those organisations."""
    from ..db.models import Draft

    query = select(AuditEvent).where(AuditEvent.pupil == pupil_key(number))
    if organisations is not None:
        drafts = [
            str(draft_id)
            for draft_id in session.scalars(
                select(Draft.id).where(Draft.organisation_id.in_(organisations))
            )
        ]
        query = query.where(AuditEvent.object_type == "draft", AuditEvent.object_id.in_(drafts))
    return list(session.scalars(query.order_by(AuditEvent.id)))

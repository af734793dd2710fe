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

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ..db.models import AuditEvent

GENESIS = "0" * 64


def pupil_key(bsn_or_number: str | None) -> str | None:
    """Events name a pupil by a hash of their number, never the number itself."""
    if not bsn_or_number:
        return None
    return hashlib.sha256(f"popo-pupil:{bsn_or_number}".encode()).hexdigest()


def _digest(event: AuditEvent, previous: str) -> str:
    payload = json.dumps(
        {
            "at": event.at.astimezone(UTC).isoformat(),
            "user": str(event.user_id) if event.user_id else None,
            "actor": event.actor,
            "role": event.role,
            "organisation": str(event.organisation_id) if event.organisation_id else None,
            "action": event.action,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "pupil": event.pupil,
            "purpose": event.purpose,
            "address": event.address,
            "previous": previous,
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


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
) -> AuditEvent:
    if session.get_bind().dialect.name == "postgresql":
        # one writer at a time extends the chain
        session.execute(text("SELECT pg_advisory_xact_lock(727473)"))
    last = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    previous = last or GENESIS
    event = AuditEvent(
        at=datetime.now(UTC),
        user_id=actor.user_id,
        actor=actor.name,
        role=actor.role,
        organisation_id=actor.organisation_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        pupil=pupil_key(pupil),
        purpose=purpose,
        address=actor.address,
        previous_hash=previous,
        hash="",
    )
    event.hash = _digest(event, previous)
    session.add(event)
    session.flush()
    return event


def verify(session: Session) -> tuple[int, int | None]:
    """(number of events checked, id of the first broken event or None)."""
    previous = GENESIS
    count = 0
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
        count += 1
        if event.previous_hash != previous or _digest(event, previous) != event.hash:
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

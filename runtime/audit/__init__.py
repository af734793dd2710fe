"""The audit log: who saw or changed which pupil data, when, from where and why.

Events are only ever appended. Each event's hash is an HMAC-SHA256, with the audit key
(``Settings.audit_key``), over its content and the previous event's hash: changing or deleting
an event breaks every hash after it, and without the key nobody can write a chain that
``popo audit verify`` accepts. The chain's head is recorded as an anchor (the first event of
each day, every ``ANCHOR_EVERY``-th event, and on ``popo audit anchor``); verify checks that every
anchor is still on the chain, so that cutting off the newest events is noticed as well.

A request writes its events in its own transaction, as rows without their place on the chain:
no request waits for another's, and an event is never held only in memory (what commits is
there; what rolls back never happened). :func:`chain` then gives the committed ones their place
in order, one chainer at a time (the job ``audit_chain``, every minute, and ``popo audit
chain``); ``popo audit verify`` says how many are not chained yet and since when.

Pupils are named by an HMAC of their number, never the number itself. Events written before
the key (migration 0008) keep their plain SHA-256 hashes and pupil keys: they cannot be
re-keyed because the number is not stored. Verify accepts them only at the start of the chain,
sealed by a keyed event or anchor after them; :func:`for_pupil` finds both kinds.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    bindparam,
    cast,
    false,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from renderers import i18n

from ..clock import clock_of
from .models import AuditAnchor, AuditEvent

GENESIS = "0" * 64
ANCHOR_EVERY = 1000  # besides the first event of each day


def N_(message: str) -> str:
    """Marks a text for translation where it is defined; it is translated where it is shown."""
    return message


# What an access was for: recorded in English (followed by ": <form id>"), shown translated.
PURPOSES = (
    N_("download an attachment"),
    N_("download the OSO export"),
    N_("download the archived submission"),
    N_("fill in the form"),
    N_("see the submission"),
    N_("see what an OSO import carried"),
    N_("start from an OSO dossier"),
    N_("submit the form"),
    N_("switch off a parent's link"),
)
ACTIONS = {"read": N_("read"), "change": N_("changed")}
ROLES = {
    "medewerker": N_("staff member"),
    "intern_begeleider": N_("intern begeleider"),
    "directeur": N_("head teacher"),
    "privacy_officer": N_("privacy officer"),
    "bestuur": N_("school board"),
    "swv": N_("samenwerkingsverband"),
    "consultant": N_("consultant"),
    "beheerder": N_("administrator"),
    "parent": N_("parent"),
}


def _mac(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def pupil_key(key: bytes, bsn_or_number: str | None) -> str | None:
    """Events name a pupil by a keyed hash of their number, never the number itself."""
    if not bsn_or_number:
        return None
    return _mac(key, f"popo-pupil:{bsn_or_number}")


def legacy_pupil_key(bsn_or_number: str) -> str:
    """The unkeyed pupil key of events written before migration 0008."""
    return hashlib.sha256(f"popo-pupil:{bsn_or_number}".encode()).hexdigest()


_FIELDS = (
    "at", "user_id", "actor", "role", "organisation_id", "action", "object_type", "object_id",
    "pupil", "purpose", "address",
)  # fmt: skip


def _payload(values: dict[str, Any], previous: str) -> str:
    return json.dumps(
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


def _digest(key: bytes, values: dict[str, Any], previous: str) -> str:
    """The keyed hash of one event's content and the previous event's hash."""
    return _mac(key, _payload(values, previous))


def _legacy_digest(values: dict[str, Any], previous: str) -> str:
    """The unkeyed hash of events written before migration 0008."""
    return hashlib.sha256(_payload(values, previous).encode("utf-8")).hexdigest()


def _anchor_mac(key: bytes, event_id: int, event_hash: str) -> str:
    return _mac(key, f"popo-audit-anchor:{event_id}:{event_hash}")


# built once; each event only brings its parameters
_INSERT = insert(AuditEvent.__table__)
_LAST = (
    select(AuditEvent.seq, AuditEvent.hash, AuditEvent.at)
    .where(AuditEvent.seq.is_not(None))
    .order_by(AuditEvent.seq.desc())
    .limit(1)
)
CHAIN_LOCK = 727473  # PostgreSQL's advisory lock of the one chainer
CHAIN_BATCH = 5000  # events chained per statement batch


def _values(event: Any) -> dict[str, Any]:
    """The hashed content of an event (an :class:`AuditEvent` or a row of its table)."""
    return {name: getattr(event, name) for name in _FIELDS}


def _day(moment: datetime) -> date:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).date()


@dataclass(frozen=True)
class Actor:
    user_id: uuid.UUID | None
    name: str
    role: str | None
    organisation_id: uuid.UUID | None
    address: str | None


def record(
    session: Session,
    key: bytes,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str,
    purpose: str,
    pupil: str | None = None,
) -> None:
    """Write one event in the caller's transaction (a core INSERT: this runs on every request
    that touches pupil data), not chained yet: :func:`chain` gives it its place after the
    transaction committed, so that no request holds a lock of the whole log."""
    values: dict[str, Any] = {
        "at": clock_of(session).now(),
        "user_id": actor.user_id,
        "actor": actor.name,
        "role": actor.role,
        "organisation_id": actor.organisation_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "pupil": pupil_key(key, pupil),
        "purpose": purpose,
        "address": actor.address,
    }
    session.execute(_INSERT, values)


def chain(session: Session, key: bytes, limit: int | None = None) -> int:
    """Give the committed events not chained yet their place on the chain, in the order they
    were written (their id), at most ``limit``; how many were chained. The first event of a
    day and every ``ANCHOR_EVERY``-th are anchored. One chainer at a time: on PostgreSQL
    another one running at the same moment makes this one return 0 at once (its lock); on
    SQLite the write lock of the transaction serialises them."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    if postgresql and not session.scalar(select(func.pg_try_advisory_xact_lock(CHAIN_LOCK))):
        return 0
    last = session.execute(_LAST).first()
    seq, previous = (last.seq, last.hash) if last else (0, GENESIS)
    previous_day = _day(last.at) if last else None
    table = AuditEvent.__table__
    chained = 0
    while limit is None or chained < limit:
        size = CHAIN_BATCH if limit is None else min(CHAIN_BATCH, limit - chained)
        waiting = session.execute(
            select(table).where(table.c.seq.is_(None)).order_by(table.c.id).limit(size)
        ).all()
        if not waiting:
            break
        changes, anchors = [], []
        for event in waiting:
            seq += 1
            values = _values(event)
            digest = _digest(key, values, previous)
            changes.append(
                {"b_id": event.id, "seq": seq, "previous_hash": previous, "hash": digest}
            )
            day = _day(event.at)
            if day != previous_day or seq % ANCHOR_EVERY == 0:
                anchors.append((event.id, digest))
            previous, previous_day = digest, day
        session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(
                seq=bindparam("seq"),
                previous_hash=bindparam("previous_hash"),
                hash=bindparam("hash"),
            ),
            changes,
        )
        for event_id, digest in anchors:
            _add_anchor(session, key, event_id, digest)
        chained += len(waiting)
    return chained


def _add_anchor(session: Session, key: bytes, event_id: int, event_hash: str) -> AuditAnchor:
    anchor = AuditAnchor(
        at=clock_of(session).now(),
        event_id=event_id,
        event_hash=event_hash,
        mac=_anchor_mac(key, event_id, event_hash),
    )
    session.add(anchor)
    session.flush()
    return anchor


def anchor(session: Session, key: bytes) -> AuditAnchor | None:
    """Chain what is waiting and record the chain's head now (``popo audit anchor``); None
    while the chain is empty. Operators keep the printed head elsewhere too: verify
    ``--head`` checks it is on the chain."""
    chain(session, key)
    last = session.execute(
        select(AuditEvent.id, AuditEvent.hash)
        .where(AuditEvent.seq.is_not(None))
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    if last is None or last.hash is None:
        return None
    return _add_anchor(session, key, last.id, last.hash)


class Verification(NamedTuple):
    checked: int
    broken: int | None  # the first event that does not fit the chain
    problem: str | None  # what is wrong, for people (None: the chain is intact)
    head: tuple[int, str] | None  # the last event's id and hash
    unchained: int = 0  # events written but not chained yet (the chainer's tail)
    unchained_since: datetime | None = None  # when the oldest of them was written


def unchained(session: Session) -> tuple[int, datetime | None]:
    """How many events wait for the chainer, and since when."""
    count, since = session.execute(
        select(func.count(), func.min(AuditEvent.at)).where(AuditEvent.seq.is_(None))
    ).one()
    return int(count), since


def verify(session: Session, key: bytes, heads: Iterable[str] = ()) -> Verification:
    """Check every chained event's keyed hash, link and place, that every recorded anchor (and
    every head in ``heads``, kept elsewhere by operators) is still on the chain, and that
    events from before the key are sealed by a keyed event or anchor after them; and count the
    events not chained yet (not a fault: the chainer's tail, which it reports)."""
    waiting, since = unchained(session)

    def result(checked: int, broken: int | None, problem: str | None) -> Verification:
        return Verification(checked, broken, problem, head, waiting, since)

    head: tuple[int, str] | None = None
    anchors: dict[int, list[AuditAnchor]] = {}
    for found in session.scalars(select(AuditAnchor).order_by(AuditAnchor.id)):
        if not hmac.compare_digest(found.mac, _anchor_mac(key, found.event_id, found.event_hash)):
            return result(0, None, f"anchor {found.id} was not written with the key")
        anchors.setdefault(found.event_id, []).append(found)
    anchored = set(anchors)
    wanted = set(heads)
    previous, count, keyed, last_legacy = GENESIS, 0, False, None
    chained = select(AuditEvent).where(AuditEvent.seq.is_not(None)).order_by(AuditEvent.seq)
    for event in session.scalars(chained):
        count += 1
        values = _values(event)
        if event.previous_hash != previous or event.seq != count or event.hash is None:
            return result(count, event.id, f"event {event.id} does not follow on")
        if hmac.compare_digest(event.hash, _digest(key, values, previous)):
            keyed = True
        elif not keyed and event.hash == _legacy_digest(values, previous):
            last_legacy = event.id  # from before the key: allowed only at the start
        else:
            return result(count, event.id, f"event {event.id} was changed")
        for found in anchors.pop(event.id, []):
            if found.event_hash != event.hash:
                return result(count, event.id, f"anchor {found.id} is not on the chain")
        wanted.discard(event.hash)
        previous, head = event.hash, (event.id, event.hash)
    if anchors:
        missing = min(anchors)
        return result(count, None, f"event {missing} of an anchor is missing: events were removed")
    if wanted:
        return result(count, None, "a head kept elsewhere is not on the chain")
    if last_legacy is not None and not keyed and last_legacy not in anchored:
        return result(
            count,
            None,
            "the events from before the audit key are not sealed yet: run `popo audit anchor`",
        )
    return result(count, None, None)


@dataclass(frozen=True)
class Subject:
    """A kind of object the audit log names (``object_type``), by its id and the organisation
    it belongs to: a domain declares its own (its plugin's ``audited``), so that the log can
    be shown to those who may read those organisations' records."""

    object_type: str
    id: InstrumentedAttribute[Any]
    # the organisation it belongs to; or several (a transfer: both schools), read by any
    organisation: InstrumentedAttribute[Any] | tuple[InstrumentedAttribute[Any], ...]

    def organisations(self) -> tuple[InstrumentedAttribute[Any], ...]:
        found = self.organisation
        return found if isinstance(found, tuple) else (found,)

    # the domain's own purposes of accesses to it (marked with N_), shown translated too
    purposes: tuple[str, ...] = ()


SUBJECTS: dict[str, Subject] = {}  # filled from the domains (runtime/domains.py)


def register(*subjects: Subject) -> None:
    for subject in subjects:
        SUBJECTS[subject.object_type] = subject


def _known_purpose(what: str) -> bool:
    return what in PURPOSES or any(what in s.purposes for s in SUBJECTS.values())


def for_pupil(
    session: Session,
    key: bytes,
    number: str,
    readable: Callable[[Any], ColumnElement[bool]] | None = None,
) -> list[AuditEvent]:
    """Every recorded access to one pupil's data: what a parent is shown on request (AVG 15).
    With ``readable`` (a condition on an organisation column, such as
    access.scope.audit_log_readable): only accesses to the objects of organisations it holds
    for, of the declared :class:`Subject` kinds, selected in the same query. Finds events with
    the keyed pupil key and with the unkeyed one of before migration 0008."""
    keys = [pupil_key(key, number), legacy_pupil_key(number)]
    query = select(AuditEvent).where(AuditEvent.pupil.in_(keys))
    if readable is not None:
        # an event names its object as text; compared without hyphens, as SQLite stores a UUID
        query = query.where(
            or_(
                false(),
                *(
                    and_(
                        AuditEvent.object_type == subject.object_type,
                        func.replace(AuditEvent.object_id, "-", "").in_(
                            select(func.replace(cast(subject.id, String), "-", "")).where(
                                or_(*(readable(column) for column in subject.organisations()))
                            )
                        ),
                    )
                    for subject in SUBJECTS.values()
                ),
            )
        )
    return list(session.scalars(query.order_by(AuditEvent.id)))


@dataclass(frozen=True)
class AccessGroup:
    """The accesses of one person to one object, with one action and purpose, on one day:
    every autosave is recorded, and shown as one line with how many there were."""

    day: date
    actor: str
    role: str | None
    object_type: str
    object_id: str
    action: str
    purpose: str
    count: int
    first: datetime
    last: datetime
    addresses: tuple[str, ...]
    organisation_id: uuid.UUID | None = None  # the organisation the person acted for


def grouped(events: Iterable[AuditEvent]) -> list[AccessGroup]:
    """Events grouped per person, object, action, purpose and day, in order of first access."""
    groups: dict[tuple[Any, ...], list[AuditEvent]] = {}
    for event in events:
        key = (
            _day(event.at), event.actor, event.role, event.object_type, event.object_id,
            event.action, event.purpose,
        )  # fmt: skip
        groups.setdefault(key, []).append(event)
    result = [
        AccessGroup(
            *key,
            count=len(members),
            first=min(e.at for e in members),
            last=max(e.at for e in members),
            addresses=tuple(dict.fromkeys(e.address for e in members if e.address)),
            organisation_id=members[0].organisation_id,
        )
        for key, members in groups.items()
    ]
    return sorted(result, key=lambda group: group.first)


def action_text(language: str, action: str) -> str:
    return i18n.gettext(language, ACTIONS[action]) if action in ACTIONS else action


def role_text(language: str, role: str | None) -> str:
    if not role:
        return ""
    return i18n.gettext(language, ROLES[role]) if role in ROLES else role


def purpose_text(language: str, purpose: str) -> str:
    """A recorded purpose ("fill in the form: <form id>") in ``language``: only the fixed
    purposes (``PURPOSES`` and the domains' own, :class:`Subject`) are translated, never free
    text."""
    what, separator, form_id = purpose.partition(": ")
    if not _known_purpose(what):
        return purpose
    return i18n.gettext(language, what) + separator + form_id


def purpose_words(language: str, purpose: str) -> str:
    """A recorded purpose without its detail (the form id, the reference), in ``language``:
    what a parent reads beside the object it was about. Free text stays as recorded."""
    what, _, _ = purpose.partition(": ")
    return i18n.gettext(language, what) if _known_purpose(what) else purpose

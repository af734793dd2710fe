"""Notifications: what happened, told to a person by e-mail (through the outbox) and in the
application, from one call, ``notify``.

Every event kind is declared by the domain that sends it (its plugin's ``events``), with the
closed list of facts its texts may use; its texts are Jinja templates per language in the
domain's ``templates/mail/<event>.<language>.txt`` (the subject on the first line, a blank
line, the body). A notification never carries pupil data:
no names, no BSN, no answers, only what happened and a link to where a logged-in person may
see more. Rendering refuses a fact the event does not declare (tests/runtime/
test_notifications.py checks the declarations and the templates against each other).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engine.messages import localize
from renderers import i18n

from .. import outbox
from ..clock import clock_of
from .models import Notification

MAX_FACT_LENGTH = 200
REF_LENGTH = 64  # Notification.ref


class Recipient(Protocol):
    """Whom a notification is for: an account (runtime/access), known here by what it has."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def email(self) -> str: ...
    @property
    def language(self) -> str: ...


@dataclass(frozen=True)
class Event:
    """An event kind: the facts its texts may use (never pupil data), which of them are dates,
    and whether it is also shown in the application (not a mail whose link is a secret)."""

    kind: str
    facts: frozenset[str]
    dates: frozenset[str] = frozenset()
    in_app: bool = True
    # facts that are a text per language ({"nl": ..., "en": ...}, a label from a definition),
    # written in the recipient's language
    texts: frozenset[str] = frozenset()


EVENTS: dict[str, Event] = {}  # filled from the domains (runtime/domains.py)
_FOLDERS: dict[str, Path] = {}  # each event's folder of texts


def register(folder: Path, *events: Event) -> None:
    """Declare events whose texts are ``<kind>.<language>.txt`` in ``folder`` (a domain's
    ``templates/mail``); a kind is declared once."""
    for event in events:
        known = EVENTS.get(event.kind)
        if known is not None and (known != event or _FOLDERS[event.kind] != folder):
            raise ValueError(f"two notification events are called {event.kind!r}")
        EVENTS[event.kind] = event
        _FOLDERS[event.kind] = folder


def texts(kind: str, language: str) -> Path:
    """The file of an event's text in a language."""
    event_of(kind)
    return _FOLDERS[kind] / f"{kind}.{language}.txt"


class UndeclaredFact(ValueError):
    """A notification was given a fact its event does not declare, or one of the wrong kind."""


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


def event_of(kind: str) -> Event:
    try:
        return EVENTS[kind]
    except KeyError:
        raise UndeclaredFact(f"unknown notification event {kind!r}") from None


def checked(event: Event, facts: Mapping[str, Any]) -> dict[str, Any]:
    """The facts, if they are exactly the event's declared ones, each a short text, a number
    or (when declared so) a date; else ``UndeclaredFact``."""
    extra = sorted(set(facts) - event.facts)
    if extra:
        raise UndeclaredFact(
            f"notification {event.kind!r} does not declare the fact(s) {', '.join(extra)}; "
            f"it may use only: {', '.join(sorted(event.facts)) or 'none'}"
        )
    missing = sorted(event.facts - set(facts))
    if missing:
        raise UndeclaredFact(f"notification {event.kind!r} needs the fact(s) {', '.join(missing)}")
    for name, value in facts.items():
        if name in event.dates:
            if not isinstance(value, date):
                raise UndeclaredFact(f"fact {name!r} of {event.kind!r} must be a date")
        elif name in event.texts:
            if not isinstance(value, Mapping) or not all(
                isinstance(k, str) and isinstance(v, str) and len(v) <= MAX_FACT_LENGTH
                for k, v in value.items()
            ):
                raise UndeclaredFact(
                    f"fact {name!r} of {event.kind!r} must be a short text per language"
                )
        elif isinstance(value, bool) or not isinstance(value, str | int):
            raise UndeclaredFact(f"fact {name!r} of {event.kind!r} must be a text or a number")
        elif len(str(value)) > MAX_FACT_LENGTH:
            raise UndeclaredFact(f"fact {name!r} of {event.kind!r} is longer than a name")
    return dict(facts)


@cache
def environment(folder: Path) -> Environment:
    """The Jinja environment of one folder of notification texts."""
    return Environment(
        loader=FileSystemLoader(str(folder)),
        undefined=StrictUndefined,
        autoescape=False,  # plain text mail
        keep_trailing_newline=True,
    )


def render(kind: str, language: str, link: str, facts: Mapping[str, Any]) -> Message:
    """The subject and body of an event in a language, from its template, with only its
    declared facts (dates written in that language) and the link."""
    event = event_of(kind)
    values = checked(event, facts)
    language = i18n.normalize(language)
    for name in event.dates:
        values[name] = i18n.format_date(values[name], language)
    for name in event.texts:
        values[name] = localize(values[name], language)
    template = environment(_FOLDERS[kind]).get_template(f"{kind}.{language}.txt")
    text = template.render(link=link, **values)
    subject, _, body = text.partition("\n\n")
    return Message(subject.strip(), body.strip() + "\n")


def recipient_language(account: Recipient) -> str:
    """The language the account keeps (chosen at login or with the language switch)."""
    return i18n.normalize(account.language)


def _stored(event: Event, facts: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if k in event.dates else v for k, v in facts.items()}


def _loaded(event: Event, facts: Mapping[str, Any]) -> dict[str, Any]:
    return {k: date.fromisoformat(v) if k in event.dates else v for k, v in facts.items()}


def notify(
    session: Session,
    event: str,
    recipients: Sequence[Recipient],
    link: str,
    *,
    ref: str | None = None,
    expires_at: datetime | None = None,
    **facts: Any,
) -> int:
    """Tell each recipient, in their own language (``recipient_language``), that ``event``
    happened: a mail through the outbox and (for events shown in the application) a
    notification row, both in the caller's transaction. ``ref`` names the object the event is
    about: a recipient already notified of it is not notified again (a job that runs twice).
    The number notified."""
    kind = event_of(event)
    checked(kind, facts)  # refused before anything is written, whoever the recipients are
    if ref is not None and len(ref) > REF_LENGTH:
        # a long name of the object (an id, a version, a task) is kept by its digest: the same
        # name gives the same ref, so a recipient is still told once
        ref = hashlib.sha256(ref.encode("utf-8")).hexdigest()[:REF_LENGTH]
    messages: dict[str, Message] = {}
    told = 0
    for account in recipients:
        language = recipient_language(account)
        if language not in messages:
            messages[language] = render(event, language, link, facts)
        message = messages[language]
        if kind.in_app:
            if ref is not None and session.scalar(
                select(Notification.id).where(
                    Notification.user_id == account.id,
                    Notification.event == event,
                    Notification.ref == ref,
                )
            ):
                continue
            session.add(
                Notification(
                    user_id=account.id,
                    event=event,
                    ref=ref,
                    facts=_stored(kind, facts),
                    link=link,
                )
            )
        outbox.enqueue(session, account.email, message.subject, message.body, expires_at)
        told += 1
    session.flush()
    return told


@dataclass(frozen=True)
class Shown:
    """A notification as its person sees it, in their current language."""

    id: uuid.UUID
    title: str
    link: str
    created_at: datetime
    read: bool


def shown(notification: Notification, language: str) -> Shown:
    event = event_of(notification.event)
    message = render(
        notification.event, language, notification.link, _loaded(event, notification.facts)
    )
    return Shown(
        notification.id,
        message.subject,
        notification.link,
        notification.created_at,
        notification.read_at is not None,
    )


def of_user(session: Session, user_id: uuid.UUID, limit: int = 100) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id)
            .order_by(Notification.created_at.desc())
            .limit(limit)
        )
    )


def unread(session: Session, user_id: uuid.UUID) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        )
        or 0
    )


def mark_read(
    session: Session, user_id: uuid.UUID, notification_id: uuid.UUID | None = None
) -> Notification | None:
    """Mark one of the person's notifications read (or all of them: no id); another person's
    is not touched and not returned."""
    now = clock_of(session).now()
    query = update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    if notification_id is None:
        session.execute(query.values(read_at=now))
        return None
    session.execute(query.where(Notification.id == notification_id).values(read_at=now))
    found = session.get(Notification, notification_id)
    return found if found is not None and found.user_id == user_id else None

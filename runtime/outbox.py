"""The outbox: e-mail is written to a table in the transaction of the request that wants it
sent, and delivered by a background sender with retries and backoff. A request never waits for
the mail server, and never fails because it is down.

- ``enqueue`` adds a message (inside the caller's transaction);
- ``deliver_due`` sends what is due, one claim per message, so that several processes can
  run senders on one database without sending a message twice while a claim lasts;
- ``start_sender``/``stop_sender`` run it periodically for the application's lifetime;
- ``popo mail pending`` and ``popo mail send-pending`` show and send it by hand.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from . import mail
from .db.models import OutboxMessage
from .db.session import Database
from .settings import Settings

log = logging.getLogger("popo.outbox")
MAX_ATTEMPTS = 12  # with doubling delays from POPO_MAIL_RETRY_SECONDS, capped at an hour
MAX_DELAY = timedelta(hours=1)
KEEP_SENT = timedelta(days=7)  # then a sent message's row (already without body) is removed
BATCH = 20


def enqueue(
    session: Session,
    recipient: str,
    subject: str,
    body: str,
    expires_at: datetime | None = None,
) -> None:
    session.add(
        OutboxMessage(
            recipient=recipient,
            subject=subject,
            body=body,
            expires_at=expires_at,
            attempts=0,
            next_attempt_at=datetime.now(UTC),
        )
    )
    session.flush()


def _delay(settings: Settings, attempts: int) -> timedelta:
    seconds = settings.mail_retry_seconds * 2 ** max(0, attempts - 1)
    return min(timedelta(seconds=seconds), MAX_DELAY)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Delivery:
    sent: int = 0
    failed: int = 0
    expired: int = 0


def deliver_due(
    database: Database,
    settings: Settings,
    everything: bool = False,
    stopping: threading.Event | None = None,
) -> Delivery:
    """Send the messages that are due (``everything``: also those waiting for a retry or
    past their last attempt). Each attempt is recorded before it is made; ``stopping`` ends the
    round after the message being sent."""
    sent = failed = expired = 0
    now = datetime.now(UTC)
    with database.session() as session:
        query = select(OutboxMessage.id, OutboxMessage.attempts).where(
            OutboxMessage.sent_at.is_(None), OutboxMessage.body != ""
        )
        if not everything:
            query = query.where(
                OutboxMessage.next_attempt_at <= now, OutboxMessage.attempts < MAX_ATTEMPTS
            )
        due = session.execute(query.order_by(OutboxMessage.created_at).limit(BATCH)).all()
        session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.sent_at.is_not(None), OutboxMessage.sent_at < now - KEEP_SENT
            )
        )
    for message_id, attempts in due:
        if stopping is not None and stopping.is_set():
            break
        with database.session() as session:
            # claim: whoever moves the attempt counter on sends; the next attempt time is also
            # the claim's end, should this process die while sending
            claimed = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id, OutboxMessage.attempts == attempts)
                .values(
                    attempts=attempts + 1,
                    next_attempt_at=datetime.now(UTC) + _delay(settings, attempts + 1),
                )
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                continue
            message = session.get(OutboxMessage, message_id)
            assert message is not None
            if message.expires_at is not None and _aware(message.expires_at) < now:
                message.body = ""  # a reset link in it no longer works: nothing to send
                message.last_error = "expired before it could be sent"
                expired += 1
                continue
            recipient, subject, body = message.recipient, message.subject, message.body
        try:
            mail.send(settings, recipient, subject, body)
        except (OSError, mail.SMTPException) as error:
            failed += 1
            log.warning("mail not sent", extra={"outbox_id": str(message_id), "error": repr(error)})
            with database.session() as session:
                session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == message_id)
                    .values(last_error=repr(error)[:2000])
                )
            continue
        sent += 1
        with database.session() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id)
                .values(sent_at=datetime.now(UTC), body="", last_error=None)
            )
    return Delivery(sent, failed, expired)


def pending(session: Session) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.body != "")
            .order_by(OutboxMessage.created_at)
        )
    )


async def _run(database: Database, settings: Settings, stopping: threading.Event) -> None:
    interval = max(0.05, min(1.0, settings.mail_retry_seconds))
    while not stopping.is_set():
        try:
            await asyncio.to_thread(deliver_due, database, settings, False, stopping)
        except Exception:  # the database may be away for a moment: try again later
            log.exception("outbox sender")
        await asyncio.sleep(interval)


@dataclass
class Sender:
    task: asyncio.Task[None]
    stopping: threading.Event


def start_sender(database: Database, settings: Settings) -> Sender:
    """The periodic sender, for the application's lifetime (its lifespan starts it)."""
    stopping = threading.Event()
    return Sender(asyncio.create_task(_run(database, settings, stopping), name="outbox"), stopping)


async def stop_sender(sender: Sender) -> None:
    sender.stopping.set()  # a message being sent is finished, no further one is started
    sender.task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await sender.task

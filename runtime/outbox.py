"""The outbox: e-mail is written to a table in the transaction of the request that wants it
sent, together with the job that sends it (runtime/jobs); a request never waits for the mail
server, and never fails because it is down.

- ``enqueue`` adds a message and its ``send_mail`` job (inside the caller's transaction);
- ``deliver`` (the job) claims one message and sends it; a failed attempt is recorded on the
  row (attempts, last error) together with the job of the next attempt, after a doubling wait
  from POPO_MAIL_RETRY_SECONDS, capped at an hour, at most ``MAX_ATTEMPTS`` in all;
- ``sweep`` (a periodic job) defers again what a lost job left unsent, and removes old rows;
- ``popo mail pending`` and ``popo mail send-pending`` show and send it by hand.

The claim (the attempt counter moved on in one UPDATE) makes sure one message is sent once
while its claim lasts, whichever worker, process or machine runs its jobs.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Integer, String, Text, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from . import jobs, mail
from .clock import clock_of
from .db.base import Base, utcnow
from .db.session import Database
from .jobs.spec import task
from .settings import Settings

if TYPE_CHECKING:
    from .state import AppState

log = logging.getLogger("popo.outbox")
MAX_ATTEMPTS = 12  # with doubling delays from POPO_MAIL_RETRY_SECONDS, capped at an hour
MAX_DELAY = timedelta(hours=1)
KEEP_SENT = timedelta(days=7)  # then a sent message's row (already without body) is removed
LOST_AFTER = timedelta(minutes=2)  # a message due this long has lost its job: the sweep defers
BATCH = 20


class OutboxMessage(Base):
    """An e-mail to send, written in the transaction of the request that asks for it and sent
    by a background sender (below): no request waits for or fails on SMTP."""

    __tablename__ = "outbox_message"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)  # emptied once sent or expired
    expires_at: Mapped[datetime | None] = mapped_column()  # not worth sending after this
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)


def enqueue(
    session: Session,
    recipient: str,
    subject: str,
    body: str,
    expires_at: datetime | None = None,
) -> None:
    message = OutboxMessage(
        recipient=recipient,
        subject=subject,
        body=body,
        expires_at=expires_at,
        attempts=0,
        next_attempt_at=clock_of(session).now(),
    )
    session.add(message)
    session.flush()
    jobs.defer(session, "send_mail", outbox_id=str(message.id))


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


def deliver(
    database: Database, settings: Settings, message_id: uuid.UUID, now_or_never: bool = False
) -> str:
    """One attempt at one message: "sent", "failed", "expired" or "skipped" (sent already,
    not due yet, out of attempts, or claimed by another sender). ``now_or_never``: also a
    message waiting for its retry or past its last attempt (``popo mail send-pending``)."""
    now = database.clock.now()
    with database.session() as session:
        message = session.get(OutboxMessage, message_id)
        if message is None or message.sent_at is not None or message.body == "":
            return "skipped"
        attempts = message.attempts
        if not now_or_never and (_aware(message.next_attempt_at) > now or attempts >= MAX_ATTEMPTS):
            return "skipped"  # a later job (its retry) or nobody sends it
        # claim: whoever moves the attempt counter on sends; the next attempt time is also
        # the claim's end, should this process die while sending
        claimed = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.attempts == attempts)
            .values(attempts=attempts + 1, next_attempt_at=now + _delay(settings, attempts + 1))
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return "skipped"
        if message.expires_at is not None and _aware(message.expires_at) < now:
            message.body = ""  # a reset link in it no longer works: nothing to send
            message.last_error = "expired before it could be sent"
            return "expired"
        recipient, subject, body = message.recipient, message.subject, message.body
    try:
        mail.send(settings, recipient, subject, body)
    except (OSError, mail.SMTPException) as error:
        log.warning("mail not sent", extra={"outbox_id": str(message_id), "error": repr(error)})
        with database.session() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id)
                .values(last_error=repr(error)[:2000])
            )
            if attempts + 1 < MAX_ATTEMPTS:  # the next attempt, committed with this record
                jobs.defer(
                    session,
                    "send_mail",
                    delay=_delay(settings, attempts + 1).total_seconds(),
                    outbox_id=str(message_id),
                )
        return "failed"
    with database.session() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(sent_at=database.clock.now(), body="", last_error=None)
        )
    return "sent"


def deliver_due(database: Database, settings: Settings, everything: bool = False) -> Delivery:
    """Send, in this process, the messages that are due (``everything``: also those waiting
    for a retry or past their last attempt)."""
    now = database.clock.now()
    with database.session() as session:
        query = select(OutboxMessage.id).where(
            OutboxMessage.sent_at.is_(None), OutboxMessage.body != ""
        )
        if not everything:
            query = query.where(
                OutboxMessage.next_attempt_at <= now, OutboxMessage.attempts < MAX_ATTEMPTS
            )
        due = session.scalars(query.order_by(OutboxMessage.created_at).limit(BATCH)).all()
    outcomes = [deliver(database, settings, message_id, everything) for message_id in due]
    return Delivery(outcomes.count("sent"), outcomes.count("failed"), outcomes.count("expired"))


def sweep(database: Database) -> int:
    """Defer again the messages whose job was lost (due for a while, not sent: huey drops a
    job whose worker was killed while running it); remove sent rows after a week. The number
    deferred. A message with a job still waiting is deferred twice at worst: the claim sends
    it once."""
    now = database.clock.now()
    with database.session() as session:
        lost = session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.body != "",
                OutboxMessage.attempts < MAX_ATTEMPTS,
                OutboxMessage.next_attempt_at <= now - LOST_AFTER,
            )
            .limit(BATCH * 5)
        ).all()
        for message_id in lost:
            jobs.defer(session, "send_mail", outbox_id=str(message_id))
        session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.sent_at.is_not(None), OutboxMessage.sent_at < now - KEEP_SENT
            )
        )
    if lost:
        log.info("outbox sweep deferred lost messages", extra={"count": len(lost)})
    return len(lost)


def pending(session: Session) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.body != "")
            .order_by(OutboxMessage.created_at)
        )
    )


@task("send_mail", queue="mail")  # the outbox counts and spaces its own attempts
def send_mail(state: AppState, outbox_id: str) -> None:
    deliver(state.db, state.settings, uuid.UUID(outbox_id))


@task("mail_sweep", queue="mail", cron="* * * * *")
def mail_sweep(state: AppState) -> None:
    sweep(state.db)


TASKS = (send_mail, mail_sweep)

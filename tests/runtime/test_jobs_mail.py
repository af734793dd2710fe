"""The outbox on the job library: a message and the job that sends it are committed (or rolled
back) together; a job that was lost is deferred again by the outbox's sweep. Delivered to a
real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, text, update

from runtime import jobs, outbox
from runtime.outbox import OutboxMessage
from runtime.state import AppState

from .test_password_reset import Inbox, smtp  # noqa: F401 - the SMTP server fixture


class Rollback(Exception):
    pass


@pytest.fixture
def mailing(seeded: AppState, smtp: tuple[Inbox, int]) -> Iterator[tuple[AppState, Inbox]]:  # noqa: F811
    inbox, port = smtp
    settings = seeded.settings.replace(smtp_host="127.0.0.1", smtp_port=port)
    jobs.run_until_idle(seeded)  # earlier tests' archives (and their notifications' mail)
    with seeded.db.session() as session:
        session.execute(delete(OutboxMessage))
    yield dataclasses.replace(seeded, settings=settings), inbox
    with seeded.db.session() as session:
        session.execute(delete(OutboxMessage))


def mail_jobs(state: AppState) -> list[str]:
    return [kwargs["outbox_id"] for name, kwargs in jobs.waiting(state) if name == "send_mail"]


def test_a_message_and_its_job_are_committed_together_and_sent_by_the_worker(
    mailing: tuple[AppState, Inbox],
) -> None:
    state, inbox = mailing
    before = mail_jobs(state)
    with pytest.raises(Rollback), state.db.session() as session:
        outbox.enqueue(session, "never@example.org", "Niet", "Teruggedraaid")
        raise Rollback
    with state.db.session() as session:
        assert session.scalars(select(OutboxMessage)).all() == []
    assert sorted(mail_jobs(state)) == sorted(before)
    with state.db.session() as session:
        outbox.enqueue(session, "ouder@example.org", "Onderwerp", "Er is iets gebeurd.")
        (message,) = session.scalars(select(OutboxMessage)).all()
    assert sorted(mail_jobs(state)) == sorted([*before, str(message.id)])
    jobs.run_until_idle(state)
    assert [m["To"] for m in inbox.messages] == ["ouder@example.org"]
    with state.db.session() as session:
        sent = session.get(OutboxMessage, message.id)
        assert sent is not None and sent.sent_at is not None and sent.attempts == 1
        assert sent.body == ""
    jobs.run_until_idle(state)  # a job run twice (a retry, a sweep) does not send it again
    assert len(inbox.messages) == 1


def test_a_lost_mail_job_is_deferred_again_by_the_sweep(
    mailing: tuple[AppState, Inbox],
) -> None:
    state, inbox = mailing
    with state.db.session() as session:
        outbox.enqueue(session, "verloren@example.org", "Onderwerp", "Tekst")
        (message,) = session.scalars(select(OutboxMessage)).all()
    with state.db.session() as session:  # the job is gone, as a killed huey worker loses it
        if state.settings.is_sqlite:
            session.execute(text("DELETE FROM task"))
        else:
            session.execute(text("DELETE FROM procrastinate_jobs WHERE task_name = 'send_mail'"))
    assert str(message.id) not in mail_jobs(state)
    assert outbox.sweep(state.db) == 0  # not due for long enough: its job may still come
    with state.db.session() as session:
        session.execute(
            update(OutboxMessage).values(
                next_attempt_at=datetime.now(UTC) - outbox.LOST_AFTER - timedelta(seconds=1)
            )
        )
    assert outbox.sweep(state.db) == 1
    jobs.run_until_idle(state)
    assert [m["To"] for m in inbox.messages] == ["verloren@example.org"]

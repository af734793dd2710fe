"""Statuses with history in the database (runtime/statuses/history.py), on SQLite and on
PostgreSQL: a move sets the status, writes its history row and defers its jobs in the caller's
one transaction; a refused or rolled-back move leaves nothing behind."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, inspect, select

from runtime import jobs
from runtime.access.models import UserAccount
from runtime.clock import FrozenClock
from runtime.db.session import Database
from runtime.forms.models import Draft
from runtime.forms.status import DRAFT, DraftStatus
from runtime.jobs.spec import Task, extra_tasks
from runtime.state import AppState
from runtime.statuses import (
    Attempt,
    Effect,
    StatusChange,
    Transition,
    TransitionRefused,
    Workflow,
    history,
    move,
    role_guard,
)

AT = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)


class Case(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    REOPENED = "reopened"


WORKFLOW = Workflow(
    name="statuses-test",
    statuses=Case,
    initial=Case.OPEN,
    transitions=(
        Transition(Case.OPEN, Case.CLOSED, effects=(Effect("status_test_notify"),)),
        Transition(Case.CLOSED, Case.REOPENED, guards=(role_guard("swv"),)),
    ),
    subject_label={"nl": "Zaak", "en": "Case"},
)


class Rollback(Exception):
    pass


@pytest.fixture(autouse=True)
def notify_task() -> Iterator[None]:
    """The task of WORKFLOW's closing move; a test that runs it brings its own body."""
    with extra_tasks(Task("status_test_notify", lambda state, subject_id: None)):
        yield


@pytest.fixture
def db(app_state: AppState) -> Database:
    return Database(app_state.settings, FrozenClock(AT))


@pytest.fixture
def subject(db: Database) -> uuid.UUID:
    with db.session() as session:
        draft = Draft(
            form_id="statuses-test",
            form_version=1,
            definition_hash="-",
            answers={},
            attempted_pages={},
        )
        session.add(draft)
        session.flush()
        return draft.id


def notified(state: AppState, subject: uuid.UUID) -> list[dict[str, object]]:
    return [
        kwargs
        for task, kwargs in jobs.waiting(state)
        if task == "status_test_notify" and kwargs == {"subject_id": str(subject)}
    ]


def test_a_move_sets_the_status_writes_its_history_and_defers_its_job_in_one_transaction(
    app_state: AppState, db: Database, subject: uuid.UUID
) -> None:
    actor = uuid.uuid4()
    ran: list[str] = []
    done: list[str] = []
    with extra_tasks(Task("status_test_notify", lambda state, subject_id: ran.append(subject_id))):
        with db.session() as session:
            draft = session.get(Draft, subject)
            moved = move(
                session,
                draft,
                Case.CLOSED,
                workflow=WORKFLOW,
                actor=actor,
                role="ib",
                reason="dubbel",
                after=lambda: done.append("after"),
            )
            assert moved.target is Case.CLOSED
            assert done == []  # not before the commit
        assert done == ["after"]
        assert notified(app_state, subject) == [{"subject_id": str(subject)}]
        jobs.run_until_idle(app_state)
        assert ran == [str(subject)]
    with db.session() as session:
        draft = session.get(Draft, subject)
        assert draft is not None and draft.status == "closed"
        [change] = history(session, WORKFLOW, draft)
        assert (change.subject_type, change.subject_id) == ("statuses-test", str(subject))
        assert (change.from_status, change.to_status) == ("open", "closed")
        assert (change.actor_id, change.role, change.reason) == (actor, "ib", "dubbel")
        assert change.at.replace(tzinfo=change.at.tzinfo or UTC) == AT  # the application's clock


def test_a_refused_move_changes_nothing_and_says_why(db: Database, subject: uuid.UUID) -> None:
    with pytest.raises(TransitionRefused) as refused, db.session() as session:
        move(session, session.get(Draft, subject), "reopened", workflow=WORKFLOW, role="ib")
    assert refused.value.text("nl") == "Zaak: van 'open' kan het niet naar 'reopened'."
    with db.session() as session:
        draft = session.get(Draft, subject)
        assert draft is not None and draft.status == "open"
        assert history(session, WORKFLOW, draft) == []


def test_a_guarded_move_is_refused_for_the_wrong_role_and_made_for_the_right_one(
    db: Database, subject: uuid.UUID
) -> None:
    with db.session() as session:
        move(session, session.get(Draft, subject), Case.CLOSED, workflow=WORKFLOW)
    with pytest.raises(TransitionRefused) as refused, db.session() as session:
        move(session, session.get(Draft, subject), Case.REOPENED, workflow=WORKFLOW, role="ib")
    assert refused.value.text("en") == (
        "Case: it cannot go from 'closed' to 'reopened' yet. Only the role 'swv' may do that."
    )
    with db.session() as session:
        draft = session.get(Draft, subject)
        move(session, draft, Case.REOPENED, workflow=WORKFLOW, role="swv", reason="bezwaar")
        moves = history(session, WORKFLOW, draft)
        assert [(c.from_status, c.to_status, c.role) for c in moves] == [
            ("open", "closed", None),
            ("closed", "reopened", "swv"),
        ]


def test_a_rolled_back_move_leaves_no_history_no_job_and_runs_nothing_after(
    app_state: AppState, db: Database, subject: uuid.UUID
) -> None:
    done: list[str] = []
    with pytest.raises(Rollback), db.session() as session:
        move(
            session,
            session.get(Draft, subject),
            Case.CLOSED,
            workflow=WORKFLOW,
            after=lambda: done.append("after"),
        )
        raise Rollback
    assert notified(app_state, subject) == []
    assert done == []
    with db.session() as session:
        draft = session.get(Draft, subject)
        assert draft is not None and draft.status == "open"
        count = session.scalar(
            select(func.count())
            .select_from(StatusChange)
            .where(StatusChange.subject_id == str(subject))
        )
        assert count == 0


def test_a_move_reads_the_status_again_under_a_lock_not_the_stale_object(
    db: Database, subject: uuid.UUID
) -> None:
    """A page loaded the open subject; before it moves it, another request closes it: the
    move is checked against the status in the database, not the one loaded."""
    with db.sessions() as page:
        with page.begin():
            stale = page.get(Draft, subject)
            assert stale is not None and stale.status == "open"
        with db.session() as other:
            move(other, other.get(Draft, subject), Case.CLOSED, workflow=WORKFLOW)
        assert stale.status == "open"  # what the page still holds
        with pytest.raises(TransitionRefused) as refused, page.begin():
            move(page, stale, Case.CLOSED, workflow=WORKFLOW)
    assert refused.value.text("en") == "Case: it cannot go from 'closed' to 'closed'."
    with db.session() as session:
        assert len(history(session, WORKFLOW, session.get(Draft, subject))) == 1


def test_the_history_table_is_made_by_the_migrations(db: Database) -> None:
    columns = {c["name"] for c in inspect(db.engine).get_columns("status_change")}
    assert columns == {
        "id",
        "subject_type",
        "subject_id",
        "from_status",
        "to_status",
        "actor_id",
        "role",
        "reason",
        "at",
    }


# ---------------------------------------------------------------------- the draft's statuses


def test_a_submitted_draft_has_its_move_in_the_history_with_who_sent_it(
    client: TestClient[Litestar], app_state: AppState
) -> None:
    from ..support import ADVIES_LEERLING, fill_pages

    started = client.post("/forms/adviesformulier-noord/start?lang=nl", follow_redirects=False)
    base = str(client.get(started.headers["location"]).url).rsplit("/pages/", 1)[0]
    fill_pages(
        client,
        base,
        {"leerling": ADVIES_LEERLING, "advies": {"advies": "plaatsen", "contact_nodig": "false"}},
    )
    for _ in range(2):  # a double click moves it once
        sent = client.post(f"{base}/submit", data={"idempotency_key": "x"}, follow_redirects=False)
        assert sent.status_code == 303
    draft_id = uuid.UUID(base.rsplit("/", 1)[1])
    with app_state.db.session() as session:
        draft = session.get(Draft, draft_id)
        assert draft is not None and draft.status == DraftStatus.SUBMITTED
        [change] = history(session, DRAFT, draft)
        ib = session.scalar(select(UserAccount.id).where(UserAccount.email == "ib@regenboog.demo"))
        assert (change.from_status, change.to_status) == ("open", "submitted")
        assert (change.actor_id, change.role) == (ib, "intern_begeleider")


def test_a_new_draft_starts_in_the_workflows_first_status() -> None:
    assert Draft.__table__.c.status.default.arg == DRAFT.initial.value  # type: ignore[attr-defined]
    with pytest.raises(TransitionRefused) as refused:
        DRAFT.check("submitted", "open", Attempt())  # a sent form never changes
    assert refused.value.text("nl") == "Formulier: van 'verstuurd' kan het niet naar 'open'."

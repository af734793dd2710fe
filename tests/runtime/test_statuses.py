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
from sqlalchemy import String, cast, func, inspect, literal_column, select, update
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

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
    StatusColumn,
    Transition,
    TransitionRefused,
    UnknownStatus,
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
def notify_task(app_state: AppState) -> Iterator[None]:
    """The task of WORKFLOW's closing move; a test that runs it brings its own body. Its jobs
    are run before the task goes: none is left for another test's worker, which knows no
    such task (the application's worker may be busy with archives then)."""
    with extra_tasks(Task("status_test_notify", lambda state, subject_id: None)):
        yield
        jobs.run_until_idle(app_state)


@pytest.fixture
def db(app_state: AppState) -> Database:
    return Database(app_state.settings, FrozenClock(AT))


class SubjectBase(DeclarativeBase):
    """A table of this test only (not POPO's metadata, not its migrations)."""


class Subject(SubjectBase):
    """Something that moves through WORKFLOW, with a typed status column."""

    __tablename__ = "status_test_subject"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    status: Mapped[Case] = mapped_column(StatusColumn(Case), default=Case.OPEN)


@pytest.fixture
def subject(db: Database) -> uuid.UUID:
    SubjectBase.metadata.create_all(db.engine)
    with db.session() as session:
        item = Subject()
        session.add(item)
        session.flush()
        return item.id


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
            item = session.get(Subject, subject)
            moved = move(
                session,
                item,
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
        item = session.get(Subject, subject)
        assert item is not None and item.status == "closed"
        [change] = history(session, WORKFLOW, item)
        assert (change.subject_type, change.subject_id) == ("statuses-test", str(subject))
        assert (change.from_status, change.to_status) == ("open", "closed")
        assert (change.actor_id, change.role, change.reason) == (actor, "ib", "dubbel")
        assert change.at.replace(tzinfo=change.at.tzinfo or UTC) == AT  # the application's clock


def test_a_refused_move_changes_nothing_and_says_why(db: Database, subject: uuid.UUID) -> None:
    with pytest.raises(TransitionRefused) as refused, db.session() as session:
        move(session, session.get(Subject, subject), "reopened", workflow=WORKFLOW, role="ib")
    assert refused.value.text("nl") == "Zaak: van 'open' kan het niet naar 'reopened'."
    with db.session() as session:
        item = session.get(Subject, subject)
        assert item is not None and item.status == "open"
        assert history(session, WORKFLOW, item) == []


def test_a_guarded_move_is_refused_for_the_wrong_role_and_made_for_the_right_one(
    db: Database, subject: uuid.UUID
) -> None:
    with db.session() as session:
        move(session, session.get(Subject, subject), Case.CLOSED, workflow=WORKFLOW)
    with pytest.raises(TransitionRefused) as refused, db.session() as session:
        move(session, session.get(Subject, subject), Case.REOPENED, workflow=WORKFLOW, role="ib")
    assert refused.value.text("en") == (
        "Case: it cannot go from 'closed' to 'reopened' yet. Only the role 'swv' may do that."
    )
    with db.session() as session:
        item = session.get(Subject, subject)
        move(session, item, Case.REOPENED, workflow=WORKFLOW, role="swv", reason="bezwaar")
        moves = history(session, WORKFLOW, item)
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
            session.get(Subject, subject),
            Case.CLOSED,
            workflow=WORKFLOW,
            after=lambda: done.append("after"),
        )
        raise Rollback
    assert notified(app_state, subject) == []
    assert done == []
    with db.session() as session:
        item = session.get(Subject, subject)
        assert item is not None and item.status == "open"
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
            stale = page.get(Subject, subject)
            assert stale is not None and stale.status == "open"
        with db.session() as other:
            move(other, other.get(Subject, subject), Case.CLOSED, workflow=WORKFLOW)
        assert stale.status == "open"  # what the page still holds
        with pytest.raises(TransitionRefused) as refused, page.begin():
            move(page, stale, Case.CLOSED, workflow=WORKFLOW)
    assert refused.value.text("en") == "Case: it cannot go from 'closed' to 'closed'."
    with db.session() as session:
        assert len(history(session, WORKFLOW, session.get(Subject, subject))) == 1


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


# ---------------------------------------------------------------------- the typed column


def test_a_status_column_loads_the_enum_and_stores_its_value(
    db: Database, subject: uuid.UUID
) -> None:
    with db.session() as session:
        item = session.get(Subject, subject)
        assert item is not None and item.status is Case.OPEN
        move(session, item, Case.CLOSED, workflow=WORKFLOW)
        assert type(item.status) is Case  # the member, not its string, right after the move
    with db.session() as session:
        stored = session.scalar(select(cast(Subject.status, String)).where(Subject.id == subject))
        assert stored == "closed"
        assert session.get(Subject, subject).status is Case.CLOSED  # type: ignore[union-attr]
        found = session.scalars(select(Subject.id).where(Subject.status == Case.CLOSED)).all()
        assert subject in found


def test_a_status_column_refuses_a_value_that_is_not_a_status(
    db: Database, subject: uuid.UUID
) -> None:
    refused = pytest.raises(StatementError, match="'shut' is not a status of Case")
    with refused as written, db.session() as session:
        item = session.get(Subject, subject)
        assert item is not None
        item.status = "shut"  # type: ignore[assignment]
        session.flush()
    assert isinstance(written.value.orig, UnknownStatus)
    with db.session() as session:  # written by something else: refused when it is read
        session.execute(
            update(Subject).where(Subject.id == subject).values(status=literal_column("'shut'"))
        )
    with pytest.raises(UnknownStatus, match="'shut' is not a status of Case"), db.session() as s:
        s.get(Subject, subject)


def test_a_drafts_status_is_its_enum() -> None:
    assert isinstance(Draft.__table__.c.status.type, StatusColumn)
    assert Draft.__table__.c.status.type.statuses is DraftStatus
    assert Draft.__table__.c.status.type.length == 20


# ---------------------------------------------------------------------- the draft's guards


def test_a_draft_is_sent_only_when_complete_and_by_someone_who_may_change_it() -> None:
    complete_by_writer = Attempt(facts={"complete": True, "may_change": True})
    assert DRAFT.check(DraftStatus.OPEN, DraftStatus.SUBMITTED, complete_by_writer)
    with pytest.raises(TransitionRefused) as refused:
        DRAFT.check("open", "submitted", Attempt(facts={"complete": False, "may_change": True}))
    assert refused.value.code == "guard:complete"
    assert refused.value.text("nl") == (
        "Formulier: van 'open' naar 'verstuurd' kan nog niet. "
        "Niet alle vragen zijn (goed) beantwoord."
    )
    assert refused.value.text("en") == (
        "Form: it cannot go from 'open' to 'submitted' yet. "
        "Not every question has been answered (correctly)."
    )
    with pytest.raises(TransitionRefused) as refused:
        DRAFT.check("open", "submitted", Attempt(facts={"complete": True, "may_change": False}))
    assert refused.value.code == "guard:may_change"
    assert refused.value.text("en").endswith("You may not change or send this form.")
    assert refused.value.text("nl").endswith("U mag dit formulier niet wijzigen of versturen.")


def test_an_incomplete_draft_is_not_sent_and_the_first_incomplete_page_is_shown(
    client: TestClient[Litestar], app_state: AppState
) -> None:
    started = client.post("/forms/adviesformulier-noord/start?lang=en", follow_redirects=False)
    base = str(client.get(started.headers["location"]).url).rsplit("/pages/", 1)[0]
    sent = client.post(f"{base}/submit", data={"idempotency_key": "x"}, follow_redirects=False)
    assert sent.status_code == 303
    assert sent.headers["location"] == f"{base.split('testserver.local')[1]}/pages/leerling"
    page = client.get(sent.headers["location"])
    assert "There is a problem" in page.text
    with app_state.db.session() as session:
        draft = session.get(Draft, uuid.UUID(base.rsplit("/", 1)[1]))
        assert draft is not None and draft.status is DraftStatus.OPEN
        assert history(session, DRAFT, draft) == []


def test_the_service_refuses_to_send_for_someone_who_may_not_change_the_draft(
    app_state: AppState, client: TestClient[Litestar]
) -> None:
    from runtime.forms.controllers import service_for
    from runtime.forms.models import Submission

    from ..support import ADVIES_LEERLING, fill_pages

    started = client.post("/forms/adviesformulier-noord/start?lang=nl", follow_redirects=False)
    base = str(client.get(started.headers["location"]).url).rsplit("/pages/", 1)[0]
    fill_pages(
        client,
        base,
        {"leerling": ADVIES_LEERLING, "advies": {"advies": "plaatsen", "contact_nodig": "false"}},
    )
    draft_id = uuid.UUID(base.rsplit("/", 1)[1])
    with pytest.raises(TransitionRefused) as refused, app_state.db.session() as session:
        service = service_for(app_state, session)
        draft = service.draft(draft_id, for_update=True)
        service.submit(draft, service.entry(draft), may_change=False)
    assert refused.value.code == "guard:may_change"
    with app_state.db.session() as session:
        assert session.get(Draft, draft_id).status is DraftStatus.OPEN  # type: ignore[union-attr]
        count = session.scalar(
            select(func.count()).select_from(Submission).where(Submission.draft_id == draft_id)
        )
        assert count == 0

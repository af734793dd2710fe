"""One clock for everything that depends on time: tests move it instead of sleeping."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from runtime.app import create_app
from runtime.audit.models import AuditEvent
from runtime.clock import FrozenClock, SystemClock, clock_of, dutch_date
from runtime.db.session import Database, settings_clock
from runtime.forms.models import Draft, PublicLink
from runtime.forms.service import FormsService, token_hash
from runtime.state import AppState

from .conftest import log_in, with_csrf

# a month ago, so that nothing this file stores lies ahead of the other tests' real time
START = datetime.now(UTC).replace(microsecond=0) - timedelta(days=30)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def moved(seeded: AppState, clock: FrozenClock) -> AppState:
    """The demo application on the same database, on a clock the test moves."""
    return dataclasses.replace(seeded, db=Database(seeded.settings, clock))


@pytest.fixture
def client(moved: AppState) -> Iterator[TestClient[Litestar]]:
    with TestClient(create_app(moved.settings, moved), base_url="http://clock.local") as client:
        with_csrf(client)
        yield client


def test_today_is_the_date_in_the_netherlands() -> None:
    # 23:30 UTC on 1 March is 00:30 on 2 March in Amsterdam (CET, +1)
    assert FrozenClock(datetime(2026, 3, 1, 23, 30, tzinfo=UTC)).today() == date(2026, 3, 2)
    # in summer (CEST, +2) the day turns at 22:00 UTC
    assert FrozenClock(datetime(2026, 7, 1, 21, 59, tzinfo=UTC)).today() == date(2026, 7, 1)
    assert FrozenClock(datetime(2026, 7, 1, 22, 0, tzinfo=UTC)).today() == date(2026, 7, 2)
    assert dutch_date(datetime(2026, 12, 31, 23, 0, tzinfo=UTC)) == date(2027, 1, 1)
    with pytest.raises(ValueError, match="aware"):
        FrozenClock(datetime(2026, 1, 1))


def test_a_frozen_clock_moves_only_when_told() -> None:
    clock = FrozenClock(datetime(2026, 5, 1, 12, tzinfo=UTC))
    assert clock.now() == clock.now() == datetime(2026, 5, 1, 12, tzinfo=UTC)
    assert clock.advance(days=14, hours=1) == datetime(2026, 5, 15, 13, tzinfo=UTC)
    clock.set(datetime(2027, 1, 1, tzinfo=UTC))
    assert clock.today() == date(2027, 1, 1)


def test_the_clock_offset_setting_moves_the_application_days_ahead(seeded: AppState) -> None:
    ahead = settings_clock(seeded.settings.replace(clock_offset_days=15))
    assert isinstance(ahead, SystemClock)
    moved_by = ahead.now() - datetime.now(UTC)
    assert timedelta(days=15) - timedelta(seconds=5) < moved_by <= timedelta(days=15)
    assert AppState.create(seeded.settings.replace(clock_offset_days=-2)).clock.today() == (
        dutch_date(datetime.now(UTC) - timedelta(days=2))
    )


def test_moving_the_clock_ends_a_session_and_expires_a_parents_link(
    client: TestClient[Litestar], moved: AppState, clock: FrozenClock
) -> None:
    log_in(client, "ib@regenboog.demo")
    assert client.get("/", follow_redirects=False).status_code == 200
    resume = client.post("/start/demo-aanmelden-noord", follow_redirects=False).headers["location"]
    assert client.get(resume).status_code == 200
    token = resume.split("/")[2]
    with moved.db.session() as session:
        link = session.scalar(select(PublicLink).where(PublicLink.token_hash == token_hash(token)))
        assert link is not None and link.draft_id is not None
        draft = session.get(Draft, link.draft_id)
        assert draft is not None
        # stored times are the clock's: the draft's creation, the link's expiry, the audit log
        assert draft.created_at.replace(tzinfo=UTC) == START
        assert link.expires_at.replace(tzinfo=UTC) == START + timedelta(days=14)
        audited = session.scalar(
            select(AuditEvent)
            .where(AuditEvent.object_id == str(draft.id))
            .order_by(AuditEvent.id.desc())
        )
        assert audited is not None and audited.at.replace(tzinfo=UTC) == START

    clock.advance(hours=8, minutes=1)  # a session lasts 8 hours
    ended = client.get("/", follow_redirects=False)
    assert ended.status_code == 303 and ended.headers["location"].startswith("/login")
    assert client.get(resume).status_code == 200  # the parent's link still works

    clock.advance(days=14)  # POPO_PUBLIC_LINK_DAYS
    gone = client.get(resume)
    assert gone.status_code == 410 and "werkt niet meer" in gone.text


def test_forms_are_evaluated_on_the_clocks_today(moved: AppState, clock: FrozenClock) -> None:
    clock.set(datetime(2030, 6, 1, 22, 30, tzinfo=UTC))  # 2 June in the Netherlands
    with moved.db.session() as session:
        assert clock_of(session) is clock
        forms = FormsService(session, moved.registry, moved.settings, moved.files)
        draft = forms.start("onderwijskundig-rapport", "nl")
        entry = forms.entry(draft)
        assert forms.state(draft, entry).today == date(2030, 6, 2)
        clock.advance(days=1)  # a state remembered yesterday is not today's
        assert forms.state(draft, entry).today == date(2030, 6, 3)
        assert forms.preview(draft, entry, {}).today == date(2030, 6, 3)
        session.delete(draft)

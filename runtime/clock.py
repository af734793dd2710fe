"""The time the application runs on: one clock, injected, so that tests and the demo can move it.

Everything in runtime/ that depends on time (session and link expiry, password-reset links,
login attempt windows, audit timestamps, submission times, "today" in a form) asks the clock
of the application, never ``datetime.now()`` or ``date.today()`` itself. The application holds
one clock (``AppState.clock``); its database hands it to every session it opens, so code that
works in a transaction finds it with :func:`clock_of`, and the timestamp columns the models fill
in by default (``created_at``, ``submitted_at``, ...) come from it as well (``db.base.utcnow``).

``now()`` is an aware UTC moment (what is stored); ``today()`` is the date in the Netherlands,
because the legal deadlines of a transfer count Dutch calendar days: at 00:30 in Amsterdam it
is already the next day there while it is still yesterday in UTC.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
SESSION_KEY = "popo_clock"  # where a database session carries the clock (Session.info)


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, aware, in UTC."""
        ...

    def today(self) -> date:
        """The current date in the Netherlands (Europe/Amsterdam)."""
        ...


def dutch_date(moment: datetime) -> date:
    """The calendar date in the Netherlands at ``moment`` (an aware datetime)."""
    return moment.astimezone(AMSTERDAM).date()


class SystemClock:
    """The machine's time, moved by a fixed ``offset`` (setting ``POPO_CLOCK_OFFSET_DAYS``: a
    demo can show a deadline passing; production leaves it at 0)."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def today(self) -> date:
        return dutch_date(self.now())

    def __repr__(self) -> str:
        return f"SystemClock(offset={self.offset!r})"


class FrozenClock:
    """A clock that stands still until it is moved: for tests (``advance(days=15)``) and for
    anything that must see one fixed moment. Safe to move while requests run in threads."""

    def __init__(self, at: datetime | None = None) -> None:
        if at is not None and at.tzinfo is None:
            raise ValueError("a FrozenClock needs an aware datetime (e.g. tzinfo=UTC)")
        self._at = (at or datetime.now(UTC)).astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._at

    def today(self) -> date:
        return dutch_date(self.now())

    def advance(self, delta: timedelta | None = None, **parts: float) -> datetime:
        """Move forward by ``delta`` or by ``days=``, ``hours=``, ... ; returns the new now."""
        step = (delta or timedelta(0)) + timedelta(**parts)
        with self._lock:
            self._at += step
            return self._at

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("a FrozenClock needs an aware datetime (e.g. tzinfo=UTC)")
        with self._lock:
            self._at = at.astimezone(UTC)

    def __repr__(self) -> str:
        return f"FrozenClock({self.now().isoformat()})"


SYSTEM = SystemClock()


def clock_of(session: Any) -> Clock:
    """The clock of the application that opened this database session (``runtime.db.session``
    puts it there); the system clock for a session opened elsewhere (a script, a migration)."""
    info = getattr(session, "info", None)
    found = info.get(SESSION_KEY) if isinstance(info, dict) else None
    return found if found is not None else SYSTEM

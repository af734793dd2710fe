"""Engine and session factory for the configured database."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from ..clock import SESSION_KEY, Clock, SystemClock
from ..settings import Settings


def make_engine(settings: Settings) -> Engine:
    url = settings.sqlalchemy_url
    if settings.is_sqlite:
        settings.prepare_sqlite_folder()
        engine = create_engine(url, connect_args={"check_same_thread": False}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection, _record):  # type: ignore[no-untyped-def]
            # SQLAlchemy, not the sqlite3 module, decides where a transaction begins (below)
            connection.isolation_level = None
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(
                "PRAGMA synchronous=NORMAL"
            )  # durable in WAL mode, without an fsync per commit
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin_immediate(connection):  # type: ignore[no-untyped-def]
            # Every request writes (at least its audit record), so each transaction takes
            # SQLite's one write lock when it starts: what it reads cannot change under it, and
            # two requests that change the same draft are applied one after the other.
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # hide_parameters: a failed statement's error (and so a logged traceback) names no value,
    # never a pupil's name or a parent's e-mail address
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def settings_clock(settings: Settings) -> Clock:
    """The clock the settings ask for: the system's, moved by ``POPO_CLOCK_OFFSET_DAYS``."""
    if settings.clock_offset_days:
        logging.getLogger("popo.clock").warning(
            "clock moved", extra={"days": settings.clock_offset_days}
        )
    return SystemClock(timedelta(days=settings.clock_offset_days))


class Database:
    """The engine and its sessions. Every session carries the application's clock
    (``runtime.clock.clock_of``), and so do the statements it runs (``db.base.utcnow``)."""

    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.clock = clock or settings_clock(settings)
        self.engine = make_engine(settings)
        self.sessions = sessionmaker(
            self.engine.execution_options(**{SESSION_KEY: self.clock}),
            expire_on_commit=False,
            info={SESSION_KEY: self.clock},
        )

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.sessions() as session, session.begin():
            yield session

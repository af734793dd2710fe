"""The application against a real database: SQLite by default, PostgreSQL when
POPO_TEST_DATABASE_URL is set (CI runs the suite on both)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import create_engine, inspect, make_url, text

from runtime.app import create_app
from runtime.db.migrate import upgrade
from runtime.domains import AppSettings
from runtime.settings import Settings
from runtime.state import AppState


def worker_database(url: str | None) -> str | None:
    """The PostgreSQL database of this test process: the given one, or beside it one per
    pytest-xdist worker (``test_gw0``, ``test_gw1``, …), made on first use, so that workers
    running side by side never empty each other's tables."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        )
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


DATABASE_URL = worker_database(os.environ.get("POPO_TEST_DATABASE_URL"))


@contextmanager
def own_database(folder: Path, name: str) -> Iterator[str]:
    """The URL of an empty database of a test's (or a module's) own: a SQLite file in
    ``folder``, or on PostgreSQL a database ``<this process's>_<name>`` beside the suite's,
    dropped afterwards. For tests that would disturb the tables the session's application
    uses: migrations taken down and up, a data set of their own."""
    if not DATABASE_URL:
        yield f"sqlite:///{folder / f'{name}.sqlite3'}"
        return
    base = make_url(DATABASE_URL)
    database = f"{base.database}_{name}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    drop = text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    with admin.connect() as connection:
        connection.execute(drop)
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    try:
        yield base.set(database=database).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(drop)
        admin.dispose()


@pytest.fixture
def scratch_settings(tmp_path: Path) -> Iterator[Settings]:
    """Settings on an empty database of the test's own (:func:`own_database`), not migrated."""
    with own_database(tmp_path, "scratch") as url:
        yield AppSettings(database_url=url, data_dir=tmp_path / "var")


def table_names(settings: Settings) -> set[str]:
    engine = create_engine(settings.sqlalchemy_url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


SHARED_SECRET = "popo tests: the one secret of every application on the shared test database"


def fresh_settings(tmp: Path) -> Settings:
    url = DATABASE_URL or f"sqlite:///{tmp / 'popo.sqlite3'}"
    if DATABASE_URL:
        engine = create_engine(url)
        with engine.begin() as connection:  # POPO's tables and the job library's
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    settings = AppSettings(
        database_url=url,
        data_dir=tmp / "var",
        pdf_workers=1,
        log_format="text",
        login_attempts_per_address=100_000,  # every test logs in from the same address
        code_attempts_per_address=100_000,  # and enters its aanmeldcodes from it
    )
    if DATABASE_URL:
        # on PostgreSQL every application of the run (and the popo command beside it) shares
        # the one test database: they keep the same secret too (the one file each reads), or
        # pupils and audit anchors stored by one are refused by another
        settings.secret_key_file.parent.mkdir(parents=True, exist_ok=True)
        settings.secret_key_file.write_text(SHARED_SECRET, encoding="ascii")
    upgrade(settings)
    return settings


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return fresh_settings(tmp_path_factory.mktemp("runtime"))


@pytest.fixture(scope="session")
def app_state(settings: Settings) -> Iterator[AppState]:
    state = AppState.create(settings)
    yield state
    state.stop_workers()


@pytest.fixture(scope="session")
def app(settings: Settings, app_state: AppState) -> Litestar:
    return create_app(settings, app_state)


@pytest.fixture(scope="session")
def seeded(app_state: AppState) -> AppState:
    from runtime import demo

    with app_state.db.session() as session:
        demo.seed(session, app_state.registry, app_state.settings)
    return app_state


def with_csrf(client: TestClient[Litestar]) -> TestClient[Litestar]:
    """Send the anti-forgery token (from its cookie) with every request, like the pages do."""

    def add_token(request: httpx.Request) -> None:
        token = client.cookies.get("csrftoken")
        if token and "x-csrftoken" not in request.headers:
            request.headers["x-csrftoken"] = token

    client.event_hooks["request"].append(add_token)
    client.get("/login")
    return client


def log_in(client: TestClient[Litestar], email: str) -> None:
    from runtime.demo import DEMO_PASSWORD

    response = client.post(
        "/login", data={"email": email, "password": DEMO_PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303, response.text[:500]


@pytest.fixture
def anonymous(app: Litestar, seeded: AppState) -> Iterator[TestClient[Litestar]]:
    with TestClient(app, base_url="http://testserver.local") as test_client:
        yield with_csrf(test_client)


@pytest.fixture
def client(app: Litestar, seeded: AppState) -> Iterator[TestClient[Litestar]]:
    """Logged in as the intern begeleider of De Regenboog (demo data)."""
    with TestClient(app, base_url="http://testserver.local") as test_client:
        with_csrf(test_client)
        log_in(test_client, "ib@regenboog.demo")
        yield test_client

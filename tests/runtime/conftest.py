"""The application against a real database: SQLite by default, PostgreSQL when
POPO_TEST_DATABASE_URL is set (CI runs the suite on both)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import create_engine, text

from runtime.app import create_app
from runtime.db.migrate import upgrade
from runtime.db.models import Base
from runtime.settings import Settings
from runtime.state import AppState

DATABASE_URL = os.environ.get("POPO_TEST_DATABASE_URL")


def fresh_settings(tmp: Path) -> Settings:
    url = DATABASE_URL or f"sqlite:///{tmp / 'popo.sqlite3'}"
    if DATABASE_URL:
        engine = create_engine(url)
        with engine.begin() as connection:
            Base.metadata.drop_all(connection)
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        engine.dispose()
    settings = Settings(database_url=url, data_dir=tmp / "var", pdf_workers=1, log_format="text")
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


@pytest.fixture
def client(app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app, base_url="http://testserver.local") as test_client:
        yield test_client

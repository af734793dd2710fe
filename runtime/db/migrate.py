"""Run Alembic migrations for the configured database (``popo db upgrade``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from ..settings import Settings
from .session import Database

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    url = settings.sqlalchemy_url.render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    settings.prepare_sqlite_folder()
    command.upgrade(alembic_config(settings), revision)


def upgraded(settings: Settings) -> Database:
    """The database of ``settings``, migrated to the newest schema first: what a command that
    writes opens."""
    upgrade(settings)
    return Database(settings)


def autogenerate(settings: Settings, message: str) -> None:
    command.revision(alembic_config(settings), message=message, autogenerate=True)

"""Whether this process can serve (``/ready``), as pure checks over the application state:
the database answers, its schema is the one this code was written for (every migration ran),
and the file store takes files. A load balancer sends no requests to a process that is not
ready; ``/health`` only says the process lives."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from alembic.script import ScriptDirectory
from sqlalchemy import text

from ..db.migrate import MIGRATIONS

if TYPE_CHECKING:
    from ..state import AppState

MIN_FREE = 100 * 2**20  # bytes: below this the archive cannot be trusted to take a PDF


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@cache
def expected_revision() -> str | None:
    """The newest migration of this code (Alembic's head)."""
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def checks(state: AppState) -> list[Check]:
    return [*_database(state), _files(state.archive.root)]


def _database(state: AppState) -> list[Check]:
    wanted = expected_revision()
    try:
        with state.db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            try:
                current = connection.execute(
                    text("SELECT version_num FROM alembic_version")
                ).scalar()
            except Exception:  # no migration ran: the table is not there
                current = None
    except Exception as exc:  # whatever the driver raises: the process is not ready
        return [
            Check("database", False, f"does not answer ({type(exc).__name__})"),
            Check("schema", False, "unknown"),
        ]
    if current == wanted:
        schema = Check("schema", True, f"at {current}")
    else:
        schema = Check("schema", False, f"at {current or 'none'}, expected {wanted}: migrate")
    return [Check("database", True, "answers"), schema]


def _files(root: Path) -> Check:
    """The file store (made on its first file): its folder, or the nearest one above it,
    writable, with room left for a PDF archive."""
    existing = root
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not (existing.is_dir() and os.access(existing, os.W_OK)):
        return Check("files", False, f"{existing} is not writable")
    free = shutil.disk_usage(existing).free
    if free < MIN_FREE:
        return Check("files", False, f"{free // 2**20} MB free on {existing}")
    return Check("files", True, f"writable, {free // 2**20} MB free")

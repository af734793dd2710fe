"""What the application holds for its lifetime: settings, database, registry, stores, workers."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from jinja2 import Environment
from litestar import Request

from renderers import i18n
from renderers.html import environment

from .db.session import Database
from .forms.registry import Registry
from .settings import REPOSITORY, Settings
from .storage import BlobStore

TEMPLATES = REPOSITORY / "runtime" / "templates"


def _warm_up() -> bool:
    import weasyprint  # noqa: F401 - load the PDF engine before the first submission

    return True


@dataclass
class AppState:
    settings: Settings
    db: Database
    registry: Registry
    files: BlobStore
    archive: BlobStore
    pdf_pool: ProcessPoolExecutor | None = field(default=None)

    @classmethod
    def create(cls, settings: Settings) -> AppState:
        return cls(
            settings,
            Database(settings),
            Registry.load(settings.definitions_dir),
            BlobStore(settings.files_dir),
            BlobStore(settings.archive_dir),
        )

    @cached_property
    def audit_key(self) -> bytes:
        return self.settings.audit_key

    def start_workers(self) -> None:
        if self.pdf_pool is None:
            self.pdf_pool = ProcessPoolExecutor(
                max_workers=max(1, self.settings.pdf_workers),
                mp_context=multiprocessing.get_context("forkserver"),
            )
            self.pdf_pool.submit(_warm_up)

    def stop_workers(self) -> None:
        if self.pdf_pool is not None:
            self.pdf_pool.shutdown(wait=True, cancel_futures=True)
            self.pdf_pool = None


def request_language(request: Request[Any, Any, Any]) -> str:
    """The language asked for (``?lang=``), else the one chosen before (cookie), else Dutch."""
    asked = request.query_params.get("lang") or request.cookies.get("popo_lang")
    return i18n.normalize(asked)


@lru_cache(maxsize=4)
def templates(language: str) -> Environment:
    return environment(language, [TEMPLATES])

"""What the application holds for its lifetime: settings, database, registry, stores, workers."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property

from .clock import Clock
from .db.session import Database
from .definitions import Registry
from .settings import Settings
from .storage import BlobStore

_WORKERS_LOCK = threading.Lock()  # starting and replacing the pool of PDF workers


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
    swept: bool = False  # the archive sweep at start-up has run

    @classmethod
    def create(cls, settings: Settings, clock: Clock | None = None) -> AppState:
        return cls(
            settings,
            Database(settings, clock),
            Registry.load(settings.definitions_dir),
            BlobStore(settings.files_dir),
            BlobStore(settings.archive_dir),
        )

    @property
    def clock(self) -> Clock:
        """The application's one clock (runtime/clock.py); its database sessions carry it."""
        return self.db.clock

    @cached_property
    def audit_key(self) -> bytes:
        return self.settings.audit_key

    def start_workers(self) -> None:
        with _WORKERS_LOCK:
            if self.pdf_pool is None:
                self.pdf_pool = ProcessPoolExecutor(
                    max_workers=max(1, self.settings.pdf_workers),
                    mp_context=multiprocessing.get_context("forkserver"),
                )
                self.pdf_pool.submit(_warm_up)

    def workers(self) -> ProcessPoolExecutor:
        """The pool of PDF workers, started when first needed."""
        pool = self.pdf_pool
        if pool is None:
            self.start_workers()
            pool = self.pdf_pool
        assert pool is not None
        return pool

    def restart_workers(self, broken: ProcessPoolExecutor) -> None:
        """Replace a broken pool (a worker died); a pool already replaced stays as it is."""
        with _WORKERS_LOCK:
            if self.pdf_pool is broken:
                self.pdf_pool = None
        broken.shutdown(wait=False, cancel_futures=True)
        self.start_workers()

    def stop_workers(self) -> None:
        with _WORKERS_LOCK:
            pool, self.pdf_pool = self.pdf_pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

"""What the application holds for its lifetime: settings, database, registry, stores, workers."""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any
from urllib.parse import parse_qs

from jinja2 import Environment
from litestar import Request
from litestar.datastructures import Cookie
from litestar.types import BeforeMessageSendHookHandler, Message, Scope

from renderers import i18n
from renderers.html import environment

from .clock import Clock
from .db.session import Database
from .definitions import Registry
from .settings import REPOSITORY, Settings
from .storage import BlobStore

TEMPLATES = REPOSITORY / "runtime" / "templates"
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


LANGUAGE_COOKIE = "popo_lang"


def request_language(request: Request[Any, Any, Any]) -> str:
    """The language asked for (``?lang=``), else the one chosen before (cookie), else Dutch."""
    asked = request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    return i18n.normalize(asked)


def chosen_language(request: Request[Any, Any, Any]) -> str | None:
    """The language the person chose (``?lang=``, else the cookie), None if they chose none."""
    asked = request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    return asked if asked in i18n.LANGUAGES else None


def remember_language(secure: bool) -> BeforeMessageSendHookHandler:
    """A hook for every response: a language chosen with ``?lang=`` on any page is kept in the
    cookie, so that the forms posted from that page and the pages they lead to keep it; when
    the person is logged in, their account keeps it too (the language of their mail)."""

    async def hook(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start" or scope["type"] != "http":
            return
        asked = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("lang")
        if not asked or asked[-1] not in i18n.LANGUAGES:
            return
        if scope.get("headers") and _cookie(scope, LANGUAGE_COOKIE) == asked[-1]:
            return  # already remembered
        await _remember_for_account(scope, asked[-1])
        cookie = Cookie(
            key=LANGUAGE_COOKIE,
            value=asked[-1],
            path="/",
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="lax",
            secure=secure,
        )
        message["headers"] = [*message.get("headers", []), cookie.to_encoded_header()]

    return hook


async def _remember_for_account(scope: Scope, language: str) -> None:
    """A changed language, asked for by a logged-in person, stored on their account."""
    from .access import accounts
    from .access.web import SESSION_COOKIE

    token = _cookie(scope, SESSION_COOKIE) if scope.get("headers") else None
    popo = scope["app"].state.get("popo")
    if token and isinstance(popo, AppState):
        await asyncio.to_thread(accounts.remember_language, popo.db, token, language)


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope["headers"]:
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                found, _, content = part.strip().partition("=")
                if found == name:
                    return content
    return None


@lru_cache(maxsize=4)
def templates(language: str) -> Environment:
    return environment(language, [TEMPLATES])

"""The person's language: asked for with ``?lang=`` on any page, remembered in a cookie, Dutch
otherwise; and the page templates of each language (the kit's runtime/web/templates and each
domain's templates folder)."""

from __future__ import annotations

import asyncio
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from jinja2 import Environment
from litestar import Request
from litestar.datastructures import Cookie
from litestar.types import BeforeMessageSendHookHandler, Message, Scope

from renderers import i18n
from renderers.html import environment

from ..access import accounts
from ..settings import REPOSITORY
from .identity import SESSION_COOKIE

# the shared page templates (error and message pages); the domains add theirs (use_templates)
TEMPLATES = REPOSITORY / "runtime" / "web" / "templates"
_TEMPLATE_FOLDERS: list[Path] = [TEMPLATES]
LANGUAGE_COOKIE = "popo_lang"


def request_language(request: Request[Any, Any, Any]) -> str:
    """The language asked for (``?lang=``), else the one chosen before (cookie), else Dutch."""
    asked = request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    return i18n.normalize(asked)


def asked_language(request: Request[Any, Any, Any]) -> str | None:
    """The language this request asks for with ``?lang=``, if POPO has it."""
    asked = request.query_params.get("lang")
    return asked if asked in i18n.LANGUAGES else None


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
    token = _cookie(scope, SESSION_COOKIE) if scope.get("headers") else None
    popo = scope["app"].state.get("popo")
    if token and popo is not None:
        await asyncio.to_thread(accounts.remember_language, popo.db, token, language)


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope["headers"]:
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                found, _, content = part.strip().partition("=")
                if found == name:
                    return content
    return None


def use_templates(*folders: Path) -> None:
    """Add the domains' template folders (runtime/domains.py, at start-up); a page template
    has one name in all of them (tests/test_layers.py checks)."""
    added = [folder for folder in folders if folder not in _TEMPLATE_FOLDERS]
    if added:
        _TEMPLATE_FOLDERS.extend(added)
        templates.cache_clear()


@lru_cache(maxsize=4)
def templates(language: str) -> Environment:
    """The page templates, compiled once per language."""
    return environment(language, _TEMPLATE_FOLDERS)

"""Blocking work off the event loop: the one way POPO's route handlers run.

A handler that touches the database, hashes a password, parses a dossier or waits for a PDF
worker is written as a plain function and decorated with :func:`in_thread` under its route
decorator; it then runs in a worker thread (anyio's, with the request's context variables), and
one slow request holds only its own thread. A POST's form is read on the loop before, by the
dependency ``posted`` (runtime/web/posted.py).

Litestar's own ``sync_to_thread=True`` is not used: it wraps the handler once per application,
so a handler registered in a second application (the tests build many) is wrapped twice and
answers with a coroutine instead of a response.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

import anyio
from anyio import to_thread

P = ParamSpec("P")
T = TypeVar("T")


def in_thread(fn: Callable[P, T]) -> Callable[P, Awaitable[T]]:
    """``fn`` as an async handler that runs it in a worker thread (same signature, so Litestar
    sees the same parameters)."""

    @functools.wraps(fn)
    async def handler(*args: P.args, **kwargs: P.kwargs) -> T:
        return await to_thread.run_sync(functools.partial(fn, *args, **kwargs))

    return handler


def in_thread_taking(seconds: float) -> Callable[[Callable[P, T]], Callable[P, Awaitable[T]]]:
    """Like :func:`in_thread`, and the answer leaves no sooner than ``seconds`` after the
    request came: a handler whose answers must not tell by their time what it found (an
    aanmeldcode that exists or not). The wait is on the event loop, holding no thread."""

    def wrap(fn: Callable[P, T]) -> Callable[P, Awaitable[T]]:
        @functools.wraps(fn)
        async def handler(*args: P.args, **kwargs: P.kwargs) -> T:
            started = time.monotonic()
            try:
                return await to_thread.run_sync(functools.partial(fn, *args, **kwargs))
            finally:
                rest = seconds - (time.monotonic() - started)
                if rest > 0:
                    await anyio.sleep(rest)

        return handler

    return wrap

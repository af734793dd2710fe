"""POPO's background tasks: each takes the application state and ids, re-reads what it
needs and may run twice (a retry, a sweep, a worker that died) without harm."""

from __future__ import annotations

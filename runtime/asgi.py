"""The ASGI application for an ASGI server: ``uvicorn runtime.asgi:app``."""

from __future__ import annotations

from .app import create_app

app = create_app()

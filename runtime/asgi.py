"""The ASGI application for an ASGI server: ``uvicorn runtime.asgi:app``."""

from __future__ import annotations

from .app import create_app
from .settings import SettingsError

try:
    app = create_app()
except SettingsError as problem:  # a wrong setting: its line, not a traceback
    raise SystemExit("\n".join(f"error: {line}" for line in problem.problems)) from None

"""What a POST brings, read before its handler runs: the one way POPO's handlers get a form.

Reading a request body is the only thing a handler has to await; everything after it (the
database, password hashing, XML, templates) blocks. So the body is read here, on the event
loop, by a Litestar dependency (``posted``), and the handler itself is a plain function that
runs in a worker thread (runtime/web/blocking.py): one slow request never holds the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar import Request
from litestar.datastructures import UploadFile
from litestar.di import Provide

from ..storage import Upload


@dataclass(frozen=True)
class Posted:
    """A posted form: its values (several per name, as posted), files, and the button pressed
    (the ``action`` value, taken out of the values)."""

    values: dict[str, list[str]] = field(default_factory=dict)
    uploads: dict[str, Upload] = field(default_factory=dict)
    action: str = ""

    def get(self, name: str, default: str = "") -> str:
        """The last value posted under ``name``."""
        values = self.values.get(name)
        return values[-1] if values else default


async def read_posted(request: Request[Any, Any, Any]) -> Posted:
    form = await request.form()
    values: dict[str, list[str]] = {}
    uploads: dict[str, Upload] = {}
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            content = await value.read()
            if content:
                uploads[key] = Upload(value.filename or "bestand", content)
            continue
        values.setdefault(key, []).append(str(value))
    action = values.pop("action", [""])[-1]
    return Posted(values, uploads, action)


# for Litestar(dependencies={"posted": ...}): handlers ask for it as ``posted: Posted``
provide_posted = Provide(read_posted)

"""Runtime benchmark: POPO's pages and htmx changes against three floors, and the PDF overhead.

On loopback, with a closed-loop load of ``CONNECTIONS`` connections from wrk (installed from
Debian when it is missing; the Python client of this module is only a labelled fallback, whose
figures are not comparable with wrk's), on SQLite and on PostgreSQL, with one and two server
processes (``uvicorn runtime.asgi:app --workers N``, what docs/operations.md runs), each for:

* page: the OKR's "administratief" page of a draft with answers, as a logged-in intern
  begeleider reads it (a cache hit after the first read: POPO caches rendered pages);
* uncached page: the same page with the page cache missed on every request (each request has a
  Host header of its own, which is part of the cache's key), so it is rendered every time;
* change: the htmx change request of the "verzuim" page's ``dagdelen_geoorloofd``, posted as
  the page posts it (multipart, the whole form, the anti-forgery token and the draft's
  revision), with a new value on every request, so that every request changes the answer;

and three floors, each a ratio of its own:

* the framework floor: a bare Litestar handler answering the same bytes as a constant;
* the database floor: a bare Litestar handler that runs the SQL POPO runs for that request
  (captured from SQLAlchemy for one page read and one change: the session lookup, the draft
  and its row lock, the audit event, the update, the commits) through the DB-API (sqlite3 or
  psycopg) and answers the same bytes;
* for the pages: the cached page against the page rendered every time.

The windows are interleaved (floor, POPO, floor, POPO … in rounds, every other round in the
reverse order) and each ratio is the median of its per-round pairs. Every response's status is
checked, the drafts' revisions are read from the database before and after each change window
(the changes applied), and the errors are counted. Then the p99 latency under a fixed-rate
open-loop load at half the measured maximum (page, change, the transfer register), and the PDF
archive against raw WeasyPrint. docs/performance.md explains each figure.

The last line printed is one JSON object. ``--quick`` finishes in under 90 seconds.

    .venv/bin/python -m benchmarks.runtime [--quick] [--pg-url URL | --no-pg] [--ports 8400-8460]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import pickle
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parent.parent
LUA = Path(__file__).resolve().parent / "lua"
CONNECTIONS = 16  # closed-loop load: connections (wrk: one thread each, a person each)
FORM_ID = "onderwijskundig-rapport-noord"
READ_PAGE = "administratief"  # the page read
CHANGE_PAGE = "verzuim"  # the page whose field is changed
FIELD = "dagdelen_geoorloofd"  # an integer 0-480 with a calculation depending on it
SPEC_ENV = "POPO_BENCH_SPEC"  # the floors' servers read what they answer from this file
REVISION_MARK = "popo-bench-revision"  # in the floors' change answer: the new revision
PAGE_MARK = 'id="draft-revision"'  # in the form page (its revision input)
REGISTER_MARK = "OV-2026-B"  # in the register: the references of benchmarks.register.grow
TRANSFERS = 1000  # in the register (the school sees its share, 25 a page)
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/popo_bench_runtime"

OKR_ANSWERS: dict[str, Any] = {
    "achternaam": "Bakker",
    "voornamen": "Daan",
    "geboortedatum": "2017-09-12",
    "geslacht": "2",
    "identificatie": "bsn",
    "bsn": "111222333",
    "adresgeheim": "false",
    "adres_straat": "Dorpsstraat",
    "adres_huisnummer": "12a",
    "adres_postcode": "9401 AB",
    "adres_plaats": "Assen",
    "datum_inschrijving": "2021-09-13",
    "verzorgers_aansprakelijk": "true",
    "verzorgers": [
        {
            "verzorger_achternaam": "Bakker",
            "verzorger_relatie": "2",
            "verzorger_gezag": "true",
            "verzorger_telefoon": "0612345678",
            "verzorger_email": "a@voorbeeld.nl",
        }
    ],
    "school_naam": "De Regenboog",
    "school_brin": "12AB",
    "groep": "4",
    "contactpersoon": "M. de Vries",
    "contact_functie": "intern_begeleider",
    "contact_email": "m@school.example",
    "contact_nodig": "true",
    "schoolloopbaan": [
        {
            "loopbaan_schooljaar": f"20{y}-20{y + 1}",
            "loopbaan_brin": "12AB",
            "loopbaan_groepscode": f"{y - 20}A",
            "loopbaan_jaargroep": str(y - 20),
        }
        for y in range(21, 25)
    ],
    "doublures": "false",
    "advies_groep": "4",
    "advies_toelichting": "Kan goed meekomen.",
    "omgang_met_anderen": "goed",
    "spel_werkhouding": "voldoende",
    "concentratie": "goed",
    "zelfstandigheid": "goed",
    "heeft_diagnose": "false",
    "ondersteuningsniveau": "basis",
    "ondersteuning_geboden": "Extra leesbegeleiding.",
    "opp": "false",
    "dagdelen_geoorloofd": "6",
    "dagdelen_ongeoorloofd": "0",
}


# ---------------------------------------------------------------- the SQL of one request


@dataclass
class Statement:
    """One statement as SQLAlchemy handed it to the DB-API: text, parameters (a tuple for
    sqlite3, a dict for psycopg) and their names; ``kind`` says what the floor fills in."""

    sql: str
    params: Any
    names: list[str]
    kind: str = "plain"  # draft | head | audit | update | plain


def statement_kind(sql: str) -> str:
    if sql.startswith("SELECT draft.id"):
        return "draft"  # the draft reached (and on a change locked), with its revision
    if sql.startswith("SELECT audit_event.id, audit_event.hash"):
        return "head"  # the audit chain's head
    if sql.startswith("INSERT INTO audit_event"):
        return "audit"
    if sql.startswith("UPDATE draft SET"):
        return "update"
    return "plain"


class Recorder:
    """Every statement an engine sends, grouped by transaction (a commit ends one). The
    pool's pre-ping (``SELECT 1`` on every checkout, PostgreSQL) is recorded as POPO sends it."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.on = False
        self.current: list[Statement] = []
        self.transactions: list[list[Statement]] = []
        pre_ping = bool(getattr(engine.pool, "_pre_ping", False))

        def execute(
            _conn: Any, _cursor: Any, sql: str, params: Any, context: Any, _many: Any
        ) -> None:
            if not self.on:
                return
            compiled = getattr(context, "compiled", None)
            copied: Any
            if isinstance(params, dict):
                names, copied = list(params), dict(params)
            else:
                names = list(getattr(compiled, "positiontup", None) or [])
                copied = tuple(params or ())
            self.current.append(Statement(sql, copied, names, statement_kind(sql)))

        def checkout(*_: Any) -> None:
            if self.on and pre_ping:
                self.current.append(Statement("SELECT 1", None, []))

        def commit(_conn: Any) -> None:
            if self.on:
                self.transactions.append(self.current)
                self.current = []

        event.listen(engine, "before_cursor_execute", execute)
        event.listen(engine, "commit", commit)
        event.listen(engine.pool, "checkout", checkout)

    @contextmanager
    def recording(self) -> Iterator[list[list[Statement]]]:
        self.current, self.transactions, self.on = [], [], True
        try:
            yield self.transactions
        finally:
            self.on = False
            assert not self.current, "a transaction was not committed"


def plain(transactions: list[list[Statement]]) -> list[list[tuple[Any, ...]]]:
    return [[(s.sql, s.params, s.names, s.kind) for s in t] for t in transactions]


class Replay:
    """The database floor: the captured statements of a request, run again through the DB-API
    for another draft, on one connection per thread, committed as POPO commits them."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.dialect: str = spec["dialect"]
        self.dsn: str = spec["dsn"]
        # plain tuples in the file (this module is __main__ where it is written)
        self.page = [[Statement(*s) for s in t] for t in spec["page_sql"]]
        self.change = [[Statement(*s) for s in t] for t in spec["change_sql"]]
        self.captured = uuid.UUID(spec["draft"])
        self.local = threading.local()

    def connection(self) -> Any:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            if self.dialect == "sqlite":
                import sqlite3

                # as runtime/db/session.py opens it
                conn = sqlite3.connect(self.dsn, isolation_level=None, check_same_thread=False)
                for pragma in (
                    "foreign_keys=ON",
                    "journal_mode=WAL",
                    "synchronous=NORMAL",
                    "busy_timeout=5000",
                ):
                    conn.execute(f"PRAGMA {pragma}")
            else:
                import psycopg

                conn = psycopg.connect(self.dsn)
            self.local.conn = conn
        return conn

    def run(self, transactions: list[list[Statement]], draft: uuid.UUID, value: str = "") -> int:
        """Run a request's transactions for ``draft``; the draft's new revision (a change)."""
        conn = self.connection()
        ids: dict[Any, Any] = {
            self.captured.hex: draft.hex,
            str(self.captured): str(draft),
            self.captured: draft,
        }
        found: dict[str, Any] = {"row": {}, "head": "", "revision": 0}
        for transaction in transactions:
            cursor = conn.cursor()
            for statement in transaction:
                cursor.execute(statement.sql, self.bind(statement, ids, found, value))
                if cursor.description is not None:
                    rows = cursor.fetchall()
                    if statement.kind == "draft" and rows:
                        names = [d[0] for d in cursor.description]
                        found["row"] = dict(zip(names, rows[0], strict=True))
                    elif statement.kind == "head":
                        found["head"] = rows[0][1] if rows else ""
            cursor.close()
            conn.commit()
        return int(found["revision"])

    def bind(
        self, statement: Statement, ids: dict[Any, Any], found: dict[str, Any], value: str
    ) -> Any:
        if statement.params is None:
            return None
        if isinstance(statement.params, dict):
            items = list(statement.params.items())
        else:
            names = statement.names  # (an IN list's parameters are expanded: no names)
            if len(names) != len(statement.params):
                names = [""] * len(statement.params)
            items = list(zip(names, statement.params, strict=True))
        bound = []
        now = datetime.now(UTC)
        for name, sample in items:
            new = ids.get(sample, sample) if isinstance(sample, str | uuid.UUID) else sample
            if statement.kind == "audit":
                if name == "at":
                    new = _like(sample, now)
                elif name == "previous_hash":
                    new = found["head"]
                elif name == "hash":
                    text = f"{found['head']}|{now.isoformat()}|{value}".encode()
                    new = hmac.new(b"popo-bench", text, hashlib.sha256).hexdigest()
            elif statement.kind == "update":
                row = found["row"]
                revision = int(row.get("revision") or 0) + 1
                if name == "answers":
                    answers = _loaded(row.get("answers")) or {}
                    answers[FIELD] = value
                    new = _json_like(sample, answers)
                elif name == "revision":
                    new = found["revision"] = revision
                elif name == "answer_revisions":
                    revisions = _loaded(row.get("answer_revisions")) or {}
                    revisions[FIELD] = revision
                    new = _json_like(sample, revisions)
                elif name == "updated_at":
                    new = _like(sample, now)
            bound.append((name, new))
        if isinstance(statement.params, dict):
            return dict(bound)
        return tuple(v for _, v in bound)


def _like(sample: Any, now: datetime) -> Any:
    """``now`` as the captured parameter held a time: a datetime (psycopg) or text (sqlite3)."""
    return now if isinstance(sample, datetime) else now.strftime("%Y-%m-%d %H:%M:%S.%f")


def _loaded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _json_like(sample: Any, value: Any) -> Any:
    if isinstance(sample, str):
        return json.dumps(value)
    from psycopg.types.json import Json

    return Json(value)


# ---------------------------------------------------------------- the floors' applications


def _html(text: str) -> Any:
    from litestar import Response

    return Response(text, status_code=200, media_type="text/html; charset=utf-8")


def constant_app() -> Any:
    """The framework floor: the same bytes as POPO answers, as constants (``uvicorn --factory
    benchmarks.runtime:constant_app``, with POPO_BENCH_SPEC)."""
    from litestar import Litestar, get, post

    spec = json.loads(Path(os.environ[SPEC_ENV]).read_text(encoding="utf-8"))
    page_html = spec["page_html"]
    change_html = spec["change_html"].replace(REVISION_MARK, "1")

    @get("/drafts/{ref:str}/pages/{page_id:str}", sync_to_thread=False)
    def page(ref: str, page_id: str) -> Any:
        return _html(page_html)

    @post("/drafts/{ref:str}/pages/{page_id:str}/change", sync_to_thread=False)
    def change(ref: str, page_id: str) -> Any:
        return _html(change_html)

    return Litestar([page, change])


def floor_app() -> Any:
    """The database floor: POPO's SQL for the request, then the same bytes (``uvicorn
    --factory benchmarks.runtime:floor_app``, with POPO_BENCH_SPEC)."""
    from anyio import to_thread
    from litestar import Litestar, Request, get, post

    spec = pickle.loads(
        Path(os.environ[SPEC_ENV]).read_bytes()
    )  # our own file, written by this run
    replay = Replay(spec)
    page_html, change_html = spec["page_html"], spec["change_html"]

    @get("/drafts/{ref:str}/pages/{page_id:str}")
    async def page(ref: str, page_id: str) -> Any:
        await to_thread.run_sync(replay.run, replay.page, uuid.UUID(ref))
        return _html(page_html)

    @post("/drafts/{ref:str}/pages/{page_id:str}/change")
    async def change(request: Request[Any, Any, Any], ref: str, page_id: str) -> Any:
        form = await request.form()  # as POPO reads a post (runtime/web/posted.py)
        value = str(form.get(FIELD, ""))
        revision = await to_thread.run_sync(replay.run, replay.change, uuid.UUID(ref), value)
        return _html(change_html.replace(REVISION_MARK, str(revision)))

    return Litestar([page, change])


# ---------------------------------------------------------------- a database, prepared


class FormFields(HTMLParser):
    """The fields a browser posts with the page's htmx form, in order (no buttons)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self.inside = False
        self.textarea: str | None = None
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and "hx-post" in a:
            self.inside = True
        if not self.inside or "name" not in a:
            return
        kind = a.get("type", "text")
        if tag == "input" and kind not in ("submit", "button", "file", "image", "reset"):
            if kind not in ("radio", "checkbox") or "checked" in a:
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            self.textarea = a["name"]
            self.fields.append((a["name"], ""))
        elif tag == "select":
            self.select = a["name"]
        elif tag == "option" and self.select and "selected" in a:
            self.fields.append((self.select, a.get("value", "")))

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            name, text = self.fields[-1]
            self.fields[-1] = (name, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None


@dataclass
class Prepared:
    """A database with the demo, the drafts the load uses, and what was captured from it."""

    name: str  # sqlite | pg
    prefix: str  # of its keys in the JSON: "" | "pg_"
    url: str
    dsn: str  # for the DB-API
    env: dict[str, str]
    settings: Any = None  # this process's
    popo: dict[int, int] = field(default_factory=dict)  # POPO's servers: workers → port
    # what seed() made
    state: Any = None
    page_draft: str = ""
    capture_draft: str = ""  # the draft of the captured requests (the floor replays them)
    drafts: dict[str, list[str]] = field(default_factory=dict)  # "change:w1", … → per connection
    # what capture() found
    cookie: str = ""
    form: list[tuple[str, str]] = field(default_factory=list)  # the change page's, as posted
    page_html: str = ""
    change_html: str = ""  # with REVISION_MARK for the new revision
    page_sql: list[list[Statement]] = field(default_factory=list)
    change_sql: list[list[Statement]] = field(default_factory=list)
    page_miss_checked: bool = False

    def with_settings(self, settings: Any) -> Prepared:
        self.settings = settings
        return self


def recreate_pg(url: str) -> str:
    """Drop and create the database of ``url`` (never a shared one); its DB-API DSN."""
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    name = parsed.database or ""
    if name in ("", "postgres", "template0", "template1") or name.startswith("test"):
        raise SystemExit(f"refusing to recreate the database {name!r}: give one of your own")
    dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return dsn


def drop_pg(url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    with suppress(Exception), psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')


_HASHES: dict[str, str] = {}


@contextmanager
def one_hash() -> Iterator[None]:
    """The demo's accounts share one password: hash it once (Argon2, with its salt) for them
    all, instead of a third of a second per account. Logging in verifies it as always."""
    from runtime.access import accounts

    hash_password = accounts.hash_password

    def once(password: str) -> str:
        if password not in _HASHES:
            _HASHES[password] = hash_password(password)
        return _HASHES[password]

    accounts.hash_password = once
    try:
        yield
    finally:
        accounts.hash_password = hash_password


def migrate(name: str, url: str, folder: Path, secret: str) -> Prepared:
    """A new database with POPO's schema (its servers may start on it)."""
    from runtime.db.migrate import upgrade
    from runtime.domains import AppSettings

    data = folder / f"var-{name}"
    dsn = str(folder / f"{name}.sqlite3") if name == "sqlite" else recreate_pg(url)
    env = {
        "POPO_DATABASE_URL": url,
        "POPO_DATA_DIR": str(data),
        "POPO_SECRET_KEY": secret,  # one key for every process (the anti-forgery token)
        "POPO_PDF_WORKERS": "1",
    }
    settings = AppSettings(  # this process's own: quiet, and no job worker
        database_url=url,
        data_dir=data,
        configured_secret_key=secret,
        pdf_workers=1,
        inprocess_worker=False,
        log_level="WARNING",
    )
    upgrade(settings)
    return Prepared(
        name=name, prefix="" if name == "sqlite" else "pg_", url=url, dsn=dsn, env=env
    ).with_settings(settings)


def seed(db: Prepared, registry: Any) -> None:
    """The demo, the drafts the load uses (one per connection), and the register's transfers."""
    import random

    from sqlalchemy import select

    from benchmarks.register import grow
    from runtime import demo
    from runtime.db.session import Database
    from runtime.forms.service import FormsService
    from runtime.organisations.models import Organisation
    from runtime.state import AppState
    from runtime.storage import BlobStore

    settings = db.settings
    state = db.state = AppState(
        settings,
        Database(settings),
        registry,
        BlobStore(settings.files_dir),
        BlobStore(settings.archive_dir),
    )
    with state.db.session() as session, one_hash():
        demo.seed(session, state.registry, settings)
        kind = Organisation.kind == "school"
        schools = list(session.execute(select(Organisation.id, Organisation.code).where(kind)))
        school = next(i for i, code in schools if code == "12AB00")
        service = FormsService(session, state.registry, settings, state.files)

        def new_draft() -> str:
            draft = service.start(FORM_ID, "nl", school)
            draft.answers = dict(OKR_ANSWERS)
            draft.revision += 1
            return str(draft.id)

        db.page_draft, db.capture_draft = new_draft(), new_draft()
        for role in ("change", "floor"):
            for workers in (1, 2):
                db.drafts[f"{role}:w{workers}"] = [new_draft() for _ in range(CONNECTIONS)]
    ordered = [school] + [i for i, code in schools if i != school]
    grow(state, TRANSFERS, ordered, random.Random(17))


def capture(db: Prepared) -> None:
    """Log in, and capture (in this process, through Litestar's test client) the page's and
    the change's answers and their SQL; check that the page cache hits, and that another
    Host misses it."""
    from litestar.testing import TestClient

    from runtime.app import create_app
    from runtime.demo import DEMO_PASSWORD
    from runtime.forms import controllers

    state, capture_draft = db.state, db.capture_draft
    recorder = Recorder(state.db.engine)
    app = create_app(state.settings, state)
    state.start_workers = lambda: None  # no PDF pool here
    with TestClient(app, base_url="http://127.0.0.1") as client:
        client.get("/login")
        token = client.cookies.get("csrftoken") or ""
        response = client.post(
            "/login",
            data={"email": "ib@regenboog.demo", "password": DEMO_PASSWORD, "_csrf_token": token},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text[:300]
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        token = client.cookies.get("csrftoken") or token

        # the page: its bytes, its SQL (a cache hit), and that another Host misses the cache
        page_path = f"/drafts/{capture_draft}/pages/{READ_PAGE}"
        first = client.get(page_path)
        assert first.status_code == 200, first.status_code
        cached = len(controllers._PAGES)
        with recorder.recording() as page_sql:
            again = client.get(page_path)
        assert again.status_code == 200 and again.text == first.text
        hit = len(controllers._PAGES) == cached
        other = client.get(page_path, headers={"host": "t0-r1.bench.invalid"})
        assert other.status_code == 200 and len(other.text) == len(first.text)
        missed = len(controllers._PAGES) == cached + 1
        assert hit and missed, "the page cache did not hit, or another Host did not miss it"

        # the change: the page's form as the browser posts it, the answer and its SQL
        shown = client.get(f"/drafts/{capture_draft}/pages/{CHANGE_PAGE}")
        parser = FormFields()
        parser.feed(shown.text)
        form = parser.fields
        names = [n for n, _ in form]
        assert "_csrf_token" in names and "_revision" in names and FIELD in names, names
        revision = dict(form)["_revision"]
        files = {n: (None, "7" if n == FIELD else v) for n, v in form}
        with recorder.recording() as change_sql:
            changed = client.post(
                f"/drafts/{capture_draft}/pages/{CHANGE_PAGE}/change",
                files=files,
                headers={"HX-Request": "true", "X-POPO-Field": FIELD},
            )
        assert changed.status_code == 200, changed.status_code
        new_revision = str(int(revision) + 1)
        mark = f'id="draft-revision" value="{new_revision}"'
        assert mark in changed.text, changed.text[:500]
        change_html = changed.text.replace(mark, f'id="draft-revision" value="{REVISION_MARK}"')
    # what the floor must find to replay (the audit chain's head is read only where the
    # request itself extends the chain)
    kinds = [[s.kind for s in t] for t in change_sql]
    assert any({"draft", "audit", "update"} <= set(k) for k in kinds), kinds
    kinds = [[s.kind for s in t] for t in page_sql]
    assert any({"draft", "audit"} <= set(k) for k in kinds), kinds
    db.cookie, db.form = cookie, list(form)
    db.page_html, db.change_html = again.text, change_html
    db.page_sql, db.change_sql = page_sql, change_sql
    db.page_miss_checked = hit and missed


def draft_revisions(db: Prepared, ids: list[str]) -> dict[str, tuple[int, str]]:
    """Each draft's revision and the changed field's answer, from the database."""
    from sqlalchemy import select

    from runtime.forms.models import Draft

    with db.state.db.session() as session:
        rows = session.execute(
            select(Draft.id, Draft.revision, Draft.answers).where(
                Draft.id.in_([uuid.UUID(i) for i in ids])
            )
        )
        return {str(i): (int(r), str((a or {}).get(FIELD) or "0")) for i, r, a in rows}


# ---------------------------------------------------------------- servers


WATCHDOG = """
import os, signal, sys, time
parent, registry = int(sys.argv[1]), sys.argv[2]
while True:
    time.sleep(0.5)
    try:
        os.kill(parent, 0)
    except ProcessLookupError:
        break
groups = [int(line) for line in open(registry) if line.strip()]
for sig in (signal.SIGTERM, signal.SIGKILL):
    for group in groups:
        try:
            os.killpg(group, sig)
        except ProcessLookupError:
            pass
    time.sleep(5)
import shutil
shutil.rmtree(os.path.dirname(registry), ignore_errors=True)
"""


class Servers:
    """The servers this run starts, each in a process group of its own, all stopped at the end."""

    def __init__(self, ports: list[int], folder: Path) -> None:
        self.ports = ports
        self.folder = folder
        self.groups: list[subprocess.Popen[bytes]] = []
        self.logs: dict[int, Path] = {}
        # a watchdog stops the servers if this process is killed before it can (SIGKILL)
        self.registry = folder / "server-groups"
        self.registry.touch()
        self.watchdog = subprocess.Popen(
            [sys.executable, "-c", WATCHDOG, str(os.getpid()), str(self.registry)],
            start_new_session=True,
        )

    def port(self) -> int:
        while self.ports:
            port = self.ports.pop(0)
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
        raise SystemExit("no free port left in the --ports range")

    def start(self, app: str, env: dict[str, str], workers: int, factory: bool = False) -> int:
        port = self.port()
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            app,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        if factory:
            command.append("--factory")
        log = self.logs[port] = self.folder / f"server-{port}.log"
        with log.open("wb") as output:  # POPO logs every request (at INFO, as by default)
            process = subprocess.Popen(
                command,
                cwd=REPOSITORY,
                env={**os.environ, **env},
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: workers and PDF pool go with it
            )
        self.groups.append(process)
        with self.registry.open("a") as groups:
            groups.write(f"{process.pid}\n")
        return port

    def log_tails(self, lines: int = 10) -> str:
        """The last lines of every server's output (what went wrong)."""
        tails = []
        for port, log in self.logs.items():
            with suppress(OSError):
                text = log.read_text(errors="replace").splitlines()[-lines:]
                tails.append(f"--- port {port}\n" + "\n".join(text))
        return "\n".join(tails)

    def cpu_seconds(self) -> float:
        """CPU time used so far by every process of every server's group."""
        groups = {p.pid for p in self.groups}
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with suppress(OSError, ValueError, IndexError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) in groups:  # pgrp
                    total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def settle(self, timeout: float) -> None:
        """Wait until every server process has started (their CPU use stops growing)."""
        deadline = time.time() + timeout
        last = self.cpu_seconds()
        while time.time() < deadline:
            time.sleep(0.5)
            now = self.cpu_seconds()
            if now - last < 0.05:
                return
            last = now

    def stop(self) -> None:
        for process in self.groups:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.time() + 10
        for process in self.groups:
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.time()))
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # whatever is left of the group
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
        self.groups.clear()
        self.watchdog.kill()
        self.watchdog.wait()


def wait_for(url: str, headers: dict[str, str], timeout: float = 120) -> None:
    import urllib.error
    import urllib.request

    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5):
                return
        except urllib.error.HTTPError as problem:
            raise RuntimeError(f"{url}: {problem.code}") from problem
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def warm_up(targets: Any) -> None:
    """Every server up, logged in and warm (templates compiled, caches filled): each page
    read 24 times over 8 connections at once, so that both processes of two get some."""
    from concurrent.futures import ThreadPoolExecutor

    jobs = []
    for target in targets:
        if target.kind == "change":  # its page, whose fields its answers draw
            path = f"/drafts/{target.drafts[0]}/pages/{CHANGE_PAGE}"
        else:
            path = target.path
        jobs += [(f"http://127.0.0.1:{target.port}{path}", {"Cookie": target.cookie})] * 24
    with ThreadPoolExecutor(8) as pool:
        for future in [pool.submit(wait_for, url, headers) for url, headers in jobs]:
            future.result()


# ---------------------------------------------------------------- load


@dataclass
class Target:
    """A window's target: where it sends what."""

    label: str  # e.g. "sqlite:page:w1", "const:change:w2"
    port: int
    kind: str  # get | get-vary | change
    path: str
    cookie: str
    db: Prepared | None = None
    drafts: list[str] = field(default_factory=list)  # change: one per connection
    popo: bool = False  # POPO itself (its changes are counted)
    mark: str = PAGE_MARK  # a read's answer must hold this text


def change_config(target: Target, folder: Path, state: dict[str, tuple[int, str]]) -> Path:
    """The Lua table change.lua reads: drafts, their revisions and last values, the form."""
    assert target.db is not None

    def lua(text: str) -> str:
        return json.dumps(text)  # a JSON string is a valid Lua string here (ASCII, escapes)

    rows = ", ".join(f"{{{lua(n)}, {lua(v)}}}" for n, v in target.db.form)
    values = []
    for draft in target.drafts:
        try:
            values.append(str(int(state[draft][1]) % 40))
        except ValueError:
            values.append("0")
    text = (
        "return {\n"
        f"  path = {lua('/drafts/%s/pages/' + CHANGE_PAGE + '/change')},\n"
        f"  page_url = {lua(f'http://127.0.0.1:{target.port}/drafts/%s/pages/{CHANGE_PAGE}')},\n"
        f"  field = {lua(FIELD)},\n"
        f"  drafts = {{{', '.join(lua(d) for d in target.drafts)}}},\n"
        f"  revisions = {{{', '.join(str(state[d][0]) for d in target.drafts)}}},\n"
        f"  values = {{{', '.join(values)}}},\n"
        f"  form = {{{rows}}},\n"
        "}\n"
    )
    path = folder / f"change-{target.label.replace(':', '-')}.lua"
    path.write_text(text, encoding="utf-8")
    return path


def run_wrk(target: Target, seconds: int, folder: Path) -> dict[str, Any]:
    url = f"http://127.0.0.1:{target.port}{target.path}"
    command = [
        "wrk",
        "-t",
        str(CONNECTIONS),
        "-c",
        str(CONNECTIONS),
        "-d",
        f"{seconds}s",
        "--timeout",
        "10s",
        "-H",
        f"Cookie: {target.cookie}",
    ]
    before: dict[str, tuple[int, str]] = {}
    if target.kind == "change":
        assert target.db is not None
        before = draft_revisions(target.db, target.drafts)
        command += [
            "-s",
            str(LUA / "change.lua"),
            url,
            "--",
            str(change_config(target, folder, before)),
        ]
    else:
        mode = "vary-host" if target.kind == "get-vary" else "same"
        command += ["-s", str(LUA / "get.lua"), url, "--", mode, target.mark]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed for {target.label}:\n{done.stdout}\n{done.stderr}")
    result: dict[str, Any] = json.loads(line[len("BENCH ") :])
    return finish(target, result, before)


def finish(
    target: Target, result: dict[str, Any], before: dict[str, tuple[int, str]]
) -> dict[str, Any]:
    seconds = result["duration_us"] / 1e6
    result["rps"] = result["responses"] / seconds if seconds else 0.0
    result["errors"] = sum(
        result.get(k, 0) for k in ("bad_status", "connect", "read", "write", "timeout")
    )
    if target.kind == "change" and target.db is not None:
        after = draft_revisions(target.db, target.drafts)
        result["changes_applied"] = sum(after[d][0] - before[d][0] for d in target.drafts)
        if result.get("rate"):
            # open loop: an answer shows the new revision only when the request posted the
            # revision the draft had (not so when requests overlap), so the database counts:
            # every request was answered, so those it did not apply are the difference
            answered = result["responses"] - result["bad_status"]
            result["unapplied"] = max(0, answered - result["changes_applied"])
    return result


def run_python(
    target: Target, seconds: float, folder: Path, rate: float | None = None
) -> dict[str, Any]:
    """The Python client (benchmarks.runtime load) in a process of its own: closed-loop (the
    fallback without wrk) or, with ``rate``, open-loop at a fixed rate."""
    before: dict[str, tuple[int, str]] = {}
    change: dict[str, Any] | None = None
    if target.kind == "change":
        assert target.db is not None
        before = draft_revisions(target.db, target.drafts)
        change = {
            "drafts": target.drafts,
            "revisions": [before[d][0] for d in target.drafts],
            "values": [
                int(before[d][1]) % 40 if before[d][1].isdigit() else 0 for d in target.drafts
            ],
            "form": target.db.form,
        }
    spec = {
        "port": target.port,
        "path": target.path,
        "kind": target.kind,
        "seconds": seconds,
        "connections": CONNECTIONS,
        "rate": rate,
        "cookie": target.cookie,
        "mark": target.mark,
        "change": change,
    }
    path = folder / f"load-{target.label.replace(':', '-')}.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.runtime", "load", str(path)],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=seconds + 120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the Python client failed for {target.label}:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return finish(target, result, before)


# ---------------------------------------------------------------- the Python client


BOUNDARY = "----popoBenchFormBoundary7MA4YWxkTrZu0gW"
KEEP_IDLE = 3.0  # seconds a free connection is used again (uvicorn keeps one 5 s)
REVISION_IN_ANSWER = re.compile(rb'id="draft-revision" value="(\d+)"')


class Requests:
    """What the Python client sends, as wrk's Lua scripts do (get.lua, change.lua)."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.host = f"127.0.0.1:{spec['port']}"
        self.counter = 0
        change = spec.get("change") or {}
        self.drafts: list[str] = change.get("drafts", [])
        self.revisions: list[int] = list(change.get("revisions", []))
        self.values: list[int] = list(change.get("values", []))
        self.form: list[list[str]] = change.get("form", [])

    def make(self, slot: int) -> bytes:
        self.counter += 1
        kind, cookie = self.spec["kind"], self.spec["cookie"]
        if kind in ("get", "get-vary"):
            host = f"p-r{self.counter}.bench.invalid" if kind == "get-vary" else self.host
            head = f"GET {self.spec['path']} HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\n\r\n"
            return head.encode()
        slot %= len(self.drafts)
        self.values[slot] = self.values[slot] % 40 + 1
        parts = []
        for name, text in self.form:
            if name == "_revision":
                text = str(self.revisions[slot])
            elif name == FIELD:
                text = str(self.values[slot])
            parts.append(
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{text}\r\n'
            )
        body = ("".join(parts) + f"--{BOUNDARY}--\r\n").encode()
        path = f"/drafts/{self.drafts[slot]}/pages/{CHANGE_PAGE}/change"
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nCookie: {cookie}\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
            f"HX-Request: true\r\nHX-Current-URL: http://{self.host}{path[: -len('/change')]}\r\n"
            f"X-POPO-Field: {FIELD}\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        if self.spec.get("rate"):
            # open loop: requests to a draft may overlap, so each one posts the revision the
            # draft will have once the one before it is applied
            self.revisions[slot] += 1
        return head.encode() + body

    def answered(self, slot: int, status: int, body: bytes) -> bool | None:
        """Whether a change was applied (None for a read); open loop keeps its own count."""
        if self.spec["kind"] != "change" or status != 200:
            return None
        found = REVISION_IN_ANSWER.search(body)
        if found and not self.spec.get("rate"):
            self.revisions[slot % len(self.drafts)] = int(found.group(1))
        return found is not None


async def exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, data: bytes
) -> tuple[int, bytes]:
    writer.write(data)
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    length, chunked = 0, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
        elif name.strip().lower() == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if not chunked:
        return status, await reader.readexactly(length)
    body = b""
    while True:
        size = int((await reader.readline()).split(b";")[0], 16)
        chunk = await reader.readexactly(size + 2)
        if size == 0:
            return status, body
        body += chunk[:-2]


async def load(spec: dict[str, Any]) -> dict[str, Any]:
    """Closed loop (``rate`` None: each connection sends its next request when answered) or
    open loop at ``rate`` a second, latency counted from when each request was due."""
    requests = Requests(spec)
    port, seconds, rate = spec["port"], float(spec["seconds"]), spec.get("rate")
    latencies: list[float] = []
    counts = {"bad_status": 0, "first_bad_status": 0, "read": 0, "connect": 0, "applied": 0}
    counts["unapplied"] = 0

    def record(slot: int, status: int, body: bytes, due: float) -> None:
        latencies.append(time.perf_counter() - due)
        if status != 200 or (spec["kind"] != "change" and spec["mark"].encode() not in body):
            counts["bad_status"] += 1
            counts["first_bad_status"] = counts["first_bad_status"] or status
        applied = requests.answered(slot, status, body)
        if applied is not None:
            counts["applied" if applied else "unapplied"] += 1

    async def connect() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection("127.0.0.1", port)

    start = time.perf_counter()
    stop = start + seconds
    if rate is None:

        async def connection(slot: int) -> None:
            conn = None
            while time.perf_counter() < stop:
                try:
                    conn = conn or await connect()
                    due = time.perf_counter()
                    status, body = await exchange(*conn, requests.make(slot))
                    record(slot, status, body, due)
                except OSError:
                    counts["connect" if conn is None else "read"] += 1
                    conn = None
                except (asyncio.IncompleteReadError, ValueError, IndexError):
                    counts["read"] += 1
                    conn = None

        await asyncio.gather(*(connection(n) for n in range(int(spec["connections"]))))
    else:
        # connections free for the next request, with when they were last used: one idle for
        # longer than KEEP_IDLE is closed rather than used, as uvicorn closes it after 5 s
        # (--timeout-keep-alive) and a request sent on it then would fail for the client alone
        idle: list[tuple[float, tuple[asyncio.StreamReader, asyncio.StreamWriter]]] = []
        limit = asyncio.Semaphore(512)

        async def fire(slot: int, due: float) -> None:
            async with limit:
                conn = None
                while idle and conn is None:
                    used, conn = idle.pop()
                    if time.perf_counter() - used > KEEP_IDLE:
                        conn[1].close()
                        conn = None
                try:
                    conn = conn or await connect()
                    status, body = await exchange(*conn, requests.make(slot))
                    record(slot, status, body, due)
                    idle.append((time.perf_counter(), conn))
                except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                    counts["read"] += 1

        tasks = []
        total = int(seconds * rate)
        for n in range(total):
            due = start + n / rate
            pause = due - time.perf_counter()
            if pause > 0:
                await asyncio.sleep(pause)
            tasks.append(asyncio.ensure_future(fire(n, due)))
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=60)
    elapsed = max(time.perf_counter() - start, seconds)
    latencies.sort()

    def percentile(p: float) -> int:
        if not latencies:
            return 0
        return int(latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1e6)

    return {
        "requests": len(latencies),
        "duration_us": int(elapsed * 1e6),
        "responses": len(latencies),
        **counts,
        "write": 0,
        "timeout": 0,
        "p50_us": percentile(0.50),
        "p99_us": percentile(0.99),
        "max_us": int(latencies[-1] * 1e6) if latencies else 0,
        "rate": rate,
    }


# ---------------------------------------------------------------- the run


def ensure_wrk() -> bool:
    """wrk from Debian: installed when missing (and this is root on Debian)."""
    if shutil.which("wrk"):
        return True
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        print("wrk is missing: apt-get install -y wrk", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "-qq", "wrk"]
        with suppress(subprocess.SubprocessError, OSError):
            if subprocess.run(install, env=env, timeout=300, capture_output=True).returncode:
                subprocess.run(["apt-get", "update", "-qq"], env=env, timeout=300, check=False)
                subprocess.run(install, env=env, timeout=300, capture_output=True, check=False)
    return shutil.which("wrk") is not None


def pg_available(url: str) -> bool:
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(url).set(drivername="postgresql", database="postgres")
    try:
        with psycopg.connect(admin.render_as_string(hide_password=False), connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def ports_of(text: str) -> list[int]:
    low, _, high = text.partition("-")
    return list(range(int(low), int(high or low) + 1))


def median(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def machine() -> dict[str, Any]:
    model = ""
    with suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpus": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "system": platform.platform(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def pdf_overhead(registry: Any, repeat: int) -> dict[str, float]:
    """Our archive (PDF/A-3b + JSON attachment + metadata) vs raw WeasyPrint, same HTML."""
    from weasyprint import HTML

    from engine.evaluate import evaluate
    from renderers.pdf import ArchiveInfo, document_html, render_pdf

    entry = registry.latest(FORM_ID)
    assert entry is not None
    form_state = evaluate(entry.form, OKR_ANSWERS)
    info = ArchiveInfo(
        "00000000-0000-4000-8000-000000000000",
        datetime.now(UTC),
        "Demo",
        entry.id,
        entry.version,
        entry.form.content_hash,
        "nl",
    )
    document = document_html(entry.form, form_state, info)
    answers = {"achternaam": "Bakker"}
    render_pdf(document, answers, info)  # warm-up (fonts)
    HTML(string=document).write_pdf()

    def timed(fn: Callable[[], Any]) -> float:
        start = time.perf_counter()
        fn()
        return (time.perf_counter() - start) * 1000

    pdf_times, raw_times = [], []
    for _ in range(repeat):  # interleaved, so both meet the same machine noise
        pdf_times.append(timed(lambda: render_pdf(document, answers, info)))
        raw_times.append(timed(lambda: HTML(string=document).write_pdf()))
    pdf_ms, raw_ms = statistics.median(pdf_times), statistics.median(raw_times)
    return {
        "pdf_ms": round(pdf_ms, 1),
        "raw_weasyprint_ms": round(raw_ms, 1),
        "pdf_overhead": round(pdf_ms / raw_ms, 3),
    }


# a block of windows: the floors and POPO alternating, in this order (reversed every other round)
SLOTS = ("const_page", "page", "floor_page", "uncached", "const_change", "change", "floor_change")
QUICK_SECOND_WORKER = ("page", "floor_page", "change", "floor_change")


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["load"]:  # the Python client, in its own process
        spec = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
        print(json.dumps(asyncio.run(load(spec))))
        return 0
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short windows (< 90 s in all)")
    parser.add_argument("--pg-url", default=PG_URL, help="a PostgreSQL database to recreate")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--ports", default="8400-8460", help="ports for the servers it starts")
    parser.add_argument(
        "--python-client", action="store_true", help="the Python client instead of wrk"
    )
    args = parser.parse_args(argv)
    began = time.time()
    quick = args.quick
    window, rounds = (1, 2) if quick else (5, 5)
    fixed_seconds, register_seconds = (2, 1) if quick else (60, 5)
    pdf_repeat = 3 if quick else 11

    sys.path.insert(0, str(REPOSITORY))
    tool = "wrk" if not args.python_client and ensure_wrk() else "python"
    use_pg = not args.no_pg and pg_available(args.pg_url)
    if not args.no_pg and not use_pg:
        print(f"PostgreSQL is not reachable at {args.pg_url}: SQLite only", flush=True)
    from runtime.definitions import Registry
    from runtime.settings import REPOSITORY as RUNTIME_REPOSITORY

    folder = Path(tempfile.mkdtemp(prefix="popo-bench-"))
    secret = uuid.uuid4().hex + uuid.uuid4().hex
    servers = Servers(ports_of(args.ports), folder)
    stopping = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    start_machine = machine()
    try:
        # SQLite with one and two processes; PostgreSQL the same (in --quick, SQLite with one)
        plan = [
            ("sqlite", "sqlite:///" + str(folder / "sqlite.sqlite3"), (1,) if quick else (1, 2))
        ]
        if use_pg:
            plan.append(("pg", args.pg_url, (1, 2)))
        dbs: list[Prepared] = []
        targets: dict[str, Target] = {}
        const_ports: dict[int, int] = {}
        # every database's schema first, and POPO's servers start on it (they take a while),
        # while this process loads the definitions, seeds the databases and captures
        for name, url, workers in plan:
            db = migrate(name, url, folder, secret)
            db.popo = {w: servers.start("runtime.asgi:app", db.env, w) for w in workers}
            dbs.append(db)
        registry = Registry.load(RUNTIME_REPOSITORY / "definitions")
        for db, (name, _, workers) in zip(dbs, plan, strict=True):
            seed(db, registry)
            capture(db)
            popo = db.popo
            floor_spec = folder / f"floor-{name}.pickle"
            floor_spec.write_bytes(
                pickle.dumps(
                    {
                        "dialect": "sqlite" if name == "sqlite" else "pg",
                        "dsn": db.dsn,
                        "page_sql": plain(db.page_sql),
                        "change_sql": plain(db.change_sql),
                        "draft": db.capture_draft,
                        "page_html": db.page_html,
                        "change_html": db.change_html,
                    }
                )
            )
            if not const_ports:
                (folder / "constant.json").write_text(
                    json.dumps({"page_html": db.page_html, "change_html": db.change_html}),
                    encoding="utf-8",
                )
            read_path = f"/drafts/{db.page_draft}/pages/{READ_PAGE}"
            change_path = f"/drafts/{{}}/pages/{CHANGE_PAGE}/change"
            for w in workers:
                if w not in const_ports:
                    const_env = {SPEC_ENV: str(folder / "constant.json")}
                    const_ports[w] = servers.start(
                        "benchmarks.runtime:constant_app", const_env, w, factory=True
                    )
                    for label, kind, path in (
                        ("page", "get", read_path),
                        ("change", "change", change_path),
                    ):
                        key = f"const:{label}:w{w}"
                        drafts = db.drafts[f"floor:w{w}"]
                        targets[key] = Target(
                            key, const_ports[w], kind, path, db.cookie, db, drafts
                        )
                floor = servers.start(
                    "benchmarks.runtime:floor_app", {SPEC_ENV: str(floor_spec)}, w, factory=True
                )
                for label, port, kind, path, drafts, is_popo in (
                    ("page", popo[w], "get", read_path, [], True),
                    ("uncached", popo[w], "get-vary", read_path, [], True),
                    ("change", popo[w], "change", change_path, db.drafts[f"change:w{w}"], True),
                    ("floor_page", floor, "get", read_path, [], False),
                    ("floor_change", floor, "change", change_path, db.drafts[f"floor:w{w}"], False),
                    ("register", popo[w], "get", "/transfers", [], True),
                ):
                    key = f"{name}:{label}:w{w}"
                    mark = REGISTER_MARK if label == "register" else PAGE_MARK
                    targets[key] = Target(
                        key, port, kind, path, db.cookie, db, drafts, is_popo, mark
                    )
        print(f"setting up took {time.time() - began:.0f} s; waiting for the servers", flush=True)
        servers.settle(timeout=240)
        try:
            warm_up(targets.values())
        except RuntimeError as problem:
            raise RuntimeError(f"{problem}\n{servers.log_tails()}") from problem
        print(f"servers ready after {time.time() - began:.0f} s", flush=True)

        def measure(target: Target, seconds: float, rate: float | None = None) -> dict[str, Any]:
            if tool == "wrk" and rate is None:
                return run_wrk(target, int(seconds), folder)
            return run_python(target, seconds, folder, rate)

        configs = [(db, w) for db, (_, _, workers) in zip(dbs, plan, strict=True) for w in workers]
        # one block of windows per database and worker count, floors and POPO alternating
        order: list[tuple[tuple[str, int], str, str]] = []  # (block, slot, target)
        for db, w in configs:
            for slot in SLOTS:
                if quick and w == 2 and slot not in QUICK_SECOND_WORKER:
                    continue  # --quick: with two workers, only what the scaling needs
                shared = slot.startswith("const_")  # the framework floor knows no database
                which = f"const:{slot[6:]}:w{w}" if shared else f"{db.name}:{slot}:w{w}"
                order.append(((db.name, w), slot, which))
        if not quick:  # warming up: a window of each, not counted (both processes of two)
            for _, _, label in order:
                measure(targets[label], 1)
        rps: dict[str, list[float]] = {}
        blocks: dict[tuple[str, int], list[dict[str, float]]] = {b: [] for b, _, _ in order}
        windows: list[dict[str, Any]] = []
        for number in range(rounds):
            for block in blocks.values():
                block.append({})
            for block_key, slot, label in order if number % 2 == 0 else order[::-1]:
                result = measure(targets[label], window)
                result["label"], result["round"] = label, number
                windows.append(result)
                blocks[block_key][number][slot] = result["rps"]
                rps.setdefault(label, []).append(result["rps"])
            print(
                f"round {number + 1}/{rounds} after {time.time() - began:.0f} s: "
                + ", ".join(
                    f"{b[0]}/w{b[1]} {slot} {blocks[b][number][slot]:.0f}" for b, slot, _ in order
                ),
                flush=True,
            )

        # the ratios: per round, each POPO window against its floor of the same block
        figures: dict[str, Any] = {}
        ratio_defs = {
            "page_ratio": ("page", "const_page"),
            "page_uncached_ratio": ("uncached", "const_page"),
            "page_db_floor_ratio": ("page", "floor_page"),
            "page_uncached_db_floor_ratio": ("uncached", "floor_page"),
            "page_cached_vs_uncached": ("page", "uncached"),
            "change_ratio": ("change", "const_change"),
            "change_db_floor_ratio": ("change", "floor_change"),
            "db_floor_page_ratio": ("floor_page", "const_page"),
            "db_floor_change_ratio": ("floor_change", "const_change"),
        }
        for db, w in configs:
            suffix = "" if w == 1 else "_2w"
            for key, (top, bottom) in ratio_defs.items():
                pairs = [
                    b[top] / b[bottom] for b in blocks[(db.name, w)] if b.get(bottom) and top in b
                ]
                if pairs:
                    figures[db.prefix + key + suffix] = median(pairs)
        for db in dbs:
            if (db.name, 1) in blocks and (db.name, 2) in blocks:
                one, two = blocks[(db.name, 1)], blocks[(db.name, 2)]
                for key, slot in (
                    ("worker_scaling", "page"),
                    ("change_worker_scaling", "change"),
                    ("uncached_worker_scaling", "uncached"),
                    ("db_floor_worker_scaling", "floor_page"),
                    ("db_floor_change_worker_scaling", "floor_change"),
                    ("framework_worker_scaling", "const_page"),
                ):
                    pairs = [
                        b[slot] / a[slot]
                        for a, b in zip(one, two, strict=True)
                        if a.get(slot) and slot in b
                    ]
                    if not pairs:
                        continue
                    figures[db.prefix + key] = median(pairs)

        # p99 under a fixed rate: half of the maximum measured above (the register: its own)
        latency: dict[str, Any] = {}
        for db in dbs if not quick else dbs[:1]:
            for label in ("page", "change", "register"):
                target = targets[f"{db.name}:{label}:w1"]
                if label == "register":
                    found = measure(target, register_seconds)
                    windows.append({**found, "label": target.label + " (maximum)", "round": -1})
                    maximum = found["rps"]
                else:
                    maximum = statistics.median(rps[target.label])
                rate = max(1.0, round(maximum / 2, 1))
                result = run_python(target, fixed_seconds, folder, rate)
                result["label"], result["round"] = target.label + " (fixed rate)", -1
                windows.append(result)
                latency[f"{db.prefix}{label}_p99_ms"] = round(result["p99_us"] / 1000, 2)
                latency[f"{db.prefix}{label}_p50_ms"] = round(result["p50_us"] / 1000, 2)
                latency[f"{db.prefix}{label}_fixed_rate"] = rate
                latency[f"{db.prefix}{label}_achieved_rate"] = round(result["rps"], 1)
            print(f"fixed-rate latency ({db.name}) after {time.time() - began:.0f} s", flush=True)
    finally:
        servers.stop()
        signal.signal(signal.SIGTERM, stopping)
    end_machine = machine()

    changes: dict[str, Any] = {}
    errors: dict[str, int] = {}
    for db in dbs:
        mine = [r for r in windows if r["label"].startswith(f"{db.name}:change")]
        changes[db.prefix + "changes_sent"] = sum(r["responses"] for r in mine)
        changes[db.prefix + "changes_applied"] = sum(r.get("changes_applied", 0) for r in mine)
        # answered 200 without a new revision (a conflict): the client's own count
        changes[db.prefix + "changes_not_applied"] = sum(r.get("unapplied", 0) for r in mine)
        floors = [r for r in windows if r["label"].startswith(f"{db.name}:floor_change")]
        changes[db.prefix + "db_floor_changes_applied"] = sum(
            r.get("changes_applied", 0) for r in floors
        )
    not_applied = {r["label"]: r["unapplied"] for r in windows if r.get("unapplied")}
    kinds: dict[str, int] = {}
    for r in windows:
        if r["errors"]:
            errors[r["label"]] = errors.get(r["label"], 0) + r["errors"]
        for kind in ("bad_status", "connect", "read", "write", "timeout"):
            if r.get(kind):
                kinds[kind] = kinds.get(kind, 0) + r[kind]
    pdf = pdf_overhead(registry, pdf_repeat)  # with the servers stopped
    if use_pg:
        drop_pg(args.pg_url)
    shutil.rmtree(folder, ignore_errors=True)

    result_json: dict[str, Any] = {
        "tool": tool if tool == "wrk" else "python (fallback: not comparable with wrk's figures)",
        "quick": quick,
        "connections": CONNECTIONS,
        "window_seconds": window,
        "rounds": rounds,
        "fixed_rate_seconds": fixed_seconds,
        "databases": [db.name for db in dbs],
        "workers": {db.name: list(w) for db, (_, _, w) in zip(dbs, plan, strict=True)},
        "page_bytes": len(dbs[0].page_html.encode()),
        "page_cache_miss_checked": all(db.page_miss_checked for db in dbs),
        **figures,
        **changes,
        "errors": sum(errors.values()),
        "errors_by_window": errors,  # a label: its windows of every round together
        "errors_by_kind": kinds,
        "changes_not_applied_by_window": not_applied,
        **latency,
        **pdf,
        "rps": {label: round(statistics.median(v), 1) for label, v in rps.items()},
        "machine": {**start_machine, "load_average_end": end_machine["load_average"]},
        "seconds": round(time.time() - began, 1),
    }
    for db in dbs:
        print(
            f"{db.name}: page {figures.get(db.prefix + 'page_ratio')}x of the framework floor, "
            f"{figures.get(db.prefix + 'page_db_floor_ratio')}x of the database floor; uncached "
            f"{figures.get(db.prefix + 'page_uncached_ratio')}x; change "
            f"{figures.get(db.prefix + 'change_db_floor_ratio')}x of the database floor; "
            f"{changes[db.prefix + 'changes_applied']} changes applied "
            f"({changes[db.prefix + 'changes_sent']} answered in the windows, "
            f"{changes[db.prefix + 'changes_not_applied']} of them without a new revision)"
        )
    print(
        f"errors {result_json['errors']}; pdf {pdf['pdf_ms']:.0f} ms vs raw "
        f"{pdf['raw_weasyprint_ms']:.0f} ms; {result_json['seconds']} s in all"
    )
    print(json.dumps(result_json))
    return 0


if __name__ == "__main__":
    sys.exit(main())

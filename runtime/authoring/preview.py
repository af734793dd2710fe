"""``popo preview DIR``: a consultant fills in the forms of a folder on disk, before publishing.

Every form in the folder (published or not) is filled in as a person fills it in POPO: the
same pages, conditions, htmx fragments, row buttons and messages, drawn by the runtime's own
code (runtime/forms/controllers.py and service.py) on the same renderers and engine. Only the
answers live elsewhere: in memory, one preview session per start (its token is in the address),
never in a database. A session starts empty or from one of the form's scenarios; what was typed
can be saved as a scenario next to the form (runtime/authoring/preview_scenario.py). Check
errors appear in the page with file:line:col; the page reloads itself when a YAML file in the
folder changes, and the answers stay where their fields still exist.
"""

from __future__ import annotations

import copy
import hashlib
import secrets
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, cast

from litestar import Litestar, MediaType, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect
from litestar.static_files import create_static_files_router
from sqlalchemy.orm import Session

from engine.api import CheckResult
from engine.compiler import CompiledForm
from engine.errors import Severity
from engine.scenarios import ScenarioFile, run_file
from engine.workspace import SCENARIO_SUFFIX, Workspace, discover, open_workspace
from engine.yamlsource import load_file, to_plain
from oso_mapping.element_tree import load_element_tree
from renderers import i18n

from ..clock import SYSTEM, Clock
from ..db.session import settings_clock
from ..definitions import FormEntry, Registry
from ..forms import controllers
from ..forms.files import content_disposition
from ..forms.models import Draft
from ..forms.service import FormsService
from ..forms.settings import FormsSettings
from ..forms.status import DraftStatus
from ..lru import LRU
from ..settings import REPOSITORY, Settings, load_settings
from ..storage import Upload
from ..web.blocking import in_thread
from ..web.headers import security_headers
from ..web.language import templates
from ..web.pages import html, message_page
from ..web.posted import Posted, provide_posted
from . import preview_scenario

LOOPBACK = ("127.0.0.1", "localhost", "::1")
MAX_SESSIONS = 64  # preview sessions kept; the oldest unused one goes first
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # files uploaded in one session, kept in memory


@dataclass
class Form:
    """A form of the folder: where it is, and its scenario files."""

    result: CheckResult
    scenario_files: list[Path]
    scenarios: list[dict[str, Any]]

    @property
    def path(self) -> Path:
        return self.result.path.resolve()


@dataclass
class Notice:
    """What the last "save as scenario" did, shown once on the next page."""

    text: str
    error: bool = False
    details: list[str] = field(default_factory=list)


@dataclass
class PreviewSession:
    """One person's answers to one form, held in memory (a draft that is never stored)."""

    token: str
    form_path: Path
    draft: Draft
    today: date
    started_from: str  # the scenario's name; "" when started empty
    uploads: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    notice: Notice | None = None
    lock: Any = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        return f"/s/{self.token}"


@dataclass
class Preview:
    folder: Path
    fingerprint: str = ""
    workspace: Workspace | None = None
    forms: list[Form] = field(default_factory=list)
    sessions: LRU[str, PreviewSession] = field(default_factory=lambda: LRU(MAX_SESSIONS))
    settings: Settings = field(default_factory=Settings)
    clock: Clock = SYSTEM  # the date a session starts on, unless its scenario names one
    _lock: Any = field(default_factory=threading.Lock)  # (Any: Litestar reads these types)

    def current(self) -> str:
        digest = hashlib.sha256()
        sources = [*self.folder.rglob("*.y*ml"), *self.folder.rglob("*.csv")]
        for path in sorted(sources):  # definitions and the CSV choice lists they read
            stat = path.stat()
            digest.update(f"{path}:{stat.st_mtime_ns}:{stat.st_size}".encode())
        return digest.hexdigest()[:16]

    def refresh(self) -> Workspace:
        with self._lock:
            now = self.current()
            if self.workspace is None or now != self.fingerprint:
                self.workspace = open_workspace([self.folder], load_element_tree())
                self.fingerprint = now
                self.forms = self._forms(self.workspace)
            return self.workspace

    def _forms(self, workspace: Workspace) -> list[Form]:
        forms = [Form(result, [], []) for result in workspace.results]
        by_path = {form.path: form for form in forms}
        for path in discover([self.folder], SCENARIO_SUFFIX):
            try:
                parsed = ScenarioFile.model_validate(to_plain(load_file(path)))
            except Exception:
                continue
            form = by_path.get((path.parent / parsed.form).resolve())
            if form is not None:
                form.scenario_files.append(path)
                form.scenarios.extend(s.model_dump() for s in parsed.scenarios)
        return forms

    def form(self, number: int) -> Form:
        self.refresh()
        if not 0 <= number < len(self.forms):
            raise NotFoundException()
        return self.forms[number]

    def form_at(self, path: Path) -> tuple[int, Form] | None:
        self.refresh()
        for number, form in enumerate(self.forms):
            if form.path == path:
                return number, form
        return None

    def start(self, form: Form, scenario: int | None, language: str) -> PreviewSession:
        compiled = form.result.compiled
        assert compiled is not None
        chosen = form.scenarios[scenario] if scenario is not None else None
        answers = copy.deepcopy(chosen["answers"]) if chosen else {}
        draft = _draft(compiled, fit(answers, compiled), chosen["language"] if chosen else language)
        session = PreviewSession(
            secrets.token_urlsafe(16),
            form.path,
            draft,
            (chosen.get("today") if chosen else None) or self.clock.today(),
            chosen["name"] if chosen else "",
        )
        self.sessions.put(session.token, session)
        return session

    def session(self, token: str) -> PreviewSession:
        session = self.sessions.get(token)
        if session is None:
            raise NotFoundException()
        return session


def _draft(form: CompiledForm, answers: dict[str, Any], language: str) -> Draft:
    return Draft(
        id=uuid.uuid4(),
        form_id=form.id,
        form_version=form.version,
        definition_hash=form.content_hash,
        language=i18n.normalize(language),
        answers=answers,
        attempted_pages={},
        status=DraftStatus.OPEN,
        revision=0,
        answer_revisions={},
    )


def fit(answers: dict[str, Any], form: CompiledForm, path: tuple[str, ...] = ()) -> dict[str, Any]:
    """The answers that the form still has a field for, of the same shape (rows for a group,
    a value for any other field); the rest is left out."""
    kept: dict[str, Any] = {}
    for name, value in answers.items():
        node = form.by_key.get(name)
        if node is None or node.repeat_path != path or (not node.is_input and node.kind != "group"):
            continue
        if node.kind == "group":
            if isinstance(value, list) and all(isinstance(row, dict) for row in value):
                kept[name] = [fit(row, form, (*path, name)) for row in value]
        elif node.kind in ("multichoice", "file") or not isinstance(value, list | dict):
            kept[name] = value
    return kept


class _NoDatabase:
    """Stands in for the database session of FormsService: a preview draft lives in memory,
    so there is nothing to flush; anything else would be a query, which the preview never
    makes (it fails loudly)."""

    def flush(self) -> None:
        pass


class PreviewService(FormsService):
    """The runtime's forms service on a preview session: the same saving, row and error rules,
    with the session's date for today and uploads kept in memory."""

    def __init__(self, session: PreviewSession, settings: Settings) -> None:
        super().__init__(cast(Session, _NoDatabase()), Registry(), settings, cast(Any, None))
        self.preview_session = session

    def today(self) -> date:
        return self.preview_session.today  # the scenario's date, else the day it started

    def store_upload(self, draft: Draft, key: str, upload: Upload, node: Any) -> dict[str, Any]:
        meta, allowed = self.upload_meta(upload, node)
        uploads = self.preview_session.uploads
        kept = sum(len(data) for _, data in uploads.values())
        if allowed and kept + len(upload.data) <= MAX_UPLOAD_BYTES:
            meta["id"] = str(uuid.uuid4())
            uploads[meta["id"]] = (meta["name"], upload.data)
        return meta


# ---------------------------------------------------------------------- pages of the preview


def page(content: str) -> Response[str]:
    return Response(content, media_type=MediaType.HTML, headers={"Cache-Control": "no-store"})


def _language(request: Request[Any, Any, Any]) -> str:
    return i18n.normalize(request.query_params.get("lang"))


@get("/", sync_to_thread=False)
def index(request: Request[Any, Any, Any], preview: NamedDependency[Preview]) -> Response[str]:
    workspace = preview.refresh()
    language = _language(request)
    forms = [
        {
            "number": number,
            "path": _display(form.result),
            "title": _title(form.result, language),
            "ok": form.result.compiled is not None,
            "scenarios": len(form.scenarios),
        }
        for number, form in enumerate(preview.forms)
    ]
    diagnostics = [d.render() for d in workspace.all_diagnostics()]
    errors = sum(1 for d in workspace.all_diagnostics() if d.severity is Severity.ERROR)
    return page(
        templates(language)
        .get_template("preview_index.html")
        .render(
            forms=forms,
            diagnostics=diagnostics,
            errors=errors,
            folder=str(preview.folder),
            fingerprint=preview.fingerprint,
            language_url=lambda code: f"/?lang={code}",
        )
    )


@get("/forms/{number:int}", sync_to_thread=False)
def show_form(
    request: Request[Any, Any, Any], preview: NamedDependency[Preview], number: FromPath[int]
) -> Response[str]:
    """A form's start: its check results, and a start empty or from each of its scenarios."""
    form = preview.form(number)
    return _start_page(preview, number, form, _language(request))


def _start_page(
    preview: Preview, number: int, form: Form, language: str, kept: bool = False
) -> Response[str]:
    return page(
        templates(language)
        .get_template("preview_form.html")
        .render(
            number=number,
            title=_title(form.result, language),
            path=_display(form.result),
            ok=form.result.compiled is not None,
            diagnostics=[d.render() for d in form.result.diagnostics.sorted()],
            scenarios=[s["name"] for s in form.scenarios],
            kept=kept,
            fingerprint=preview.fingerprint,
            language=language,
            language_url=lambda code: f"/forms/{number}?lang={code}",
        )
    )


@post("/forms/{number:int}/start")
@in_thread
def start(
    preview: NamedDependency[Preview], posted: NamedDependency[Posted], number: FromPath[int]
) -> Redirect:
    form = preview.form(number)
    if form.result.compiled is None:
        return Redirect(f"/forms/{number}", status_code=303)
    chosen = posted.get("scenario")
    scenario = int(chosen) if chosen.isdigit() and int(chosen) < len(form.scenarios) else None
    session = preview.start(form, scenario, posted.get("lang"))
    return Redirect(session.base_url, status_code=303)


@contextmanager
def opened(
    request: Request[Any, Any, Any], preview: Preview, token: str, redirect_missing_page: str = ""
) -> Iterator[controllers.Context | Response[str]]:
    """The session of ``token`` as the runtime's controllers see a draft; while the form has
    errors, its start page with the errors (the answers are kept)."""
    session = preview.session(token)
    with session.lock:
        found = preview.form_at(session.form_path)
        if found is None:
            raise NotFoundException()
        number, form = found
        compiled = form.result.compiled
        language = request.query_params.get("lang")
        if language in i18n.LANGUAGES:
            session.draft.language = language
        if compiled is None:
            yield _start_page(preview, number, form, session.draft.language, kept=True)
            return
        _follow(session, compiled)
        entry = FormEntry(compiled, form.path, published=False)
        service = PreviewService(session, preview.settings)
        ctx = controllers.Context(
            service,
            session.draft,
            entry,
            session.base_url,
            None,
            None,
            template_names={
                "form_page.html": "preview_page.html",
                "check_answers.html": "preview_check.html",
            },
        )
        ctx.page_values = _bar(preview, session, number, form, ctx)
        yield ctx


def _follow(session: PreviewSession, form: CompiledForm) -> None:
    """A form changed on disk: the answers follow it (those without a field go), and the
    evaluation starts afresh (a new draft id: no state of the old form is reused)."""
    draft = session.draft
    if draft.definition_hash == form.content_hash:
        return
    draft.answers = fit(draft.answers, form)
    draft.attempted_pages = {p: m for p, m in draft.attempted_pages.items() if p in form.pages}
    draft.answer_revisions = {}
    draft.definition_hash = form.content_hash
    draft.form_id, draft.form_version = form.id, form.version
    draft.id = uuid.uuid4()


def _bar(
    preview: Preview, session: PreviewSession, number: int, form: Form, ctx: controllers.Context
) -> dict[str, Any]:
    """What the preview draws around a page of the form (see preview_bar.html)."""
    return {
        "preview_number": number,
        "preview_path": _display(form.result),
        "preview_diagnostics": [d.render() for d in form.result.diagnostics.sorted()],
        "preview_started_from": session.started_from,
        "preview_notice": session.notice,
        "preview_fingerprint": preview.fingerprint,
        "preview_file": preview_scenario.default_file_name(form.path, form.scenario_files),
        "preview_folder": _shown_folder(form.path.parent),
        "preview_expect": lambda: _expect_yaml(ctx),
    }


def _expect_yaml(ctx: controllers.Context) -> str:
    state = ctx.service.state(ctx.draft, ctx.entry)
    scenario = preview_scenario.scenario_from(
        ctx.entry.form, state, ctx.draft.answers, "…", ctx.draft.language
    )
    return preview_scenario.dump({k: scenario[k] for k in ("answers", "expect")})


@get("/s/{token:str}")
@in_thread
def session_home(
    request: Request[Any, Any, Any], preview: NamedDependency[Preview], token: FromPath[str]
) -> Response[str] | Redirect:
    with opened(request, preview, token) as ctx:
        if isinstance(ctx, Response):
            return ctx
        state = ctx.service.state(ctx.draft, ctx.entry)
        return Redirect(
            f"{ctx.base_url}/pages/{controllers.first_page(ctx, state)}", status_code=303
        )


@get("/s/{token:str}/pages/{page_id:str}")
@in_thread
def show_page(
    request: Request[Any, Any, Any],
    preview: NamedDependency[Preview],
    token: FromPath[str],
    page_id: FromPath[str],
) -> Response[str] | Redirect:
    with opened(request, preview, token) as ctx:
        if isinstance(ctx, Response):
            return ctx
        state = ctx.service.state(ctx.draft, ctx.entry)
        if page_id not in ctx.entry.form.pages or not state.pages[page_id].visible:
            # (a page that a change on disk removed or hid: the first page instead)
            return Redirect(ctx.base_url, status_code=303)
        response = controllers.render_page(request, ctx, state, page_id)
        preview.session(token).notice = None  # shown once
        return response


@post("/s/{token:str}/pages/{page_id:str}")
@in_thread
def save_page(
    request: Request[Any, Any, Any],
    preview: NamedDependency[Preview],
    posted: NamedDependency[Posted],
    token: FromPath[str],
    page_id: FromPath[str],
) -> Response[str] | Redirect:
    """Without JavaScript, and every button: the runtime's own handling of a posted page."""
    with opened(request, preview, token) as ctx:
        if isinstance(ctx, Response):
            return ctx
        if page_id not in ctx.entry.form.pages:
            return Redirect(ctx.base_url, status_code=303)
        return controllers.save_posted(request, ctx, page_id, posted)


@post("/s/{token:str}/pages/{page_id:str}/change")
@in_thread
def change_page(
    request: Request[Any, Any, Any],
    preview: NamedDependency[Preview],
    posted: NamedDependency[Posted],
    token: FromPath[str],
    page_id: FromPath[str],
) -> Response[str]:
    """htmx: the runtime's fragments of one change, and what a scenario would expect now."""
    trigger = request.headers.get(controllers.FIELD_HEADER) or ""
    with opened(request, preview, token) as ctx:
        if isinstance(ctx, Response):
            return Response("", headers={"HX-Refresh": "true"})
        if not trigger or page_id not in ctx.entry.form.pages:
            return html("")
        parts = controllers.change_fragments(ctx, page_id, posted, trigger)
        parts.append(
            templates(ctx.draft.language)
            .get_template("preview_expect.html")
            .render(preview_expect=lambda: _expect_yaml(ctx), oob=True)
        )
        return html("\n".join(parts))


@get("/s/{token:str}/check")
@in_thread
def check_answers(
    request: Request[Any, Any, Any], preview: NamedDependency[Preview], token: FromPath[str]
) -> Response[str]:
    with opened(request, preview, token) as ctx:
        if isinstance(ctx, Response):
            return ctx
        content = controllers.check_page_html(request, ctx)
        preview.session(token).notice = None  # shown once
        return html(content)


@post("/s/{token:str}/submit")
@in_thread
def submit(
    request: Request[Any, Any, Any], preview: NamedDependency[Preview], token: FromPath[str]
) -> Response[str] | Redirect:
    """Nothing is sent from a preview: a complete form says so; an incomplete one shows its
    first incomplete page with its errors, as in POPO."""
    with opened(request, preview, token) as ctx:
        if isinstance(ctx, Response):
            return ctx
        state = ctx.service.state(ctx.draft, ctx.entry)
        if not state.valid:
            incomplete = controllers.mark_incomplete(ctx, state)
            return Redirect(f"{ctx.base_url}/pages/{incomplete}", status_code=303)
        language = ctx.draft.language
        return message_page(
            request,
            language,
            i18n.gettext(language, "The form is complete"),
            i18n.gettext(
                language,
                "In POPO the form would be sent now. A preview sends nothing: your answers stay "
                "here, and you can save them as a scenario.",
            ),
        )


@post("/s/{token:str}/scenario")
@in_thread
def save_scenario(
    request: Request[Any, Any, Any],
    preview: NamedDependency[Preview],
    posted: NamedDependency[Posted],
    token: FromPath[str],
) -> Response[str] | Redirect:
    """Save what was typed as a scenario next to the form, then show how ``popo test`` runs
    the scenario file; back to the page the consultant was on."""
    with opened(request, preview, token) as ctx:
        if isinstance(ctx, Response):
            return ctx
        session = preview.session(token)
        language = ctx.draft.language
        state = ctx.service.state(ctx.draft, ctx.entry)
        name = posted.get("scenario_name").strip()[:200]
        scenario = preview_scenario.scenario_from(
            ctx.entry.form, state, ctx.draft.answers, name, language
        )
        try:
            written = preview_scenario.save(
                preview.folder, session.form_path, posted.get("scenario_file"), scenario
            )
        except preview_scenario.Refused as refused:
            text = i18n.gettext(language, refused.message) % refused.values
            session.notice = Notice(text, error=True)
        else:
            session.notice = _saved_notice(written, name, language)
        back = posted.get("page")
        if back == "check":
            return Redirect(f"{ctx.base_url}/check", status_code=303)
        if back not in ctx.entry.form.pages:
            return Redirect(ctx.base_url, status_code=303)
        return Redirect(f"{ctx.base_url}/pages/{back}#preview-scenario", status_code=303)


def _saved_notice(written: preview_scenario.Written, name: str, language: str) -> Notice:
    run = run_file(written.path, load_element_tree())
    shown = _shown_folder(written.path)
    if written.appended:
        text = i18n.gettext(language, "Scenario '%(name)s' added to %(file)s.")
    else:
        text = i18n.gettext(language, "Scenario '%(name)s' saved in the new file %(file)s.")
    text = text % {"name": name, "file": shown}
    outcome = i18n.gettext(language, "popo test: %(passed)s of %(total)s scenarios pass.") % {
        "passed": run.passed,
        "total": run.total,
    }
    details = [d.render() for d in run.diagnostics] + [f.render() for f in run.failures]
    return Notice(f"{text} {outcome}", error=bool(details), details=details)


@get("/s/{token:str}/files/{file_id:str}")
@in_thread
def download_file(
    preview: NamedDependency[Preview], token: FromPath[str], file_id: FromPath[str]
) -> Response[bytes]:
    """A file uploaded in this session, as a download (never shown inline)."""
    found = preview.session(token).uploads.get(file_id)
    if found is None:
        raise NotFoundException()
    name, data = found
    return Response(
        data,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": content_disposition(name),
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "no-store",
        },
    )


@get("/changes", sync_to_thread=False)
def changes(request: Request[Any, Any, Any], preview: NamedDependency[Preview]) -> Response[str]:
    """Polled by the page: asks htmx to reload it when the folder changed."""
    since = request.query_params.get("since", "")
    if preview.current() != since:
        return Response("", headers={"HX-Refresh": "true"})
    return Response("")


def _title(result: CheckResult, language: str) -> str:
    definition = result.definition
    if definition is None:
        return result.path.name
    title = definition.title
    return title if isinstance(title, str) else title.get(language) or next(iter(title.values()))


def _display(result: CheckResult) -> str:
    return _shown_folder(result.path)


def _shown_folder(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def not_found(request: Request[Any, Any, Any], exc: Exception) -> Response[str]:
    """A page that is not there; most often the address of a session the preview no longer
    holds (it was restarted, or the session was the oldest of too many)."""
    language = _language(request)
    return message_page(
        request,
        language,
        i18n.gettext(language, "Page not found"),
        i18n.gettext(
            language,
            "This preview does not have this page. After a restart of the preview, start the "
            "form again from the list: answers are kept in its memory only.",
        ),
        404,
    )


def _only_hosts(hosts: Iterable[str]) -> Any:
    """Requests must name one of ``hosts``: a web page elsewhere cannot reach the preview by
    a name of its own that resolves to this machine (DNS rebinding)."""
    allowed = {h.strip("[]") for h in hosts}

    def guard(request: Request[Any, Any, Any]) -> Response[str] | None:
        if (request.url.hostname or "").strip("[]") in allowed:
            return None
        return Response("unknown host", status_code=400, media_type=MediaType.TEXT)

    return guard


def create_preview_app(
    folder: Path, settings: Settings | None = None, hosts: Iterable[str] | None = LOOPBACK
) -> Litestar:
    """The preview of ``folder``; ``hosts``: the names it answers to (None: any)."""
    settings = settings or load_settings()
    preview = Preview(folder.resolve(), settings=settings, clock=settings_clock(settings))
    htmx_dir = settings.assets_dir / "htmx.org" / "dist"
    return Litestar(
        route_handlers=[
            index,
            show_form,
            start,
            session_home,
            show_page,
            save_page,
            change_page,
            check_answers,
            submit,
            save_scenario,
            download_file,
            changes,
            create_static_files_router(path="/static/vendor", directories=[htmx_dir]),
            create_static_files_router(
                path="/static", directories=[REPOSITORY / "runtime" / "static"]
            ),
        ],
        dependencies={
            "preview": Provide(lambda: preview, sync_to_thread=False),
            "posted": provide_posted,
        },
        exception_handlers={NotFoundException: not_found},
        before_request=_only_hosts(hosts) if hosts is not None else None,
        before_send=[security_headers(False)],
        request_max_body_size=FormsSettings.of(settings).max_upload_mb * 1024 * 1024 + 1024 * 1024,
        openapi_config=None,
    )


__all__ = ["create_preview_app"]

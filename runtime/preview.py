"""``popo preview DIR``: a consultant's view of definitions on disk, before publishing.

Every form in the folder is rendered (published or not) with the answers of each of its
scenarios; check errors appear in the page with file:line:col; the page reloads by itself when
a YAML file in the folder changes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from litestar import Litestar, MediaType, Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.static_files import create_static_files_router

from engine.api import CheckResult
from engine.errors import Severity
from engine.evaluate import evaluate
from engine.scenarios import ScenarioFile
from engine.workspace import SCENARIO_SUFFIX, Workspace, discover, open_workspace
from engine.yamlsource import load_file, to_plain
from oso_mapping.element_tree import load_element_tree
from renderers import i18n
from renderers.html import FormView

from .settings import REPOSITORY, Settings
from .state import TEMPLATES, templates


@dataclass
class Preview:
    folder: Path
    fingerprint: str = ""
    workspace: Workspace | None = None
    scenarios: dict[Path, list[dict[str, Any]]] = field(default_factory=dict)

    def current(self) -> str:
        digest = hashlib.sha256()
        for path in sorted(self.folder.rglob("*.y*ml")):
            stat = path.stat()
            digest.update(f"{path}:{stat.st_mtime_ns}:{stat.st_size}".encode())
        return digest.hexdigest()[:16]

    def refresh(self) -> Workspace:
        now = self.current()
        if self.workspace is None or now != self.fingerprint:
            self.workspace = open_workspace([self.folder], load_element_tree())
            self.fingerprint = now
            self.scenarios = self._scenarios()
        return self.workspace

    def _scenarios(self) -> dict[Path, list[dict[str, Any]]]:
        found: dict[Path, list[dict[str, Any]]] = {}
        for path in discover([self.folder], SCENARIO_SUFFIX):
            try:
                parsed = ScenarioFile.model_validate(to_plain(load_file(path)))
            except Exception:
                continue
            target = (path.parent / parsed.form).resolve()
            found.setdefault(target, []).extend(s.model_dump() for s in parsed.scenarios)
        return found


def page(content: str) -> Response[str]:
    return Response(content, media_type=MediaType.HTML, headers={"Cache-Control": "no-store"})


@get("/", sync_to_thread=False)
def index(request: Request[Any, Any, Any], preview: NamedDependency[Preview]) -> Response[str]:
    workspace = preview.refresh()
    language = i18n.normalize(request.query_params.get("lang"))
    forms = []
    for number, result in enumerate(workspace.results):
        forms.append(
            {
                "number": number,
                "path": _display(result),
                "title": _title(result, language),
                "ok": result.compiled is not None,
                "scenarios": len(preview.scenarios.get(result.path.resolve(), [])),
            }
        )
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
    workspace = preview.refresh()
    if not 0 <= number < len(workspace.results):
        raise NotFoundException()
    result = workspace.results[number]
    language = i18n.normalize(request.query_params.get("lang"))
    scenarios = preview.scenarios.get(result.path.resolve(), [])
    chosen = int(request.query_params.get("scenario", "0") or 0)
    diagnostics = [d.render() for d in result.diagnostics.sorted()]
    pages = []
    scenario = scenarios[chosen] if 0 <= chosen < len(scenarios) else None
    if result.compiled is not None:
        answers = scenario["answers"] if scenario else {}
        today = scenario.get("today") if scenario else None
        state = evaluate(result.compiled, answers, today or date.today())
        view = FormView(result.compiled, state, language, show_errors=result.compiled.pages)
        pages = [(view.page(p.id), view.error_summary(p.id)) for p in view.pages() if p.visible]
    return page(
        templates(language)
        .get_template("preview_form.html")
        .render(
            number=number,
            title=_title(result, language),
            path=_display(result),
            diagnostics=diagnostics,
            pages=pages,
            scenarios=[s["name"] for s in scenarios],
            chosen=chosen,
            fingerprint=preview.fingerprint,
            language=language,
            language_url=lambda code: f"/forms/{number}?scenario={chosen}&lang={code}",
        )
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
    try:
        return str(result.path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(result.path)


def create_preview_app(folder: Path, settings: Settings | None = None) -> Litestar:
    settings = settings or Settings()
    preview = Preview(folder.resolve())
    htmx_dir = settings.assets_dir / "htmx.org" / "dist"
    return Litestar(
        route_handlers=[
            index,
            show_form,
            changes,
            create_static_files_router(path="/static/vendor", directories=[htmx_dir]),
            create_static_files_router(
                path="/static", directories=[REPOSITORY / "runtime" / "static"]
            ),
        ],
        dependencies={"preview": Provide(lambda: preview, sync_to_thread=False)},
    )


__all__ = ["TEMPLATES", "create_preview_app"]

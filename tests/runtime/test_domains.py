"""The domains plug into the house (runtime/domains.py): every folder with a plugin is listed,
what each brings reaches the application, the command line and the mechanisms, and no two
domains bring the same name."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from litestar import Router

from runtime import notifications
from runtime.app import create_app
from runtime.cli import build_parser
from runtime.domains import DOMAINS, AppSettings
from runtime.jobs import spec
from runtime.settings import REPOSITORY, Settings, parts
from runtime.web.language import TEMPLATES, templates

RUNTIME = REPOSITORY / "runtime"


def test_every_folder_with_a_plugin_is_a_listed_domain() -> None:
    folders = {path.parent.name for path in RUNTIME.glob("*/plugin.py")}
    assert folders == {domain.name for domain in DOMAINS}
    assert len(DOMAINS) == len({domain.name for domain in DOMAINS})


def test_a_page_template_has_one_name_in_all_folders() -> None:
    folders = [TEMPLATES, *(d.templates for d in DOMAINS if d.templates is not None)]
    names = Counter(
        path.relative_to(folder).as_posix() for folder in folders for path in folder.rglob("*.html")
    )
    assert [name for name, count in names.items() if count > 1] == []
    for domain in DOMAINS:  # and each domain's pages are found by name
        for path in (domain.templates or Path("/nonexistent")).glob("*.html"):
            assert templates("nl").get_template(path.name).filename == str(path)


def test_the_application_serves_the_routes_of_every_domain(settings: Settings) -> None:
    app = create_app(settings)
    paths = {route.path for route in app.routes}
    for domain in DOMAINS:
        for handler in domain.routes:
            # a handler, or a router of them (web/api.py's), whose routes carry its path
            served = (
                {r.path for r in handler.routes} if isinstance(handler, Router) else handler.paths
            )
            assert set(served) <= paths, (domain.name, served)


def test_the_command_line_has_the_commands_of_every_domain() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    assert {"check", "import-duo", "user-add", "audit", "archive", "oso", "serve"} <= set(commands)


def test_tasks_events_and_settings_of_the_domains_reach_their_mechanisms() -> None:
    for domain in DOMAINS:
        for task in domain.tasks:
            assert spec.TASKS[task.name] is task
        for event in domain.events:
            assert notifications.EVENTS[event.kind] == event
            for language in ("nl", "en"):
                assert notifications.texts(event.kind, language).is_file()
        if domain.settings is not None:
            assert issubclass(AppSettings, domain.settings)
            assert {part for part, _, _ in parts(AppSettings)} >= {domain.settings.part}
    assert {"render_archive", "archive_sweep", "send_mail", "mail_sweep"} <= set(spec.TASKS)

"""Monitoring end to end, in Chromium, on the demo with its history and a real SMTP server: a
school's directeur, the board Noorderbasis and SWV Noord each open their own dashboard (its
name, its tiles, a chart with its table), open an overview, follow a figure to the rows behind
it, download the overview as XLSX (the same rows as the page) and, with JavaScript off, filter
it with the form's button; a view of more rows than the site's threshold (12) is made by the
in-process worker, its page showing the progress and then the download, with JavaScript and
without it (the "Vernieuwen" link); the monthly report job runs, each of them gets the mail
with its link, and the report opens as a PDF for its own staff and is 404 for another
organisation. axe-core checks the dashboard, an overview, the drill-down and an export's page."""

from __future__ import annotations

import io
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from openpyxl import load_workbook

from runtime.app import create_app
from runtime.monitoring import reports
from runtime.state import AppState

from .conftest import DATABASE_URL, fresh_settings
from .test_browser import CHROMIUM, check_accessibility, free_port
from .test_transfer_journey import Inbox, browser, mail_server, person  # noqa: F401 (fixtures)

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
    pytest.mark.skipif(DATABASE_URL is not None, reason="runs on its own SQLite database"),
]

PEOPLE = (
    # who, the organisation whose figures they see, a school they must not see
    ("directeur@regenboog.demo", "Basisschool De Regenboog (demo)", "school"),
    ("bestuur@noorderbasis.demo", "Stichting Noorderbasis (demo)", "bestuur"),
    ("swv@noord.demo", "Samenwerkingsverband Passend Onderwijs Noord (demo)", "swv"),
)


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory,
    mail_server: Inbox,  # noqa: F811
) -> Iterator[tuple[str, AppState]]:
    port = free_port()
    settings = fresh_settings(tmp_path_factory.mktemp("monitoring-journey")).replace(
        smtp_host="127.0.0.1",
        smtp_port=mail_server.port,  # type: ignore[attr-defined]
        base_url=f"http://127.0.0.1:{port}",
        # overstappen-per-reden (7 rows) downloads at once, overstappen-per-maand (24) is a job
        monitoring_export_inline_rows=12,
    )
    state = AppState.create(settings)
    from runtime import demo

    with state.db.session() as session:
        demo.seed(session, state.registry, settings, history=True)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, state), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start"
    yield f"http://127.0.0.1:{port}", state
    server.should_exit = True
    thread.join(timeout=10)
    state.stop_workers()


def test_each_organisation_sees_drills_down_exports_and_gets_its_report(
    site: tuple[str, AppState],
    browser: Any,  # noqa: F811
    mail_server: Inbox,  # noqa: F811
) -> None:
    base, state = site
    checked = False
    tabs = {}
    for email, name, audience in PEOPLE:
        tab = person(browser, base, email)
        tabs[email] = tab
        tab.goto(f"{base}/")
        tab.get_by_role("link", name="Dashboards en overzichten").click()
        tab.wait_for_url(f"{base}/monitoring")
        assert name in tab.locator("h1").inner_text()
        assert tab.locator("section.tile").count() >= 9
        assert tab.locator("section.tile svg[role=img]").count() >= 1
        hidden_note = tab.locator("p.note").count() > 0
        assert hidden_note == (audience != "school")  # only a board and an SWV hide figures
        if not checked:
            check_accessibility(tab)

        # an overview, its table behind the chart, a figure to the rows behind it
        tab.get_by_role("link", name="Overstappen per reden").first.click()
        tab.wait_for_url(re.compile(r".*/monitoring/overstappen-per-reden\?.*"))
        assert tab.locator("#results table").count() >= 1
        tab.locator("#from").fill("2020-01-01")
        tab.get_by_role("button", name="Toon", exact=True).click()
        tab.wait_for_load_state("networkidle")
        if not checked:
            check_accessibility(tab)
        figure = tab.locator("#results tbody td.numeric a").first
        figure.click()
        tab.wait_for_url(re.compile(r".*/records\?.*"))
        assert "Alleen de rijen die u mag zien" in tab.content()
        assert tab.locator("tbody tr").count() >= 1
        if not checked:
            check_accessibility(tab)
            checked = True
        tab.go_back()

        # the XLSX: the rows of the page
        tab.wait_for_load_state("networkidle")
        shown = tab.locator("#results table:not(.table--matrix) tbody tr").count()
        with tab.expect_download() as download:
            tab.get_by_role("link", name="Downloaden als Excel (XLSX)").click()
        sheet = load_workbook(
            io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True
        ).active
        values = [row for row in sheet.iter_rows(values_only=True)]
        assert values[0][0] == "Reden"
        assert len([v for v in values[1 : 1 + shown] if v and v[0]]) == shown

    # a large view: the button has the job make it, its page shows how far, then the file
    tab = tabs["swv@noord.demo"]
    tab.goto(f"{base}/monitoring/overstappen-per-maand?from=2020-01-01")
    tab.get_by_role("button", name="Downloaden als Excel (XLSX)").click()
    tab.wait_for_url(re.compile(r".*/monitoring/exports/[0-9a-f-]{36}$"))
    check_accessibility(tab)
    ready = tab.get_by_role("link", name=re.compile(r"^overstappen-per-maand-.*\.xlsx downloaden$"))
    ready.wait_for(timeout=30_000)  # htmx asks every 2 s; the in-process worker makes it
    with tab.expect_download() as download:
        ready.click()
    assert download.value.suggested_filename.startswith("overstappen-per-maand-2020-01-01-")
    sheet = load_workbook(
        io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True
    ).active
    assert len([row for row in sheet.iter_rows(values_only=True) if row and row[0]]) > 12

    # without JavaScript the filter form works by its button, a large export by its link
    context = browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    from .test_browser import log_in

    log_in(plain, base, "swv@noord.demo", axe=False)
    plain.goto(f"{base}/monitoring/overstappen-per-reden?from=2020-01-01")
    plain.locator("#f-reason").select_option("verhuizing")
    plain.get_by_role("button", name="Toon", exact=True).click()
    plain.wait_for_load_state()
    body = plain.locator("#results tbody").inner_text()
    assert "Verhuizing" in body and "Conflict" not in body
    plain.goto(f"{base}/monitoring/overstappen-per-maand?from=2020-01-01")
    plain.get_by_role("button", name="Downloaden als CSV").click()
    plain.wait_for_url(re.compile(r".*/monitoring/exports/[0-9a-f-]{36}$"))
    file_link = plain.get_by_role("link", name=re.compile(r"\.csv downloaden$"))
    for _ in range(30):
        if file_link.count():
            break
        time.sleep(0.5)
        plain.get_by_role("link", name="Vernieuwen").click()
        plain.wait_for_load_state()
    with plain.expect_download() as download:
        file_link.click()
    assert download.value.suggested_filename.endswith(".csv")
    context.close()

    # the monthly job: a mail for each, the link opens the report for its own staff only
    made = reports.make_all(state)
    assert len(made) >= 3
    for email, name, _ in PEOPLE:
        mail = mail_server.wait_for(email, "Maandrapportage monitoring")
        text = mail.get_payload(decode=True).decode("utf-8")  # type: ignore[union-attr]
        link = re.search(r"http://127\.0\.0\.1:\d+/monitoring/reports/[0-9a-f-]{36}", text)
        assert link is not None and name in text
        tab = tabs[email]
        tab.goto(link.group(0))
        assert name in tab.locator("h1").inner_text()
        pdf = tab.request.get(
            tab.locator("a", has_text="PDF").first.get_attribute("href")
            and base + tab.locator("a", has_text="PDF").first.get_attribute("href")
        )
        assert pdf.ok and pdf.body().startswith(b"%PDF")
        other = next(e for e, _, _ in PEOPLE if e != email)
        assert tabs[other].request.get(link.group(0)).status == 404

"""`popo preview` in a real browser (Debian's Chromium, driven by Playwright): a consultant
types, sees a condition appear without a page load, adds a row, switches language and saves
what was typed as a scenario, which `popo test` then passes; also with JavaScript off."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from engine.scenarios import run_file
from oso_mapping.element_tree import load_element_tree
from runtime.authoring.preview import create_preview_app
from runtime.settings import REPOSITORY

from . import test_browser
from .test_browser import CSP_WATCH, browser, check_accessibility, free_port

pytestmark = test_browser.pytestmark
__all__ = ["browser"]  # the fixture, shared with test_browser.py


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("preview") / "definitions"
    shutil.copytree(REPOSITORY / "definitions" / "voorbeeld", folder)
    port = free_port()
    config = uvicorn.Config(
        create_preview_app(folder), host="127.0.0.1", port=port, log_level="warning"
    )
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not instance.started and time.time() < deadline:
        time.sleep(0.05)
    assert instance.started, "the preview did not start"
    yield f"http://127.0.0.1:{port}", folder
    instance.should_exit = True
    thread.join(timeout=10)


def open_form(page: Any, base: str, start: str = "Beginnen met een leeg formulier") -> None:
    page.goto(f"{base}/")
    page.get_by_role("link", name="Kennismakingsformulier").first.click()
    page.get_by_role("button", name=start).click()
    page.wait_for_url("**/pages/leerling")


def test_type_see_a_condition_add_a_row_switch_language_and_save_a_scenario(
    preview: tuple[str, Path], browser: Any
) -> None:
    base, folder = preview
    context = browser.new_context()
    try:
        page = context.new_page()
        page.add_init_script(CSP_WATCH)
        open_form(page, base)
        expect = page.locator("#preview-expect")
        page.locator("#achternaam").fill("Jansen")
        page.keyboard.press("Tab")  # an htmx change request: the expected state follows
        page.wait_for_function(
            "() => document.querySelector('#preview-expect').textContent"
            ".includes('achternaam: Jansen')"
        )
        page.get_by_role("link", name="Overstap").click()
        page.wait_for_url("**/pages/overstap")
        url = page.url
        toelichting = page.locator("#toelichting")
        assert toelichting.count() == 0
        page.get_by_label("Anders", exact=True).check()
        toelichting.wait_for(state="visible")  # the condition, swapped in by htmx
        assert page.url == url  # no page load
        assert "toelichting" in expect.inner_text().split("hidden:")[0]
        toelichting.fill("Een andere reden")
        page.keyboard.press("Tab")
        page.wait_for_function(
            "() => document.querySelector('#preview-expect').textContent"
            ".includes('toelichting: Een andere reden')"
        )
        page.get_by_role("button", name="Rij toevoegen").click()  # a row of the test results
        page.locator("#toetsen-0-toets").fill("Rekenen")
        page.keyboard.press("Tab")
        page.locator("#toetsen-0-score").fill("120")
        page.keyboard.press("Tab")
        page.wait_for_function(
            "() => document.querySelector('#preview-expect').textContent.includes('score: 120')"
        )
        check_accessibility(page)
        page.get_by_role("link", name="English").click()
        page.get_by_text("Explain the reason").wait_for()
        assert page.locator("#toelichting").input_value() == "Een andere reden"
        assert page.locator("#toetsen-0-toets").input_value() == "Rekenen"
        page.locator("#preview-scenario-name").fill("anders, met een toets (browser)")
        page.locator("#preview-scenario-file").fill("browser")
        page.get_by_role("button", name="Save as scenario").click()
        notice = page.locator("#preview-notice")
        notice.wait_for()
        assert "popo test: 1 of 1 scenarios pass." in notice.inner_text()
        violations = page.evaluate("() => window.__cspViolations")
        assert violations == []
    finally:
        context.close()
    written = folder / "browser.scenarios.yaml"
    text = written.read_text()
    assert "name: anders, met een toets (browser)" in text and "language: en" in text
    run = run_file(written, load_element_tree())
    assert (run.passed, run.total, run.failures) == (1, 1, [])


def test_without_javascript_the_preview_still_fills_in_and_saves(
    preview: tuple[str, Path], browser: Any
) -> None:
    base, folder = preview
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        open_form(page, base, start="cascading choices follow the province")
        page.get_by_role("link", name="Overstap").click()
        options = page.locator("#gemeente option")
        assert options.all_inner_texts() == ["Kies", "Leeuwarden"]  # the choice filter
        page.get_by_label("Anders", exact=True).check()
        page.get_by_role("button", name="Controleer uw antwoorden").click()  # a plain post
        page.locator("#toelichting").wait_for(state="visible")
        page.get_by_role("button", name="Rij toevoegen").click()
        page.locator("#toetsen-0-toets").wait_for(state="visible")
        page.locator("#preview-scenario-name").fill("zonder javascript")
        page.locator("#preview-scenario-file").fill("zonder-js")
        page.get_by_role("button", name="Opslaan als scenario").click()
        assert (
            "popo test: 1 van de 1 scenario's slagen."
            in page.locator("#preview-notice").inner_text()
        )
    finally:
        context.close()
    run = run_file(folder / "zonder-js.scenarios.yaml", load_element_tree())
    assert (run.passed, run.total, run.failures) == (1, 1, [])

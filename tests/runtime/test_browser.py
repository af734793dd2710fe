"""In a real browser (Debian's Chromium, driven by Playwright): conditions appear and disappear
without a page load, errors are fixed from the summary, drafts resume, forms are submitted and
the PDF downloaded; axe-core finds no accessibility violations on any page type; the whole
parent form works with the keyboard only, and every page works with JavaScript off."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from runtime.app import create_app
from runtime.settings import REPOSITORY, Settings
from runtime.state import AppState

from .conftest import fresh_settings

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = os.environ.get("POPO_CHROMIUM", "/usr/bin/chromium")
AXE = REPOSITORY / "node_modules" / "axe-core" / "axe.min.js"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, app_state: AppState
) -> Iterator[tuple[str, Settings]]:
    settings = fresh_settings(tmp_path_factory.mktemp("browser"))
    # on PostgreSQL that emptied the run's one database and built it again: the session
    # application's pooled connections hold statements prepared on the old tables and types
    app_state.db.engine.dispose()
    state = AppState.create(settings)
    from runtime import demo

    with state.db.session() as session:
        demo.seed(session, state.registry, settings)
    port = free_port()
    config = uvicorn.Config(
        create_app(settings, state), host="127.0.0.1", port=port, log_level="warning"
    )
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not instance.started and time.time() < deadline:
        time.sleep(0.05)
    assert instance.started, "the server did not start"
    yield f"http://127.0.0.1:{port}", settings
    instance.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(accept_downloads=True)
    tab = context.new_page()
    yield tab
    context.close()


def check_accessibility(page: Any) -> None:
    # through the DevTools protocol: the pages' Content-Security-Policy forbids inline scripts
    page.evaluate(AXE.read_text(encoding="utf-8"))
    rules = "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']"
    result = page.evaluate(f"async () => await axe.run(document, {{runOnly: {rules}}})")
    problems = [
        f"{v['id']}: {v['help']} ({', '.join(n['target'][0] for n in v['nodes'][:3])})"
        for v in result["violations"]
    ]
    assert problems == [], "\n".join(problems)


def log_in(page: Any, base: str, email: str = "ib@regenboog.demo", axe: bool = True) -> None:
    from runtime.demo import DEMO_PASSWORD

    page.goto(f"{base}/login")
    if axe:
        check_accessibility(page)
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("form[action='/login'] button").click()


def start(page: Any, base: str, form_id: str, lang: str = "nl") -> None:
    log_in(page, base, "ib@kompas.demo" if form_id.endswith("-zuid") else "ib@regenboog.demo")
    page.goto(f"{base}/?lang={lang}")
    page.locator(f"form[action='/forms/{form_id}/start'] button").click()
    page.wait_for_url("**/pages/**")


def test_conditions_appear_and_disappear_in_place(server: tuple[str, Settings], page: Any) -> None:
    base, _ = server
    start(page, base, "overstapformulier-noord")
    page.goto(page.url.rsplit("/pages/", 1)[0] + "/pages/reden_overstap")
    toelichting = page.locator("#reden_toelichting")
    assert toelichting.count() == 0
    page.get_by_label("Anders", exact=True).check()
    toelichting.wait_for(state="visible")
    url_before = page.url
    page.get_by_label("Verhuizing").check()
    toelichting.wait_for(state="detached")
    assert page.url == url_before  # no page load: htmx swapped the changed fields
    page.get_by_label("Ja").first.check()  # contact between head teachers
    page.locator("#contact_datum").wait_for(state="visible")
    check_accessibility(page)


CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


def test_filling_a_form_with_htmx_breaks_no_content_security_policy(
    server: tuple[str, Settings], browser: Any
) -> None:
    """The policy forbids inline scripts and styles and eval: htmx and POPO's script must work
    within it, and nothing the pages do may be refused."""
    base, _ = server
    context = browser.new_context()
    try:
        page = context.new_page()
        page.add_init_script(CSP_WATCH)
        messages: list[str] = []
        page.on("console", lambda message: messages.append(message.text))
        start(page, base, "overstapformulier-noord")
        policy = page.request.get(page.url)
        assert "script-src 'self'" in policy.headers["content-security-policy"]
        page.locator("#achternaam").fill("Jansen")
        page.keyboard.press("Tab")  # an htmx change request
        page.get_by_role("button", name="Opslaan en verder").click()
        page.goto(page.url.rsplit("/pages/", 1)[0] + "/pages/reden_overstap")
        page.get_by_label("Anders", exact=True).check()
        page.locator("#reden_toelichting").wait_for(state="visible")  # swapped in by htmx
        page.locator("#reden_toelichting").fill("Een andere reden")
        page.keyboard.press("Tab")
        page.get_by_label("Verhuizing").check()
        page.locator("#reden_toelichting").wait_for(state="detached")
        page.goto(page.url.rsplit("/pages/", 1)[0] + "/check")
        violations = page.evaluate("() => window.__cspViolations")
        refused = [m for m in messages if "Content Security Policy" in m or "Refused to" in m]
        assert violations == [] and refused == [], (violations, refused)
    finally:
        context.close()


def test_fix_an_error_from_the_summary(server: tuple[str, Settings], page: Any) -> None:
    base, _ = server
    start(page, base, "overstapformulier-noord")
    page.get_by_role("button", name="Opslaan en verder").click()
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert page.evaluate("document.activeElement.id") == "error-summary"  # the summary takes focus
    check_accessibility(page)
    page.locator(".error-summary a[href='#achternaam']").click()
    assert page.evaluate("document.activeElement.id") == "achternaam"
    page.keyboard.type("Jansen")
    page.keyboard.press("Tab")  # change event: the field's error goes away in place
    page.locator("#field-achternaam.field--error").wait_for(state="detached")


def test_after_a_page_change_the_keyboard_starts_at_the_heading(
    server: tuple[str, Settings], page: Any
) -> None:
    """Next and previous with the keyboard: focus is on the new page's heading (not the body),
    so that a screen reader announces it and Tab goes on from there; with errors it is on the
    error summary."""
    base, _ = server
    start(page, base, "overstapformulier-noord")

    def press(value: str) -> None:
        page.locator(f"button[value='{value}']").focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")

    def focused() -> str:
        return str(
            page.evaluate(
                "document.activeElement.tagName + ' ' + document.activeElement.textContent.trim()"
            )
        )

    assert focused() == "H1 Leerling"  # a new form: its first page
    page.locator("#achternaam").fill("Jansen")
    page.locator("#voornamen").fill("Sanne")
    page.locator("#geboortedatum").fill("03-04-2018")
    page.locator("input[name='geslacht'][value='1']").check()
    page.locator("input[name='identificatie'][value='bsn']").check()
    page.locator("#bsn").fill("111222333")
    page.keyboard.press("Tab")
    page.wait_for_load_state("networkidle")
    press("next")
    assert page.url.endswith("/pages/huidige_school")
    assert focused() == "H1 Huidige school"
    press("previous")
    assert focused() == "H1 Leerling"
    press("next")
    press("next")  # the school's page is empty: the summary takes focus (once it is shown)
    page.wait_for_function("document.activeElement.id === 'error-summary'", timeout=10_000)


def test_resume_a_draft_and_submit_and_download_the_pdf(
    server: tuple[str, Settings], page: Any
) -> None:
    base, _ = server
    start(page, base, "adviesformulier-zuid", "en")
    draft_url = page.url.rsplit("/pages/", 1)[0]
    page.get_by_label("Surname", exact=True).fill("Jansen")
    page.get_by_label("First names").fill("Sanne")
    page.get_by_label("Date of birth").fill("03-04-2018")
    page.get_by_label("Girl").check()
    page.locator("#bsn").fill("111222333")
    page.get_by_label("Name of the school").fill("De Regenboog")
    page.get_by_label("BRIN code").fill("12AB")
    page.get_by_label("Which year is the pupil in now?").select_option("3")
    page.get_by_label("Contact person at the school").fill("M. de Vries")
    page.get_by_label("Teacher", exact=True).check()
    page.get_by_label("Email address of the contact person").fill("m@school.example")
    page.keyboard.press("Tab")
    page.wait_for_load_state("networkidle")
    # resume: a new visit finds every answer
    page.goto(draft_url)
    assert page.get_by_label("Surname", exact=True).input_value() == "Jansen"
    assert page.get_by_label("Date of birth").input_value() == "03-04-2018"
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("Place in the year group that fits the age").check()
    page.locator("input[name='besproken_met_ouders'][value='true']").check()
    page.locator("input[name='contact_nodig'][value='false']").check()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("button", name="Check your answers").click()
    page.wait_for_url("**/check")
    check_accessibility(page)
    page.get_by_role("button", name="Finalise the advice").click()
    page.wait_for_url("**/submission")
    check_accessibility(page)
    # the archive job renders the PDF; the page's poll says when it is there
    page.get_by_text("The PDF is ready.").wait_for(timeout=60_000)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the PDF").click()
    download = download_info.value
    assert download.suggested_filename.startswith("adviesformulier-zuid-")
    assert Path(download.path()).read_bytes().startswith(b"%PDF-")


def test_parents_fill_the_registration_with_the_keyboard_only(
    server: tuple[str, Settings], page: Any
) -> None:
    """A whole form from the first field to the PDF, with Tab, arrows, Space and Enter only."""
    base, _ = server
    page.goto(f"{base}/start/demo-aanmelden-noord")
    check_accessibility(page)  # the start page: names the form and the school, starts nothing
    tab_to_start = page.locator("form[action='/start/demo-aanmelden-noord'] button")
    tab_to_start.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/r/**")
    check_accessibility(page)
    assert "Bewaar deze link" in page.content()

    def tab_to(selector: str) -> None:
        for _ in range(120):
            page.keyboard.press("Tab")
            if page.evaluate(f"document.activeElement.matches({selector!r})"):
                return
        raise AssertionError(f"could not reach {selector} with Tab")

    def type_into(selector: str, text: str) -> None:
        tab_to(selector)
        page.keyboard.type(text)

    def choose(name: str, position: int) -> None:
        """Tab into a radio group, then arrows to the option at ``position`` (0-based)."""
        tab_to(f"input[name='{name}']")
        page.keyboard.press("Space")
        settle()
        for _ in range(position):
            page.keyboard.press("ArrowDown")
            settle()

    def settle() -> None:
        """Wait until htmx has swapped in what the last change returned."""
        page.wait_for_function("() => !document.querySelector('.htmx-request')")
        page.wait_for_load_state("networkidle")

    def press_button(value: str) -> None:
        tab_to(f"button[value='{value}']")
        with page.expect_navigation():
            page.keyboard.press("Enter")

    type_into("#kind_achternaam", "Yilmaz")
    type_into("#kind_voorletters", "E.A.")
    type_into("#kind_geboortedatum", "20-06-2021")
    choose("kind_geslacht", 0)
    type_into("#kind_bsn", "111222333")
    press_button("next")
    assert page.url.endswith("/pages/ouders"), page.locator("#error-summary").inner_text()
    check_accessibility(page)
    press_button("add_row:ouders")
    type_into("#ouders-0-ouder_naam", "A. Yilmaz")
    choose("ouders[0].ouder_relatie", 0)
    choose("ouders[0].ouder_gezag", 0)
    type_into("#ouders-0-ouder_telefoon", "0612345678")
    type_into("#ouders-0-ouder_email", "a.yilmaz@voorbeeld.nl")
    type_into("#ouders-0-ouder_postcode", "5611 AB")
    type_into("#ouders-0-ouder_huisnummer", "7")
    press_button("next")
    assert page.url.endswith("/pages/scholen"), page.url
    choose("zit_op_school", 1)
    choose("ook_elders_aangemeld", 1)
    choose("broer_zus", 1)
    press_button("next")
    assert page.url.endswith("/pages/ondersteuning"), page.locator("#error-summary").inner_text()
    choose("ondersteuning_nodig", 1)
    type_into("#startdatum", "01-09-2027")
    press_button("next")
    assert page.url.endswith("/pages/toestemming"), page.url
    choose("verklaring_juist", 0)
    choose("verklaring_gezag", 0)
    press_button("check")
    assert page.url.endswith("/check"), page.url
    check_accessibility(page)
    tab_to("form[action$='/submit'] button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/submission")
    assert "Verzonden" in page.content()
    # the registration: its confirmation names the school and the next step, and it lands in
    # the school's register (runtime/transfers/registration.py)
    confirmation = page.locator("#registration").inner_text()
    assert "Basisschool De Linde (demo)" in confirmation and "uiterlijk" in confirmation
    reference = page.locator("#registration strong").inner_text()
    check_accessibility(page)
    school = page.context.browser.new_context().new_page()
    try:
        log_in(school, base, "directeur@linde.demo", axe=False)
        school.goto(f"{base}/transfers?q={reference}")
        assert reference in school.content() and "Aangemeld" in school.content()
    finally:
        school.context.close()


def test_the_pages_work_with_javascript_off(server: tuple[str, Settings], browser: Any) -> None:
    base, _ = server
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    try:
        log_in(tab, base, "ib@kompas.demo", axe=False)  # axe needs JavaScript
        tab.goto(f"{base}/")
        tab.locator("form[action='/forms/overstapformulier-zuid/start'] button").click()
        tab.wait_for_url("**/pages/leerling")
        tab.goto(tab.url.rsplit("/pages/", 1)[0] + "/pages/reden_overstap")
        tab.get_by_label("Sociale veiligheid (bijvoorbeeld pesten)").check()
        tab.get_by_role("button", name="Opslaan en verder").click()
        # a full-page post: the explanation now shows, without an error (it is new to them)
        assert tab.locator("#reden_toelichting").is_visible()
        assert tab.locator("#reden_toelichting-error").count() == 0
        assert "Reden van de overstap" in tab.content() or "Licht de reden toe" in tab.content()
    finally:
        context.close()


def test_start_a_rapport_from_an_oso_dossier(server: tuple[str, Settings], page: Any) -> None:
    """Upload the LAS's dossier on the start page, read what was not carried, fill on."""
    from oso_mapping.settings import schema_dir

    folder = schema_dir()
    if folder is None:
        pytest.skip("needs ../shared/oso/2019.1")
    base, _ = server
    log_in(page, base, axe=False)
    page.goto(f"{base}/")
    check_accessibility(page)  # the start page with its upload forms
    form = page.locator("form[action='/forms/onderwijskundig-rapport-noord/oso']")
    form.locator("input[type=file]").set_input_files(
        str(folder / "examples" / "Voorbeelddossier_OV_POPO_full.xml")
    )
    with page.expect_navigation():
        form.get_by_role("button", name="Dossier inlezen").click()
    assert page.url.endswith("/oso-import")
    assert "Niet overgenomen in het formulier" in page.content()
    assert page.get_by_role("cell", name="van Zwieten").count() == 1
    check_accessibility(page)
    page.get_by_role("link", name="Verder met het formulier").click()
    page.wait_for_url("**/pages/**")
    assert page.locator("#achternaam").input_value() == "Berg"


def test_a_parent_switches_the_link_off_with_the_keyboard(
    server: tuple[str, Settings], page: Any
) -> None:
    """The first press asks (and says what happens to the answers); only the confirmation
    switches the link off. Tab and Enter only."""
    base, _ = server
    page.goto(f"{base}/start/demo-aanmelden-zuid?lang=en")
    if "/r/" not in page.url:  # a start page with a button
        page.locator("form[action*='/start/'] button").click()
    page.wait_for_url("**/r/**")
    assert "Basisschool Het Kompas (demo)" in page.content()
    resume = page.url

    def tab_to(selector: str) -> None:
        for _ in range(120):
            page.keyboard.press("Tab")
            if page.evaluate(f"document.activeElement.matches({selector!r})"):
                return
        raise AssertionError(f"could not reach {selector} with Tab")

    tab_to("a[href$='/revoke']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.tagName") == "H1"
    assert "Switch this link off?" in page.content()
    assert "stay stored at Basisschool Het Kompas (demo)" in page.content()
    check_accessibility(page)
    tab_to("button[name='confirm']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "You have switched off this link" in page.content()
    check_accessibility(page)
    assert page.goto(resume).status == 410


def autosave(tab: Any, selector: str, text: str) -> None:
    """Type into a field and leave it: htmx saves the change."""
    tab.locator(selector).fill(text)
    with tab.expect_response(lambda r: r.url.endswith("/change") and r.status == 200):
        tab.locator(selector).press("Tab")


def test_two_staff_browsers_on_the_same_draft(server: tuple[str, Settings], browser: Any) -> None:
    """Staff on a second computer: both save as they go and press buttons; each sees the
    other's answers after a reload."""
    base, _ = server
    first_context, second_context = browser.new_context(), browser.new_context()
    try:
        first, second = first_context.new_page(), second_context.new_page()
        start(first, base, "overstapformulier-noord")
        url = first.url
        log_in(second, base, "leerkracht@regenboog.demo", axe=False)
        second.goto(url)  # the same page, revision and language: the cached rendering
        autosave(second, "#achternaam", "Jansen")
        autosave(first, "#voornamen", "Sanne")
        first.reload()
        assert first.locator("#achternaam").input_value() == "Jansen"
        second.reload()
        assert second.locator("#voornamen").input_value() == "Sanne"
        second.locator("#geboortedatum").fill("03-04-2018")
        second.get_by_role("button", name="Opslaan en verder").click()
        second.wait_for_load_state()
        assert "CSRF" not in second.content()
        first.reload()
        assert first.locator("#geboortedatum").input_value() == "03-04-2018"
    finally:
        first_context.close()
        second_context.close()


def test_a_parents_link_on_two_devices(server: tuple[str, Settings], browser: Any) -> None:
    base, _ = server
    phone_context, laptop_context = browser.new_context(), browser.new_context()
    try:
        phone, laptop = phone_context.new_page(), laptop_context.new_page()
        phone.goto(f"{base}/start/demo-aanmelden-noord")
        phone.locator("form[action='/start/demo-aanmelden-noord'] button").click()
        phone.wait_for_url("**/r/**")
        url = phone.url
        laptop.goto(url)
        autosave(laptop, "#kind_achternaam", "Yilmaz")
        autosave(phone, "#kind_voorletters", "E.A.")
        phone.reload()
        assert phone.locator("#kind_achternaam").input_value() == "Yilmaz"
        laptop.reload()
        assert laptop.locator("#kind_voorletters").input_value() == "E.A."
        laptop.locator("#kind_geboortedatum").fill("20-06-2021")
        laptop.get_by_role("button", name="Opslaan en verder").click()
        laptop.wait_for_load_state()
        assert "CSRF" not in laptop.content()
        phone.reload()
        assert phone.locator("#kind_geboortedatum").input_value() == "20-06-2021"
    finally:
        phone_context.close()
        laptop_context.close()


def test_a_school_makes_a_link_for_parents_that_a_parent_opens_on_another_device(
    server: tuple[str, Settings], browser: Any
) -> None:
    """The school's page of links, as its staff and a parent (two browser contexts) use it."""
    base, _ = server
    staff = browser.new_context(locale="nl-NL").new_page()
    log_in(staff, base, axe=False)
    staff.get_by_role("link", name="Links voor ouders maken en uitzetten").click()
    staff.wait_for_url("**/links")
    check_accessibility(staff)
    staff.get_by_label("Werkt (aantal dagen)").fill("14")
    staff.get_by_label("Notitie voor uzelf (niet verplicht)").fill("Nieuwsbrief december")
    staff.get_by_role("button", name="Link maken").click()
    check_accessibility(staff)
    url = staff.locator("#new-link").inner_text().strip()
    assert "/start/" in url

    parent = browser.new_context(locale="nl-NL").new_page()
    address = base + url[url.index("/start/") :]  # the link names POPO_BASE_URL's address
    parent.goto(address)
    assert "Basisschool De Regenboog (demo)" in parent.content()

    staff.goto(f"{base}/links")
    staff.get_by_role("link", name="Uitzetten Nieuwsbrief december").click()
    check_accessibility(staff)
    staff.get_by_role("button", name="Ja, zet de link uit").click()
    assert "De link staat uit" in staff.content()
    parent.reload()
    assert "Deze link werkt niet meer" in parent.content()
    staff.context.close()
    parent.context.close()


def test_a_directeur_makes_an_api_token_a_system_uses_and_revokes_it(
    server: tuple[str, Settings], browser: Any
) -> None:
    """The organisation's page of API tokens in a browser, and the API as the system calls it."""
    import httpx

    base, _ = server
    director = browser.new_context(locale="nl-NL").new_page()
    log_in(director, base, "directeur@linde.demo", axe=False)
    director.get_by_role("link", name="API-tokens voor uw leerlingadministratiesysteem").click()
    director.wait_for_url("**/organisation/api-tokens")
    check_accessibility(director)
    director.get_by_label("Naam").fill("ParnasSys De Linde")
    director.get_by_label("Werkt als").select_option("medewerker")
    director.get_by_role("button", name="Token maken").click()
    check_accessibility(director)
    secret = director.locator("#new-token").input_value()
    assert secret.startswith("popo_")
    headers = {"Authorization": f"Bearer {secret}"}
    assert httpx.get(f"{base}/api/v1/organisation", headers=headers).json()["code"] == "34CD00"

    director.goto(f"{base}/organisation/api-tokens")
    assert secret not in director.content()
    director.get_by_role("link", name="Intrekken ParnasSys De Linde").click()
    check_accessibility(director)
    director.get_by_role("button", name="Ja, token intrekken").click()
    assert "is ingetrokken" in director.content()
    refused = httpx.get(f"{base}/api/v1/organisation", headers=headers)
    assert refused.status_code == 401 and refused.json()["code"] == "token_invalid"
    director.context.close()

"""A mid-year transfer end to end, in Chromium, with three actors and a real SMTP server: the
current school (De Regenboog) reports the transfer with the overstapformulier and registers it
at the new school (De Linde), which takes it up and admits the pupil; the schools write to each
other and the parents write through their link; the new school enrols the pupil and the
previous school is told by e-mail at once, deregisters the pupil on the day before and
downloads the bewijs van uitschrijving; the current school writes the onderwijskundig rapport,
the parents read it and add their view, the school makes it ready and hands it over; the new
school retrieves it and completes the transfer. Every form is filled in as a person fills it
(the fields POPO did not prefill, page by page); every e-mail is read from the SMTP server and
holds no pupil data."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from aiosmtpd.controller import Controller

from runtime.app import create_app
from runtime.clock import SYSTEM
from runtime.settings import Settings
from runtime.state import AppState

from ..support import a_bsn
from .conftest import DATABASE_URL, fresh_settings
from .test_browser import CHROMIUM, free_port, log_in

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
    # its own server needs its own database: on PostgreSQL the run shares one, which this
    # module would empty under the other tests (the journey runs on SQLite)
    pytest.mark.skipif(DATABASE_URL is not None, reason="runs on its own SQLite database"),
]

TODAY = SYSTEM.today()  # the Dutch date: after 23:00 UTC it is tomorrow
# what a person types into a field POPO left empty, by the field's type (its input--<type>)
TYPED = {
    "email": "ib@regenboog.example",
    "phone": "0612345678",
    "date": TODAY.strftime("%d-%m-%Y"),  # a date before or after today is the form's own rule
    "brin": "12AB",
    "brin_vestiging": "34CD00",
    "postcode": "9401 AB",
    "number": "3",
    "integer": "3",
}
TEXT = "Ingevuld door de school voor deze overstap."
# and by the field's name, where its rule asks for a shape (the error message says which)
NAMED = {"schooljaar": "2025-2026", "groepscode": "4A"}


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if address in str(m["To"])]

    def wait_for(self, address: str, subject: str, seconds: float = 60) -> Message:
        deadline = time.time() + seconds
        while time.time() < deadline:
            for message in self.to(address):
                if subject in str(message["Subject"]):
                    return message
            time.sleep(0.2)
        seen = [(str(m["To"]), str(m["Subject"])) for m in self.messages]
        raise AssertionError(f"no mail to {address} about {subject!r}; seen: {seen}")


@pytest.fixture(scope="module")
def mail_server() -> Iterator[Inbox]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port  # type: ignore[attr-defined]
    yield inbox
    controller.stop()


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, mail_server: Inbox
) -> Iterator[tuple[str, Settings]]:
    base_settings = fresh_settings(tmp_path_factory.mktemp("journey"))
    port = free_port()
    settings = base_settings.replace(
        smtp_host="127.0.0.1",
        smtp_port=mail_server.port,  # type: ignore[attr-defined]
        base_url=f"http://127.0.0.1:{port}",
    )
    state = AppState.create(settings)
    from runtime import demo

    with state.db.session() as session:
        demo.seed(session, state.registry, settings)
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
    state.stop_workers()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
        )
        yield instance
        instance.close()


def person(browser: Any, base: str, email: str | None) -> Any:
    """A browser of its own (its own cookies), logged in as ``email`` (None: a parent)."""
    context = browser.new_context(accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    if email is not None:
        log_in(tab, base, email, axe=False)
    return tab


def settle(tab: Any) -> None:
    tab.wait_for_load_state("networkidle")


def fill_blanks(tab: Any) -> None:
    """Answer every visible question of the page that is still open, as a person would:
    a text, a choice, a date; questions that appear on an answer are answered too."""
    for _ in range(4):
        changed = False
        for field in tab.locator("main input.input:visible:not([readonly])").all():
            classes = field.get_attribute("class").split()
            if field.input_value() and "input--error" not in classes:
                continue
            kinds = [c.removeprefix("input--") for c in classes]
            name = field.get_attribute("name") or ""
            value = next((v for part, v in NAMED.items() if part in name), None)
            value = value or next((TYPED[k] for k in kinds if k in TYPED), TEXT[:40])
            if field.input_value() == value:
                continue
            field.fill(value)
            field.press("Tab")
            changed = True
        for area in tab.locator("main textarea:visible").all():
            if not area.input_value():
                area.fill(TEXT)
                area.press("Tab")
                changed = True
        for select in tab.locator("main select:visible").all():
            if not select.input_value():
                select.select_option(index=1)
                changed = True
        names = {
            r.get_attribute("name") for r in tab.locator("main input[type=radio]:visible").all()
        }
        for name in sorted(n for n in names if n):
            group = tab.locator(f"main input[type=radio][name='{name}']")
            if not any(option.is_checked() for option in group.all()):
                group.first.check()  # the first: "Ja", "Eens", the usual answer
                changed = True
        settle(tab)
        if not changed:
            return


def add_missing_rows(tab: Any) -> None:
    """For each list the error summary says needs a row ("Voeg er minstens 1 toe"), press its
    add button."""
    targets = [
        (a.get_attribute("href") or "").lstrip("#") for a in tab.locator(".error-summary a").all()
    ]
    for target in targets:
        add = tab.locator(f"button[value='add_row:{target}']")
        if add.count():
            add.first.click()
            tab.wait_for_load_state("load")
            settle(tab)


def fill_form(tab: Any) -> None:
    """From a draft's first page to its check page, then send it."""
    for _ in range(20):
        if tab.url.endswith("/check"):
            break
        fill_blanks(tab)
        before = tab.url
        buttons = tab.locator("button[name=action][value=next]")
        button = buttons if buttons.count() else tab.locator("button[name=action][value=check]")
        button.first.click()
        tab.wait_for_load_state("load")
        settle(tab)
        if tab.url == before and tab.locator(".error-summary").count():
            add_missing_rows(tab)  # a list that needs a row: add one, as a person would
            fill_blanks(tab)  # a rule the first answers broke: answer again, then go on
    problems = tab.locator(".error-summary")
    assert tab.url.endswith("/check"), (tab.url, problems.inner_text() if problems.count() else "")
    assert tab.locator(".error-summary").count() == 0, tab.locator(".error-summary").inner_text()
    tab.locator("form[action$='/submit'] button").click()
    tab.wait_for_url("**/submission")


def take(tab: Any, url: str, step: str, date_value: date | None = None) -> None:
    tab.goto(url)
    form = tab.locator(f"form[action$='/steps/{step}']")
    assert form.count() == 1, f"{step} is not offered: {tab.locator('main').inner_text()[:1500]}"
    if date_value is not None:
        field = form.locator("input[name=date]")
        assert field.input_value(), "the date is proposed"
        field.fill(date_value.isoformat())
    form.locator("button").click()
    tab.wait_for_url("**done=1")


def write(tab: Any, url: str, to: str, text: str) -> None:
    tab.goto(url)
    tab.locator("#message-to").select_option(to)
    tab.locator("#message-body").fill(text)
    tab.get_by_role("button", name="Bericht versturen").click()
    tab.get_by_text(text).first.wait_for()


def test_a_mid_year_transfer_from_report_to_completion(
    server: tuple[str, Settings], browser: Any, mail_server: Inbox
) -> None:
    base, _ = server
    current = person(browser, base, "ib@regenboog.demo")  # the current school's IB
    office = person(browser, base, "leerkracht@regenboog.demo")  # its staff member
    new = person(browser, base, "directeur@linde.demo")  # the new school's head
    new_ib = person(browser, base, "ib@linde.demo")  # and its IB
    surname = "Journey-" + str(int(time.time()))[-5:]

    # --- the current school reports the transfer and sends the overstapformulier
    current.goto(f"{base}/transfers/new")
    current.locator("#number").fill(a_bsn(__import__("random").Random()))
    current.locator("#voornamen").fill("Sanne Maria")
    current.locator("#achternaam").fill(surname)
    current.locator("#geboortedatum").fill("2018-04-03")
    current.locator("#school").fill("34CD00")
    current.locator("#reason").select_option("verhuizing")
    current.locator("#desired_date").fill((TODAY + timedelta(days=30)).isoformat())
    current.get_by_role("button", name="Start de overstap").click()
    current.wait_for_url(re.compile(r".*/transfers/[0-9a-f-]{36}$"))
    url = current.url
    assert "Gemeld" in current.locator("#status").inner_text()
    assert "kan zodra het formulier" in current.content()  # the step waits for the form
    current.locator("form[action$='/forms/overstapformulier-noord'] button").click()
    current.wait_for_url("**/pages/**")
    assert current.locator("#achternaam").input_value() == surname  # prefilled from the pupil
    fill_form(current)
    take(current, url, "aanmelden")
    assert "Aangemeld" in current.locator("#status").inner_text()

    # --- the new school finds it in its register, is told by mail, takes it up and admits
    told = mail_server.wait_for("directeur@linde.demo", "Aangemeld")
    assert surname not in told.as_string()
    new.goto(f"{base}/transfers?q={surname}")
    new.get_by_role("link", name=re.compile(surname)).click()
    take(new, url, "in_behandeling_nemen")
    take(new, url, "toelaten")
    assert "Toegelaten" in new.locator("#status").inner_text()

    # --- the schools write to each other, the parents through their link
    write(new, url, "sending_school.intern_begeleider", "Welkom! Wanneer kan Sanne kennismaken?")
    mail_server.wait_for("ib@regenboog.demo", "bericht")
    current.goto(url)
    assert "Wanneer kan Sanne kennismaken?" in current.content()
    write(current, url, "receiving_school.directeur", "Volgende week dinsdag past goed.")
    current.goto(url)
    current.locator("form[action$='/parents'] button").click()
    link = re.search(r"/p/[A-Za-z0-9_-]{20,}", current.content())
    assert link, "the parents' link is shown once"
    parents = person(browser, base, None)
    parents.goto(base + link.group(0))
    assert "Toegelaten" in parents.content()
    parents.locator("#message-body").fill("Wij komen graag dinsdag kennismaken.")
    parents.get_by_role("button", name="Bericht versturen").click()
    parents.get_by_text("Wij komen graag dinsdag kennismaken.").first.wait_for()
    new.goto(url)
    assert "Wij komen graag dinsdag kennismaken." in new.content()

    # --- enrolment: the previous school is told at once and deregisters the day before
    take(new, url, "inschrijven", TODAY)
    enrolled = mail_server.wait_for("leerkracht@regenboog.demo", "ngeschreven")
    assert surname not in enrolled.as_string()
    office.goto(url)
    proposed = office.locator("form[action$='/steps/uitschrijven'] input[name=date]")
    assert proposed.input_value() == (TODAY - timedelta(days=1)).isoformat()
    take(office, url, "uitschrijven", TODAY - timedelta(days=1))
    proof_link = office.get_by_role("link", name=re.compile("Bewijs van uitschrijving"))
    for _ in range(120):  # the proof is made by a background job
        response = office.request.get(base + proof_link.get_attribute("href"))
        if response.status == 200:
            break
        time.sleep(0.5)
    assert response.status == 200 and response.body().startswith(b"%PDF-")

    # --- the onderwijskundig rapport: written, read by the parents with their view, handed over
    current.goto(url)
    current.locator("form[action$='/forms/onderwijskundig-rapport-noord'] button").click()
    current.wait_for_url("**/pages/**")
    fill_form(current)
    parents.goto(base + link.group(0))
    parents.locator("#view").fill("Wij herkennen ons in het rapport; de leesbegeleiding hielp.")
    parents.get_by_role("button", name="Mijn zienswijze toevoegen").click()
    parents.wait_for_url("**done=view")
    current.goto(url)
    assert "Wij herkennen ons in het rapport" in current.content()
    current.locator("form[action$='/okr-ready'] button").click()
    current.wait_for_load_state("load")
    take(current, url, "okr_overdragen")
    assert "OKR overgedragen" in current.locator("#status").inner_text()

    # --- the new school retrieves the report (now it may) and completes the transfer
    new_ib.goto(url)
    report = new_ib.locator("a[href$='/submission']", has_text="Onderwijskundig rapport").first
    href = report.get_attribute("href")
    new_ib.goto(base + href)
    assert "Onderwijskundig rapport" in new_ib.content()
    new_ib.get_by_text("De PDF is klaar.").wait_for(timeout=60_000)
    pdf = new_ib.request.get(base + href + ".pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF-")
    take(new_ib, url, "afronden")
    assert "Afgerond" in new_ib.locator("#status").inner_text()
    timeline = new_ib.locator(".timeline").inner_text()
    for line in ("Ingeschreven per", "Uitgeschreven per", "opgehaald", "Afronden"):
        assert line in timeline, (line, timeline)

    # every mail named the transfer and linked to it; none held the pupil's name
    assert mail_server.messages
    for message in mail_server.messages:
        assert surname not in message.as_string()

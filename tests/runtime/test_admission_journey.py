"""A registration at three schools of preference end to end, in Chromium, on a clock the test
moves and with a real SMTP server: a parent registers at De Linde through its public link,
naming De Regenboog and De Wilg; De Linde asks for information (the term stands still) and
records that it came eleven days later, extends by four weeks with a reason (the letter is made
by a job, and holds the reason), is alerted a week before its decision date (once), and refuses
a child who needs extra support only while naming De Regenboog, which agreed to admit; De
Regenboog receives the registration, sees the parents' order but not De Linde's decision, and
admits; the parents follow it all on the link from their e-mail, letter included. A second child
without a decision ten weeks after its registration is placed at De Linde temporarily from the
next day, and the school's staff are told. Every e-mail is read from the SMTP server and names
no child; every date is the one the law gives on the day the clock shows."""

from __future__ import annotations

import io
import random
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from pypdf import PdfReader
from sqlalchemy import func, select

from renderers import i18n
from runtime.admissions import alerts
from runtime.app import create_app
from runtime.clock import FrozenClock
from runtime.outbox import OutboxMessage
from runtime.state import AppState

from ..support import a_bsn
from .conftest import DATABASE_URL, fresh_settings
from .test_browser import CHROMIUM, free_port, log_in
from .test_transfer_journey import Inbox, browser, mail_server, person  # noqa: F401 (fixtures)

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
    # its own server needs its own database: on PostgreSQL the run shares one, which this
    # module would empty under the other tests (the journey runs on SQLite)
    pytest.mark.skipif(DATABASE_URL is not None, reason="runs on its own SQLite database"),
]

START = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
LINDE = "Basisschool De Linde (demo)"
REGENBOOG = "Basisschool De Regenboog (demo)"
WILG = "Basisschool De Wilg (demo)"
LINDE_DIRECTOR, REGENBOOG_DIRECTOR = "directeur@linde.demo", "directeur@regenboog.demo"
LINDE_OFFICE = "administratie@linde.demo"  # De Linde's medewerker
REASON = "Wij wachten op het advies van de jeugdarts over de ondersteuning die Elif nodig heeft."
START_LINK = "/start/demo-aanmelden-noord"


@dataclass(frozen=True)
class Site:
    base: str
    state: AppState
    clock: FrozenClock


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, mail_server: Inbox) -> Iterator[Site]:  # noqa: F811
    """The demo application in uvicorn, on a FrozenClock the test moves: the server's requests,
    its jobs and the test's alert sweeps all read this one clock (AppState.create(clock=))."""
    port = free_port()
    settings = fresh_settings(tmp_path_factory.mktemp("admission-journey")).replace(
        smtp_host="127.0.0.1",
        smtp_port=mail_server.port,  # type: ignore[attr-defined]
        base_url=f"http://127.0.0.1:{port}",
    )
    clock = FrozenClock(START)
    state = AppState.create(settings, clock=clock)
    from runtime import demo

    with state.db.session() as session:
        demo.seed(session, state.registry, settings)
    instance = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, state), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not instance.started and time.time() < deadline:
        time.sleep(0.05)
    assert instance.started, "the server did not start"
    yield Site(f"http://127.0.0.1:{port}", state, clock)
    instance.should_exit = True
    thread.join(timeout=10)
    state.stop_workers()


# ------------------------------------------------------------------ time, mail and pages


def dutch(day: date) -> str:
    """A date as the pages and the mails write it ("29 december 2026")."""
    return i18n.format_date(day, "nl")


def move_to(site: Site, day: date) -> None:
    site.clock.set(datetime.combine(day, START.timetz()))


def sweep(site: Site) -> int:
    """The alert sweep as the cron job runs it, on a session of the server's application."""
    with site.state.db.session() as session:
        return alerts.sweep(session, site.state.registry, site.state.settings.base_url)


def text_of(message: Message) -> str:
    """The subject and body of a mail as its reader sees them (decoded, whitespace folded)."""
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    return " ".join(f"{parsed['Subject']}\n{parsed.get_content()}".split())  # type: ignore[attr-defined]


def mails(inbox: Inbox, address: str, *parts: str) -> list[str]:
    return [t for m in inbox.to(address) if all(p in (t := text_of(m)) for p in parts)]


def wait_for_mail(inbox: Inbox, address: str, *parts: str, seconds: float = 60) -> str:
    """The first mail to ``address`` whose subject and body hold every one of ``parts``."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        found = mails(inbox, address, *parts)
        if found:
            return found[0]
        time.sleep(0.2)
    seen = [text_of(m)[:120] for m in inbox.to(address)]
    raise AssertionError(f"no mail to {address} with {parts!r}; seen: {seen}")


def outbox_empty(site: Site, seconds: float = 30) -> None:
    """Wait until the outbox has sent everything it holds (so a count of mails is final)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        with site.state.db.session() as session:
            waiting = session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.sent_at.is_(None), OutboxMessage.body != "")
            )
        if not waiting:
            return
        time.sleep(0.2)
    raise AssertionError("the outbox did not empty")


def visit(tab: Any, site: Site, url: str, email: str) -> None:
    """Open ``url``; when the session ran out (the clock moved on), log in again first."""
    tab.goto(url)
    if "/login" in tab.url:
        log_in(tab, site.base, email, axe=False)
        tab.goto(url)
    assert "/login" not in tab.url, tab.url


def done(tab: Any) -> None:
    tab.wait_for_url(re.compile(r"[?&]done=1"))


def find_in_register(tab: Any, site: Site, surname: str, email: str) -> str:
    """As school staff: search the register for the child and open its transfer; its URL."""
    visit(tab, site, f"{site.base}/transfers", email)
    tab.get_by_label("Zoeken").fill(surname)
    tab.get_by_role("button", name="Toon").click()
    tab.wait_for_load_state("load")
    tab.get_by_role("link", name=re.compile(surname)).click()
    tab.wait_for_url(re.compile(r".*/transfers/[0-9a-f-]{36}$"))
    return str(tab.url)


def schools_on_list(tab: Any, selector: str) -> list[str]:
    return [" ".join(t.split()) for t in tab.locator(f"{selector} li").all_inner_texts()]


def schools_on(tab: Any) -> list[str]:
    """The parents' list of schools of the registration's section, in order."""
    return schools_on_list(tab, "#registration-schools")


def take(tab: Any, step: str, label: str) -> None:
    form = tab.locator(f"form[action$='/steps/{step}']")
    assert form.count() == 1, f"{label} is not offered: {tab.locator('main').inner_text()[:1500]}"
    form.get_by_role("button", name=label, exact=True).click()
    done(tab)


def letter_of(tab: Any, base: str, seconds: float = 90) -> bytes:
    """The extension letter from the page's link; the job makes it, so the page is read again
    until the link gives the PDF."""
    deadline = time.time() + seconds
    status = None
    while time.time() < deadline:
        link = tab.get_by_role("link", name=re.compile(r"Verlenging van de termijn, .* \(pdf\)"))
        if link.count():
            response = tab.request.get(base + link.first.get_attribute("href"))
            status = response.status
            if status == 200:
                return bytes(response.body())
        time.sleep(0.5)
        tab.reload()
    raise AssertionError(f"the letter was not made (last answer: {status})")


# ------------------------------------------------------------------ the parents' form


def register(
    tab: Any,
    site: Site,
    *,
    surname: str,
    parent: str,
    email: str,
    others: list[tuple[str, str]],
) -> str:
    """Open De Linde's public link and fill in the aanmeldformulier page by page, as a parent
    does (labels, radio groups, the add buttons); send it. The confirmation page's text."""
    today = site.clock.today()
    tab.goto(site.base + START_LINK)
    assert LINDE in tab.locator("main").inner_text()
    tab.get_by_role("button", name="Begin met het formulier").click()
    tab.wait_for_url("**/pages/kind")
    born = today.replace(year=today.year - 4) - timedelta(days=40)  # four, at no school yet
    tab.get_by_label("Achternaam van uw kind").fill(surname)
    tab.get_by_label("Voorletters").fill("E.A.")
    tab.get_by_label("Hoe noemt u uw kind?").fill("Elif")
    tab.get_by_label("Geboortedatum").fill(born.strftime("%d-%m-%Y"))
    tab.get_by_label("Meisje").check()
    tab.get_by_label("Burgerservicenummer (BSN) van uw kind").fill(a_bsn(random.Random()))
    tab.get_by_role("button", name="Opslaan en verder").click()

    tab.wait_for_url("**/pages/ouders")
    tab.get_by_role("button", name="Nog een ouder of verzorger toevoegen").click()
    row = tab.get_by_role("group", name="Ouder of verzorger 1", exact=True)
    row.get_by_label("Voorletters en achternaam").fill(parent)
    row.get_by_label("Moeder").check()
    row.get_by_role("group", name="Heeft deze ouder het gezag?").get_by_label("Ja").check()
    row.get_by_label("Telefoonnummer").fill("0612345678")
    row.get_by_label("E-mailadres").fill(email)
    row.get_by_label("Postcode").fill("9712 AB")
    row.get_by_label("Huisnummer").fill("12")
    tab.get_by_role("button", name="Opslaan en verder").click()

    tab.wait_for_url("**/pages/scholen")
    tab.get_by_role("group", name="Gaat uw kind nu naar een school?").get_by_label("Nee").check()
    elsewhere = tab.get_by_role("group", name="Heeft u uw kind ook bij andere scholen aangemeld?")
    elsewhere.get_by_label("Ja" if others else "Nee").check()
    sibling = tab.get_by_role("group", name="Zit er een broer of zus op de school van uw eerste")
    sibling.get_by_label("Nee").check()
    for _ in others:
        tab.get_by_role("button", name="School toevoegen").click()
        tab.wait_for_load_state("load")
    for position, (name, town) in enumerate(others, 1):
        row = tab.get_by_role(
            "group", name=f"Scholen in volgorde van uw voorkeur {position}", exact=True
        )
        row.get_by_label("Naam van de school").fill(name)
        row.get_by_label("Plaats").fill(town)
    tab.get_by_role("button", name="Opslaan en verder").click()

    tab.wait_for_url("**/pages/ondersteuning")
    help_needed = tab.get_by_role(
        "group", name="Heeft uw kind extra hulp nodig bij leren of gedrag?"
    )
    help_needed.get_by_label("Nee").check()
    starts = today + timedelta(days=45)
    tab.get_by_label("Wanneer wilt u dat uw kind begint?").fill(starts.strftime("%d-%m-%Y"))
    tab.get_by_role("button", name="Opslaan en verder").click()

    tab.wait_for_url("**/pages/toestemming")
    for statement in (
        "Ik heb dit formulier naar waarheid ingevuld.",
        "Alle ouders met gezag zijn het eens met deze aanmelding.",
    ):
        tab.get_by_role("group", name=statement).get_by_label("Ja").check()
    tab.get_by_role("button", name="Controleer uw antwoorden").click()

    tab.wait_for_url("**/check")
    assert tab.locator(".error-summary").count() == 0, tab.locator(".error-summary").inner_text()
    for name, _ in others:
        assert name in tab.locator("main").inner_text()
    tab.get_by_role("button", name="Aanmelding versturen").click()
    tab.wait_for_url("**/submission")
    return " ".join(tab.locator("main").inner_text().split())


def reference_on(confirmation: str) -> str:
    found = re.search(r"OV-\d{4}-[A-Z0-9]{6}", confirmation)
    assert found, confirmation
    return found.group(0)


# ------------------------------------------------------------------ the journey


def test_a_registration_runs_down_the_parents_list_within_the_legal_terms(
    site: Site,
    browser: Any,  # noqa: F811
    mail_server: Inbox,  # noqa: F811
) -> None:
    base, inbox = site.base, mail_server
    stamp = str(int(time.time() * 1000))[-6:]
    surname, parent_mail = f"Demir-{stamp}", f"m.demir.{stamp}@example.org"

    # --- 1. the parent registers at De Linde, naming De Regenboog and De Wilg
    parents = person(browser, base, None)
    received = site.clock.today()
    confirmation = register(
        parents,
        site,
        surname=surname,
        parent="M. Demir",
        email=parent_mail,
        others=[("De Regenboog", "Groningen"), ("De Wilg", "Groningen")],
    )
    reference = reference_on(confirmation)
    first_due = received + timedelta(weeks=4)  # Regio Noord decides within four weeks
    assert f"Ontvangen op {dutch(received)}" in confirmation, confirmation
    assert f"{LINDE} beslist binnen 4 weken" in confirmation
    assert f"uiterlijk {dutch(first_due)}" in confirmation
    assert f"{REGENBOOG}, {WILG}" in confirmation  # the other schools, in the parents' order
    link_mail = wait_for_mail(inbox, parent_mail, "Uw link om de overstap", reference)
    parents_link = re.search(r"http://127\.0\.0\.1:\d+/p/[A-Za-z0-9_-]{20,}", link_mail)
    assert parents_link, link_mail
    assert surname not in link_mail and "Elif" not in link_mail

    # --- 2. De Linde's director: the list, the terms with how they were counted, the zorgplicht
    linde = person(browser, base, LINDE_DIRECTOR)
    url = find_in_register(linde, site, surname, LINDE_DIRECTOR)
    assert schools_on(linde) == [f"{LINDE} behandelt haar nu", REGENBOOG, WILG]
    decision = linde.locator("#deadline-decision_due")
    assert "Besluit uiterlijk" in decision.inner_text()
    assert dutch(first_due) in decision.inner_text()
    assert f"ontvangen op {dutch(received)} + 4 weken" in decision.inner_text()
    assert (
        linde.locator("#zorgplicht-today").inner_text() == f"Vandaag heeft {LINDE} de zorgplicht."
    )

    # it asks the parents for information, to come within 14 days: the term stands still
    section = linde.locator("#registration")
    until = received + timedelta(days=14)
    section.get_by_label("Vraag de ouders de aanmelding aan te vullen, uiterlijk op").fill(
        until.isoformat()
    )
    section.get_by_label("Waar de ouders om gevraagd wordt").fill(
        "Het verslag van de peuterspeelzaal"
    )
    section.get_by_role("button", name="Vraag om aanvulling").click()
    done(linde)
    assert f"sinds {dutch(received)}" in linde.locator("#registration-terms").inner_text()
    asked = wait_for_mail(inbox, parent_mail, reference, "vraagt om aanvulling", dutch(until))
    assert surname not in asked and "Elif" not in asked

    # eleven days later the information comes: the decision date moves by eleven days
    site.clock.advance(days=11)
    visit(linde, site, url, LINDE_DIRECTOR)
    came = linde.get_by_label("De aanvulling kwam binnen op")
    assert came.input_value() == site.clock.today().isoformat()  # today is proposed
    linde.get_by_role("button", name="Leg vast dat de aanvulling binnen is").click()
    done(linde)
    moved_due = first_due + timedelta(days=11)
    decision = linde.locator("#deadline-decision_due").inner_text()
    assert dutch(moved_due) in decision, decision
    assert "11 dagen stilgestaan" in decision, decision

    # --- 3. it extends by four weeks with a reason: the letter, the mail, the new date
    section = linde.locator("#registration")
    section.get_by_label("Verleng de termijn voor het besluit met").select_option(label="4 weken")
    section.get_by_label("Reden voor de ouders").fill(REASON)
    section.get_by_role("button", name="Verleng de termijn").click()
    done(linde)
    due = moved_due + timedelta(weeks=4)
    decision = linde.locator("#deadline-decision_due").inner_text()
    assert dutch(due) in decision and "4 weken" in decision and REASON in decision, decision
    letter = letter_of(linde, base)
    assert letter.startswith(b"%PDF")
    words = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(letter)).pages).split()
    )
    assert REASON in words, words
    assert dutch(due) in words, words
    extended = wait_for_mail(inbox, parent_mail, reference, "meer tijd", dutch(due))
    assert surname not in extended and "Elif" not in extended
    assert linde.get_by_role("button", name="Verleng de termijn").count() == 0  # only once

    # --- 4. a week before the decision date the sweep alerts the director, once
    move_to(site, due - timedelta(days=7))
    sweep(site)
    alert = wait_for_mail(
        inbox, LINDE_DIRECTOR, f"Aanmelding {reference}: termijn loopt af op {dutch(due)}"
    )
    assert surname not in alert and "Elif" not in alert
    assert sweep(site) == 0  # nothing new: the alert is sent once
    outbox_empty(site)
    assert len(mails(inbox, LINDE_DIRECTOR, f"Aanmelding {reference}: termijn loopt af")) == 1

    # --- 5. De Linde considers, then refuses: the law's conditions first
    visit(linde, site, url, LINDE_DIRECTOR)
    take(linde, "in_behandeling_nemen", "In behandeling nemen")
    assert linde.locator("#status").inner_text() == "In behandeling"
    refusal = linde.locator("form[action$='/steps/afwijzen']")
    refusal.get_by_role("button", name="Afwijzen").click()  # without saying a word on support
    linde.wait_for_load_state("load")
    problem = linde.get_by_role("alert")
    assert "Geef aan of het kind extra ondersteuning nodig heeft" in problem.inner_text()
    assert linde.locator("#status").inner_text() == "In behandeling"  # nothing changed

    refusal = linde.locator("form[action$='/steps/afwijzen']")
    support = refusal.get_by_role("group", name="Heeft het kind extra ondersteuning nodig?")
    support.get_by_label("Ja").check()
    refusal.get_by_role("button", name="Afwijzen").click()  # needs support, and no school named
    linde.wait_for_load_state("load")
    problem = linde.get_by_role("alert").inner_text()
    assert "mag pas weigeren nadat een andere school" in problem, problem
    assert linde.locator("#status").inner_text() == "In behandeling"

    refusal = linde.locator("form[action$='/steps/afwijzen']")
    support = refusal.get_by_role("group", name="Heeft het kind extra ondersteuning nodig?")
    assert support.get_by_label("Ja").is_checked()  # the answer is kept
    refusal.get_by_label("De school die bereid is het kind toe te laten").select_option(
        label=f"{REGENBOOG}, Groningen"
    )
    refusal.get_by_label("Bereid verklaard op").fill(site.clock.today().isoformat())
    refusal.get_by_role("button", name="Afwijzen").click()
    done(linde)
    # the registration went on to De Regenboog: De Linde no longer sees it
    assert "Pagina niet gevonden" in linde.locator("main").inner_text()
    gone = linde.goto(url)
    assert gone is not None and gone.status == 404
    wait_for_mail(inbox, parent_mail, f"Overstap {reference}: Afgewezen")

    # De Regenboog sees the order of the parents' list, not De Linde's decision, and admits
    regenboog = person(browser, base, REGENBOOG_DIRECTOR)
    assert find_in_register(regenboog, site, surname, REGENBOOG_DIRECTOR) == url
    assert schools_on(regenboog) == [LINDE, f"{REGENBOOG} behandelt haar nu", WILG]
    assert "Afgewezen" not in regenboog.content()  # neither on the list nor on the timeline
    assert REASON not in regenboog.content()  # De Linde's extension is De Linde's
    assert dutch(site.clock.today() + timedelta(weeks=4)) in (
        regenboog.locator("#deadline-decision_due").inner_text()
    )
    # De Linde holds the zorgplicht on the day of its decision, De Regenboog from the next day
    assert LINDE in regenboog.locator("#zorgplicht-today").inner_text()
    tomorrow = dutch(site.clock.today() + timedelta(days=1))
    periods = schools_on_list(regenboog, "#zorgplicht-periods")
    assert any(p.startswith(f"{tomorrow} – nu: {REGENBOOG}") for p in periods), periods
    take(regenboog, "in_behandeling_nemen", "In behandeling nemen")
    take(regenboog, "toelaten", "Toelaten")
    assert regenboog.locator("#status").inner_text() == "Toegelaten"
    wait_for_mail(inbox, parent_mail, f"Overstap {reference}: Toegelaten")

    # --- 6. the parents' page, by the link from their mail: every school, its state, the letter
    parents.goto(parents_link.group(0))
    assert schools_on(parents) == [
        f"{LINDE}: Afgewezen",
        f"{REGENBOOG}: Toegelaten",
        f"{WILG}: Niet meer nodig",
    ]
    their_letter = letter_of(parents, base)
    assert their_letter.startswith(b"%PDF")
    for text in (link_mail, asked, extended):
        assert surname not in text

    # --- 7. a second child gets no decision: after ten weeks it is placed temporarily
    second, second_mail = f"Bakker-{stamp}", f"j.bakker.{stamp}@example.org"
    other_parent = person(browser, base, None)
    registered = site.clock.today()
    second_reference = reference_on(
        register(
            other_parent, site, surname=second, parent="J. Bakker", email=second_mail, others=[]
        )
    )
    second_url = find_in_register(linde, site, second, LINDE_DIRECTOR)
    ten_weeks = registered + timedelta(weeks=10)
    assert dutch(ten_weeks) in linde.locator("#deadline-ten_weeks").inner_text()
    move_to(site, ten_weeks)
    sweep(site)
    visit(linde, site, second_url, LINDE_DIRECTOR)
    assert linde.locator("#temporary-placement").count() == 0  # not on the tenth week's day
    move_to(site, ten_weeks + timedelta(days=1))
    sweep(site)
    visit(linde, site, second_url, LINDE_DIRECTOR)
    placed = linde.locator("#temporary-placement").inner_text()
    assert f"vanaf {dutch(ten_weeks + timedelta(days=1))}" in placed, placed
    subject = f"Aanmelding {second_reference}: tijdelijke plaatsing vanaf"
    for staff in (LINDE_DIRECTOR, LINDE_OFFICE):
        told = wait_for_mail(inbox, staff, subject, dutch(ten_weeks + timedelta(days=1)))
        assert second not in told and "Elif" not in told
    outbox_empty(site)
    assert len(mails(inbox, LINDE_DIRECTOR, subject)) == 1


def test_a_decision_on_a_registration_asks_no_deregistration_date(
    site: Site,
    browser: Any,  # noqa: F811
) -> None:
    """A school deciding on a registration is asked for its decision, not for the day the
    child leaves a previous school: the child has none."""
    stamp = str(int(time.time() * 1000))[-6:]
    surname = f"Visser-{stamp}"
    register(
        person(browser, site.base, None),
        site,
        surname=surname,
        parent="K. Visser",
        email=f"k.visser.{stamp}@example.org",
        others=[],
    )
    linde = person(browser, site.base, LINDE_DIRECTOR)
    find_in_register(linde, site, surname, LINDE_DIRECTOR)
    take(linde, "in_behandeling_nemen", "In behandeling nemen")
    asking = [
        step
        for step in ("toelaten", "afwijzen", "niet_behandelen")
        if linde.locator(f"form[action$='/steps/{step}']").get_by_label("Uitschrijfdatum").count()
    ]
    assert asking == [], f"a deregistration date is asked on: {asking}"

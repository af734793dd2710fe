"""The aanmeldcode and the parents' consent end to end, in Chromium, with two schools and the
parents on three devices, on an injected clock and with a real SMTP server: De Regenboog sets
the advice for one of its pupils and sees the code on screen and on the letter; it starts the
pupil's transfer to De Linde and makes the parents' link; the parents see the same code; De
Linde enters a mistyped code (the check character catches it), a wrong birth date and then the
right code as parents dictate it, and is told the same each time while seeing nothing of the
pupil; the parents, told by a mail without name or secret, consent to some sections only, with
the keyboard and without JavaScript; De Linde sees exactly those; the parents withdraw and
from that moment De Linde sees nothing."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from runtime.consent import codes
from runtime.organisations.models import Organisation
from runtime.pupils import service as pupils
from runtime.pupils.models import Guardian, Pupil

from .conftest import DATABASE_URL
from .test_admission_journey import Site, dutch, outbox_empty, site  # noqa: F401 (fixture)
from .test_browser import CHROMIUM
from .test_transfer_journey import (  # noqa: F401 (fixtures)
    Inbox,
    browser,
    fill_form,
    mail_server,
    person,
)

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
    # its own server needs its own database: on PostgreSQL the run shares one, which this
    # module would empty under the other tests (the journey runs on SQLite)
    pytest.mark.skipif(DATABASE_URL is not None, reason="runs on its own SQLite database"),
]

REGENBOOG_IB, LINDE_DIRECTOR = "ib@regenboog.demo", "directeur@linde.demo"
LINDE = "Basisschool De Linde (demo)"
ADVICE = "adviesformulier-noord"
PUPIL_SECTION = "leerling_gegevens"  # the section the parents keep to themselves
ASKED_MAIL = "vraagt uw toestemming"  # the subject of the mail that asks the parents


def a_pupil_of_de_regenboog(demo: Site) -> dict[str, Any]:
    """A demo pupil at De Regenboog with a guardian with gezag and an e-mail address, as the
    school's own records hold them (its LAS: the number, the names, the birth date)."""
    with demo.state.db.session() as session:
        school = session.scalars(select(Organisation).where(Organisation.code == "12AB00")).one()
        for pupil in session.scalars(
            select(Pupil).where(Pupil.current_school_id == school.id).order_by(Pupil.achternaam)
        ):
            guardian = session.scalars(
                select(Guardian).where(
                    Guardian.pupil_id == pupil.id,
                    Guardian.gezag.is_(True),
                    Guardian.email.is_not(None),
                )
            ).first()
            if guardian is not None:
                return {
                    "number": pupils.number_of(demo.state.settings, pupil),
                    "voornamen": pupil.voornamen,
                    "roepnaam": pupil.roepnaam or pupil.voornamen,
                    "achternaam": pupil.achternaam,
                    "born": pupil.geboortedatum,
                    "guardian": guardian.email,
                }
    raise AssertionError("the demo has no pupil at De Regenboog with a guardian")


def mistyped(code: str) -> str:
    """The code with one character of its second group changed, as a slip of the finger."""
    position = 5  # "AXXX-[X]XXX-XXXX"
    wrong = next(c for c in codes.ALPHABET if c != code[position])
    return code[:position] + wrong + code[position + 1 :]


def enter_code(tab: Any, base: str, code: str, born: str) -> Any:
    """On /consent, enter a code and a birth date as the receiving school does; the answer."""
    tab.goto(f"{base}/consent")
    tab.get_by_label("Aanmeldcode").fill(code)
    tab.get_by_label("Geboortedatum van het kind").fill(born)
    with tab.expect_navigation() as answer:
        tab.get_by_role("button", name="Vraag de ouders om toestemming").click()
    return answer.value


def tab_to(tab: Any, selector: str) -> None:
    """Press Tab until ``selector`` has the focus, as a keyboard user moves through a page."""
    for _ in range(200):
        tab.keyboard.press("Tab")
        if tab.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"could not reach {selector} with Tab")


def main_text(tab: Any) -> str:
    return " ".join(tab.locator("main").inner_text().split())


def test_the_parents_consent_to_what_the_new_school_sees_and_withdraw_it(
    site: Site,  # noqa: F811
    browser: Any,  # noqa: F811
    mail_server: Inbox,  # noqa: F811
) -> None:
    base = site.base
    child = a_pupil_of_de_regenboog(site)
    born = child["born"]
    names = (child["achternaam"], child["voornamen"], child["roepnaam"])
    birth_dates = (born.isoformat(), born.strftime("%d-%m-%Y"), dutch(born))

    # --- 1. De Regenboog sets the advice for its pupil: the code on screen and on the letter
    regenboog = person(browser, base, REGENBOOG_IB)
    regenboog.goto(f"{base}/")
    regenboog.locator(f"form[action='/forms/{ADVICE}/start'] button").click()
    regenboog.wait_for_url("**/pages/**")
    regenboog.get_by_label("Achternaam").fill(child["achternaam"])
    regenboog.get_by_label("Voornamen").fill(child["voornamen"])
    regenboog.get_by_label("Geboortedatum").fill(born.strftime("%d-%m-%Y"))
    regenboog.get_by_role("radio", name="Burgerservicenummer (BSN)").check()
    regenboog.get_by_role("textbox", name="Burgerservicenummer (BSN)").fill(child["number"])
    fill_form(regenboog)  # the rest of the advice, page by page, then "Advies vaststellen"
    code = regenboog.locator("#aanmeldcode-text").inner_text().strip()
    assert re.fullmatch(r"A[0-9A-HJKMNP-TV-Z]{3}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", code)
    panel = regenboog.locator("#aanmeldcode")
    assert panel.get_by_role("button", name=re.compile("Een nieuwe code maken")).count() == 1
    assert panel.get_by_role("link", name="De code intrekken").count() == 1
    assert "Nog geen school heeft erom gevraagd" in panel.inner_text()
    advice_page = regenboog.url
    with regenboog.expect_download() as download:
        panel.get_by_role("link", name=re.compile("Brief met de code voor de ouders")).click()
    letter = Path(download.value.path()).read_bytes()
    assert letter.startswith(b"%PDF-")
    words = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(letter)).pages).split()
    )
    assert code in words, words

    # --- 2. it starts the pupil's transfer to De Linde and makes the parents' link
    regenboog.goto(f"{base}/transfers/new")
    regenboog.locator("#number").fill(child["number"])
    regenboog.locator("#voornamen").fill(child["voornamen"])
    regenboog.locator("#achternaam").fill(child["achternaam"])
    regenboog.locator("#geboortedatum").fill(born.isoformat())
    regenboog.locator("#school").fill("34CD00")
    regenboog.locator("#reason").select_option("verhuizing")
    regenboog.get_by_role("button", name="Start de overstap").click()
    regenboog.wait_for_url(re.compile(r".*/transfers/[0-9a-f-]{36}$"))
    # mailed to the guardian with gezag: a link of their own, the one that decides consent
    regenboog.locator("form[action$='/parents'] input[name=guardian]:not([value=''])").first.check()
    regenboog.locator("form[action$='/parents'] button").click()
    mailed = mail_server.wait_for(child["guardian"], "Uw link om de overstap")
    body = mailed.get_payload(decode=True).decode() if not mailed.is_multipart() else str(mailed)
    link = re.search(r"/p/[A-Za-z0-9_-]{20,}", body)
    assert link, "the parents' link is in the mail to the guardian"

    # --- 3. the parents, on a device of their own and without JavaScript, see the same code
    parents_context = browser.new_context(java_script_enabled=False)
    parents = parents_context.new_page()
    parents.set_default_timeout(30_000)
    parents_page = base + link.group(0)
    parents.goto(parents_page)
    assert parents.locator("#consent #parents-code").inner_text().strip() == code
    assert "vraagt om gegevens" not in main_text(parents)  # no school has asked yet

    # --- 4. De Linde enters the code as the parents give it, on a third device
    linde = person(browser, base, LINDE_DIRECTOR)
    typo = enter_code(linde, base, mistyped(code), born.isoformat())
    assert typo.status == 400
    problem = linde.get_by_role("alert").inner_text()
    assert "typefout" in problem, problem
    assert linde.get_by_label("Aanmeldcode").input_value() == mistyped(code)  # kept to correct

    def waits_and_shows_nothing(answer: Any) -> str:
        assert answer.status == 200, answer.status
        assert re.search(r"/consent/[0-9a-f-]{36}$", linde.url), linde.url
        assert "Wacht op toestemming van de ouders" in linde.locator("#consent-state").inner_text()
        page = linde.content()
        for shown in (*names, *birth_dates, child["number"], code):
            assert shown not in page, f"{shown!r} is on the waiting page"
        assert linde.locator("#consented-forms").count() == 0
        return str(linde.url)

    wrong_birth = born.replace(day=born.day % 28 + 1)
    waits_and_shows_nothing(enter_code(linde, base, code, wrong_birth.isoformat()))
    dictated = code.lower().replace("-", " ")  # "a7k2 m9qx 4tre", as it is read out
    request_page = waits_and_shows_nothing(enter_code(linde, base, dictated, born.isoformat()))

    # --- 5. the parents are asked by one mail, without a name or their link's secret
    asked = mail_server.wait_for(child["guardian"], ASKED_MAIL)
    outbox_empty(site)
    assert len([m for m in mail_server.to(child["guardian"]) if ASKED_MAIL in m["Subject"]]) == 1
    assert re.match(r"Overstap \S+: een school vraagt uw toestemming", str(asked["Subject"]))
    for shown in (*names, "/p/", link.group(0)):
        assert shown not in asked.as_string(), f"{shown!r} is in the mail"

    # --- 6. the parents keep the pupil's details to themselves: keyboard only, no JavaScript
    parents.goto(parents_page)
    consent = parents.locator("#consent")
    assert f"{LINDE} vraagt om gegevens van uw kind te mogen zien" in consent.inner_text()
    boxes = consent.locator("input[type=checkbox][name=section]")
    sections = {
        box.get_attribute("value").split(":")[1]: consent.locator(
            f"label[for='{box.get_attribute('id')}']"
        ).inner_text()
        for box in boxes.all()
    }
    assert PUPIL_SECTION in sections and len(sections) > 1, sections
    assert not any(box.is_checked() for box in boxes.all())  # nothing is ticked for them
    assert "U beslist als" in consent.inner_text()  # their own link: POPO knows who decides
    for box in boxes.all():  # every part but the pupil's details, with the keyboard
        if box.get_attribute("value").endswith(f":{PUPIL_SECTION}"):
            continue
        tab_to(parents, f"#consent input[value='{box.get_attribute('value')}']")
        parents.keyboard.press("Space")
    tab_to(parents, "#consent button[name=action][value=give]")
    with parents.expect_navigation():
        parents.keyboard.press("Enter")
    assert "?done=consent" in parents.url
    assert "Uw keuze is vastgelegd" in main_text(parents)
    may_see = consent.inner_text()
    assert sections[PUPIL_SECTION] not in may_see, may_see
    kept = [title for section, title in sections.items() if section != PUPIL_SECTION]
    assert all(title in may_see for title in kept), may_see

    # --- 7. De Linde sees the advice with exactly the ticked sections
    linde.goto(request_page)
    forms = linde.locator("#consented-forms a")
    assert forms.count() == 1, linde.locator("main").inner_text()
    forms.first.click()
    linde.wait_for_url(re.compile(r"/consent/[0-9a-f-]{36}/forms/[0-9a-f-]{36}$"))
    form_page = str(linde.url)
    shown = main_text(linde)
    # the ticked sections' questions, by their labels: the advice and the contact
    for label in ("Wat adviseert de school?", "Is contact met de huidige school nodig"):
        assert label in shown, (label, shown)
    assert linde.get_by_role("heading", name="Leerling", exact=True).count() == 0
    for hidden in ("Achternaam", "Voornamen", "Burgerservicenummer", *names, *birth_dates):
        assert hidden not in shown, f"{hidden!r} is shown without consent"

    # --- 8. who saw the child's data: the list is added to the parents' page on another
    # branch (parents-view); on a branch without it there is nothing to check yet
    parents.goto(parents_page)
    if parents.locator("#accesses").count():
        assert LINDE in parents.locator("#accesses ~ .table-scroll table").first.inner_text()

    # --- 9. the parents withdraw: from that moment De Linde sees nothing
    parents.locator("#consent").get_by_role("link", name="Toestemming intrekken").click()
    parents.wait_for_url("**/withdraw")
    assert "Uw toestemming intrekken?" in main_text(parents)
    parents.get_by_role("button", name="Toestemming intrekken").click()
    parents.wait_for_url(re.compile(r"\?done=withdrawn"))
    gone = linde.goto(form_page)
    assert gone is not None and gone.status == 404
    linde.goto(request_page)
    state = linde.locator("#consent-state").inner_text()
    assert "De ouders hebben hun toestemming ingetrokken" in state, state
    assert linde.locator("#consented-forms").count() == 0
    assert "U ziet de gegevens niet meer" in main_text(linde)

    # the school that made the code sees who asked and what became of it
    regenboog.goto(advice_page)
    asked_list = regenboog.locator("#consent-requests").inner_text()
    assert LINDE in asked_list and "ingetrokken" in asked_list, asked_list
    parents_context.close()

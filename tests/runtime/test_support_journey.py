"""1Loket end to end, in Chromium, with a school, the parents on a device of their own, the SWV
and an SBO school, on a real SMTP server: De Regenboog's IB writes an onderwijskundig rapport
for a pupil, starts an arrangement request that begins with the report's support, completes
it page by page with a psychological and a didactic report, and sends it to the parents; the
parents, on the link from their mail, keep the psychological report from the SWV and sign the
request "voor gezien"; the school submits it; SWV Noord sees the didactic report and not the
other (its link is 404 for the SWV), declares the request complete, plans the loketoverleg,
is told in Dutch that a grant needs an end date (what it typed kept), and grants it with a
number and a duration; the school is told in POPO and by a mail without the pupil's name. A
TLV for a pupil moving to SBO De Sprong reaches De Sprong's transfer page and its director,
while the request itself stays 404 for De Sprong. axe-core checks every kind of page."""

from __future__ import annotations

import random
import re
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from renderers import i18n
from runtime.pupils.models import Guardian
from runtime.support.models import SupportParentsRecord, SupportRequest
from runtime.transfers.models import Transfer

from ..support import a_bsn
from .conftest import DATABASE_URL
from .test_admission_journey import Site, site, text_of  # noqa: F401 (fixture)
from .test_browser import CHROMIUM, check_accessibility
from .test_transfer_journey import (  # noqa: F401 (fixtures)
    Inbox,
    add_missing_rows,
    browser,
    fill_blanks,
    mail_server,
    person,
    settle,
)

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
    # its own server needs its own database: on PostgreSQL the run shares one, which this
    # module would empty under the other tests (the journey runs on SQLite)
    pytest.mark.skipif(DATABASE_URL is not None, reason="runs on its own SQLite database"),
]

REGENBOOG_IB, SWV_NOORD, SPRONG_DIRECTOR = (
    "ib@regenboog.demo",
    "swv@noord.demo",
    "directeur@sprong.demo",
)
SPRONG = "SBO De Sprong (demo)"
SUPPORT_GIVEN = "Twee keer per week pre-teaching rekenen in een klein groepje."
QUESTION = "Hoe kan Noor rekenen op haar eigen niveau, naast de instructie in de groep?"
TRIED = "Een half jaar verlengde instructie en pre-teaching; zij groeit, maar te langzaam."
PARENTS_VIEW = "De ouders steunen de aanvraag en willen graag meedenken."
ARRANGEMENT = "Begeleiding door een ambulant begeleider rekenen, twee uur per week."
PSYCH, DIDACTIC = "Psychologisch onderzoek, mei 2026", "Toetsoverzicht rekenen"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NUMBER = re.compile(r"PO2001-\d{4}-\d{4}")


# ------------------------------------------------------------------ the pupils


def new_pupil(demo: Site, tab: Any, school_code: str, surname: str, mother: str) -> str:
    """As De Regenboog's IB: start the transfer of a new pupil on /transfers/new (so the pupil
    is De Regenboog's); its page's URL. POPO has no page for a pupil's guardians (they come
    from the school's administration system), so the mother with gezag and an e-mail address
    is added to the pupil's record directly, as that import would."""
    tab.goto(f"{demo.base}/transfers/new")
    tab.locator("#number").fill(a_bsn(random.Random()))
    tab.locator("#voornamen").fill("Noor")
    tab.locator("#achternaam").fill(surname)
    tab.locator("#geboortedatum").fill("2018-04-03")
    tab.locator("#school").fill(school_code)
    tab.locator("#reason").select_option("verhuizing")
    tab.get_by_role("button", name="Start de overstap").click()
    tab.wait_for_url(re.compile(r".*/transfers/[0-9a-f-]{36}$"))
    with demo.state.db.session() as session:
        transfer = session.get(Transfer, uuid.UUID(tab.url.rsplit("/", 1)[-1]))
        assert transfer is not None
        session.add(
            Guardian(
                pupil_id=transfer.pupil_id, position=1, naam="Anna Bakker", relatie="moeder",
                gezag=True, email=mother,
            )
        )  # fmt: skip
    return str(tab.url)


def page_id(tab: Any) -> str:
    return re.split(r"[?#]", str(tab.url))[0].rsplit("/", 1)[-1]


def through_pages(tab: Any, on_page: dict[str, Any], axe: set[str] | None = None) -> set[str]:
    """From a draft's page to its check page, as a person fills it: on each page first what
    ``on_page`` says for it (by the page's id), then every question still open; then "Opslaan
    en verder" ("*": on every page). The pages seen."""
    seen: set[str] = set()
    for _ in range(25):
        if tab.url.endswith("/check"):
            return seen
        current = page_id(tab)
        if current not in seen:
            seen.add(current)
            if axe is not None and current not in axe:
                check_accessibility(tab)
                axe.add(current)
            for hook in (on_page.get(current), on_page.get("*")):
                if hook is not None:
                    hook(tab)
        fill_blanks(tab)
        before = tab.url
        buttons = tab.locator("button[name=action][value=next]")
        button = buttons if buttons.count() else tab.locator("button[name=action][value=check]")
        button.first.click()
        tab.wait_for_load_state("load")
        settle(tab)
        if tab.url == before and tab.locator(".error-summary").count():
            add_missing_rows(tab)
            fill_blanks(tab)
    problems = tab.locator(".error-summary")
    raise AssertionError((tab.url, problems.inner_text() if problems.count() else ""))


def send(tab: Any, label: str) -> None:
    """On the check page: no problems; press the form's own submit button."""
    assert tab.locator(".error-summary").count() == 0, tab.locator(".error-summary").inner_text()
    button = tab.locator("form[action$='/submit'] button")
    assert label in button.inner_text(), button.inner_text()
    button.click()
    tab.wait_for_url("**/submission")


def say(tab: Any, field: str, text: str) -> None:
    box = tab.locator(f"#{field}")
    box.fill(text)
    box.press("Tab")


def say_if_asked(tab: Any, field: str, text: str) -> None:
    if tab.locator(f"#{field}:visible").count():
        say(tab, field, text)


def choose(tab: Any, question: str, answer: str) -> None:
    tab.get_by_role("group", name=question).get_by_label(answer, exact=True).check()
    settle(tab)


def add_report(tab: Any, index: int, kind: str, description: str, name: str) -> None:
    tab.get_by_role("button", name="Rapport toevoegen").click()
    tab.wait_for_load_state("load")
    settle(tab)
    row = tab.locator(f"#rapporten-{index}")
    row.get_by_label(kind, exact=True).check()
    row.get_by_label("Omschrijving").fill(description)
    row.locator("input[type=file]").set_input_files(
        {"name": name, "mimeType": "application/pdf", "buffer": PDF + name.encode()}
    )
    settle(tab)


# ------------------------------------------------------------------ the request's page


def main_text(tab: Any) -> str:
    return " ".join(tab.locator("main").inner_text().split())


def step(tab: Any, step_id: str, **fields: str) -> Any:
    """Take a step on the request's page with its button, after filling its fields (by id)."""
    form = tab.locator(f"#step-{step_id}")
    assert form.count() == 1, f"{step_id} is not offered: {main_text(tab)[:1500]}"
    for field, value in fields.items():
        form.locator(f"#{field}-{step_id}").fill(value)
    with tab.expect_navigation() as answer:
        form.locator("button[type=submit]").click()
    return answer.value


def status(tab: Any) -> str:
    return str(tab.locator("#status").inner_text().strip())


def parents_link(inbox: Inbox, mother: str) -> str:
    mailed = text_of(inbox.wait_for(mother, "Uw link om ondersteuningsaanvraag"))
    link = re.search(r"/ol/[A-Za-z0-9_-]{20,}", mailed)
    assert link, mailed
    return link.group(0)


def test_an_arrangement_and_a_tlv_from_the_school_through_the_parents_to_the_swv(
    site: Site,  # noqa: F811
    browser: Any,  # noqa: F811
    mail_server: Inbox,  # noqa: F811
) -> None:
    base = site.base
    today = site.clock.today()
    tag = uuid.uuid4().hex[:5]
    surname, mother = f"Bakker-{tag}", f"anna.{tag}@example.org"
    checked: set[str] = set()  # the page kinds axe-core checked

    def axe(tab: Any, kind: str) -> None:
        if kind not in checked:
            check_accessibility(tab)
            checked.add(kind)

    # --- 1. De Regenboog's pupil, and the onderwijskundig rapport it writes for it
    ib = person(browser, base, REGENBOOG_IB)
    transfer_page = new_pupil(site, ib, "34CD00", surname, mother)
    ib.locator("form[action$='/forms/onderwijskundig-rapport-noord'] button").click()
    ib.wait_for_url("**/pages/**")
    through_pages(
        ib,
        {"*": lambda tab: say_if_asked(tab, "ondersteuning_geboden", SUPPORT_GIVEN)},
    )
    ib.locator("form[action$='/submit'] button").click()
    ib.wait_for_url("**/submission")
    ib.goto(transfer_page)
    sent = ib.locator("a[href$='/submission']", has_text="Onderwijskundig rapport")
    assert sent.count() == 1, main_text(ib)[:1500]  # De Regenboog's report, sent

    # --- 2. from the home page to a new request, prefilled with the OKR's support
    ib.goto(f"{base}/")
    support = ib.get_by_role("heading", name="Ondersteuning (1Loket)")
    assert support.count() == 1
    ib.get_by_role("link", name=re.compile("^Ondersteuning aanvragen voor een leerling")).click()
    ib.wait_for_url("**/support/new")
    assert ib.get_by_role("heading", level=1).inner_text() == "Een ondersteuningsaanvraag starten"
    axe(ib, "support_new")
    ib.get_by_label("Zoek een leerling van uw school op naam").fill(surname)
    ib.get_by_role("button", name="Zoeken").click()
    ib.wait_for_load_state("load")
    ib.get_by_role("radio", name=re.compile(surname)).check()
    ib.get_by_role("radio", name="Aanvraag arrangement in Regio Noord").check()
    ib.get_by_role("button", name="Aanvraag starten").click()
    ib.wait_for_url(re.compile(r"/drafts/[0-9a-f-]{36}/pages/"))
    draft_url = re.sub(r"/pages/.*$", "", ib.url)
    assert ib.locator("#achternaam").input_value() == surname  # the pupil, from POPO

    def support_so_far(tab: Any) -> None:
        # the OKR's text, on the form as the school wrote it there
        assert tab.locator("#ondersteuning_geboden").input_value() == SUPPORT_GIVEN
        assert tab.get_by_label("Welke ondersteuning heeft de school geboden?").is_visible()

    def arrangement(tab: Any) -> None:
        say(tab, "arrangement_inhoud", ARRANGEMENT)
        say(tab, "arrangement_duur_weken", "20")
        choose(tab, "Is de aanvraag besproken in het ondersteuningsteam van de school?", "Ja")
        say(tab, "ot_datum", (today - timedelta(days=7)).strftime("%d-%m-%Y"))

    def reports(tab: Any) -> None:
        add_report(tab, 0, "Psychologisch onderzoek", PSYCH, "psychologisch.pdf")
        add_report(tab, 1, "Didactisch onderzoek of handelingsplan", DIDACTIC, "toetsen.pdf")

    def parents_part(tab: Any) -> None:
        say(tab, "zienswijze_ouders", PARENTS_VIEW)
        choose(tab, "Zijn de ouders op de hoogte van deze aanvraag?", "Ja")

    pages = through_pages(
        ib,
        {
            "ondersteuning": support_so_far,
            "hulpvraag_pagina": lambda tab: (
                say(tab, "hulpvraag", QUESTION),
                say(tab, "geprobeerd", TRIED),
            ),
            "aanvraag": arrangement,
            "rapporten_pagina": reports,
            "ouders_pagina": parents_part,
        },
        axe=checked,
    )
    assert {"ondersteuning", "hulpvraag_pagina", "rapporten_pagina", "ouders_pagina"} <= pages
    check = main_text(ib)
    for shown in (SUPPORT_GIVEN, QUESTION, ARRANGEMENT, PSYCH, DIDACTIC, PARENTS_VIEW):
        assert shown in check, (shown, check)
    axe(ib, "check")
    send(ib, "Aanvraag afronden")

    # --- 3. the request's page; the parents get it on a link of their own
    with site.state.db.session() as session:
        row = session.scalar(
            select(SupportRequest).where(
                SupportRequest.draft_id == uuid.UUID(draft_url.rsplit("/", 1)[-1])
            )
        )
        assert row is not None
        request_url, reference = f"{base}/support/{row.id}", row.reference
    ib.goto(f"{base}/support")
    ib.get_by_role("link", name=re.compile(reference)).first.click()  # or the pupil's name
    ib.wait_for_url(request_url)
    assert status(ib) == "In voorbereiding"
    axe(ib, "request")
    psych_link = ib.locator("#reports").get_by_role("link", name=PSYCH)
    psych_url = base + psych_link.get_attribute("href")
    ib.get_by_role("button", name="Aanvraag naar de ouders sturen").click()
    ib.wait_for_url("**asked=1")
    link = parents_link(mail_server, mother)
    assert surname not in mail_server.wait_for(mother, "Uw link").as_string()

    parents_context = browser.new_context()  # the parents' own device, not logged in
    parents = parents_context.new_page()
    parents.set_default_timeout(30_000)
    parents.goto(base + link)
    axe(parents, "parents")
    assert SUPPORT_GIVEN in main_text(parents) and QUESTION in main_text(parents)
    choice = parents.get_by_role("group", name=re.compile(re.escape(PSYCH)))
    assert choice.count() == 1  # only the psychological report is theirs to decide
    assert not any(r.is_checked() for r in choice.get_by_role("radio").all())  # nothing chosen
    choice.get_by_label("Het samenwerkingsverband mag dit rapport niet inzien").check()
    parents.get_by_role("button", name="Mijn keuze voor de rapporten opslaan").click()
    parents.wait_for_url("**done=reports")
    assert "Uw keuze voor de rapporten is vastgelegd." in main_text(parents)
    assert choice.get_by_label("Het samenwerkingsverband mag dit rapport niet inzien").is_checked()
    parents.get_by_label(re.compile("teken haar voor gezien")).check()
    parents.get_by_role("button", name="Voor gezien tekenen").click()
    parents.wait_for_url("**done=seen")
    assert "u hebt de aanvraag voor gezien getekend" in main_text(parents)
    assert "U hebt de aanvraag voor gezien getekend op" in parents.locator("#seen").inner_text()
    with site.state.db.session() as session:
        decided = session.scalars(
            select(SupportParentsRecord.decision).where(SupportParentsRecord.request_id == row.id)
        ).all()
        assert sorted(decided) == ["seen", "withheld"]

    # --- 4. the school submits it
    ib.goto(request_url)
    assert "Voor gezien getekend op" in ib.locator("#parents").inner_text()
    step(ib, "indienen")
    assert status(ib) == "Ingediend", main_text(ib)[:1500]

    # --- 5. SWV Noord: the desk, the shared report only, and its decision
    swv = person(browser, base, SWV_NOORD)
    swv.goto(f"{base}/")
    swv.get_by_role("link", name="Het loket: aanvragen bij uw samenwerkingsverband").click()
    swv.wait_for_url("**/support")
    axe(swv, "desk")
    desk = swv.locator("main")
    assert reference in desk.inner_text() and surname in desk.inner_text()
    swv.get_by_role("link", name=re.compile(reference)).first.click()
    swv.wait_for_url(request_url)
    axe(swv, "swv_request")
    shown_reports = swv.locator("#reports")
    assert shown_reports.get_by_role("link", name=DIDACTIC).count() == 1
    assert PSYCH not in swv.content()
    assert "Een rapport dat de ouders niet hebben gedeeld" in shown_reports.inner_text()
    assert swv.request.get(psych_url).status == 404  # its address, from the school's page
    didactic = shown_reports.get_by_role("link", name=DIDACTIC).get_attribute("href")
    assert swv.request.get(base + didactic).body().startswith(b"%PDF-")

    step(swv, "compleet_verklaren", on=today.isoformat())
    assert status(swv) == "Compleet"
    due = i18n.format_date(today + timedelta(weeks=4), "nl")
    assert due in swv.locator("#due-on").inner_text()
    meeting = today + timedelta(days=7)
    step(
        swv,
        "inplannen",
        meeting=meeting.isoformat(),
        professionals="Anna de Vries, orthopedagoog\nJan Smit, ambulant begeleider",
    )
    assert status(swv) == "In behandeling"
    assert "Jan Smit, ambulant begeleider" in swv.locator("#timeline").inner_text()
    starts, ends = today + timedelta(days=14), today + timedelta(days=180)
    content, scope_text = "Ambulante begeleiding rekenen", "2 uur per week"
    # no end date: POPO's own Dutch message, not the browser's (the step forms are novalidate,
    # as the form engine's pages are; before, Chromium kept the form from being sent at all)
    refused = step(swv, "toekennen", content=content, scope=scope_text, starts=starts.isoformat())
    assert refused.status == 400
    problem = swv.get_by_role("alert").inner_text()
    assert "Vul de einddatum in" in problem, problem
    axe(swv, "refusal")
    assert swv.locator("#content-toekennen").input_value() == content  # what was typed stays
    assert swv.locator("#scope-toekennen").input_value() == scope_text
    assert swv.locator("#starts-toekennen").input_value() == starts.isoformat()
    assert status(swv) == "In behandeling"
    granted = step(swv, "toekennen", ends=ends.isoformat())
    assert granted.status == 200 and status(swv) == "Toegekend"
    number = swv.locator("#decision-number").inner_text().strip()
    assert NUMBER.fullmatch(number) and number.split("-")[1] == str(today.year), number
    duration = swv.locator("#duration").inner_text()
    assert duration == f"van {i18n.format_date(starts, 'nl')} tot en met " + i18n.format_date(
        ends, "nl"
    )

    # --- 6. the school is told: in POPO and by a mail without the pupil's name
    ib.goto(f"{base}/")
    header = ib.locator("a.header__notifications")
    assert re.search(r"\d+ nieuwe? melding", header.inner_text()), header.inner_text()
    header.click()
    ib.wait_for_url("**/notifications")
    axe(ib, "notifications")
    told = ib.locator(".notification-list").inner_text()
    assert reference in told and "Toegekend" in told, told
    mailed = mail_server.wait_for(REGENBOOG_IB, f"Ondersteuningsaanvraag {reference}: Toegekend")
    assert surname not in mailed.as_string() and "Noor" not in text_of(mailed)
    ib.goto(request_url)
    assert number in ib.locator("#decision").inner_text()

    # --- 7. a TLV for a pupil moving to SBO De Sprong
    tlv_surname, tlv_mother = f"Yilmaz-{tag}", f"mo.{tag}@example.org"
    sprong_transfer = new_pupil(site, ib, "90JK00", tlv_surname, tlv_mother)
    ib.goto(f"{base}/support/new?q={tlv_surname}")
    ib.get_by_role("radio", name=re.compile(tlv_surname)).check()
    ib.get_by_role("radio", name="Aanvraag toelaatbaarheidsverklaring in Regio Noord").check()
    transfer_choice = ib.get_by_label(re.compile("Voor een TLV"))
    options = transfer_choice.locator("option").all_inner_texts()
    assert any(SPRONG in o for o in options), options
    transfer_choice.select_option(label=next(o for o in options if SPRONG in o))
    ib.get_by_role("button", name="Aanvraag starten").click()
    ib.wait_for_url(re.compile(r"/drafts/[0-9a-f-]{36}/pages/"))
    tlv_draft = re.sub(r"/pages/.*$", "", ib.url).rsplit("/", 1)[-1]

    def tlv_part(tab: Any) -> None:
        choose(tab, "Voor welk onderwijs?", "Speciaal basisonderwijs (SBO)")
        say(tab, "beoogde_school", SPRONG)
        say(tab, "deskundigen", "Anna de Vries, orthopedagoog; Mo de Wit, jeugdarts")

    through_pages(
        ib,
        {
            "ondersteuning": lambda tab: choose(
                tab, "Is er een diagnose gesteld door een deskundige?", "Nee"
            ),
            "aanvraag": tlv_part,
            "ouders_pagina": parents_part,
        },
    )
    send(ib, "Aanvraag afronden")
    with site.state.db.session() as session:
        tlv = session.scalar(
            select(SupportRequest).where(SupportRequest.draft_id == uuid.UUID(tlv_draft))
        )
        assert tlv is not None
        tlv_url, tlv_reference = f"{base}/support/{tlv.id}", tlv.reference
    ib.goto(tlv_url)
    assert SPRONG in main_text(ib)
    ib.get_by_role("button", name="Aanvraag naar de ouders sturen").click()
    ib.wait_for_url("**asked=1")
    parents.goto(base + parents_link(mail_server, tlv_mother))
    parents.get_by_label(re.compile("teken haar voor gezien")).check()
    parents.get_by_role("button", name="Voor gezien tekenen").click()
    parents.wait_for_url("**done=seen")
    ib.goto(tlv_url)
    step(ib, "indienen")
    assert status(ib) == "Ingediend"

    sprong = person(browser, base, SPRONG_DIRECTOR)
    sprong.goto(sprong_transfer)
    assert "Toelaatbaarheidsverklaring" not in main_text(sprong)  # nothing yet

    swv.goto(tlv_url)
    step(swv, "compleet_verklaren", on=today.isoformat())
    step(swv, "inplannen", meeting=today.isoformat(), professionals="Anna de Vries, orthopedagoog")
    kind = swv.locator("#tlv-kind-toekennen")
    assert kind.locator("option:checked").inner_text() == "speciaal basisonderwijs (SBO)"  # asked
    tlv_start = today.replace(year=today.year + 1, month=8, day=1)
    tlv_end = today.replace(year=today.year + 3, month=7, day=31)
    step(swv, "toekennen", starts=tlv_start.isoformat(), ends=tlv_end.isoformat())
    assert status(swv) == "TLV afgegeven", main_text(swv)[:1500]
    tlv_number = swv.locator("#decision-number").inner_text().strip()
    assert NUMBER.fullmatch(tlv_number) and tlv_number != number

    # De Sprong is told, and sees the TLV on the transfer's page; the request stays the SWV's
    sprong.goto(f"{base}/notifications")
    told = sprong.locator(".notification-list")
    assert tlv_number in told.inner_text(), told.inner_text()
    told.get_by_role("button", name=re.compile(tlv_number)).first.click()
    sprong.wait_for_url(sprong_transfer)
    section = main_text(sprong)
    assert "Toelaatbaarheidsverklaring (TLV)" in section, section
    for shown in (
        tlv_number,
        "speciaal basisonderwijs (SBO)",
        i18n.format_date(tlv_start, "nl"),
        i18n.format_date(tlv_end, "nl"),
    ):
        assert shown in section, (shown, section)
    axe(sprong, "transfer_with_tlv")
    gone = sprong.goto(tlv_url)
    assert gone is not None and gone.status == 404
    assert tlv_reference not in sprong.content()
    mail_server.wait_for(SPRONG_DIRECTOR, f"Toelaatbaarheidsverklaring {tlv_number}")
    parents_context.close()


def test_a_child_enrolled_nowhere_appears_in_the_swvs_list_of_thuiszitters(
    site: Site,  # noqa: F811
    browser: Any,  # noqa: F811
    mail_server: Inbox,  # noqa: F811
) -> None:
    """De Regenboog records a child who is enrolled at no school (absoluut verzuim); SWV Noord
    finds the child from its home page in its list of thuiszitters, with the kind and how long,
    and is told (without the child's name)."""
    base = site.base
    surname = f"Kaya-{uuid.uuid4().hex[:5]}"
    first_day = site.clock.today() - timedelta(days=40)
    school = person(browser, base, "ib@regenboog.demo")
    school.goto(f"{base}/absence/new")
    school.locator("#kind-not_enrolled").check()
    school.locator("#number").fill(a_bsn(random.Random()))
    school.locator("#voornamen").fill("Deniz")
    school.locator("#achternaam").fill(surname)
    school.locator("#geboortedatum").fill("2017-09-14")
    school.locator("#first_absent_on").fill(first_day.isoformat())
    school.locator("#acting").select_option(index=3)  # the leerplichtambtenaar
    school.locator("#agreed").fill("De leerplichtambtenaar zoekt met de ouders een school.")
    school.get_by_role("button", name="Verzuim registreren").click()
    school.wait_for_load_state("networkidle")
    assert surname in main_text(school), main_text(school)
    swv = person(browser, base, "swv@noord.demo")
    swv.goto(f"{base}/")
    swv.get_by_role("link", name="Thuiszitters in uw samenwerkingsverband").click()
    swv.wait_for_url("**/thuiszitters**")
    row = swv.locator("tr", has_text=surname)
    assert row.count() == 1, main_text(swv)
    assert "2017" in row.inner_text()  # the birth year, not the whole date
    check_accessibility(swv)
    mailed = mail_server.wait_for("swv@noord.demo", "huiszitter")
    assert surname not in str(mailed)

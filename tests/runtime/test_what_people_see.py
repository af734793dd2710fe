"""What people see on the form pages, met as they would meet it: over HTTP without JavaScript,
with the real application and database (issue 9: labels, errors, change links, the aanmeldcode,
the parents' pages, who may start forms, switching off a parent's link)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from runtime.access.accounts import hash_password
from runtime.access.models import UserAccount
from runtime.demo import DEMO_PASSWORD
from runtime.forms.models import Draft, PublicLink, Submission
from runtime.forms.service import FormsService, token_hash
from runtime.state import AppState

from ..support import ADVIES_LEERLING, fill_pages
from .conftest import log_in, with_csrf

Client = TestClient[Litestar]


def start(client: Client, form_id: str, lang: str = "nl") -> str:
    """Start a form as staff; the draft's address without the host."""
    response = client.post(f"/forms/{form_id}/start?lang={lang}", follow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    return str(response.headers["location"])


def legend_of(page: str, label: str) -> str:
    match = re.search(rf'<legend class="legend">{re.escape(label)}.*?</legend>', page, re.S)
    assert match, f"no legend {label!r} on the page"
    return match.group(0)


# ---------------------------------------------------------------------- 1. optional labels


def test_a_repeat_group_that_needs_a_row_is_not_labelled_optional(client: Client) -> None:
    draft = start(client, "overstapformulier-noord")
    page = client.get(f"{draft}/pages/nieuwe_school").text
    assert "(optioneel)" not in legend_of(page, "Scholen in volgorde van voorkeur")
    english = client.get(f"{draft}/pages/nieuwe_school?lang=en").text
    assert "(optional)" not in legend_of(english, "Schools in order of preference")


# ---------------------------------------------------------------------- 2. follow-up questions


def error_links(page: str) -> list[str]:
    """The fields the error summary names (their html ids)."""
    return re.findall(r'<li><a href="#([^"]+)">', page)


def test_a_follow_up_question_shows_no_error_before_the_person_could_see_it(
    client: Client,
) -> None:
    """Without JavaScript: answering a question that brings up follow-up questions and pressing
    "next" shows the follow-ups without errors; pressing "next" again with them empty does."""
    draft = start(client, "overstapformulier-noord")
    url = f"{draft}/pages/reden_overstap"
    posted = client.post(
        url,
        data={"reden": "anders", "contact_directeuren": "true", "action": "next"},
        follow_redirects=False,
    )
    assert posted.status_code == 200  # the page again: it has new questions now
    for page in (posted.text, client.get(url).text):  # the same when the page is read again
        assert 'id="reden_toelichting"' in page and 'id="contact_datum"' in page
        # the question that was on the page and left open has its error ...
        assert error_links(page) == ["ondersteuningsbehoefte"]
        assert 'id="ondersteuningsbehoefte-error"' in page
        # ... the follow-ups the person sees for the first time have none
        for follow_up in ("reden_toelichting", "contact_datum", "contact_uitkomst"):
            assert f'id="{follow_up}-error"' not in page
            assert f'id="field-{follow_up}" class="field field--error' not in page
    # trying to leave the page again with the follow-ups empty: now they are errors
    again = client.post(url, data={"reden": "anders", "action": "next"}).text
    assert error_links(again) == [
        "reden_toelichting",
        "contact_datum",
        "contact_uitkomst",
        "ondersteuningsbehoefte",
    ]
    assert 'id="reden_toelichting-error"' in again


def test_a_page_whose_only_open_questions_are_new_shows_them_without_errors(
    client: Client,
) -> None:
    draft = start(client, "overstapformulier-noord")
    url = f"{draft}/pages/reden_overstap"
    data = {"reden": "verhuizing", "contact_directeuren": "false", "action": "next"}
    posted = client.post(url, data={**data, "ondersteuningsbehoefte": "true"})
    assert posted.status_code == 200 and 'id="ondersteuning_details"' in posted.text
    assert error_links(posted.text) == [] and "error-message" not in posted.text
    details = {
        "ondersteuning_details": "Hulp bij lezen, twee keer per week.",
        "swv_consulent_betrokken": "false",
    }
    done = client.post(url, data={**data, **details}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("/pages/verklaring_ouders")


def test_questions_brought_up_on_a_page_with_errors_wait_for_the_next_try(client: Client) -> None:
    """The page shows its errors already; a change (htmx) or a new row (no JavaScript) brings up
    questions: they arrive without errors."""
    draft = start(client, "overstapformulier-noord")
    url = f"{draft}/pages/reden_overstap"
    assert "reden" in error_links(client.post(url, data={"action": "next"}).text)
    change = client.post(
        f"{url}/change",
        data={"reden": "anders"},
        headers={"HX-Request": "true", "X-POPO-Field": "reden"},
    ).text
    assert 'id="field-reden_toelichting" class="field field--textarea"' in change
    assert "reden_toelichting-error" not in change
    assert "reden_toelichting" not in error_links(change)  # the summary sent along
    assert "reden_toelichting-error" not in client.get(url).text
    schools = f"{draft}/pages/nieuwe_school"
    assert "voorkeursscholen" in error_links(client.post(schools, data={"action": "next"}).text)
    client.post(schools, data={"action": "add_row:voorkeursscholen"})
    page = client.get(schools).text
    assert 'name="voorkeursscholen[0].voorkeur_school"' in page
    assert not [link for link in error_links(page) if link.startswith("voorkeursscholen")]
    assert 'id="voorkeursscholen-0-voorkeur_school-error"' not in page
    assert "voorkeursscholen-0-voorkeur_school" in error_links(
        client.post(schools, data={"action": "next"}).text
    )


# ---------------------------------------------------------------------- 3. change links


def change_links(page: str) -> list[str]:
    """The answers the check page offers to change (the hidden part of each link's text)."""
    return re.findall(r'Wijzigen<span class="visually-hidden"> ([^<]+)</span>', page)


def test_calculated_and_generated_answers_have_no_change_link(client: Client) -> None:
    draft = start(client, "overstapformulier-noord")
    schools = f"{draft}/pages/nieuwe_school"
    client.post(schools, data={"action": "add_row:voorkeursscholen"})
    client.post(schools, data={"voorkeursscholen[0].voorkeur_school": "De Linde"})
    check = client.get(f"{draft}/check").text
    assert "Aantal scholen" in check and "Scholen in volgorde van voorkeur 1: Voorkeur" in check
    offered = change_links(check)
    assert (
        "Achternaam" in offered
        and "Scholen in volgorde van voorkeur 1: Naam van de school" in offered
    )
    assert "Aantal scholen" not in offered  # calculated
    assert "Scholen in volgorde van voorkeur 1: Voorkeur" not in offered  # calculated in a row
    advies = start(client, "adviesformulier-noord")
    check = client.get(f"{advies}/check").text
    assert "Aanmeldcode" in check and "Aanmeldcode" not in change_links(check)  # generated
    assert "Wordt gemaakt bij het verzenden" in check  # not "not answered": nobody answers it
    assert "Achternaam" in change_links(check)


# ---------------------------------------------------------------------- 5. the aanmeldcode

# Regio Zuid's adviesformulier: test_fill counts the submissions of Noord's
ADVIES = {
    "leerling": ADVIES_LEERLING,
    "advies": {"advies": "plaatsen", "besproken_met_ouders": "true", "contact_nodig": "false"},
}


def test_the_aanmeldcode_is_shown_on_screen_once_the_advice_is_set(
    client: Client, app_state: AppState
) -> None:
    draft = start(client, "adviesformulier-zuid")
    fill_pages(client, draft, ADVIES)
    response = client.post(f"{draft}/submit", data={"idempotency_key": "x"})
    assert response.status_code == 200 and response.url.path.endswith("/submission")
    page = response.text
    code = re.search(r'<p class="aanmeldcode" id="aanmeldcode-text">([^<]+)</p>', page)
    assert code, "the code is on the submission page"
    assert re.fullmatch(
        r"A[0-9A-HJKMNP-TV-Z]{3}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", code[1]
    )
    assert "Geef deze code aan de ouders" in page
    english = client.get(f"{draft}/submission?lang=en").text
    assert f">{code[1]}</p>" in english and "Give this code to the parents" in english
    with app_state.db.session() as session:  # the database holds no code, only its keyed hash
        submission = session.scalars(
            select(Submission).where(Submission.draft_id == uuid.UUID(draft[8:]))
        ).one()
        assert code[1] not in str(submission.answers)
        assert code[1].replace("-", "") not in str(submission.answers)


# ---------------------------------------------------------------------- 6. the parents' pages

SCHOOL = "Basisschool De Linde (demo)"  # the school of the demo link demo-aanmelden-noord
AANMELDING = {
    "kind": {
        "kind_achternaam": "Yilmaz",
        "kind_voorletters": "E.A.",
        "kind_geboortedatum": "20-06-2021",
        "kind_geslacht": "1",
        "kind_bsn": "111222333",
    },
    "ouders": {
        "ouders[0].ouder_naam": "A. Yilmaz",
        "ouders[0].ouder_relatie": "2",
        "ouders[0].ouder_gezag": "true",
        "ouders[0].ouder_telefoon": "0612345678",
        "ouders[0].ouder_email": "a.yilmaz@voorbeeld.nl",
        "ouders[0].ouder_postcode": "5611 AB",
        "ouders[0].ouder_huisnummer": "7",
    },
    "scholen": {"zit_op_school": "false", "ook_elders_aangemeld": "false", "broer_zus": "false"},
    "ondersteuning": {"ondersteuning_nodig": "nee", "startdatum": "01-09-2027"},
    "toestemming": {"verklaring_juist": "true", "verklaring_gezag": "true"},
}


def parent_link(app_state: AppState, language: str = "nl") -> str:
    """A parent's resume address for the demo registration at De Linde, as the start link
    gives it (the draft belongs to the link's school)."""
    with app_state.db.session() as session:
        service = FormsService(session, app_state.registry, app_state.settings, app_state.files)
        start_link = service.link("demo-aanmelden-noord", "start")
        draft = service.start(start_link.form_id, language, start_link.organisation_id)
        _, token = service.create_link(
            start_link.form_id,
            "resume",
            language,
            draft=draft,
            organisation_id=start_link.organisation_id,
        )
    return f"/r/{token}"


def assert_no_staff_navigation(page: str) -> None:
    assert 'href="/"' not in page  # the staff's start page (it asks to log in)
    assert "/login" not in page and "/drafts/" not in page and "/privacy" not in page
    assert "Terug naar de formulieren" not in page and "Back to the forms" not in page


def test_the_parents_pages_name_their_school_and_show_no_staff_navigation(
    anonymous: Client, app_state: AppState
) -> None:
    resume = parent_link(app_state)
    for path in ("/pages/kind", "/check"):
        page = anonymous.get(resume + path).text
        assert f"U meldt uw kind aan bij {SCHOOL}" in page
        assert_no_staff_navigation(page)
    english = anonymous.get(f"{resume}/pages/kind?lang=en").text
    assert f"You are registering your child with {SCHOOL}" in english
    assert_no_staff_navigation(english)


def test_the_parents_confirmation_names_the_school_and_the_next_step(
    anonymous: Client, app_state: AppState
) -> None:
    resume = parent_link(app_state)
    anonymous.post(f"{resume}/pages/ouders", data={"action": "add_row:ouders"})
    fill_pages(anonymous, resume, AANMELDING)
    done = anonymous.post(f"{resume}/submit", data={"idempotency_key": "x"})
    assert done.status_code == 200 and done.url.path.endswith("/submission")
    page = done.text
    assert f"{SCHOOL} heeft uw aanmelding ontvangen" in page
    assert "De school neemt contact met u op" in page
    assert f'href="{resume}/submission.pdf"' in page and "Download uw exemplaar" in page
    assert_no_staff_navigation(page)
    english = anonymous.get(f"{resume}/submission?lang=en").text
    assert f"{SCHOOL} has received your registration" in english
    assert "The school will contact you" in english
    assert_no_staff_navigation(english)


def test_a_staff_member_still_sees_the_way_back_to_the_forms(client: Client) -> None:
    page = client.get(f"{start(client, 'overstapformulier-noord')}/pages/leerling").text
    assert 'href="/"' in page and "U meldt uw kind aan" not in page


# ---------------------------------------------------------------------- 7. who may start forms

NOT_AT_A_SCHOOL = [
    ("bestuur@noorderbasis.demo", "de scholen van uw bestuur"),
    ("swv@noord.demo", "de scholen in uw samenwerkingsverband"),
    ("privacy@regenboog.demo", 'href="/privacy"'),
    ("consultant@popo.demo", "geen toegang tot gegevens van leerlingen"),
    ("beheer@popo.demo", "geen toegang tot gegevens van leerlingen"),
]


@pytest.fixture
def as_user(app: Litestar, seeded: AppState) -> Iterator[Callable[[str], Client]]:
    """A fresh client logged in as the given demo account (with its demo password, whatever
    other tests did to it)."""
    with ExitStack() as stack:

        def make(email: str) -> Client:
            with seeded.db.session() as session:
                account = session.scalars(
                    select(UserAccount).where(UserAccount.email == email)
                ).one()
                account.password_hash = hash_password(DEMO_PASSWORD)
            test_client = stack.enter_context(TestClient(app, base_url="http://testserver.local"))
            with_csrf(test_client)
            log_in(test_client, email)
            return test_client

        yield make


@pytest.mark.parametrize(("email", "what_they_can_do"), NOT_AT_A_SCHOOL)
def test_a_role_that_cannot_start_forms_is_not_offered_them(
    as_user: Callable[[str], Client], email: str, what_they_can_do: str
) -> None:
    user = as_user(email)
    home = user.get("/").text
    assert 'action="/forms/' not in home  # no start buttons, no dossier uploads
    assert "Formulieren worden gestart door de medewerkers van een school" in home
    assert what_they_can_do in home
    refused = user.post("/forms/overstapformulier-noord/start", follow_redirects=False)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert "<h1>U kunt geen formulieren starten</h1>" in refused.text
    english = user.post("/forms/overstapformulier-noord/start?lang=en", follow_redirects=False)
    assert english.status_code == 403 and "<h1>You cannot start forms</h1>" in english.text
    upload = user.post(
        "/forms/onderwijskundig-rapport-noord/oso",
        files={"dossier": ("d.xml", b"<x/>", "application/xml")},
        follow_redirects=False,
    )
    # the language chosen last is remembered
    assert upload.status_code == 403 and "You cannot start forms" in upload.text


def test_school_staff_are_offered_the_forms(as_user: Callable[[str], Client]) -> None:
    for email in ("leerkracht@regenboog.demo", "directeur@linde.demo"):
        home = as_user(email).get("/").text
        assert 'action="/forms/overstapformulier-noord/start"' in home
        assert "Formulieren worden gestart door de medewerkers" not in home


# ---------------------------------------------------------------------- 8. switching a link off


def test_switching_a_link_off_asks_first_and_says_what_happens_to_the_answers(
    anonymous: Client, app_state: AppState
) -> None:
    resume = parent_link(app_state)
    anonymous.post(f"{resume}/pages/kind", data={"kind_achternaam": "Yilmaz"})
    form_page = anonymous.get(f"{resume}/pages/kind").text
    assert f'href="{resume}/revoke"' in form_page  # the first press opens a question
    for first_press in (anonymous.get(f"{resume}/revoke"), anonymous.post(f"{resume}/revoke")):
        assert first_press.status_code == 200
        question = first_press.text
        assert "<h1" in question and "Deze link uitzetten?" in question
        assert f"blijven bewaard bij {SCHOOL}" in question  # the answers so far
        assert "niet verstuurd" in question and "een nieuwe link" in question
        assert 'name="confirm" value="yes"' in question  # the button that switches it off
        assert f'href="{resume}/pages/kind"' in question or f'href="{resume}"' in question
        assert_no_staff_navigation(question)
        assert anonymous.get(f"{resume}/pages/kind").status_code == 200  # still works
    english = anonymous.get(f"{resume}/revoke?lang=en").text
    assert "Switch this link off?" in english and f"stay stored at {SCHOOL}" in english
    done = anonymous.post(f"{resume}/revoke?lang=nl", data={"confirm": "yes"})
    assert done.status_code == 200 and "U heeft deze link uitgezet" in done.text
    assert f"blijven bewaard bij {SCHOOL}" in done.text
    assert_no_staff_navigation(done.text)
    gone = anonymous.get(f"{resume}/pages/kind")
    assert gone.status_code == 410 and SCHOOL in gone.text  # the school to ask for a new link
    assert_no_staff_navigation(gone.text)
    assert anonymous.post(f"{resume}/revoke", data={"confirm": "yes"}).status_code == 410
    with app_state.db.session() as session:  # what the pages said: the answers are kept
        link = session.scalars(
            select(PublicLink).where(PublicLink.token_hash == token_hash(resume[3:]))
        ).one()
        draft = session.get(Draft, link.draft_id)
        assert draft is not None and draft.answers["kind_achternaam"] == "Yilmaz"
        assert draft.status == "open"

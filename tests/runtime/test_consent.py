"""The aanmeldcode and the parents' consent, as the two schools, the parents and an attacker
meet them, over HTTP with the real application and database: the code on screen and kept only
as a keyed hash; one answer for an unknown code, a wrong birth date and a right one; a bounded
loop of wrong codes stopped by limits that live in the database; expiry, renewal and
withdrawal of a code; consent per section, withdrawn with effect at once; consent on paper; and
the authorisation table of every consent route for the receiving school before and after
consent (and for everyone else)."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from pypdf import PdfReader
from sqlalchemy import delete, func, select

from runtime.app import create_app
from runtime.audit.models import AuditEvent
from runtime.consent import codes
from runtime.consent.models import CodeAttempt, ConsentRecord, ConsentRequest, RegistrationCode
from runtime.consent.routes import ENTRY_SECONDS
from runtime.consent.settings import ConsentSettings
from runtime.consent.wording import VERSIONS
from runtime.forms.models import Submission
from runtime.notifications.models import Notification
from runtime.outbox import OutboxMessage
from runtime.pupils.models import Guardian
from runtime.state import AppState
from runtime.transfers import parents
from runtime.transfers.models import Transfer

from .conftest import log_in, with_csrf
from .test_transfer_parents import make_link
from .test_transfers import linde, new_transfer, send_form_for  # noqa: F401 (linde: fixture)

Client = TestClient[Litestar]
BIRTH = "2018-04-03"  # new_transfer's pupil
CODE_ON_PAGE = re.compile(r'<p class="aanmeldcode" id="aanmeldcode-text">([^<]+)</p>')
WAITING = "Wacht op toestemming van de ouders"


@pytest.fixture(autouse=True)
def no_earlier_attempts(seeded: AppState) -> Iterator[None]:
    """Every test starts with no counted entries (the limits count the last hour)."""
    with seeded.db.session() as session:
        session.execute(delete(CodeAttempt))
    yield


@dataclasses.dataclass
class Advice:
    transfer_url: str
    submission_id: uuid.UUID
    draft_id: uuid.UUID
    pupil_id: uuid.UUID
    code: str  # as shown
    surname: str
    state: AppState
    mother: str  # the e-mail address of the guardian with gezag


def set_advice(client: Client, seeded: AppState) -> Advice:
    """De Regenboog starts a transfer to De Linde for a new pupil with two guardians (one
    with gezag), and sets the advice: the page shows the code."""
    url, data = new_transfer(client)
    draft = send_form_for(client, seeded, url, "adviesformulier-noord")
    tag = data["achternaam"].rsplit("-", 1)[-1]  # each test's family has addresses of its own
    with seeded.db.session() as session:
        submission = session.scalars(
            select(Submission).where(Submission.draft_id == draft.id)
        ).one()
        transfer = session.get(Transfer, uuid.UUID(url.split("/")[2]))
        assert transfer is not None and submission.pupil_id == transfer.pupil_id
        session.add_all(
            [
                Guardian(
                    pupil_id=transfer.pupil_id, position=1, naam="Anna de Vries",
                    relatie="moeder", gezag=True, email=f"anna.{tag}@example.org",
                ),
                Guardian(
                    pupil_id=transfer.pupil_id, position=2, naam="Bert Stiefvader",
                    relatie="anders", gezag=False, email=f"bert.{tag}@example.org",
                ),
            ]
        )  # fmt: skip
        ids = submission.id, submission.draft_id, transfer.pupil_id
    page = client.get(f"/drafts/{ids[1]}/submission")
    shown = CODE_ON_PAGE.search(page.text)
    assert shown, page.text[:3000]
    return Advice(
        url, ids[0], ids[1], ids[2], shown.group(1), data["achternaam"], seeded,
        f"anna.{tag}@example.org",
    )  # fmt: skip


def enter(school: Client, code: str, birth: str = BIRTH, note: str = "") -> Any:
    return school.post(
        "/consent",
        data={"code": code, "birth_date": birth, "note": note},
        follow_redirects=False,
    )


def request_id_of(response: Any) -> uuid.UUID:
    assert response.status_code == 303, response.text[:2000]
    return uuid.UUID(response.headers["location"].split("/")[2])


def mistyped(code: str) -> str:
    """The code with one character of its body changed: a typing error."""
    plain = code.replace("-", "")
    other = next(c for c in codes.ALPHABET if c != plain[5])
    return plain[:5] + other + plain[6:]


def another_valid_code(code: str) -> str:
    """A well-formed code (its check character adds up) that POPO never made."""
    while True:
        payload = codes.PREFIX + "".join(
            codes.ALPHABET[b % 32] for b in uuid.uuid4().bytes[: codes.BODY]
        )
        candidate = payload + codes.check_character(payload)
        if candidate != code.replace("-", ""):
            return candidate


# ---------------------------------------------------------------------- the code


def test_the_code_is_shown_and_on_a_letter_but_stored_only_as_a_keyed_hash(
    client: Client, seeded: AppState
) -> None:
    advice = set_advice(client, seeded)
    plain = advice.code.replace("-", "")
    assert len(plain) == 12 and plain[0] == "A" and codes.is_valid(plain)
    with seeded.db.session() as session:
        code = session.scalars(
            select(RegistrationCode).where(RegistrationCode.submission_id == advice.submission_id)
        ).one()
        key = ConsentSettings.of(seeded.settings).code_key
        assert code.lookup == codes.lookup(key, plain)
        assert code.lookup != hashlib.sha256(plain.encode()).hexdigest()  # keyed, not plain
        weeks = (code.expires_at - code.created_at).days / 7
        assert weeks == 6  # the default term
        submission = session.get(Submission, advice.submission_id)
        assert submission is not None and plain not in str(submission.answers)
        assert advice.code not in str(submission.answers)
    letter = client.get(f"/consent/codes/{code.id}/letter.pdf")
    assert letter.status_code == 200 and letter.content.startswith(b"%PDF")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(letter.content)).pages)
    assert advice.code in text and "Uw aanmeldcode" in text
    english = client.get(f"/consent/codes/{code.id}/letter.pdf?lang=en")
    assert "Your aanmeldcode" in PdfReader(io.BytesIO(english.content)).pages[0].extract_text()


def test_a_typing_error_is_caught_before_any_lookup_and_not_counted(
    linde: Client,  # noqa: F811
    client: Client,
    seeded: AppState,
) -> None:
    advice = set_advice(client, seeded)
    response = enter(linde, mistyped(advice.code))
    assert response.status_code == 400
    problem = response.text[response.text.index('id="consent-problem"') :]
    assert "typefout" in problem.split("</div>")[0]
    assert mistyped(advice.code) in response.text  # the entry is kept to correct it
    for wrong, says in (("A7K2-M9QX", "12 tekens"), ("U7K2-M9QX-4TRE", "zonder I, L, O en U")):
        answer = enter(linde, wrong)
        assert answer.status_code == 400 and says in answer.text
    assert enter(linde, advice.code, birth="").status_code == 400
    with seeded.db.session() as session:
        assert session.scalar(select(func.count(CodeAttempt.id))) == 0


def test_lower_case_spaces_and_look_alikes_are_read_as_the_code(
    linde: Client,  # noqa: F811
    client: Client,
    seeded: AppState,
) -> None:
    advice = set_advice(client, seeded)
    typed = " ".join(advice.code.replace("-", "").lower()).replace("0", "o").replace("1", "l")
    asked = request_id_of(enter(linde, typed))
    with seeded.db.session() as session:
        made = session.get(ConsentRequest, asked)
        assert made is not None and made.pupil_id == advice.pupil_id


def test_unknown_code_wrong_birth_date_and_no_consent_yet_look_and_take_the_same(
    linde: Client,  # noqa: F811
    client: Client,
    seeded: AppState,
) -> None:
    advice = set_advice(client, seeded)
    with seeded.db.session() as session:
        pass
    since = datetime.now(UTC) - timedelta(seconds=1)
    pages, times = {}, {}
    for case, (code, birth) in {
        "unknown": (another_valid_code(advice.code), BIRTH),
        "wrong birth date": (advice.code, "2018-04-04"),
        "right": (advice.code, BIRTH),
    }.items():
        started = time.monotonic()
        response = enter(linde, code, birth)
        times[case] = time.monotonic() - started
        asked = request_id_of(response)
        page = linde.get(f"/consent/{asked}").text
        # what differs is the request's own reference and time
        pages[case] = re.sub(
            r"TV-\d{4}-[A-Z0-9]{6}|[0-9a-f]{8}-[0-9a-f-]{27}|\d{1,2} \w+ \d{4}( om)? \d{2}:\d{2}",
            "",
            page,
        )
        assert WAITING in page
        assert advice.surname not in page and "Sanne" not in page and "2018" not in page
    assert pages["unknown"] == pages["wrong birth date"] == pages["right"]
    assert all(t >= ENTRY_SECONDS for t in times.values()), times
    assert max(times.values()) - min(times.values()) < 0.25, times
    with seeded.db.session() as session:
        # only the right entry reached the parents: one mail, to the guardian with gezag
        mails = session.scalars(
            select(OutboxMessage).where(OutboxMessage.created_at >= since)
        ).all()
        asked_mails = [m for m in mails if "vraagt uw toestemming" in m.subject]
        assert [m.recipient for m in asked_mails if m.recipient == advice.mother] == [
            advice.mother
        ]  # once, to the guardian with gezag; not to the one without
        assert not [m for m in asked_mails if m.recipient == advice.mother.replace("anna", "bert")]
        assert advice.surname not in asked_mails[0].body and "/p/" not in asked_mails[0].body
    listing = linde.get("/consent").text
    assert listing.count(WAITING) >= 3


# ---------------------------------------------------------------------- limits


def limited_app(seeded: AppState, **limits: int) -> Litestar:
    changed = seeded.settings.replace(**limits)
    # its own PDF workers: stopping this application must not stop the session's
    return create_app(changed, dataclasses.replace(seeded, settings=changed, pdf_pool=None))


def test_a_bounded_loop_of_wrong_codes_is_stopped_and_the_platform_is_told(
    seeded: AppState,
) -> None:
    app = limited_app(seeded, code_attempts_per_user=5)
    with seeded.db.session() as session:
        session.execute(delete(Notification).where(Notification.event == "consent_code_burst"))
    with TestClient(app, base_url="http://testserver.local") as school:
        with_csrf(school)
        log_in(school, "directeur@linde.demo")
        answers = [enter(school, another_valid_code("")).status_code for _ in range(40)]
    assert answers[:5] == [303] * 5
    assert set(answers[5:]) == {429}  # stopped, and stays stopped
    with TestClient(app, base_url="http://testserver.local") as school:
        with_csrf(school)
        log_in(school, "directeur@linde.demo")
        page = enter(school, another_valid_code(""))
        assert page.status_code == 429 and "Probeer het over een uur opnieuw" in page.text
        assert "Traceback" not in page.text
    with seeded.db.session() as session:
        assert session.scalar(select(func.count(ConsentRequest.id)).where(
            ConsentRequest.requested_at >= datetime.now(UTC) - timedelta(minutes=5),
            ConsentRequest.code_id.is_(None),
        )) >= 5  # fmt: skip
        told = session.scalars(
            select(Notification).where(Notification.event == "consent_code_burst")
        ).all()
        assert len(told) == 1  # once an hour, not once per refusal
        assert told[0].facts["school"] == "Basisschool De Linde (demo)"


def test_the_limits_hold_across_processes_because_they_live_in_the_database(
    seeded: AppState,
) -> None:
    limits = {"code_attempts_per_school": 4, "code_attempts_per_user": 100}
    first, second = limited_app(seeded, **limits), limited_app(seeded, **limits)
    statuses = []
    for app in (first, second, first, second, first, second):  # two workers, in turn
        with TestClient(app, base_url="http://testserver.local") as school:
            with_csrf(school)
            log_in(school, "directeur@linde.demo")
            statuses.append(enter(school, another_valid_code("")).status_code)
    assert statuses == [303, 303, 303, 303, 429, 429]


def test_ten_wrong_birth_dates_stop_the_code_and_the_school_renews_it(
    linde: Client,  # noqa: F811
    client: Client,
    seeded: AppState,
) -> None:
    advice = set_advice(client, seeded)
    for day in range(1, 11):
        request_id_of(enter(linde, advice.code, f"2017-01-{day:02d}"))
    # now even the right birth date leads nowhere, and the school is not told why
    asked = request_id_of(enter(linde, advice.code))
    assert WAITING in linde.get(f"/consent/{asked}").text
    with seeded.db.session() as session:
        made = session.get(ConsentRequest, asked)
        assert made is not None and made.code_id is None and made.pupil_id is None
    panel = client.get(f"/drafts/{advice.draft_id}/submission").text
    assert "Gestopt na te veel verkeerde geboortedata" in panel
    assert CODE_ON_PAGE.search(panel) is None
    with seeded.db.session() as session:
        code_id = session.scalars(
            select(RegistrationCode.id).where(
                RegistrationCode.submission_id == advice.submission_id
            )
        ).one()
    assert client.post(f"/consent/codes/{code_id}/renew").status_code == 200
    fresh = CODE_ON_PAGE.search(client.get(f"/drafts/{advice.draft_id}/submission").text)
    assert fresh and fresh.group(1) != advice.code
    with seeded.db.session() as session:
        made = session.get(ConsentRequest, request_id_of(enter(linde, fresh.group(1))))
        assert made is not None and made.pupil_id == advice.pupil_id


# ---------------------------------------------------------------------- expiry and withdrawal


def test_an_expired_or_withdrawn_code_leads_nowhere(
    linde: Client,  # noqa: F811
    client: Client,
    seeded: AppState,
) -> None:
    advice = set_advice(client, seeded)
    with seeded.db.session() as session:
        code = session.scalars(
            select(RegistrationCode).where(RegistrationCode.submission_id == advice.submission_id)
        ).one()
        code.expires_at = datetime.now(UTC) - timedelta(minutes=1)
        code_id = code.id
    with seeded.db.session() as session:
        made = session.get(ConsentRequest, request_id_of(enter(linde, advice.code)))
        assert made is not None and made.code_id is None
    assert "Verlopen" in client.get(f"/drafts/{advice.draft_id}/submission").text
    assert client.get(f"/consent/codes/{code_id}/letter.pdf").status_code == 404
    client.post(f"/consent/codes/{code_id}/renew")
    renewed = CODE_ON_PAGE.search(client.get(f"/drafts/{advice.draft_id}/submission").text)
    assert renewed
    with seeded.db.session() as session:
        fresh_id = session.scalars(
            select(RegistrationCode.id).where(
                RegistrationCode.submission_id == advice.submission_id,
                RegistrationCode.withdrawn_at.is_(None),
                RegistrationCode.id != code_id,
            )
        ).one()
    question = client.get(f"/consent/codes/{fresh_id}/withdraw")
    assert question.status_code == 200 and "werkt meteen niet meer" in question.text
    client.post(f"/consent/codes/{fresh_id}/withdraw")
    assert "Ingetrokken door de school" in client.get(f"/drafts/{advice.draft_id}/submission").text
    with seeded.db.session() as session:
        made = session.get(ConsentRequest, request_id_of(enter(linde, renewed.group(1))))
        assert made is not None and made.code_id is None


# ---------------------------------------------------------------------- consent


def parents_link(client: Client, advice: Advice, gezag: bool = True) -> str:
    """The link of a guardian (with gezag, or the one without): what POPO mails to them, made
    here without the mail (mailing a link is tested in test_transfer_parents)."""
    with advice.state.db.session() as session:
        transfer = session.get(Transfer, uuid.UUID(advice.transfer_url.split("/")[2]))
        guardian = session.scalars(
            select(Guardian).where(Guardian.pupil_id == advice.pupil_id, Guardian.gezag == gezag)
        ).one()
        assert transfer is not None
        _, token = parents.create_link(
            session, transfer, language="nl", guardian_id=guardian.id, created_by=None
        )
    return f"/p/{token}"


def handed_over_link(client: Client, advice: Advice) -> str:
    """A link the school shows once to hand over: POPO does not know who holds it."""
    return make_link(client, advice.transfer_url)


def sections_offered(page: str, request_id: uuid.UUID) -> list[str]:
    block = page[page.index(f'id="consent-{request_id}"') :]
    return re.findall(r'name="section" value="([^"]+)"', block.split("</form>")[0])


@pytest.fixture
def parent(app: Litestar) -> Iterator[Client]:
    with TestClient(app, base_url="http://testserver.local") as device:
        with_csrf(device)
        yield device


def test_parents_consent_to_sections_and_withdraw_with_effect_at_once(
    linde: Client,  # noqa: F811
    client: Client,
    parent: Client,
    seeded: AppState,
) -> None:
    advice = set_advice(client, seeded)
    link = parents_link(client, advice)
    asked = request_id_of(enter(linde, advice.code, note="Sanne, groep 5"))
    page = parent.get(link).text
    assert advice.code in page  # the parents see their code too
    assert "Basisschool De Linde (demo) vraagt om gegevens van uw kind te mogen zien" in page
    assert "Om de aanmelding van uw kind te behandelen" in page.replace("Waarom: om", "Om")
    offered = sections_offered(page, asked)
    assert len(offered) >= 3
    submission_id = str(advice.submission_id)
    chosen = [s for s in offered if s.endswith(":advies_sectie")]
    assert chosen, offered
    with seeded.db.session() as session:
        anna = session.scalars(
            select(Guardian).where(Guardian.pupil_id == advice.pupil_id, Guardian.gezag)
        ).one()
    # only a guardian with gezag decides, on a link of their own
    for other in (parents_link(client, advice, gezag=False), handed_over_link(client, advice)):
        page = parent.get(other).text
        assert advice.code not in page and "vraagt om gegevens" not in page
        assert "met de link die POPO persoonlijk" in page
        refused = parent.post(
            f"{other}/consent/{asked}", data={"action": "give", "section": chosen}
        )
        assert refused.status_code == 400 and "met de link die POPO persoonlijk" in refused.text
        assert parent.get(f"{other}/consent/{asked}/withdraw").status_code == 403
    given = parent.post(
        f"{link}/consent/{asked}",
        data={"action": "give", "section": [*chosen, "x:forged", f"{submission_id}:nope"]},
        follow_redirects=False,
    )
    assert given.status_code == 303
    with seeded.db.session() as session:
        record = session.scalars(
            select(ConsentRecord).where(ConsentRecord.request_id == asked)
        ).one()
        assert record.decision == "given" and record.channel == "link"
        assert record.scope == {submission_id: ["advies_sectie"]}  # the forged ones dropped
        assert record.guardian_id == anna.id and record.gezag and record.guardian_name
        assert record.wording_version == "2026-12" and record.access_id is not None
        assert "Basisschool De Linde (demo)" in record.wording_text
    school_page = linde.get(f"/consent/{asked}").text
    assert "De ouders gaven toestemming" in school_page
    form = linde.get(f"/consent/{asked}/forms/{submission_id}")
    assert form.status_code == 200
    assert "Wat adviseert de school?" in form.text  # the consented section
    assert "Is contact met de huidige school nodig" not in form.text  # not consented
    assert "Achternaam" not in form.text and advice.surname not in form.text
    # the archive shows every section: not for a consent to some
    assert linde.get(f"/consent/{asked}/forms/{submission_id}/archive.pdf").status_code == 404
    with seeded.db.session() as session:
        seen = session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.purpose == "see data with the parents' consent: adviesformulier-noord"
            )
            .order_by(AuditEvent.id)
        ).all()
        assert seen and seen[-1].object_id == str(advice.draft_id)
    # withdrawn: at once
    question = parent.get(f"{link}/consent/{asked}/withdraw")
    assert question.status_code == 200 and "Uw toestemming intrekken?" in question.text
    done = parent.post(f"{link}/consent/{asked}/withdraw", follow_redirects=False)
    assert done.status_code == 303
    gone = linde.get(f"/consent/{asked}/forms/{submission_id}")
    assert gone.status_code == 404 and advice.surname not in gone.text
    assert f'href="/consent/{asked}"' in gone.text  # the way back to the request
    assert "De ouders hebben hun toestemming op" in linde.get(f"/consent/{asked}").text
    with seeded.db.session() as session:
        decisions = session.scalars(
            select(ConsentRecord.decision)
            .where(ConsentRecord.request_id == asked)
            .order_by(ConsentRecord.id)
        ).all()
        assert decisions == ["given", "withdrawn"]  # nothing overwritten
    # and given again, for everything this time
    parent.post(f"{link}/consent/{asked}", data={"action": "give", "section": offered})
    assert linde.get(f"/consent/{asked}/forms/{submission_id}").status_code == 200


def test_the_wording_of_each_version_never_changes() -> None:
    digests = {
        version: hashlib.sha256(repr(sorted(w.texts.items())).encode()).hexdigest()[:16]
        for version, w in VERSIONS.items()
    }
    assert digests["2026-12"] == WORDING_2026_12


HOSTILE = b"<html><script>alert(1)</script></html>"  # a page, named .pdf
WORDING_2026_12 = "ad3ad05dc147e866"  # a new wording is a new version, never an edit


def test_a_consent_on_paper_is_recorded_with_its_scan_and_who_recorded_it(
    linde: Client,  # noqa: F811
    client: Client,
    seeded: AppState,
) -> None:
    advice = set_advice(client, seeded)
    asked = request_id_of(enter(linde, advice.code))
    with seeded.db.session() as session:
        anna = session.scalars(
            select(Guardian).where(Guardian.pupil_id == advice.pupil_id, Guardian.gezag)
        ).one()
    panel = client.get(f"/drafts/{advice.draft_id}/submission").text
    assert "Basisschool De Linde (demo)" in panel and WAITING in panel
    section = f"{advice.submission_id}:advies_sectie"
    fields = {"decision": "given", "guardian": str(anna.id), "section": section}
    hostile = client.post(
        f"/consent/requests/{asked}/paper",
        data=fields,
        files={"paper": ("toestemming.pdf", HOSTILE, "application/pdf")},
    )
    assert hostile.status_code == 400 and "PDF-, JPEG- of PNG-bestand" in hostile.text
    scan = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    # only the sending school records it: the receiving school cannot grant itself access
    assert linde.post(
        f"/consent/requests/{asked}/paper", data=fields,
        files={"paper": ("t.pdf", scan, "application/pdf")},
    ).status_code == 404  # fmt: skip
    recorded = client.post(
        f"/consent/requests/{asked}/paper",
        data=fields,
        files={"paper": ("toestemming.pdf", scan, "application/pdf")},
        follow_redirects=False,
    )
    assert recorded.status_code == 303, recorded.text[-3000:]
    with seeded.db.session() as session:
        record = session.scalars(
            select(ConsentRecord).where(ConsentRecord.request_id == asked)
        ).one()
        assert record.channel == "paper" and record.recorded_by_name
        assert record.paper_media_type == "application/pdf" and record.guardian_id == anna.id
        record_id = record.id
    assert client.get(f"/consent/records/{record_id}/paper").content == scan
    assert linde.get(f"/consent/records/{record_id}/paper").status_code == 404
    assert linde.get(f"/consent/{asked}/forms/{advice.submission_id}").status_code == 200


# ---------------------------------------------------------------------- the authorisation table

PEOPLE = (
    "ib@regenboog.demo",  # the sending school
    "directeur@linde.demo",  # the receiving school that asked
    "ib@kompas.demo",  # a school elsewhere
    "bestuur@noorderbasis.demo",  # the receiving school's board
    "swv@noord.demo",
    "privacy@regenboog.demo",
    "beheer@popo.demo",
)
SENDER, ASKER = PEOPLE[0], PEOPLE[1]


def test_no_route_shows_the_pupil_before_consent_and_only_the_consent_after(
    app: Litestar,
    client: Client,
    linde: Client,  # noqa: F811
    parent: Client,
    seeded: AppState,
) -> None:
    advice = set_advice(client, seeded)
    link = parents_link(client, advice)
    asked = request_id_of(enter(linde, advice.code))
    with seeded.db.session() as session:
        code_id = session.scalars(
            select(RegistrationCode.id).where(
                RegistrationCode.submission_id == advice.submission_id
            )
        ).one()
    form = f"/consent/{asked}/forms/{advice.submission_id}"
    routes = {
        "request": f"/consent/{asked}",
        "form": form,
        "archive": f"{form}/archive.pdf",
        "letter": f"/consent/codes/{code_id}/letter.pdf",
        "withdraw question": f"/consent/codes/{code_id}/withdraw",
        "draft": f"/drafts/{advice.draft_id}/submission",
        "transfer": advice.transfer_url,
    }
    # (route, person): status before consent, status after
    expected: dict[tuple[str, str], tuple[int, int]] = {}
    for person in PEOPLE:
        for route in routes:
            expected[(route, person)] = (404, 404)
    expected[("request", ASKER)] = (200, 200)
    expected[("form", ASKER)] = (404, 200)
    expected[("archive", ASKER)] = (404, 200)
    expected[("transfer", ASKER)] = (200, 200)  # the transfer's receiving school
    for route in ("letter", "withdraw question", "draft", "transfer"):
        expected[(route, SENDER)] = (200, 200)
    for person in ("bestuur@noorderbasis.demo", "swv@noord.demo", "privacy@regenboog.demo"):
        expected[("letter", person)] = (200, 200)  # reading roles of the sender's school
        expected[("withdraw question", person)] = (403, 403)
        expected[("draft", person)] = (200, 200)
    expected[("transfer", "bestuur@noorderbasis.demo")] = (200, 200)
    expected[("transfer", "swv@noord.demo")] = (200, 200)
    expected[("transfer", "privacy@regenboog.demo")] = (200, 200)

    def observe(moment: int) -> None:
        for person in PEOPLE:
            with TestClient(app, base_url="http://testserver.local") as someone:
                with_csrf(someone)
                log_in(someone, person)
                for route, path in routes.items():
                    status = someone.get(path, follow_redirects=False).status_code
                    if status == 303:  # a platform role has no such page
                        status = 404
                    want = expected[(route, person)][moment]
                    assert status == want, f"{route} as {person}: {status}, not {want}"

    observe(0)
    offered = sections_offered(parent.get(link).text, asked)
    with seeded.db.session() as session:
        anna = session.scalars(
            select(Guardian.id).where(Guardian.pupil_id == advice.pupil_id, Guardian.gezag)
        ).one()
    parent.post(f"{link}/consent/{asked}", data={"action": "give", "section": offered})
    with seeded.db.session() as session:
        submission = session.get(Submission, advice.submission_id)
        archived = submission is not None and submission.pdf_sha256 is not None
    if not archived:  # the PDF job has not run yet: there is no archive to give
        expected[("archive", ASKER)] = (404, 404)
    observe(1)
    # a link of another child's parents reaches none of it
    other = set_advice(client, seeded)
    other_link = parents_link(client, other)
    refusal = {"action": "refuse", "guardian": anna}
    assert parent.post(f"{other_link}/consent/{asked}", data=refusal).status_code == 404
    assert parent.get(f"{other_link}/consent/{asked}/withdraw").status_code == 404
    assert parent.get(f"{other_link}/consent/codes/{code_id}/letter.pdf").status_code == 404

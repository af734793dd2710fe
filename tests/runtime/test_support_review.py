"""1Loket as an attacker and a careless user meet it, over HTTP with the real application and
database: a support request is never offered through the consent flow, the SWV and the board
see nothing of a request still being prepared, a parent who lost gezag decides nothing, the
purge and a refused dossier leave no file behind, absurd years and a step without its page's
version are refused. The ``test_guard_…`` tests guard every path to a withheld report, a
link's reach, two tabs granting at once, each side's own steps, hostile dossiers, shared files
in the purge and the escaping of free text."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from runtime.forms.models import Attachment, Draft, Submission
from runtime.pupils.models import Guardian
from runtime.state import AppState
from runtime.support import retention
from runtime.support.models import SupportParentsRecord, SupportRequest

from .conftest import DATABASE_URL
from .test_consent import enter, parents_link, request_id_of, sections_offered, set_advice
from .test_support import (
    PAO,
    Pupil,
    a_pupil_with_an_okr,
    fill_and_send,
    logged_in,
    mailed_link,
    start_request,
    submitted,
    version,
)

Client = TestClient[Litestar]

# The module's paths are the application's, the same on both databases (tests/runtime/
# test_support.py runs the whole flow on PostgreSQL too); only the race of two tabs granting at
# once depends on the database's locks, and runs on both.
SQLITE_ONLY = pytest.mark.skipif(
    DATABASE_URL is not None, reason="the same on PostgreSQL; test_support runs there"
)


@pytest.fixture
def swv(app: Litestar, seeded: AppState) -> Iterator[Client]:
    yield from logged_in(app, "swv@noord.demo")


def reports_of(seeded: AppState, request_id: uuid.UUID) -> dict[str, uuid.UUID]:
    """The request's attachments by the start of their file name (psychologisch, didactisch)."""
    with seeded.db.session() as session:
        row = session.get(SupportRequest, request_id)
        assert row is not None
        found = session.scalars(select(Attachment).where(Attachment.draft_id == row.draft_id))
        return {a.filename.split(".")[0]: a.id for a in found}


def in_treatment(swv: Client, url: str) -> str:
    """SWV Noord declares the submitted request complete and plans it: the page to grant on."""
    for step, extra in (
        ("compleet_verklaren", {"on": date.today().isoformat()}),
        ("inplannen", {"meeting_on": date.today().isoformat()}),
    ):
        page = swv.get(url).text
        done = swv.post(f"{url}/steps/{step}", data={"version": version(page), **extra})
        assert done.status_code == 200, done.text[:2000]
    return swv.get(url).text


# ---------------------------------------------------------------------- who reaches what


@SQLITE_ONLY
def test_the_swv_does_not_see_a_request_before_the_school_submits_it(
    client: Client, swv: Client, seeded: AppState
) -> None:
    """A request the school is still preparing (its form sent, the parents not asked yet) is
    the school's: the SWV sees it from the submission on (docs/support.md, step 5). Its page
    and its reports are a 404 for the SWV, like on the SWV's list."""
    pupil = a_pupil_with_an_okr(client, seeded)
    request_id = fill_and_send(client, seeded, start_request(client, pupil))
    url = f"/support/{request_id}"
    assert pupil.surname not in swv.get("/support").text  # the desk: right
    didactic = reports_of(seeded, request_id)["didactisch"]
    page = swv.get(url)
    assert page.status_code == 404 and pupil.surname not in page.text
    assert swv.get(f"{url}/reports/{didactic}").status_code == 404


@SQLITE_ONLY
def test_the_bestuur_does_not_see_a_request_its_school_is_still_preparing(
    client: Client, app: Litestar, seeded: AppState
) -> None:
    """The bestuur sees its schools' requests "as the SWV does" (docs/support.md, who sees
    what): not one that is still a concept of the school, neither on its list nor its page."""
    pupil = a_pupil_with_an_okr(client, seeded)
    request_id = fill_and_send(client, seeded, start_request(client, pupil))
    for bestuur in logged_in(app, "bestuur@noorderbasis.demo"):
        assert pupil.surname not in bestuur.get("/support?state=open").text
        assert bestuur.get(f"/support/{request_id}").status_code == 404


@SQLITE_ONLY
def test_guard_no_other_reader_gets_a_withheld_report_by_any_path(
    client: Client, swv: Client, anonymous: Client, app: Litestar, seeded: AppState
) -> None:
    """Passing guard: a psychological report the parents withheld is downloaded by the
    school's own staff only; the SWV, the bestuur, the privacy officer, another school and
    another region get a 404 on the request's report, the draft's file, the draft's pages, the
    archived PDF and the OSO export."""
    request_id, _ = submitted(client, anonymous, seeded)
    reports = reports_of(seeded, request_id)
    psych = reports["psychologisch"]
    with seeded.db.session() as session:
        row = session.get(SupportRequest, request_id)
        assert row is not None
        draft_id = row.draft_id
    paths = [
        f"/support/{request_id}/reports/{psych}",
        f"/drafts/{draft_id}/files/{psych}",
        f"/drafts/{draft_id}",
        f"/drafts/{draft_id}/submission",
        f"/drafts/{draft_id}/submission.pdf",
        f"/drafts/{draft_id}/submission.oso.xml",
        f"/drafts/{draft_id}/check",
    ]
    for path in paths:
        assert swv.get(path).status_code == 404, path
    for email in (
        "bestuur@noorderbasis.demo",
        "privacy@regenboog.demo",
        "directeur@linde.demo",
        "ib@kompas.demo",
        "directeur@sprong.demo",
    ):
        for other in logged_in(app, email):
            for path in paths:
                assert other.get(path).status_code == 404, (email, path)
    assert client.get(f"/support/{request_id}/reports/{psych}").status_code == 200
    assert client.get(f"/drafts/{draft_id}/files/{psych}").status_code == 200


@SQLITE_ONLY
def test_the_consent_offer_holds_no_part_of_a_support_request(
    client: Client, app: Litestar, anonymous: Client, seeded: AppState
) -> None:
    """The request (its form, its reports) stays with the pupil's school and the SWV
    (docs/support.md). When De Linde asks the parents for consent with the aanmeldcode, the
    forms offered to share are the advice and the school's other forms: never the support
    request's, which holds diagnoses and the reports the parents withheld from the SWV."""
    advice = set_advice(client, seeded)
    pupil = Pupil(advice.pupil_id, advice.surname, advice.transfer_url, advice.mother)
    request_id = fill_and_send(client, seeded, start_request(client, pupil))
    with seeded.db.session() as session:
        row = session.get(SupportRequest, request_id)
        assert row is not None and row.submission_id is not None
        support_submission = str(row.submission_id)
    for linde in logged_in(app, "directeur@linde.demo"):
        asked = request_id_of(enter(linde, advice.code))
        link = parents_link(client, advice)
        offered = sections_offered(anonymous.get(link).text, asked)
        assert offered  # the advice is offered
        assert not [s for s in offered if s.startswith(support_submission)], offered


# ---------------------------------------------------------------------- the parents' links


@SQLITE_ONLY
def test_a_guardian_who_lost_gezag_no_longer_decides_on_the_reports(
    client: Client, anonymous: Client, seeded: AppState
) -> None:
    """Only a parent with gezag reads the request and decides on its reports. A link mailed
    to a guardian who has since lost gezag (the pupil's data changed) works no more: it shows
    nothing of the request and records no decision."""
    pupil = a_pupil_with_an_okr(client, seeded)
    request_id = fill_and_send(client, seeded, start_request(client, pupil))
    assert client.post(f"/support/{request_id}/parents").status_code == 200
    link = mailed_link(seeded, pupil.mother)
    psych = reports_of(seeded, request_id)["psychologisch"]
    with seeded.db.session() as session:
        guardian = session.scalars(
            select(Guardian).where(Guardian.pupil_id == pupil.id, Guardian.email == pupil.mother)
        ).one()
        guardian.gezag = False
    page = anonymous.get(link)
    assert page.status_code in (404, 410) and pupil.surname not in page.text
    anonymous.post(f"{link}/reports", data={f"report_{psych}": "shared"})
    with seeded.db.session() as session:
        decided = session.scalars(
            select(SupportParentsRecord).where(SupportParentsRecord.request_id == request_id)
        ).all()
        assert decided == []


@SQLITE_ONLY
def test_guard_a_link_decides_only_on_its_own_request_and_needs_the_csrf_token(
    client: Client, anonymous: Client, app: Litestar, seeded: AppState
) -> None:
    """Passing guard: the link of request A posted with request B's report changes nothing of
    B (A has nothing to decide: 400); a post without the anti-forgery token is refused; an
    earlier link stops working once a new one is mailed (410, a Dutch page)."""
    a = a_pupil_with_an_okr(client, seeded)
    a_id = fill_and_send(client, seeded, start_request(client, a))
    b = a_pupil_with_an_okr(client, seeded)
    b_id = fill_and_send(client, seeded, start_request(client, b))
    assert client.post(f"/support/{a_id}/parents").status_code == 200
    link_a = mailed_link(seeded, a.mother)
    b_psych = reports_of(seeded, b_id)["psychologisch"]
    assert (
        anonymous.post(f"{link_a}/reports", data={f"report_{b_psych}": "shared"}).status_code == 400
    )
    with seeded.db.session() as session:
        assert not session.scalars(
            select(SupportParentsRecord).where(SupportParentsRecord.request_id == b_id)
        ).all()
    with TestClient(app, base_url="http://testserver.local") as bare:  # no CSRF token
        assert bare.post(f"{link_a}/seen", data={"seen": "yes"}).status_code == 403
    assert client.post(f"/support/{a_id}/parents").status_code == 200  # a new mail
    old = anonymous.get(link_a)
    assert old.status_code == 410 and "Deze link werkt niet meer" in old.text


# ---------------------------------------------------------------------- stale pages, double posts


@SQLITE_ONLY
def test_a_step_posted_without_the_version_is_refused_as_out_of_date(
    client: Client, swv: Client, anonymous: Client, seeded: AppState
) -> None:
    """Every step form carries the version its page showed, and a step is taken only from
    the version it saw. A post without it (an old bookmarklet, a script, a form of an older
    page) must not skip that check: refused like a stale page, nothing changed."""
    request_id, _ = submitted(client, anonymous, seeded)
    url = f"/support/{request_id}"
    done = swv.post(f"{url}/steps/compleet_verklaren", data={"on": date.today().isoformat()})
    assert done.status_code in (400, 409), done.status_code
    with seeded.db.session() as session:
        row = session.get(SupportRequest, request_id)
        assert row is not None and row.status == "ingediend"


def test_guard_two_tabs_granting_at_once_give_one_decision_and_one_number(
    client: Client, swv: Client, anonymous: Client, seeded: AppState
) -> None:
    """Passing guard: two tabs of the SWV on the same page both grant: the first is taken
    with one number, the second is refused as out of date (409, Dutch), no second number."""
    request_id, _ = submitted(client, anonymous, seeded)
    url = f"/support/{request_id}"
    page = in_treatment(swv, url)
    start, end = date.today() + timedelta(days=7), date.today() + timedelta(days=100)
    grant = {
        "version": version(page), "content": "Ambulante begeleiding", "scope": "2 uur per week",
        "starts_on": start.isoformat(), "ends_on": end.isoformat(),
    }  # fmt: skip
    assert swv.post(f"{url}/steps/toekennen", data=grant).status_code == 200
    with seeded.db.session() as session:
        row = session.get(SupportRequest, request_id)
        assert row is not None
        number = row.decision_number
    again = swv.post(f"{url}/steps/toekennen", data=grant)
    assert again.status_code == 409 and "intussen gewijzigd" in again.text
    with seeded.db.session() as session:
        row = session.get(SupportRequest, request_id)
        assert row is not None and row.decision_number == number


@SQLITE_ONLY
def test_guard_each_side_takes_only_its_own_steps(
    client: Client, swv: Client, anonymous: Client, app: Litestar, seeded: AppState
) -> None:
    """Passing guard: the school cannot grant (403), the SWV cannot withdraw for the school
    (403), the bestuur and the privacy officer change nothing (403); an unknown step is a
    clear 400; the status stays."""
    request_id, _ = submitted(client, anonymous, seeded)
    url = f"/support/{request_id}"
    page = in_treatment(swv, url)
    v = version(page)
    start, end = date.today(), date.today() + timedelta(days=100)
    grant = {
        "version": v,
        "content": "x",
        "scope": "y",
        "starts_on": str(start),
        "ends_on": str(end),
    }
    assert client.post(f"{url}/steps/toekennen", data=grant).status_code == 403
    assert swv.post(f"{url}/steps/intrekken", data={"version": v}).status_code == 403
    unknown = swv.post(f"{url}/steps/{'x' * 500}", data={"version": v})
    assert unknown.status_code == 400 and "bestaat niet" in unknown.text
    for email in ("bestuur@noorderbasis.demo", "privacy@regenboog.demo"):
        for other in logged_in(app, email):
            assert other.post(f"{url}/steps/toekennen", data=grant).status_code in (403, 404)
    with seeded.db.session() as session:
        row = session.get(SupportRequest, request_id)
        assert row is not None and row.status == "in_behandeling"


# ---------------------------------------------------------------------- bad input


@SQLITE_ONLY
def test_a_grant_in_the_year_9999_is_a_clear_refusal_not_a_server_error(
    client: Client, swv: Client, anonymous: Client, seeded: AppState
) -> None:
    """A start date in the year 9999 (a typing error, or a page's date field filled by
    hand) is refused with a Dutch message on the request's page, nothing changed: never a 500
    (the check "at most four years" adds four years to the start date)."""
    request_id, _ = submitted(client, anonymous, seeded)
    url = f"/support/{request_id}"
    page = in_treatment(swv, url)
    refused = swv.post(
        f"{url}/steps/toekennen",
        data={
            "version": version(page), "content": "Ambulante begeleiding", "scope": "2 uur",
            "starts_on": "9999-06-01", "ends_on": "9999-12-31",
        },
    )  # fmt: skip
    assert refused.status_code == 400, refused.status_code
    assert "Traceback" not in refused.text


@SQLITE_ONLY
def test_a_loketoverleg_in_the_year_9999_is_refused(
    client: Client, swv: Client, anonymous: Client, seeded: AppState
) -> None:
    """A loketoverleg in the year 9999 is a typing error: refused with a message, not
    recorded (it would stand on the request's page and timeline, and the school is told)."""
    request_id, _ = submitted(client, anonymous, seeded)
    url = f"/support/{request_id}"
    page = swv.get(url).text
    swv.post(
        f"{url}/steps/compleet_verklaren",
        data={"version": version(page), "on": date.today().isoformat()},
    )
    page = swv.get(url).text
    meeting = swv.post(
        f"{url}/steps/inplannen", data={"version": version(page), "meeting_on": "9999-12-31"}
    )
    assert meeting.status_code == 400, "a loketoverleg in the year 9999 was planned"


@SQLITE_ONLY
def test_an_arrangement_from_the_year_1_is_refused(
    client: Client, swv: Client, anonymous: Client, seeded: AppState
) -> None:
    """An arrangement granted from 0001-01-01 to 0001-12-31 is a typing error: refused with a
    message, not recorded (it would stand on the decision with its number, and for a TLV on
    the SBO or SO school's transfer)."""
    request_id, _ = submitted(client, anonymous, seeded)
    url = f"/support/{request_id}"
    page = in_treatment(swv, url)
    granted = swv.post(
        f"{url}/steps/toekennen",
        data={
            "version": version(page), "content": "Begeleiding", "scope": "2 uur",
            "starts_on": "0001-01-01", "ends_on": "0001-12-31",
        },
    )  # fmt: skip
    assert granted.status_code == 400, "an arrangement from 0001-01-01 was granted"


@SQLITE_ONLY
def test_guard_a_hostile_or_broken_dossier_is_a_clear_dutch_page(
    client: Client, seeded: AppState
) -> None:
    """Passing guard: at /support/new a file that is not XML, an XXE dossier and a billion
    laughs dossier are each refused with a Dutch message (400), and no request is made."""
    pupil = a_pupil_with_an_okr(client, seeded)
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "lol">'
        + b"".join(
            f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(9)
        )
        + b"]><l>&j;</l>"
    )
    xxe = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>'
    with seeded.db.session() as session:
        before = len(session.scalars(select(SupportRequest.id)).all())
    for content in (b"%PDF-1.4 not a dossier", xxe, laughs, b"\xff\xfe\x00garbage"):
        refused = client.post(
            "/support/new",
            data={"procedure": "arrangement-noord", "pupil": str(pupil.id)},
            files={"dossier": ("pao.xml", content, "application/xml")},
        )
        assert refused.status_code == 400, (content[:30], refused.status_code)
        assert "root:x:" not in refused.text and "Traceback" not in refused.text
        assert "dossier" in refused.text.lower()
    for bad in ("not-a-uuid", str(uuid.uuid4()), "'; drop table pupil; --"):
        wrong = client.post("/support/new", data={"procedure": "x" * 500, "pupil": bad})
        assert wrong.status_code == 400 and "Kies een leerling van uw school" in wrong.text
    with seeded.db.session() as session:
        assert len(session.scalars(select(SupportRequest.id)).all()) == before


@SQLITE_ONLY
def test_a_refused_dossier_of_another_child_leaves_no_file_behind(
    client: Client, seeded: AppState
) -> None:
    """A PaO dossier about another child is refused "and nothing of it is kept"
    (docs/security.md): not a row, and not its bytes in the file store either."""
    pupil = a_pupil_with_an_okr(client, seeded)
    other_child = PAO.read_bytes() + f"<!-- {uuid.uuid4()} -->\n".encode()  # bytes of its own
    refused = client.post(
        "/support/new",
        data={"procedure": "arrangement-noord", "pupil": str(pupil.id)},
        files={"dossier": ("pao.xml", other_child, "application/xml")},
    )
    assert refused.status_code == 400 and "niet over deze leerling" in refused.text
    assert not seeded.files.exists(hashlib.sha256(other_child).hexdigest())


# ---------------------------------------------------------------------- the retention purge


@SQLITE_ONLY
def test_the_purge_deletes_the_imported_pao_dossier_too(client: Client, seeded: AppState) -> None:
    """The purge deletes "the request's form and the files behind it" (WPO art. 18a): the
    original PaO dossier the request was started from (the whole OSO file about the child,
    kept with the draft for the import's report) goes with it."""
    pupil = a_pupil_with_an_okr(client, seeded)
    ours = (
        PAO.read_bytes().replace(b"2003-03-17", b"2018-04-03").replace(b"17-03-2003", b"03-04-2018")
        + f"<!-- {uuid.uuid4()} -->\n".encode()
    )
    started = client.post(
        "/support/new",
        data={"procedure": "arrangement-noord", "pupil": str(pupil.id)},
        files={"dossier": ("pao.xml", ours, "application/xml")},
        follow_redirects=False,
    )
    assert started.status_code == 303, started.text[:2000]
    draft_id = uuid.UUID(started.headers["location"].split("/")[2])
    with seeded.db.session() as session:
        draft = session.get(Draft, draft_id)
        assert draft is not None and draft.oso_import is not None
        dossier = draft.oso_import["sha256"]
        row = session.scalar(select(SupportRequest).where(SupportRequest.draft_id == draft_id))
        assert row is not None
        row.purge_on = date.today() - timedelta(days=1)
    assert seeded.files.exists(dossier)
    with seeded.db.session() as session:
        retention.purge(session, seeded.files, seeded.archive, date.today(), dry_run=False)
    with seeded.db.session() as session:
        assert session.get(Draft, draft_id) is None
    assert not seeded.files.exists(dossier), "the child's PaO dossier outlived the purge"


@SQLITE_ONLY
def test_guard_the_purge_keeps_a_file_another_record_holds_and_runs_twice(
    client: Client, seeded: AppState
) -> None:
    """Passing guard: a report whose bytes another form also holds stays in the file store
    after the purge; a second run finds nothing and fails on nothing."""
    pupil = a_pupil_with_an_okr(client, seeded)
    first_draft = start_request(client, pupil)
    first = fill_and_send(client, seeded, first_draft)
    with seeded.db.session() as session:
        kept = session.scalars(select(Attachment).where(Attachment.draft_id == first_draft)).all()
        other = session.scalar(
            select(Submission).where(Submission.draft_id != first_draft).limit(1)
        )
        assert other is not None and kept
        twin = Attachment(
            draft_id=other.draft_id, filename="kopie.pdf", media_type="application/pdf",
            size=kept[0].size, sha256=kept[0].sha256, field_key="bijlage",
        )  # fmt: skip
        session.add(twin)
        session.flush()
        twin_id, digest = twin.id, kept[0].sha256
        row = session.get(SupportRequest, first)
        assert row is not None
        row.purge_on = date.today() - timedelta(days=1)
    try:
        for _ in range(2):
            with seeded.db.session() as session:
                retention.purge(session, seeded.files, seeded.archive, date.today(), dry_run=False)
        assert seeded.files.exists(digest)
    finally:
        with seeded.db.session() as session:
            found = session.get(Attachment, twin_id)
            if found is not None:
                session.delete(found)


# ---------------------------------------------------------------------- what pages show


@SQLITE_ONLY
def test_guard_free_text_is_escaped_on_the_request_page(
    client: Client, swv: Client, anonymous: Client, seeded: AppState
) -> None:
    """Passing guard: professionals, a suspension's reason and the decision's content with
    HTML in them are shown as text on the school's and the SWV's page, never as markup."""
    request_id, _ = submitted(client, anonymous, seeded)
    url = f"/support/{request_id}"
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    page = swv.get(url).text
    swv.post(
        f"{url}/steps/compleet_verklaren",
        data={"version": version(page), "on": date.today().isoformat()},
    )
    page = swv.get(url).text
    planned = swv.post(
        f"{url}/steps/inplannen",
        data={
            "version": version(page),
            "meeting_on": date.today().isoformat(),
            "professionals": evil,
        },
    )
    assert planned.status_code == 200
    page = swv.get(url).text
    suspended = swv.post(f"{url}/steps/opschorten", data={"version": version(page), "text": evil})
    assert suspended.status_code == 200
    for reader in (client, swv):
        text = reader.get(url).text
        assert evil not in text and "&lt;script&gt;" in text
        assert not re.search(r"<img src=x", text)

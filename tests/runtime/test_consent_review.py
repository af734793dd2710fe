"""A review of the aanmeldcode, the consent and the parents' own view as an attacker and a
privacy officer would do it: what a school can learn of a code it tries, how long the limits
remember, who may record a decision and for what, and inputs that must not fail. Each test is
a finding, with its fix."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select, update

from runtime.consent.models import CodeAttempt, ConsentRecord, ConsentRequest, RegistrationCode
from runtime.outbox import OutboxMessage
from runtime.pupils.models import Guardian
from runtime.state import AppState

from .conftest import log_in, with_csrf
from .test_consent import (  # noqa: F401 (no_earlier_attempts, parent: fixtures)
    another_valid_code,
    enter,
    handed_over_link,
    limited_app,
    no_earlier_attempts,
    parent,
    parents_link,
    request_id_of,
    sections_offered,
    set_advice,
)
from .test_transfers import linde  # noqa: F401 (the fixture)

Client = TestClient[Litestar]
SCAN = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def anna_of(seeded: AppState, pupil_id: uuid.UUID) -> uuid.UUID:
    """The guardian with gezag that set_advice adds."""
    with seeded.db.session() as session:
        return session.scalars(
            select(Guardian.id).where(Guardian.pupil_id == pupil_id, Guardian.gezag)
        ).one()


def records_of(seeded: AppState, request_id: uuid.UUID) -> list[str]:
    with seeded.db.session() as session:
        return list(
            session.scalars(
                select(ConsentRecord.decision)
                .where(ConsentRecord.request_id == request_id)
                .order_by(ConsentRecord.id)
            )
        )


# ---------------------------------------------------------------------- telling a right code


def test_a_right_entry_counts_for_the_limits_like_a_wrong_one(
    client: Client, seeded: AppState
) -> None:
    """Only wrong entries counted: after N entries the next was refused when all were wrong,
    and accepted when one of them was right. That told the school which entry was right (a
    code, or a birth date of a code it holds), which the one answer is there to hide."""
    advice = set_advice(client, seeded)
    app = limited_app(seeded, code_attempts_per_user=3)
    probes = {}
    for case in ("all wrong", "one right"):
        with seeded.db.session() as session:
            session.execute(CodeAttempt.__table__.delete())
        with TestClient(app, base_url="http://testserver.local") as school:
            with_csrf(school)
            log_in(school, "directeur@linde.demo")
            request_id_of(enter(school, another_valid_code(advice.code)))
            request_id_of(enter(school, another_valid_code(advice.code)))
            last = advice.code if case == "one right" else another_valid_code(advice.code)
            request_id_of(enter(school, last))
            probes[case] = enter(school, another_valid_code(advice.code)).status_code
    assert probes["all wrong"] == probes["one right"] == 429, probes


def test_wrong_birth_dates_lock_the_code_even_when_spread_over_days(
    linde: Client,  # noqa: F811
    client: Client,
    seeded: AppState,
) -> None:
    """The lock after 10 wrong birth dates is "in the code's life", but the attempts it counts
    were deleted after a day: whoever holds a code could try 9 birth dates a day for its six
    weeks (a year of birth dates)."""
    advice = set_advice(client, seeded)
    for day in range(1, 6):
        request_id_of(enter(linde, advice.code, f"2017-01-{day:02d}"))
    with seeded.db.session() as session:  # a day and more passes
        session.execute(update(CodeAttempt).values(at=CodeAttempt.at - timedelta(hours=25)))
    for day in range(6, 11):
        request_id_of(enter(linde, advice.code, f"2017-01-{day:02d}"))
    with seeded.db.session() as session:
        code = session.scalars(
            select(RegistrationCode).where(RegistrationCode.submission_id == advice.submission_id)
        ).one()
        assert code.locked_at is not None
    with seeded.db.session() as session:
        made = session.get(ConsentRequest, request_id_of(enter(linde, advice.code)))
        assert made is not None and made.code_id is None


def test_entering_the_right_code_again_does_not_mail_the_parents_again(
    linde: Client,  # noqa: F811
    client: Client,
    seeded: AppState,
) -> None:
    """Every right entry mailed the guardians: a school (or anyone who knows code and birth
    date and works at one) could fill the parents' mailbox. A school that asks again while its
    request waits makes a request, as always, but the parents are asked once."""
    advice = set_advice(client, seeded)
    since = datetime.now(UTC) - timedelta(seconds=1)
    for _ in range(3):
        request_id_of(enter(linde, advice.code))
    with seeded.db.session() as session:
        asked = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.created_at >= since, OutboxMessage.recipient == advice.mother
            )
        ).all()
        assert len([m for m in asked if "vraagt uw toestemming" in m.subject]) == 1


# ---------------------------------------------------------------------- the records


def test_a_consent_with_nothing_that_was_offered_is_not_recorded(
    linde: Client,  # noqa: F811
    client: Client,
    parent: Client,  # noqa: F811
    seeded: AppState,
) -> None:
    """A consent whose every posted section was not offered was narrowed to nothing and
    recorded as "given" with an empty scope: a record of consent to nothing, and on the
    parents' page "the school may see:" followed by nothing."""
    advice = set_advice(client, seeded)
    link = parents_link(client, advice)
    asked = request_id_of(enter(linde, advice.code))
    anna = anna_of(seeded, advice.pupil_id)
    forged = ["x:forged", f"{advice.submission_id}:nope", f"{uuid.uuid4()}:advies_sectie"]
    answer = parent.post(
        f"{link}/consent/{asked}", data={"action": "give", "section": forged, "guardian": anna}
    )
    assert answer.status_code == 400
    paper = client.post(
        f"/consent/requests/{asked}/paper",
        data={"decision": "given", "guardian": str(anna), "section": forged},
        files={"paper": ("t.pdf", SCAN, "application/pdf")},
    )
    assert paper.status_code == 400
    assert records_of(seeded, asked) == []


def test_a_handed_over_link_cannot_decide_in_a_guardians_name(
    linde: Client,  # noqa: F811
    client: Client,
    parent: Client,  # noqa: F811
    seeded: AppState,
) -> None:
    advice = set_advice(client, seeded)
    link = handed_over_link(client, advice)  # shown once by the school: no guardian
    asked = request_id_of(enter(linde, advice.code))
    assert f'id="consent-{asked}"' not in parent.get(link).text  # nothing to decide there
    offered = sections_offered(parent.get(parents_link(client, advice)).text, asked)
    anna = anna_of(seeded, advice.pupil_id)
    parent.post(
        f"{link}/consent/{asked}", data={"action": "give", "section": offered, "guardian": anna}
    )
    assert records_of(seeded, asked) == []


def test_the_parts_offered_are_not_ticked_in_advance(
    linde: Client,  # noqa: F811
    client: Client,
    parent: Client,  # noqa: F811
    seeded: AppState,
) -> None:
    advice = set_advice(client, seeded)
    link = parents_link(client, advice)
    asked = request_id_of(enter(linde, advice.code))
    page = parent.get(link).text
    form = page[page.index(f'id="consent-{asked}"') :].split("</form>")[0]
    assert 'name="section"' in form and " checked" not in form


def test_a_lapsed_request_takes_no_consent_through_the_link(
    linde: Client,  # noqa: F811
    client: Client,
    parent: Client,  # noqa: F811
    seeded: AppState,
) -> None:
    advice = set_advice(client, seeded)
    link = parents_link(client, advice)
    asked = request_id_of(enter(linde, advice.code))
    offered = sections_offered(parent.get(link).text, asked)
    with seeded.db.session() as session:
        session.execute(
            update(ConsentRequest)
            .where(ConsentRequest.id == asked)
            .values(lapses_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    anna = anna_of(seeded, advice.pupil_id)
    parent.post(
        f"{link}/consent/{asked}", data={"action": "give", "section": offered, "guardian": anna}
    )
    assert records_of(seeded, asked) == []


# ---------------------------------------------------------------------- robustness


def test_a_paper_record_id_out_of_range_is_not_found_and_tells_a_visitor_nothing(
    client: Client,
    anonymous: Client,
    linde: Client,  # noqa: F811
    seeded: AppState,
) -> None:
    """/consent/records/<int>/paper answered 500 for an id beyond the database's integer,
    and looked the record up before the login: a visitor told an existing paper record (a
    redirect to the login page) from a missing one (404) by counting up."""
    for someone in (client, anonymous, linde):
        answer = someone.get(
            "/consent/records/99999999999999999999999/paper", follow_redirects=False
        )
        assert answer.status_code in (303, 404) and "Traceback" not in answer.text
    advice = set_advice(client, seeded)
    asked = request_id_of(enter(linde, advice.code))
    anna = anna_of(seeded, advice.pupil_id)
    recorded = client.post(
        f"/consent/requests/{asked}/paper",
        data={"decision": "refused", "guardian": str(anna)},
        files={"paper": ("t.pdf", SCAN, "application/pdf")},
        follow_redirects=False,
    )
    assert recorded.status_code == 303
    with seeded.db.session() as session:
        existing = session.scalar(select(func.max(ConsentRecord.id)))
    answers = {
        anonymous.get(f"/consent/records/{number}/paper", follow_redirects=False).status_code
        for number in (existing, existing + 1000)
    }
    assert len(answers) == 1, answers

"""Absence (runtime/absence) as a school and a samenwerkingsverband meet it, over HTTP with the
real application and database: a school records a case for one of its pupils or for a child
enrolled at no school, updates and ends it; the SWV's list of thuiszitters of its area (not
another area's), read-only, with its CSV; another school's staff do not find a case; wrong
input is named in the person's language; the SWV is told of a new thuiszitter once, without
the child's name; every look is in the audit log; and the migration goes down and up."""

from __future__ import annotations

import csv
import dataclasses
import io
import random
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from litestar import Litestar
from litestar.testing import TestClient
from markupsafe import escape
from sqlalchemy import func, select

from renderers import i18n
from runtime.absence import queries, tasks
from runtime.absence.models import AbsenceCase, AbsenceUpdate
from runtime.absence.rules import Kind
from runtime.absence.service import AbsenceService, BadInput, Person
from runtime.absence.status import CaseStatus
from runtime.access.models import UserAccount
from runtime.audit.models import AuditEvent
from runtime.clock import FrozenClock
from runtime.db.migrate import alembic_config, upgrade
from runtime.db.session import Database
from runtime.notifications.models import Notification
from runtime.outbox import OutboxMessage
from runtime.pupils import service as pupils
from runtime.pupils.models import Pupil
from runtime.settings import Settings
from runtime.state import AppState
from runtime.statuses.db import StatusChange

from ..support import a_bsn
from .conftest import log_in, table_names, with_csrf
from .test_scope import principal_of, schools

Client = TestClient[Litestar]
RNG = random.Random(20270115)
NL = "nl"


def nl(message: str) -> str:
    """A message as a Dutch page shows it (the catalogue's Dutch once translated), escaped."""
    return str(escape(i18n.gettext(NL, message)))


@pytest.fixture
def as_user(app: Litestar, seeded: AppState) -> Iterator[Any]:
    """Log in as a demo user: each a client of its own, closed last opened first."""
    with ExitStack() as stack:

        def login(email: str) -> Client:
            client = stack.enter_context(TestClient(app, base_url="http://testserver.local"))
            with_csrf(client)
            log_in(client, email)
            return client

        yield login


@dataclasses.dataclass
class Child:
    id: uuid.UUID
    number: str
    voornamen: str
    achternaam: str
    born: date


def a_pupil(state: AppState, school_code: str | None, born: date = date(2017, 5, 6)) -> Child:
    """A new pupil at the school of ``school_code`` (None: at no school)."""
    number = a_bsn(RNG)
    surname = f"Verzuim-{uuid.uuid4().hex[:6]}"
    with state.db.session() as session:
        school = schools(session)[school_code] if school_code else None
        pupil = pupils.register(
            session, state.settings, number, pupils.Names("Kim", surname), born, school
        )
        return Child(pupil.id, number, "Kim", surname, born)


def days_ago(days: int) -> str:
    return (date.today() - timedelta(days=days)).isoformat()


def record(client: Client, **data: str) -> Any:
    return client.post("/absence", data=data, follow_redirects=False)


def case_id_of(response: Any) -> uuid.UUID:
    assert response.status_code == 303, response.text[:3000]
    return uuid.UUID(response.headers["location"].split("/")[2])


def a_case(
    client: Client, state: AppState, days: int = 10, hours: str = "18"
) -> tuple[uuid.UUID, Child]:
    child = a_pupil(state, "12AB00")
    response = record(
        client,
        kind="relative",
        pupil=str(child.id),
        first_absent_on=days_ago(days),
        hours=hours,
        acting="school",
        acting_text="IB'er",
        agreed="Gesprek met de ouders.",
    )
    return case_id_of(response), child


# ---------------------------------------------------------------------- the school


def test_a_school_records_a_case_for_one_of_its_pupils(client: Client, seeded: AppState) -> None:
    new = client.get("/absence/new")
    assert new.status_code == 200
    child = a_pupil(seeded, "12AB00")
    assert child.achternaam in client.get("/absence/new").text  # the picker lists its pupils
    case_id, _ = (
        case_id_of(
            record(
                client,
                kind="relative",
                pupil=str(child.id),
                first_absent_on=days_ago(10),
                hours="18",
                acting="school",
                agreed="Gesprek met de ouders.",
            )
        ),
        None,
    )
    page = client.get(f"/absence/{case_id}")
    assert page.status_code == 200
    assert f"Kim {child.achternaam}" in page.text
    assert nl("Not yet: it must be reported without delay (Leerplichtwet art. 21)") in page.text
    assert 'id="case-history"' in page.text and "Gesprek met de ouders." in page.text
    listed = client.get("/absence").text
    assert f"/absence/{case_id}" in listed
    with seeded.db.session() as session:
        case = session.get(AbsenceCase, case_id)
        assert case is not None and case.kind is Kind.RELATIVE and case.hours == 18
        assert case.school_id == schools(session)["12AB00"]
        assert case.swv_id == schools(session)["PO2001"]  # the school's SWV
        assert session.scalar(select(func.count()).where(AbsenceUpdate.case_id == case_id)) == 1


def test_an_update_is_kept_in_the_history_and_an_end_moves_the_status(
    client: Client, seeded: AppState
) -> None:
    case_id, _child = a_case(client, seeded)
    first = days_ago(10)
    response = client.post(
        f"/absence/{case_id}",
        data={
            "action": "update", "first_absent_on": first, "hours": "24", "reported": "1",
            "reported_on": days_ago(2), "acting": "leerplicht", "acting_text": "Mw. Jansen",
            "agreed": "Ouders opgeroepen.", "review_on": days_ago(-14),
        },
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303, response.text[:3000]
    page = client.get(f"/absence/{case_id}").text
    assert "Ouders opgeroepen." in page and "Mw. Jansen" in page
    assert "18 → 24" in page  # the history: before and after
    ended = client.post(
        f"/absence/{case_id}",
        data={"action": "end", "ended_on": days_ago(0), "ending": "back_at_school"},
        follow_redirects=False,
    )
    assert ended.status_code == 303
    with seeded.db.session() as session:
        case = session.get(AbsenceCase, case_id)
        assert case is not None and case.status is CaseStatus.ENDED
        assert case.ended_on == date.today()
        moves = session.scalars(
            select(StatusChange).where(
                StatusChange.subject_type == "absence_case",
                StatusChange.subject_id == str(case_id),
            )
        ).all()
        assert [(m.from_status, m.to_status) for m in moves] == [("open", "ended")]
        assert (
            len(
                session.scalars(select(AbsenceUpdate).where(AbsenceUpdate.case_id == case_id)).all()
            )
            == 3
        )
    page = client.get(f"/absence/{case_id}").text
    assert 'action="/absence/' not in page  # an ended case is not changed any more
    assert (
        client.post(
            f"/absence/{case_id}", data={"action": "update"}, follow_redirects=False
        ).status_code
        == 403
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"first_absent_on": "+3"}, "first_absent_on",
         "The first day of absence cannot be in the future."),
        ({"first_absent_on": "gisteren"}, "first_absent_on",
         "Give the date as day-month-year, such as 3-2-2027."),
        ({"hours": "500"}, "hours", "Give the hours as a whole number from 0 to %(max)d."),
        ({"hours": "-2"}, "hours", "Give the hours as a whole number from 0 to %(max)d."),
        ({"hours": ""}, "hours",
         "Give the hours of unauthorised absence in the last four school weeks."),
        ({"acting": "burgemeester"}, "acting", "Choose who acts from the list."),
        ({"reported": "1", "reported_on": "-20"}, "reported_on",
         "The day of the report cannot be before the first day of absence."),
        ({"pupil": str(uuid.uuid4())}, "pupil", "Choose one of your school's pupils."),
    ],
)  # fmt: skip
def test_bad_input_is_named_in_dutch_and_nothing_is_recorded(
    client: Client, seeded: AppState, data: dict[str, str], field: str, message: str
) -> None:
    child = a_pupil(seeded, "12AB00")
    values = {
        "kind": "relative",
        "pupil": str(child.id),
        "first_absent_on": days_ago(10),
        "hours": "4",
    }
    for key, value in data.items():
        if value[:1] in "+-" and value[1:].isdigit():
            value = (date.today() + timedelta(days=int(value))).isoformat()
        values[key] = value
    response = record(client, **values)
    assert response.status_code == 400
    expected = nl(message) % {"max": 120} if "%(max)d" in message else nl(message)
    assert expected in response.text
    assert f'id="{field}-error"' in response.text
    assert "Traceback" not in response.text
    with seeded.db.session() as session:
        assert session.scalar(select(func.count()).where(AbsenceCase.pupil_id == child.id)) == 0


def test_an_end_before_the_first_day_is_refused(client: Client, seeded: AppState) -> None:
    case_id, _ = a_case(client, seeded)
    response = client.post(
        f"/absence/{case_id}",
        data={"action": "end", "ended_on": days_ago(30), "ending": "back_at_school"},
    )
    assert response.status_code == 400
    expected = nl("The end of the absence cannot be before its first day (%(date)s).") % {
        "date": i18n.format_date(date.today() - timedelta(days=10), NL)
    }
    assert expected in response.text
    future = client.post(
        f"/absence/{case_id}",
        data={"action": "end", "ended_on": days_ago(-5), "ending": "nothing"},
    )
    assert future.status_code == 400
    assert nl("The end of the absence cannot be in the future.") in future.text
    assert nl("Choose how the absence ended.") in future.text
    with seeded.db.session() as session:
        case = session.get(AbsenceCase, case_id)
        assert case is not None and case.status is CaseStatus.OPEN and case.ended_on is None


# ---------------------------------------------------------------------- who sees a case


def test_another_schools_staff_do_not_find_a_case(
    client: Client, seeded: AppState, as_user: Any
) -> None:
    case_id, _ = a_case(client, seeded)
    for email in ("directeur@linde.demo", "ib@kompas.demo"):  # same SWV, and another area
        other = as_user(email)
        assert other.get(f"/absence/{case_id}").status_code == 404
        assert other.post(f"/absence/{case_id}", data={"action": "end"}).status_code == 404
        assert f"/absence/{case_id}" not in other.get("/absence").text


# Who may open (GET) and change (POST) a case of De Regenboog (Stichting Noorderbasis, SWV Noord)
CASE_ACCESS = {
    "ib@regenboog.demo": (200, 303),  # the school's staff
    "leerkracht@regenboog.demo": (200, 303),
    "directeur@regenboog.demo": (200, 303),
    "privacy@regenboog.demo": (200, 403),  # reads its school
    "bestuur@noorderbasis.demo": (200, 403),  # its board, with a processing agreement
    "swv@noord.demo": (200, 403),  # its SWV: reads only
    "directeur@linde.demo": (404, 404),  # another school of the same board and SWV
    "ib@kompas.demo": (404, 404),  # a school in another SWV's area
    "consultant@popo.demo": (404, 404),  # platform roles see no pupil data
    "beheer@popo.demo": (404, 404),
}


def test_who_may_open_and_change_a_case(client: Client, seeded: AppState, as_user: Any) -> None:
    case_id, _ = a_case(client, seeded)
    update = {"action": "update", "first_absent_on": days_ago(10), "hours": "19"}
    for email, (read, change) in CASE_ACCESS.items():
        other = as_user(email)
        assert other.get(f"/absence/{case_id}").status_code == read, email
        posted = other.post(f"/absence/{case_id}", data=update, follow_redirects=False)
        assert posted.status_code == change, email


def test_the_swv_sees_its_areas_thuiszitters_read_only(
    client: Client, seeded: AppState, as_user: Any
) -> None:
    long_id, child = a_case(client, seeded, days=40, hours="60")
    short_id, _ = a_case(client, seeded, days=5, hours="4")
    kompas = as_user("ib@kompas.demo")
    other_child = a_pupil(seeded, "56EF00")
    other_id = case_id_of(
        record(
            kompas, kind="long_term", pupil=str(other_child.id),
            first_absent_on=days_ago(50), hours="80",
        )
    )  # fmt: skip
    swv = as_user("swv@noord.demo")
    listed = swv.get("/thuiszitters")
    assert listed.status_code == 200
    assert f"/absence/{long_id}" in listed.text
    assert f"K. {child.achternaam}" in listed.text and "Kim " not in listed.text  # minimised
    assert f"/absence/{short_id}" not in listed.text  # relative absence is no thuiszitter
    assert f"/absence/{other_id}" not in listed.text  # another SWV's area
    assert "Mirthe" not in listed.text and "M. Zwart" in listed.text  # the demo's, reported to it
    relative = swv.get("/thuiszitters?kind=relative&status=all").text
    assert f"/absence/{short_id}" in relative and f"/absence/{long_id}" not in relative
    page = swv.get(f"/absence/{long_id}")
    assert page.status_code == 200 and 'name="action"' not in page.text
    refused = swv.post(
        f"/absence/{long_id}", data={"action": "update", "agreed": "x"}, follow_redirects=False
    )
    assert refused.status_code == 403
    assert swv.get(f"/absence/{other_id}").status_code == 404
    assert kompas.get("/thuiszitters").status_code == 404  # no SWV role
    assert swv.get("/absence").status_code == 403  # the school's pages are for school staff


def test_the_list_sorts_by_duration_and_highlights_passed_reviews(
    client: Client, seeded: AppState, as_user: Any
) -> None:
    older, _ = a_case(client, seeded, days=70, hours="90")
    newer, _ = a_case(client, seeded, days=35, hours="40")
    client.post(
        f"/absence/{newer}",
        data={"action": "update", "first_absent_on": days_ago(35), "hours": "40",
              "review_on": days_ago(1)},
    )  # fmt: skip
    swv = as_user("swv@noord.demo")
    longest = swv.get("/thuiszitters").text
    assert longest.index(f"/absence/{older}") < longest.index(f"/absence/{newer}")
    shortest = swv.get("/thuiszitters?sort=shortest").text
    assert shortest.index(f"/absence/{newer}") < shortest.index(f"/absence/{older}")
    row = longest[longest.index(f"/absence/{newer}") :].split("</tr>")[0]
    assert nl("review passed") in row


def test_the_swv_downloads_its_list_as_csv(client: Client, seeded: AppState, as_user: Any) -> None:
    case_id, child = a_case(client, seeded, days=45, hours="50")
    swv = as_user("swv@noord.demo")
    response = swv.get("/thuiszitters.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][0] == i18n.gettext(NL, "Child")
    ours = [r for r in rows if r[0] == f"K. {child.achternaam}"]
    assert len(ours) == 1 and ours[0][1] == str(child.born.year) and ours[0][5] == "6"
    with seeded.db.session() as session:
        assert (
            session.scalar(
                select(func.count()).where(
                    AuditEvent.object_type == "absence_case",
                    AuditEvent.object_id == str(case_id),
                    AuditEvent.purpose == "download the list of thuiszitters",
                )
            )
            == 1
        )


def test_every_look_at_a_case_is_in_the_audit_log(client: Client, seeded: AppState) -> None:
    case_id, child = a_case(client, seeded)
    client.get(f"/absence/{case_id}")
    with seeded.db.session() as session:
        purposes = session.scalars(
            select(AuditEvent.purpose)
            .where(AuditEvent.object_type == "absence_case", AuditEvent.object_id == str(case_id))
            .order_by(AuditEvent.id)
        ).all()
        assert purposes == ["record an absence case", "see an absence case"]
        pupil_keys = set(
            session.scalars(select(AuditEvent.pupil).where(AuditEvent.object_id == str(case_id)))
        )
        from runtime import audit

        assert pupil_keys == {audit.pupil_key(seeded.settings.audit_key, child.number)}


# ---------------------------------------------------------------------- a child not enrolled


def test_a_child_not_enrolled_is_registered_and_the_swv_is_told(
    client: Client, seeded: AppState
) -> None:
    number = a_bsn(RNG)
    surname = f"Thuis-{uuid.uuid4().hex[:6]}"
    response = record(
        client, kind="not_enrolled", number=number, voornamen="Noa", achternaam=surname,
        geboortedatum="2018-02-03", first_absent_on=days_ago(3), acting="swv",
    )  # fmt: skip
    case_id = case_id_of(response)
    with seeded.db.session() as session:
        case = session.get(AbsenceCase, case_id)
        assert case is not None and case.kind is Kind.NOT_ENROLLED
        pupil = session.get(Pupil, case.pupil_id)
        assert pupil is not None and pupil.achternaam == surname
        assert pupil.current_school_id is None  # enrolled nowhere
        assert case.thuiszitter_told_on == date.today()
        swv_user = session.scalars(
            select(UserAccount).where(UserAccount.email == "swv@noord.demo")
        ).one()
        told = session.scalars(
            select(Notification).where(
                Notification.user_id == swv_user.id, Notification.link.endswith(str(case_id))
            )
        ).all()
        assert [n.event for n in told] == ["absence_thuiszitter"]
        mail = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.recipient == "swv@noord.demo")
            .order_by(OutboxMessage.created_at.desc())
        ).first()
        assert mail is not None and str(case_id) in mail.body
        assert surname not in mail.body and "Noa" not in mail.body and number not in mail.body
        assert "Thuiszitter" in mail.subject
    # the same number again: POPO knows the child, with its own surname only
    again = record(
        client, kind="not_enrolled", number=number, voornamen="Noa", achternaam="Anders",
        geboortedatum="2018-02-03", first_absent_on=days_ago(3),
    )  # fmt: skip
    assert again.status_code == 400
    assert (
        nl(
            "POPO knows this number with another surname or date of birth. Check the number, or "
            "ask the helpdesk."
        )
        in again.text
    )


def test_a_child_not_yet_of_compulsory_school_age_is_no_absoluut_verzuim(
    client: Client,
) -> None:
    born = date.today() - timedelta(days=365 * 4)
    response = record(
        client, kind="not_enrolled", number=a_bsn(RNG), voornamen="Tim", achternaam="Klein",
        geboortedatum=born.isoformat(), first_absent_on=days_ago(1),
    )  # fmt: skip
    assert response.status_code == 400
    assert 'id="first_absent_on-error"' in response.text


def test_a_pupil_of_a_school_cannot_be_recorded_as_not_enrolled(
    client: Client, seeded: AppState
) -> None:
    child = a_pupil(seeded, "34CD00")
    response = record(
        client, kind="not_enrolled", number=child.number, voornamen="Kim",
        achternaam=child.achternaam, geboortedatum=child.born.isoformat(),
        first_absent_on=days_ago(3),
    )  # fmt: skip
    assert response.status_code == 400
    assert (
        nl("POPO knows this child at a school: that school records its absence.") in response.text
    )


# ---------------------------------------------------------------------- the daily sweep


def test_the_sweep_tells_the_swv_once_when_a_case_passes_four_weeks(seeded: AppState) -> None:
    clock = FrozenClock(datetime.now(UTC).replace(hour=10))
    moved = dataclasses.replace(seeded, db=Database(seeded.settings, clock))
    child = a_pupil(moved, "12AB00")
    with moved.db.session() as session:
        who = principal_of(session, "ib@regenboog.demo")
        pupil = session.get(Pupil, child.id)
        assert pupil is not None
        case = AbsenceService(session, moved.settings).record(
            pupil, Kind.RELATIVE,
            {"first_absent_on": (clock.today() - timedelta(days=20)).isoformat(), "hours": "20"},
            Person(who.user_id, who.name, "intern_begeleider"),
            school_id=schools(session)["12AB00"],
        )  # fmt: skip
        case_id = case.id
        assert case.thuiszitter_told_on is None  # relative absence, not yet a thuiszitter
    with moved.db.session() as session:
        tasks.sweep(session, moved.settings)
        assert session.get(AbsenceCase, case_id).thuiszitter_told_on is None  # type: ignore[union-attr]
    clock.advance(days=9)  # day 29 since the first: more than four weeks
    with moved.db.session() as session:
        assert tasks.sweep(session, moved.settings) >= 1
        assert session.get(AbsenceCase, case_id).thuiszitter_told_on == clock.today()  # type: ignore[union-attr]
    with moved.db.session() as session:
        tasks.sweep(session, moved.settings)
        told = session.scalar(
            select(func.count()).where(
                Notification.event == "absence_thuiszitter",
                Notification.link.endswith(str(case_id)),
            )
        )
        assert told == 1  # once, however often the sweep runs


def test_at_risk_returns_the_open_long_term_and_not_enrolled_cases_in_scope(
    client: Client, seeded: AppState
) -> None:
    long_id, _ = a_case(client, seeded, days=40, hours="60")
    short_id, _ = a_case(client, seeded, days=3, hours="5")
    ended_id, _ = a_case(client, seeded, days=50, hours="70")
    client.post(
        f"/absence/{ended_id}",
        data={"action": "end", "ended_on": days_ago(1), "ending": "enrolled_elsewhere"},
    )
    with seeded.db.session() as session:
        swv = principal_of(session, "swv@noord.demo")
        found = {c.id: c for c in queries.at_risk(session, swv, date.today())}
        assert long_id in found and short_id not in found and ended_id not in found
        kinds = {c.kind for c in found.values()}
        assert Kind.NOT_ENROLLED in kinds  # the demo's child reported to the SWV
        kompas = principal_of(session, "ib@kompas.demo")
        assert long_id not in {c.id for c in queries.at_risk(session, kompas, date.today())}
        bestuur = principal_of(session, "bestuur@noorderbasis.demo")
        assert long_id in {c.id for c in queries.at_risk(session, bestuur, date.today())}


def test_the_service_refuses_bad_input_without_writing(seeded: AppState) -> None:
    child = a_pupil(seeded, "12AB00")
    with seeded.db.session() as session:
        pupil = session.get(Pupil, child.id)
        assert pupil is not None
        with pytest.raises(BadInput) as refused:
            AbsenceService(session, seeded.settings).record(
                pupil, Kind.RELATIVE, {"first_absent_on": "1-1-1990", "hours": "x"},
                Person(None, "test", None), school_id=pupil.current_school_id,
            )  # fmt: skip
        assert set(refused.value.errors) == {"first_absent_on", "hours"}


# ---------------------------------------------------------------------- home, demo, migration


def test_the_home_page_links_the_absence_pages(client: Client, as_user: Any) -> None:
    assert 'href="/absence"' in client.get("/").text
    assert 'href="/thuiszitters"' not in client.get("/").text
    swv_home = as_user("swv@noord.demo").get("/").text
    assert 'href="/thuiszitters"' in swv_home and 'href="/absence"' not in swv_home


def test_the_demo_swv_has_a_list_of_thuiszitters(seeded: AppState) -> None:
    with seeded.db.session() as session:
        swv = principal_of(session, "swv@noord.demo")
        found = queries.at_risk(session, swv, date.today())
        surnames = {session.get(Pupil, c.pupil_id).achternaam for c in found}  # type: ignore[union-attr]
        assert {"Oosterhof", "Zwart"} <= surnames
        assert "Hoogeveen" not in surnames  # relative absence of two weeks


def test_the_migration_goes_down_and_up_again(scratch_settings: Settings) -> None:
    settings = scratch_settings
    upgrade(settings)
    assert {"absence_case", "absence_update"} <= table_names(settings)
    command.downgrade(alembic_config(settings), "0024")  # the revision before
    assert not {"absence_case", "absence_update"} & table_names(settings)
    assert "pupil" in table_names(settings)
    upgrade(settings)
    assert {"absence_case", "absence_update"} <= table_names(settings)


def test_the_migrated_tables_are_the_models(seeded: AppState) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from runtime.db.base import Base

    with seeded.db.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, Base.metadata)
    assert [d for d in differences if "absence" in str(d)] == []

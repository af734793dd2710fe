"""The scope rule as a query: lists, counts and fetches of pupil data carry it in their SQL, so
the database returns only a role's own population (docs/security.md, "One rule for every
page"). Runs on SQLite and, with POPO_TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import event, func, inspect, select, text
from sqlalchemy.orm import Session

from runtime.access import scope
from runtime.access.accounts import Principal, Role
from runtime.access.models import RoleAssignment, UserAccount
from runtime.forms import queries
from runtime.forms.models import Draft, Submission
from runtime.organisations.models import Organisation
from runtime.state import AppState

from .conftest import log_in, with_csrf

Client = TestClient[Litestar]

# The schools (by BRIN + vestiging) whose pupil data each demo role reads; the demo's
# Stichting Noorderbasis (12AB00, 34CD00, 78GH00) has agreements with its own office and SWV Noord.
READS = {
    "ib@regenboog.demo": {"12AB00"},
    "leerkracht@regenboog.demo": {"12AB00"},
    "privacy@regenboog.demo": {"12AB00"},
    "directeur@linde.demo": {"34CD00"},
    "bestuur@noorderbasis.demo": {"12AB00", "34CD00", "78GH00", "90JK00"},
    "swv@noord.demo": {"12AB00", "34CD00", "90JK00"},
    "ib@kompas.demo": {"56EF00"},
    "consultant@popo.demo": set(),
    "beheer@popo.demo": set(),
}
SCHOOL_ROLES = {"ib@regenboog.demo", "leerkracht@regenboog.demo", "directeur@linde.demo"}
SCHOOL_ROLES |= {"ib@kompas.demo"}


def principal_of(session: Session, email: str) -> Principal:
    """A demo user with their roles, as a login gives them."""
    user = session.scalars(select(UserAccount).where(UserAccount.email == email)).one()
    rows = session.execute(
        select(RoleAssignment.role, RoleAssignment.organisation_id, Organisation.kind)
        .outerjoin(Organisation, Organisation.id == RoleAssignment.organisation_id)
        .where(RoleAssignment.user_id == user.id)
    ).all()
    return Principal(user.id, email, user.name, tuple(Role(*row) for row in rows), uuid.uuid4())


def schools(session: Session) -> dict[str, uuid.UUID]:
    found = session.execute(select(Organisation.code, Organisation.id)).all()
    return {code: organisation for code, organisation in found}


@pytest.fixture(scope="module")
def population(seeded: AppState) -> None:
    """Drafts (open and submitted) and submissions at every demo school, and a draft of no
    organisation, besides what other tests leave."""
    with seeded.db.session() as session:
        codes = schools(session)
        for code in ("12AB00", "34CD00", "56EF00", None):
            for status in ("open", "open", "submitted"):
                draft = Draft(
                    form_id="overstapformulier-noord",
                    form_version=1,
                    definition_hash="scope-test",
                    organisation_id=codes[code] if code else None,
                    status=status,
                    answers={},
                    attempted_pages={},
                )
                session.add(draft)
                session.flush()
                if status == "submitted":
                    session.add(
                        Submission(
                            draft_id=draft.id,
                            form_id=draft.form_id,
                            form_version=1,
                            definition_hash="scope-test",
                            organisation_id=draft.organisation_id,
                            language="nl",
                            answers={},
                        )
                    )


@pytest.mark.parametrize("email", sorted(READS))
def test_a_role_lists_and_counts_only_its_own_population(
    seeded: AppState, population: None, email: str
) -> None:
    with seeded.db.session() as session:
        who = principal_of(session, email)
        codes = schools(session)
        own = {codes[code] for code in READS[email]}
        every_draft = session.execute(select(Draft.id, Draft.organisation_id, Draft.status)).all()
        expected = {d.id for d in every_draft if d.organisation_id in own}
        assert len(expected) < len(every_draft)  # there is something this role does not see

        listed = session.scalars(queries.drafts(who)).all()
        assert {d.id for d in listed} == expected
        assert session.scalar(scope.count(queries.drafts(who))) == len(expected)
        open_ones = {d.id for d in every_draft if d.organisation_id in own and d.status == "open"}
        assert session.scalar(
            scope.count(queries.drafts(who).where(Draft.status == "open"))
        ) == len(open_ones)
        # an aggregate per school, as a monitoring overview asks for it
        per_school = dict(
            session.execute(
                select(Draft.organisation_id, func.count())
                .where(scope.readable(Draft.organisation_id, who))
                .group_by(Draft.organisation_id)
            ).all()
        )
        assert set(per_school) == {d.organisation_id for d in every_draft if d.id in expected}
        assert sum(per_school.values()) == len(expected)

        every_submission = session.execute(select(Submission.id, Submission.organisation_id))
        sent = {s.id for s in every_submission if s.organisation_id in own}
        assert {s.id for s in session.scalars(queries.submissions(who))} == sent
        assert session.scalar(scope.count(queries.submissions(who))) == len(sent)

        # only school staff change pupil data, and only their own school's
        writable = set(
            session.scalars(select(Draft.id).where(scope.writable(Draft.organisation_id, who)))
        )
        assert writable == (expected if email in SCHOOL_ROLES else set())


@contextmanager
def statements(seeded: AppState) -> Iterator[list[str]]:
    """The SQL statements the application sends to the database meanwhile."""
    sent: list[str] = []

    def remember(conn: object, cursor: object, statement: str, *args: object) -> None:
        sent.append(statement)

    event.listen(seeded.db.engine, "before_cursor_execute", remember)
    try:
        yield sent
    finally:
        event.remove(seeded.db.engine, "before_cursor_execute", remember)


def test_a_list_is_limited_in_its_sql_not_filtered_afterwards(
    seeded: AppState, population: None
) -> None:
    with seeded.db.session() as session:
        who = principal_of(session, "swv@noord.demo")
        everything = session.scalar(select(func.count()).select_from(Draft))
        with statements(seeded) as sent:
            listed = session.scalars(queries.drafts(who)).all()
        # one statement, which carries the SWV's schools and the agreements as subqueries
        assert len(sent) == 1, sent
        sql = " ".join(sent[0].split())
        assert sql.startswith("SELECT draft.id") and "FROM draft WHERE" in sql
        assert "organisation.swv_id" in sql and "FROM processing_agreement" in sql
        assert 0 < len(listed) < (everything or 0)  # the database answered fewer rows


def test_a_draft_is_fetched_with_the_scope_in_its_query(
    app: Litestar, client: Client, seeded: AppState
) -> None:
    response = client.post("/forms/overstapformulier-noord/start", follow_redirects=False)
    draft = str(response.headers["location"])
    with TestClient(app, base_url="http://board.local") as board:
        with_csrf(board)
        log_in(board, "bestuur@noorderbasis.demo")
        with statements(seeded) as sent:
            assert board.get(draft + "/pages/leerling").status_code == 200
    drafts = [s for s in sent if " FROM draft " in " ".join(s.split()) + " "]
    assert drafts, sent
    fetch = " ".join(drafts[0].split())
    assert "organisation.parent_id" in fetch and "FROM processing_agreement" in fetch
    # no query asks for a list of organisations first
    assert not [s for s in sent if " ".join(s.split()).startswith("SELECT organisation.id")]


def test_another_organisations_draft_answers_the_page_of_a_missing_one(
    app: Litestar, client: Client
) -> None:
    response = client.post("/forms/overstapformulier-noord/start", follow_redirects=False)
    draft = str(response.headers["location"])  # at De Regenboog
    with TestClient(app, base_url="http://kompas.local") as other:
        with_csrf(other)
        log_in(other, "ib@kompas.demo")
        for suffix in (
            "",
            "/pages/leerling",
            "/submission/status",
            "/submission.pdf",
            "/submission.oso.xml",
        ):
            theirs = other.get(draft + suffix)
            nobodys = str(uuid.uuid4())
            missing = other.get(f"/drafts/{nobodys}{suffix}")
            assert theirs.status_code == missing.status_code == 404, suffix
            # the same page (its language links name the address asked for)
            assert theirs.text.replace(draft.rsplit("/", 1)[1], nobodys) == missing.text
            assert "Deze pagina bestaat niet, of u mag hem niet zien." in theirs.text
            changed = other.post(draft + "/pages/leerling", data={"achternaam": "X"})
            assert changed.status_code == 404  # not 403: the draft does not exist for them


SCOPE_INDEXES = {
    "organisation": {"ix_organisation_parent_id", "ix_organisation_swv_id"},
    "draft": {"ix_draft_organisation_status_updated", "ix_draft_organisation_created"},
    "submission": {"ix_submission_organisation_submitted"},
}


def test_the_scope_indexes_exist_after_the_migrations(seeded: AppState) -> None:
    inspector = inspect(seeded.db.engine)
    for table, wanted in SCOPE_INDEXES.items():
        names = {index["name"] for index in inspector.get_indexes(table)}
        assert wanted <= names, (table, wanted - names)
    columns = {index["name"]: index["column_names"] for index in inspector.get_indexes("draft")}
    assert columns["ix_draft_organisation_status_updated"] == [
        "organisation_id",
        "status",
        "updated_at",
    ]


def test_the_database_plans_a_schools_open_drafts_with_the_scope_index(
    seeded: AppState, population: None
) -> None:
    with seeded.db.session() as session:
        who = principal_of(session, "ib@regenboog.demo")
        query = queries.drafts(who).where(Draft.status == "open")
        sql = str(query.compile(session.bind, compile_kwargs={"literal_binds": True}))
        if session.bind is not None and session.bind.dialect.name == "postgresql":
            # the demo tables are small: without this the planner reads them whole
            session.execute(text("SET LOCAL enable_seqscan = off"))
            plan = "\n".join(session.scalars(text("EXPLAIN " + sql)))
        else:
            plan = "\n".join(
                str(row[-1]) for row in session.execute(text("EXPLAIN QUERY PLAN " + sql))
            )
        # the planner may take either scope index (both lead with organisation_id), never a
        # scan of the whole table
        assert any(name in plan for name in SCOPE_INDEXES["draft"]), plan
        assert "Seq Scan on draft" not in plan and "SCAN draft" not in plan, plan


def started(client: Client, form_id: str) -> str:
    """The id of a draft the logged-in school staff member starts."""
    response = client.post(f"/forms/{form_id}/start", follow_redirects=False)
    return str(response.headers["location"]).rsplit("/", 1)[1]


def test_a_privacy_officer_finds_only_accesses_to_their_schools_drafts(
    app: Litestar, client: Client, seeded: AppState
) -> None:
    number = "246813519"  # passes the 11-test, as a BSN must
    ours = started(client, "overstapformulier-noord")
    client.post(f"/drafts/{ours}/pages/leerling", data={"bsn": number, "identificatie": "bsn"})
    client.get(f"/drafts/{ours}/pages/leerling")  # an access that the audit log keys by pupil
    with TestClient(app, base_url="http://kompas.local") as other:
        with_csrf(other)
        log_in(other, "ib@kompas.demo")  # the same pupil number at a school of another board
        theirs = started(other, "overstapformulier-zuid")
        other.post(f"/drafts/{theirs}/pages/leerling", data={"bsn": number, "identificatie": "bsn"})
        other.get(f"/drafts/{theirs}/pages/leerling")
    with TestClient(app, base_url="http://privacy.local") as officer:
        with_csrf(officer)
        log_in(officer, "privacy@regenboog.demo")
        with statements(seeded) as sent:
            page = officer.post("/privacy", data={"number": number}).text
    assert "ib@regenboog.demo" in page and "ib@kompas.demo" not in page
    searches = [" ".join(s.split()) for s in sent if "FROM audit_event" in s]
    assert len(searches) == 1 and "draft.organisation_id" in searches[0], searches
    # the search found the other school's access too, before the scope (as `popo audit` does)
    with seeded.db.session() as session:
        from runtime import audit

        everything = {e.object_id for e in audit.for_pupil(session, seeded.audit_key, number)}
        assert {ours, theirs} <= everything


@pytest.mark.parametrize(
    ("email", "own"),
    [
        ("swv@noord.demo", {"PO2001"}),  # its own SWV, and no other organisation
        ("ib@regenboog.demo", set()),  # a school role has no SWV of its own
        ("bestuur@noorderbasis.demo", set()),
        ("consultant@popo.demo", set()),
    ],
)
def test_an_swv_reads_what_was_reported_to_itself_only(
    seeded: AppState, email: str, own: set[str]
) -> None:
    """scope.own_swv (a child enrolled at no school, a support request): only the SWV of the
    person's own SWV roles; readable() and writable() hold for the same rows and no more."""
    with seeded.db.session() as session:
        who = principal_of(session, email)
        codes = schools(session)
        found = set(
            session.scalars(select(Organisation.code).where(scope.own_swv(Organisation.id, who)))
        )
        assert found == own
        for rule in (scope.readable, scope.writable):
            reached = set(
                session.scalars(select(Organisation.id).where(rule(Organisation.id, who)))
            )
            assert (codes["PO2001"] in reached) == bool(own)
            assert codes["PO3002"] not in reached  # never another SWV

"""Pupils (runtime/pupils): one row per child, found by their BSN or onderwijsnummer, which is
never in the database in plain text; the scope rule decides who lists and reaches them and
only their own school's staff see the number in full. Runs on SQLite and, with
POPO_TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import io
import random
import subprocess
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr
from sqlalchemy import false, inspect, select
from sqlalchemy.orm import Session

from engine.evaluate import evaluate
from runtime import audit
from runtime.access import scope
from runtime.access.accounts import Principal
from runtime.cli import main
from runtime.db.base import Base
from runtime.db.migrate import alembic_config, upgrade
from runtime.domains import AppSettings
from runtime.pupils import numbers, queries, service
from runtime.pupils.models import Guardian, Pupil
from runtime.pupils.numbers import InvalidNumber, KeyChanged
from runtime.pupils.settings import PupilsSettings
from runtime.settings import Settings
from runtime.state import AppState

from ..support import a_bsn, an_onderwijsnummer, remainder, with_check_digit
from .conftest import table_names
from .test_scope import READS, principal_of, schools

# ---------------------------------------------------------------------- the 11-test


@pytest.mark.parametrize(
    ("number", "kind"),
    [
        ("123456782", "bsn"),
        ("111222333", "bsn"),
        ("1234.56.782", "bsn"),  # as people write it
        ("12345672", "bsn"),  # 8 digits: a leading zero
        ("101222331", "onderwijsnummer"),
        ("1012.22.331", "onderwijsnummer"),
    ],
)
def test_a_valid_number_says_which_kind_it_is(number: str, kind: numbers.Kind) -> None:
    assert numbers.kind_of(number) == kind
    assert numbers.valid(kind, number) == number.replace(".", "").rjust(9, "0")


@pytest.mark.parametrize(
    "number",
    [
        "123456789",  # fails the 11-test
        "000000000",  # passes it, but is no BSN
        "12345678a",
        "1234567820",  # 10 digits
        "1234567",
        "101222332",  # an onderwijsnummer's check digit wrong
        "201222331",  # remainder 5 but not starting with 10
        "",
    ],
)
def test_an_invalid_number_is_refused(number: str) -> None:
    with pytest.raises(InvalidNumber):
        numbers.kind_of(number)


def test_a_bsn_is_not_an_onderwijsnummer_nor_the_other_way_round() -> None:
    with pytest.raises(InvalidNumber):
        numbers.valid("onderwijsnummer", "123456782")
    with pytest.raises(InvalidNumber):
        numbers.valid("bsn", "101222331")


eight_digits = st.integers(10**7, 10**8 - 1).map(str)


@given(eight_digits, st.integers(0, 8), st.integers(1, 9))
def test_the_11_test_catches_every_single_wrong_digit(first: str, place: int, shift: int) -> None:
    number = with_check_digit(first, 0)
    if number is None:
        return
    assert numbers.kind_of(number) == "bsn"
    wrong = number[:place] + str((int(number[place]) + shift) % 10) + number[place + 1 :]
    assert remainder(wrong) != 0
    with pytest.raises(InvalidNumber):
        numbers.valid("bsn", wrong)


@given(eight_digits, st.integers(0, 7))
def test_the_11_test_catches_two_swapped_neighbours(first: str, place: int) -> None:
    number = with_check_digit(first, 0)
    if number is None or number[place] == number[place + 1]:
        return
    swapped = number[:place] + number[place + 1] + number[place] + number[place + 2 :]
    with pytest.raises(InvalidNumber):
        numbers.valid("bsn", swapped)


@given(st.integers(0, 10**6 - 1))
def test_every_onderwijsnummer_starts_with_10_and_leaves_remainder_5(middle: int) -> None:
    number = with_check_digit(f"10{middle:06d}", 5)
    if number is None:
        return
    assert numbers.kind_of(number) == "onderwijsnummer"
    assert numbers.valid("onderwijsnummer", number) == number
    with pytest.raises(InvalidNumber):
        numbers.valid("onderwijsnummer", "2" + number[1:])


def test_a_masked_number_shows_its_last_four_digits() -> None:
    assert numbers.masked("123456782") == "*****6782"


# ---------------------------------------------------------------------- stored and found


def actor_of(who: Principal | None) -> audit.Actor:
    if who is None:
        return audit.Actor(None, "test", None, None, None)
    role = who.roles[0] if who.roles else None
    return audit.Actor(
        who.user_id, who.email, role.role if role else None, role.organisation_id if role else None,
        None,
    )  # fmt: skip


NAMES = service.Names(
    voornamen="Sanne Maria", achternaam="Berg", roepnaam="Sanne", tussenvoegsel="van den"
)
GUARDIANS = [
    service.GuardianDetails("A. van den Berg", "moeder", True, "06 12345678", "a@voorbeeld.nl"),
    service.GuardianDetails("B. Berg", "vader", False, "+31 6 87654321", address_secret=True),
]


def register(seeded: AppState, number: str, school: str | None = "12AB00") -> uuid.UUID:
    with seeded.db.session() as session:
        school_id = schools(session)[school] if school else None
        pupil = service.register(
            session, seeded.settings, number, NAMES, date(2018, 3, 15), school_id
        )
        service.set_guardians(session, pupil, GUARDIANS)
        return pupil.id


@pytest.fixture
def rng() -> random.Random:
    return random.Random()


def every_stored_text(session: Session) -> str:
    """Every value of every table, as text: what a database dump holds."""
    found = []
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)):
            found.append(" ".join(repr(value) for value in row))
    return "\n".join(found)


def test_the_number_is_never_stored_in_plain_text(seeded: AppState, rng: random.Random) -> None:
    bsn, onderwijsnummer = a_bsn(rng), an_onderwijsnummer(rng)
    ids = [register(seeded, bsn), register(seeded, onderwijsnummer)]
    with seeded.db.session() as session:
        rows = session.execute(select(Pupil.__table__).where(Pupil.id.in_(ids))).all()
        assert len(rows) == 2
        for row in rows:
            raw = " ".join(repr(value) for value in row)
            assert bsn not in raw and onderwijsnummer not in raw
            assert bsn.encode() not in row.number_sealed
            assert onderwijsnummer.encode() not in row.number_sealed
        dump = every_stored_text(session)
        assert bsn not in dump and onderwijsnummer not in dump
        # the name is there: the test reads what is stored
        assert "Sanne Maria" in dump
    path = seeded.settings.sqlite_path
    if path is not None:  # SQLite: not in the file's bytes, nor in its journal
        content = stored_bytes(path) + stored_bytes(path.with_name(path.name + "-wal"))
        assert bsn.encode() not in content and onderwijsnummer.encode() not in content
        assert b"Sanne Maria" in content


def stored_bytes(path: Path) -> bytes:
    """The bytes of a file of the live SQLite database, read by another process: a file of
    the database opened and closed in this one would release every POSIX lock this process
    holds on it (SQLite's shared lock of its open connections), and a worker process closing
    its connection would then take itself for the last one and remove the WAL under us."""
    if not path.exists():
        return b""
    return subprocess.run(["cat", str(path)], capture_output=True, check=True).stdout


def test_the_same_number_twice_is_one_pupil_with_the_newer_names(
    seeded: AppState, rng: random.Random
) -> None:
    bsn = a_bsn(rng)
    first = register(seeded, bsn)
    with seeded.db.session() as session:
        again = service.register(
            session,
            seeded.settings,
            f"{bsn[:4]}.{bsn[4:6]}.{bsn[6:]}",  # written differently
            service.Names(voornamen="Sanne", achternaam="Bergh"),
            date(2018, 3, 16),
            schools(session)["34CD00"],
        )
        assert again.id == first
        assert (again.voornamen, again.achternaam, again.roepnaam) == ("Sanne", "Bergh", None)
        assert again.geboortedatum == date(2018, 3, 16)
        assert again.current_school_id == schools(session)["12AB00"]  # only change_school moves
        lookup = service.keys_of(seeded.settings).lookup_hash("bsn", bsn)
        assert session.scalar(scope.count(select(Pupil).where(Pupil.number_hash == lookup))) == 1
        found = service.find(session, seeded.settings, bsn)
        assert found is not None and found.id == first


def test_a_pupil_without_a_name_or_a_valid_number_is_not_registered(seeded: AppState) -> None:
    with seeded.db.session() as session:
        before = session.scalar(scope.count(select(Pupil)))
        with pytest.raises(ValueError, match="voornamen"):
            service.register(
                session, seeded.settings, a_bsn(random.Random()),
                service.Names(voornamen=" ", achternaam="Berg"), date(2018, 3, 15), None,
            )  # fmt: skip
        with pytest.raises(InvalidNumber):
            service.register(session, seeded.settings, "123456789", NAMES, date(2018, 3, 15), None)
        assert session.scalar(scope.count(select(Pupil))) == before


def test_two_registrations_of_one_child_at_the_same_time_make_one_row(
    seeded: AppState, rng: random.Random, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other request's row is only seen by the unique index: the lookup before it missed."""
    bsn = a_bsn(rng)
    first = register(seeded, bsn)
    lookups: list[str] = []
    real = service._by_number

    def missed_once(kind: numbers.Kind, lookup_hash: str) -> Any:
        lookups.append(lookup_hash)
        query = real(kind, lookup_hash)
        return query.where(false()) if len(lookups) == 1 else query

    monkeypatch.setattr(service, "_by_number", missed_once)
    with seeded.db.session() as session:
        again = service.register(session, seeded.settings, bsn, NAMES, date(2018, 3, 15), None)
        assert again.id == first and len(lookups) == 2
        assert (
            session.scalar(scope.count(select(Pupil).where(Pupil.number_hash == lookups[0]))) == 1
        )


def test_the_number_is_found_through_its_unique_index(seeded: AppState) -> None:
    inspector = inspect(seeded.db.engine)
    indexes = {index["name"]: index for index in inspector.get_indexes("pupil")}
    assert indexes["uq_pupil_number"]["column_names"] == ["number_kind", "number_hash"]
    assert indexes["uq_pupil_number"]["unique"]
    assert indexes["ix_pupil_school_name"]["column_names"][0] == "current_school_id"
    guardian = {index["name"] for index in inspector.get_indexes("guardian")}
    assert "ix_guardian_pupil_id" in guardian


def test_guardians_are_kept_in_order_and_replaced(seeded: AppState, rng: random.Random) -> None:
    pupil_id = register(seeded, a_bsn(rng))
    with seeded.db.session() as session:
        pupil = session.get(Pupil, pupil_id)
        assert pupil is not None
        shown = [
            (g.naam, g.relatie, g.gezag, g.telefoon, g.address_secret) for g in pupil.guardians
        ]
        assert shown == [
            ("A. van den Berg", "moeder", True, "0612345678", False),
            ("B. Berg", "vader", False, "0687654321", True),
        ]
        service.set_guardians(session, pupil, [service.GuardianDetails("C. Berg", "voogd", True)])
        assert [g.naam for g in pupil.guardians] == ["C. Berg"]
        with pytest.raises(service.InvalidGuardian):
            service.set_guardians(session, pupil, [service.GuardianDetails("D", "buurman", True)])
        with pytest.raises(service.InvalidGuardian):
            service.set_guardians(
                session, pupil, [service.GuardianDetails("D", "moeder", True, telefoon="12")]
            )
    with seeded.db.session() as session:
        rows = session.scalars(select(Guardian).where(Guardian.pupil_id == pupil_id)).all()
        assert [g.naam for g in rows] == ["C. Berg"]


# ---------------------------------------------------------------------- who sees whom


@pytest.fixture(scope="module")
def pupils_at_schools(seeded: AppState) -> dict[str, uuid.UUID]:
    """One pupil at each demo school and one at none."""
    rng = random.Random()
    return {
        code or "": register(seeded, a_bsn(rng), code)
        for code in ("12AB00", "34CD00", "78GH00", "90JK00", "56EF00", None)
    }


@pytest.mark.parametrize("email", sorted(READS))
def test_a_role_lists_and_reaches_only_the_pupils_of_its_scope(
    seeded: AppState, pupils_at_schools: dict[str, uuid.UUID], email: str
) -> None:
    with seeded.db.session() as session:
        who = principal_of(session, email)
        listed = {p.id for p in session.scalars(queries.pupils(who))}
        expected = {pupils_at_schools[code] for code in READS[email]}
        assert listed & set(pupils_at_schools.values()) == expected
        codes = schools(session)
        own = {codes[code] for code in READS[email]}
        every = session.execute(select(Pupil.id, Pupil.current_school_id)).all()
        assert listed == {p.id for p in every if p.current_school_id in own}  # in the query
        assert session.scalar(scope.count(queries.pupils(who))) == len(listed)
        for code, pupil_id in pupils_at_schools.items():
            found = service.reached(session, who, pupil_id)
            assert (found is not None) == (code in READS[email]), code


def test_another_schools_staff_do_not_find_the_pupil_by_number(
    seeded: AppState, rng: random.Random
) -> None:
    bsn = a_bsn(rng)
    register(seeded, bsn, "12AB00")
    with seeded.db.session() as session:
        own = service.find(
            session, seeded.settings, bsn, principal_of(session, "ib@regenboog.demo")
        )
        other = service.find(session, seeded.settings, bsn, principal_of(session, "ib@kompas.demo"))
        assert own is not None and other is None


def test_only_the_pupils_own_school_staff_see_the_full_number(
    seeded: AppState, rng: random.Random
) -> None:
    bsn = a_bsn(rng)
    pupil_id = register(seeded, bsn, "12AB00")
    full = {"ib@regenboog.demo", "leerkracht@regenboog.demo"}
    with seeded.db.session() as session:
        pupil = session.get(Pupil, pupil_id)
        assert pupil is not None
        for email in sorted(READS):
            who = principal_of(session, email)
            shown = service.shown_number(session, seeded.settings, pupil, who, actor_of(who))
            assert shown == (bsn if email in full else "*****" + bsn[-4:]), email
        assert service.shown_number(session, seeded.settings, pupil, None, actor_of(None)) == (
            "*****" + bsn[-4:]
        )
        # every full showing is in the audit log, named by the pupil's key, never the number
        events = audit.for_pupil(session, seeded.settings.audit_key, bsn)
        assert sorted(e.actor for e in events) == sorted(full)
        assert {(e.object_type, e.object_id, e.purpose) for e in events} == {
            ("pupil", str(pupil_id), service.NUMBER_PURPOSE)
        }
        assert bsn not in " ".join(str(e.pupil) for e in events)
        assert audit.purpose_text("nl", events[0].purpose) == "nummer van de leerling bekijken"
        # a privacy officer of the school finds them through the declared subject
        privacy = principal_of(session, "privacy@regenboog.demo")
        seen = audit.for_pupil(
            session,
            seeded.settings.audit_key,
            bsn,
            lambda column: scope.audit_log_readable(column, privacy),
        )
        assert len(seen) == len(full)
        # moved to De Linde: its director sees the number, De Regenboog's staff no longer
        service.change_school(session, pupil, schools(session)["34CD00"])
        linde = principal_of(session, "directeur@linde.demo")
        regenboog = principal_of(session, "ib@regenboog.demo")
        assert service.shown_number(session, seeded.settings, pupil, linde, actor_of(linde)) == bsn
        assert service.shown_number(
            session, seeded.settings, pupil, regenboog, actor_of(regenboog)
        ) == ("*****" + bsn[-4:])
        assert service.reached(session, regenboog, pupil_id) is None


def test_a_changed_key_is_refused_not_silently_missed(seeded: AppState, rng: random.Random) -> None:
    bsn = a_bsn(rng)
    pupil_id = register(seeded, bsn)
    other = seeded.settings.replace(configured_pupil_key=SecretStr("a different key"))
    with seeded.db.session() as session:
        pupil = session.get(Pupil, pupil_id)
        assert pupil is not None
        with pytest.raises(KeyChanged, match="POPO_PUPIL_KEY"):
            service.number_of(other, pupil)
        with pytest.raises(KeyChanged):
            service.find(session, other, bsn)
        with pytest.raises(KeyChanged):  # not a second row for the same child
            service.register(session, other, bsn, NAMES, date(2018, 3, 15), None)
        assert service.number_of(seeded.settings, pupil) == bsn  # the right key still works


def test_a_number_copied_into_another_row_does_not_decrypt(
    seeded: AppState, rng: random.Random
) -> None:
    first, second = register(seeded, a_bsn(rng)), register(seeded, a_bsn(rng))
    with seeded.db.session() as session:
        one, two = session.get(Pupil, first), session.get(Pupil, second)
        assert one is not None and two is not None
        own = two.number_sealed
        two.number_sealed = one.number_sealed
        with pytest.raises(numbers.Damaged):
            service.number_of(seeded.settings, two)
        two.number_sealed = own


def test_popo_pupil_find_shows_the_number_masked(
    seeded: AppState, rng: random.Random, monkeypatch: pytest.MonkeyPatch
) -> None:
    bsn = a_bsn(rng)
    register(seeded, bsn)
    monkeypatch.setenv("POPO_DATABASE_URL", seeded.settings.database_url)
    monkeypatch.setenv("POPO_DATA_DIR", str(seeded.settings.data_dir))
    out = io.StringIO()
    assert main(["pupil", "find", bsn], out) == 0, out.getvalue()
    text = out.getvalue()
    assert "Sanne Maria van den Berg (Sanne)" in text
    assert f"bsn: *****{bsn[-4:]}" in text and bsn not in text
    assert "A. van den Berg (moeder, gezag)" in text
    assert "B. Berg (vader, no gezag, secret address)" in text
    out = io.StringIO()
    assert main(["pupil", "find", "123456789"], out) == 2
    assert "not a valid BSN or onderwijsnummer" in out.getvalue()
    out = io.StringIO()
    assert main(["pupil", "find", a_bsn(rng)], out) == 1
    assert "no pupil with this number" in out.getvalue()
    monkeypatch.setenv("POPO_PUPIL_KEY", "not the key")
    out = io.StringIO()
    assert main(["pupil", "find", bsn], out) == 2
    assert "stored with another POPO_PUPIL_KEY" in out.getvalue()


# ---------------------------------------------------------------------- prefilling forms


@pytest.mark.parametrize(
    ("form_id", "pupil_keys"),
    [
        ("overstapformulier-noord", {"achternaam", "voorvoegsel", "voornamen", "roepnaam",
                                     "geboortedatum", "identificatie", "bsn"}),
        ("onderwijskundig-rapport-noord", {"achternaam", "voorvoegsel", "voornamen", "roepnaam",
                                           "geboortedatum", "identificatie", "bsn"}),
        ("aanmeldformulier-noord", {"kind_achternaam", "kind_voorletters", "kind_roepnaam",
                                    "kind_geboortedatum", "kind_bsn", "ouders"}),
    ],
)  # fmt: skip
def test_a_form_started_for_a_pupil_is_prefilled_without_errors(
    seeded: AppState, rng: random.Random, form_id: str, pupil_keys: set[str]
) -> None:
    bsn = a_bsn(rng)
    pupil_id = register(seeded, bsn)
    entry = seeded.registry.latest(form_id)
    assert entry is not None
    with seeded.db.session() as session:
        pupil = session.get(Pupil, pupil_id)
        assert pupil is not None
        answers = service.prefill(pupil, bsn)
    fields = set(entry.form.by_key)
    assert pupil_keys <= fields & set(answers)  # the form has these keys, and they are filled
    state = evaluate(entry.form, answers, date(2026, 12, 1))
    for key in pupil_keys:
        assert state.value.get(key) is not None or key == "ouders", key
        assert not state.errors.get(key), (key, state.errors.get(key))
    if "ouders" in pupil_keys:  # only the guardians with gezag, in the form's codes
        rows = state.values["ouders"]
        assert [(r["ouder_naam"], r["ouder_relatie"], r["ouder_gezag"]) for r in rows] == [
            ("A. van den Berg", "2", True)
        ]
        assert not [k for k in state.errors if k.startswith("ouders[0].ouder_")
                    and k.split(".")[-1] in ("ouder_naam", "ouder_relatie", "ouder_gezag",
                                             "ouder_telefoon", "ouder_email")]  # fmt: skip


def test_without_the_number_a_prefilled_form_leaves_it_to_fill_in(
    seeded: AppState, rng: random.Random
) -> None:
    pupil_id = register(seeded, an_onderwijsnummer(rng))
    with seeded.db.session() as session:
        pupil = session.get(Pupil, pupil_id)
        assert pupil is not None
        answers = service.prefill(pupil)
    assert answers["identificatie"] == "onderwijsnummer"
    assert "onderwijsnummer" not in answers and "bsn" not in answers and "kind_bsn" not in answers
    assert answers["kind_voorletters"] == "S.M." and answers["voorvoegsel"] == "van den"


# ---------------------------------------------------------------------- the migration


def test_the_migration_goes_down_and_up_again(scratch_settings: Settings) -> None:
    settings = scratch_settings
    upgrade(settings)
    assert {"pupil", "guardian"} <= table_names(settings)
    command.downgrade(alembic_config(settings), "0017")  # the revision before the pupils
    assert not {"pupil", "guardian"} & table_names(settings)
    assert "organisation" in table_names(settings)
    upgrade(settings)
    assert {"pupil", "guardian"} <= table_names(settings)


def test_the_migrated_tables_are_the_models(seeded: AppState) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with seeded.db.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, Base.metadata)
    ours = [d for d in differences if "pupil" in str(d) or "guardian" in str(d)]
    assert ours == []


def test_the_pupil_is_an_audit_subject() -> None:
    subject = audit.SUBJECTS["pupil"]
    assert subject.id is Pupil.id and subject.organisation is Pupil.current_school_id


# ---------------------------------------------------------------------- the key


def test_the_pupil_key_is_derived_from_the_secret_key_unless_set(tmp_path: Any) -> None:
    derived = AppSettings(configured_secret_key=SecretStr("geheim"), data_dir=tmp_path)
    again = AppSettings(configured_secret_key=SecretStr("geheim"), data_dir=tmp_path)
    other = AppSettings(configured_secret_key=SecretStr("anders"), data_dir=tmp_path)
    own = derived.replace(configured_pupil_key=SecretStr("leerling-sleutel"))
    assert PupilsSettings.of(derived).pupil_key == PupilsSettings.of(again).pupil_key
    assert PupilsSettings.of(derived).pupil_key != PupilsSettings.of(other).pupil_key
    assert PupilsSettings.of(derived).pupil_key != derived.audit_key
    assert PupilsSettings.of(own).pupil_key == b"leerling-sleutel"
    keys = service.keys_of(derived)  # one key per purpose, none of them the configured one
    assert len({keys.encryption, keys.lookup, PupilsSettings.of(derived).pupil_key}) == 3


def test_popo_settings_shows_the_pupil_key_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POPO_PUPIL_KEY", raising=False)
    out = io.StringIO()
    assert main(["settings"], out) == 0
    assert "POPO_PUPIL_KEY" in out.getvalue()
    line = next(x for x in out.getvalue().splitlines() if x.startswith("POPO_PUPIL_KEY"))
    assert line.split(None, 1)[1] == "(derived from the secret key)  (default)"
    monkeypatch.setenv("POPO_PUPIL_KEY", "leerling-sleutel-789")
    out = io.StringIO()
    assert main(["settings"], out) == 0
    line = next(x for x in out.getvalue().splitlines() if x.startswith("POPO_PUPIL_KEY"))
    assert line.split(None, 1)[1] == "(set, hidden)  (env)"
    assert "leerling-sleutel-789" not in out.getvalue()

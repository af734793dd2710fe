"""A placement round on the demo region (definitions/noord/plaatsing.placement.yaml and the
demo's registrations): asked for, run as a job, its result on the pages of the SWV, of each
school (and not of another school) and of the parents; its log verifies with `popo placement
verify`, and a tampered log does not."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from litestar import Litestar
from sqlalchemy import select

from runtime import jobs
from runtime.audit.models import AuditEvent
from runtime.cli import main
from runtime.clock import SESSION_KEY, FrozenClock
from runtime.db.base import Base
from runtime.db.migrate import alembic_config, upgrade
from runtime.organisations.models import Organisation
from runtime.placement.models import Placement, PlacementRound, RoundStatus
from runtime.placement.service import PlacementService, RoundRefused
from runtime.pupils.models import Pupil
from runtime.settings import Settings
from runtime.state import AppState
from runtime.transfers import parents
from runtime.transfers.models import Transfer

from .conftest import table_names
from .test_transfers import Client, logged_in

POLICY = "plaatsing-noord"
REGENBOOG, LINDE = "12AB00", "34CD00"


def popo(state: AppState, *argv: str) -> tuple[int, str]:
    """``popo …`` against the test database, as an operator runs it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("POPO_DATABASE_URL", state.settings.database_url)
        patch.setenv("POPO_DATA_DIR", str(state.settings.data_dir))
        out = io.StringIO()
        code = main(list(argv), out)
    return code, out.getvalue()


@pytest.fixture(scope="module")
def round_log(seeded: AppState, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A round run with `popo placement run`, and its log."""
    path = tmp_path_factory.mktemp("placement") / "ronde.json"
    code, out = popo(seeded, "placement", "run", POLICY, "--log", str(path))
    assert code == 0, out
    assert f"of {POLICY}@1 finished:" in out and "22 placed" in out
    assert f"log written to {path}" in out
    return path


def result_of(state: AppState) -> tuple[PlacementRound, list[tuple[Placement, Pupil]]]:
    with state.db.session() as session:
        entry = state.registry.placement(POLICY)
        assert entry is not None
        found = PlacementService(session, state.registry).result(entry.policy)
        assert found is not None
        rows = session.execute(
            select(Placement, Pupil)
            .join(Pupil, Placement.pupil_id == Pupil.id)
            .where(Placement.round_id == found.id)
        ).all()
        return found, [(p, pupil) for p, pupil in rows]


def at(rows: list[tuple[Placement, Pupil]], state: AppState, code: str) -> list[Pupil]:
    """The children placed at the school ``code``."""
    with state.db.session() as session:
        school = session.scalar(select(Organisation.id).where(Organisation.code == code))
    return [pupil for placement, pupil in rows if placement.school_id == school]


def full_name(pupil: Pupil) -> str:
    return " ".join(p for p in (pupil.roepnaam or pupil.voornamen, pupil.achternaam) if p)


@pytest.fixture
def swv(app: Litestar, seeded: AppState) -> Iterator[Client]:
    yield from logged_in(app, "swv@noord.demo")


@pytest.fixture
def linde(app: Litestar, seeded: AppState) -> Iterator[Client]:
    yield from logged_in(app, "directeur@linde.demo")


@pytest.fixture
def kompas(app: Litestar, seeded: AppState) -> Iterator[Client]:
    yield from logged_in(app, "ib@kompas.demo")


# ---------------------------------------------------------------------- the round as a job


def test_a_round_is_queued_as_a_job_and_the_job_runs_it(seeded: AppState) -> None:
    entry = seeded.registry.placement(POLICY)
    assert entry is not None
    with seeded.db.session() as session:
        queued = PlacementService(session, seeded.registry, seeded.settings).queue(
            entry, requested_by="test", seed="proef-zaad"
        )
        round_id = queued.id
    assert ("placement_round", {"round_id": str(round_id)}) in jobs.waiting(seeded)
    jobs.run_until_idle(seeded)
    with seeded.db.session() as session:
        done = session.get(PlacementRound, round_id)
        assert done is not None
        assert done.status is RoundStatus.FINISHED, done.problem
        assert done.seed == "proef-zaad" and done.seed_given
        assert done.children >= 30 and done.placed == 22  # 12 + 10 places, all taken
        assert done.input_hash == done.log["input_sha256"]  # type: ignore[index]
        names = json.dumps(done.log)
        placements = session.scalars(select(Placement).where(Placement.round_id == round_id))
        rows = list(placements)
        assert len(rows) == done.children
        assert sum(1 for p in rows if p.school_id is not None) == 22
        # pseudonymised: the log names no child, only the round's tokens
        for pupil in session.scalars(select(Pupil).where(Pupil.id.in_([p.pupil_id for p in rows]))):
            assert pupil.achternaam not in names
        assert {p.token for p in rows} == {c["id"] for c in done.log["input"]["children"]}  # type: ignore[index]
    # the same seed on the same registrations gives the same result
    with seeded.db.session() as session:
        again = PlacementService(session, seeded.registry, seeded.settings).queue(
            entry, requested_by="test", seed="proef-zaad"
        )
        again_id = again.id
    jobs.run_until_idle(seeded)
    with seeded.db.session() as session:
        first = session.get(PlacementRound, round_id)
        second = session.get(PlacementRound, again_id)
        assert first is not None and second is not None
        assert second.log["result"] == first.log["result"]  # type: ignore[index]


def test_a_round_waits_for_its_day_unless_asked_early(seeded: AppState) -> None:
    entry = seeded.registry.placement(POLICY)
    assert entry is not None
    with seeded.db.session() as session:
        session.info[SESSION_KEY] = FrozenClock(datetime(2026, 11, 10, 12, tzinfo=UTC))
        service = PlacementService(session, seeded.registry, seeded.settings)
        with pytest.raises(RoundRefused) as refused:
            service.queue(entry, requested_by="test")
        assert "runs on 2026-11-27, and today is 2026-11-10" in refused.value.message
        assert "--early" in refused.value.hint
        early = service.queue(entry, requested_by="test", early=True)
        assert early.status is RoundStatus.QUEUED
        session.rollback()


# ---------------------------------------------------------------------- the log


def test_the_log_verifies_and_a_tampered_log_does_not(round_log: Path, seeded: AppState) -> None:
    code, out = popo(seeded, "placement", "verify", str(round_log))
    assert code == 0, out
    assert out.startswith(f"OK: the round of {POLICY}@1 follows from its input and seed")
    log = json.loads(round_log.read_text())
    placed = log["result"]["placed"]
    unplaced = next(child for child, school in placed.items() if school is None)
    placed[unplaced] = REGENBOOG  # a child given a place after the round
    tampered = round_log.with_name("tampered.json")
    tampered.write_text(json.dumps(log))
    code, out = popo(seeded, "placement", "verify", str(tampered))
    assert code == 1
    assert f"child '{unplaced}': the log places it at school '{REGENBOOG}'" in out
    assert "FAILED: the log of plaatsing-noord@1 does not verify" in out
    log = json.loads(round_log.read_text())
    log["seed"] = "another seed"
    tampered.write_text(json.dumps(log))
    assert popo(seeded, "placement", "verify", str(tampered))[0] == 1


def test_an_unknown_policy_is_named(seeded: AppState) -> None:
    code, out = popo(seeded, "placement", "run", "plaatsing-nord")
    assert code == 2
    assert "no placement policy plaatsing-nord" in out and "plaatsing-noord@1" in out


# ---------------------------------------------------------------------- the pages


def test_the_swv_sees_the_round_every_school_and_the_children_without_a_place(
    round_log: Path, seeded: AppState, swv: Client
) -> None:
    current, rows = result_of(seeded)
    page = swv.get(f"/placement/{POLICY}?lang=en")
    assert page.status_code == 200
    text = page.text
    assert "Basisschool De Regenboog (demo)" in text and "Basisschool De Linde (demo)" in text
    schools = text.split('id="schools"')[1].split("</table>")[0]
    assert "<td>12</td>" in schools and "<td>10</td>" in schools  # the places
    unplaced = [pupil for placement, pupil in rows if placement.school_id is None]
    assert unplaced
    section = text.split('id="unplaced"')[1]
    for pupil in unplaced:
        assert full_name(pupil) in section
    assert "has no place in this round" in section  # the explanation, per child
    # the log to download is the round's, and verifies
    log = swv.get(f"/placement/{POLICY}/rounds/{current.id}/log.json")
    assert log.status_code == 200 and "attachment" in log.headers["content-disposition"]
    downloaded = round_log.with_name("downloaded.json")
    downloaded.write_bytes(log.content)
    assert popo(seeded, "placement", "verify", str(downloaded))[0] == 0
    assert swv.get("/placement").status_code == 200


def test_a_school_sees_its_own_result_and_no_other(
    round_log: Path, seeded: AppState, client: Client, linde: Client, kompas: Client
) -> None:
    current, rows = result_of(seeded)
    mine = client.get(f"/placement/{POLICY}/schools/{REGENBOOG}?lang=en")  # ib@regenboog
    assert mine.status_code == 200
    placed = mine.text.split('id="placed-children"')[1].split("</table>")[0]
    regenboog = at(rows, seeded, REGENBOOG)
    assert len(regenboog) == 12
    for pupil in regenboog:
        assert full_name(pupil) in placed
    for pupil in at(rows, seeded, LINDE):
        assert full_name(pupil) not in mine.text
    assert 'id="cutoff"' in mine.text and "lottery number" in mine.text
    # another school's result, and the round's page, do not exist for De Regenboog's staff
    assert client.get(f"/placement/{POLICY}/schools/{LINDE}").status_code == 404
    assert client.get(f"/placement/{POLICY}").status_code == 404
    assert client.get(f"/placement/{POLICY}/rounds/{current.id}/log.json").status_code == 404
    # and De Linde's head sees De Linde's, not De Regenboog's
    assert linde.get(f"/placement/{POLICY}/schools/{LINDE}").status_code == 200
    assert linde.get(f"/placement/{POLICY}/schools/{REGENBOOG}").status_code == 404
    # a school of another region has no page at all
    assert kompas.get("/placement").status_code == 404
    assert kompas.get(f"/placement/{POLICY}/schools/{REGENBOOG}").status_code == 404
    index = client.get("/placement").text
    assert f"/placement/{POLICY}/schools/{REGENBOOG}" in index
    assert f"/placement/{POLICY}/schools/{LINDE}" not in index
    # what the school was shown is in the audit log, child by child
    with seeded.db.session() as session:
        shown = session.scalars(
            select(AuditEvent.object_id).where(AuditEvent.object_type == "placement")
        ).all()
        assert {str(p.id) for p, _ in rows if p.school_id is not None} & set(shown)


def test_parents_see_their_childs_placement_and_why(
    round_log: Path, seeded: AppState, anonymous: Client
) -> None:
    _current, rows = result_of(seeded)
    placed = next(p for p, _ in rows if p.school_id is not None and p.choice == 2)
    unplaced = next(p for p, _ in rows if p.school_id is None)
    for placement, expected in (
        (placed, "Your child has a place at Basisschool"),
        (unplaced, "Your child has no place in this round"),
    ):
        with seeded.db.session() as session:
            transfer = session.get(Transfer, placement.transfer_id)
            assert transfer is not None
            _, token = parents.create_link(session, transfer, language="en")
        page = anonymous.get(f"/p/{token}?lang=en")
        assert page.status_code == 200
        section = page.text.split('id="plaatsing"')[1]
        assert "Central placement" in page.text
        assert expected in section.split('id="placement-explanation"')[1]
        # a child placed at its second choice is told why not at its first
        if placement is placed:
            assert "was full" in section


# ---------------------------------------------------------------------- the migration


def test_the_migrated_tables_are_the_models(seeded: AppState) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with seeded.db.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, Base.metadata)
    assert [d for d in differences if "placement" in str(d)] == []


def test_the_migration_goes_down_and_up_again(scratch_settings: Settings) -> None:
    settings = scratch_settings
    upgrade(settings)
    assert {"placement_round", "placement"} <= table_names(settings)
    command.downgrade(alembic_config(settings), "0021")  # the revision before placement
    assert not {"placement_round", "placement"} & table_names(settings)
    upgrade(settings)
    assert {"placement_round", "placement"} <= table_names(settings)

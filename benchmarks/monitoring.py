"""Monitoring benchmark: are the standard overviews and the dashboard fast on a nation's data?

In one run, on a fresh database (SQLite in a temporary folder; PostgreSQL with
``--database-url``, whose ``public`` schema is dropped and made again): DUO's real school
locations and their SWVs (../shared/domain) and DUO's pupil counts are imported, every bestuur
gets a processing agreement with itself and its SWV(s) from 2020-01-01, and ``--transfers``
transfers of ``--pupils`` pupils are made in bulk over the last three years (most within the
municipality or the SWV; about 80% closed), each with its registration (Admission) at the
receiving school, plus support requests and absence cases. Then every standard overview of
every audience (school, bestuur, SWV) is run through ``queries.run`` for a mix of principals
(schools as intern begeleider, besturen, SWVs) and views (the default period, three years, a
filter on the first choice dimension), and the dashboard ``GET /monitoring`` is timed for a
logged-in school, bestuur and SWV user.

Baseline, in the same run: the overviews of the transfers and registrations are timed first
without monitoring's indexes (INDEXES, migration 0029, dropped for it; ``--without-indexes``
skips this), then every overview on the schema as migrated, as POPO ships it (the person's
organisations read once, JIT off on PostgreSQL: runtime/monitoring/queries.py).
``baseline_ratio`` is the transfer overviews' largest p95 without the indexes over that as
shipped (above 1: the indexes help).

The last line printed is one JSON object. ``--quick`` uses 50,000 transfers, 25,000 pupils
and fewer principals (under a minute on SQLite).

    PYTHONPATH=$PWD .venv/bin/python -m benchmarks.monitoring --quick
    PYTHONPATH=$PWD .venv/bin/python -m benchmarks.monitoring \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/popo_bench
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parent.parent
DOMAIN = REPOSITORY.parent / "shared" / "domain"
LOCATIONS = DOMAIN / "duo-02-alle-schoolvestigingen-basisonderwijs.csv"
SWV_MAP = DOMAIN / "swv-regio-indeling-pc4-gemeente-po-vo-2015.csv"
COUNTS = DOMAIN / "duo-06-historisch-overzicht-aantal-leerlingen-per-schoolvestiging.csv"
BATCH = 10_000
PASSWORD = "bench-wachtwoord-2027"
PROCEDURE = ("tussentijdse-overstap", 1)
OPEN_STATUSES = ("gemeld", "aangemeld", "in_behandeling", "toegelaten", "ingeschreven")
# a closed transfer's status and its registration's state
ENDINGS = (
    ("afgerond", "admitted", 80),
    ("afgewezen", "refused", 7),
    ("niet_in_behandeling", "not_handled", 3),
    ("ingetrokken", "withdrawn", 10),
)
REASONS = (
    ("verhuizing", 50),
    ("onderwijskundig", 15),
    ("ondersteuning", 15),
    ("conflict", 7),
    ("beleid_school", 5),
    ("anders", 8),
)
# monitoring's indexes (migration 0029), dropped for the baseline: (name, table, columns)
INDEXES = (
    ("ix_transfer_sending_created", "transfer", ("sending_school_id", "created_at")),
    ("ix_transfer_receiving_created", "transfer", ("receiving_school_id", "created_at")),
    ("ix_admission_school_received", "admission", ("school_id", "received_on")),
)
TIMED_SOURCES = ("transfers", "registrations")  # the sources the indexes are for


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def fresh(url: str) -> None:
    """An empty PostgreSQL database: its schema dropped and made again."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def weighted(rng: random.Random, pairs: tuple[tuple[Any, ...], ...]) -> tuple[Any, ...]:
    return rng.choices(pairs, weights=[p[-1] for p in pairs])[0]


def batches(session: Any, table: Any, rows: Iterable[dict[str, Any]]) -> int:
    from sqlalchemy import insert

    done, batch = 0, []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            session.execute(insert(table), batch)
            done, batch = done + len(batch), []
    if batch:
        session.execute(insert(table), batch)
        done += len(batch)
    return done


def agreements(session: Any) -> int:
    """Every bestuur processes its own data and lets each of its schools' SWVs do so."""
    from sqlalchemy import select

    from runtime.organisations.models import Organisation, ProcessingAgreement

    pairs = set()
    for board, swv in session.execute(
        select(Organisation.parent_id, Organisation.swv_id).where(
            Organisation.kind == "school", Organisation.parent_id.is_not(None)
        )
    ):
        pairs.add((board, board))
        if swv is not None:
            pairs.add((board, swv))
    return batches(
        session,
        ProcessingAgreement,
        (
            {"id": uuid.uuid4(), "bestuur_id": b, "processor_id": p, "starts_on": date(2020, 1, 1)}
            for b, p in sorted(pairs, key=str)
        ),
    )


class Schools:
    """The real schools with their bestuur, SWV and municipality, to pick a transfer's pair."""

    def __init__(self, session: Any) -> None:
        from sqlalchemy import select

        from runtime.organisations.models import Organisation

        found = session.execute(
            select(
                Organisation.id, Organisation.parent_id, Organisation.swv_id, Organisation.city
            ).where(Organisation.kind == "school")
        ).all()
        self.ids = [row[0] for row in found]
        self.swv_of = {row[0]: row[2] for row in found}
        self.city_of = {row[0]: row[3] for row in found}
        self.by_swv: dict[Any, list[uuid.UUID]] = defaultdict(list)
        self.by_city: dict[Any, list[uuid.UUID]] = defaultdict(list)
        self.by_board: dict[Any, list[uuid.UUID]] = defaultdict(list)
        for school, board, swv, city in found:
            self.by_swv[swv].append(school)
            self.by_city[city].append(school)
            self.by_board[board].append(school)

    def pair(self, rng: random.Random) -> tuple[uuid.UUID, uuid.UUID]:
        sending = rng.choice(self.ids)
        roll = rng.random()
        if roll < 0.55:
            pool = self.by_city[self.city_of[sending]]
        elif roll < 0.9:
            pool = self.by_swv[self.swv_of[sending]]
        else:
            pool = self.ids
        receiving = rng.choice(pool) if len(pool) > 1 else rng.choice(self.ids)
        while receiving == sending:
            receiving = rng.choice(self.ids)
        return sending, receiving


def grow(
    session: Any,
    settings: Any,
    schools: Schools,
    transfers: int,
    pupils: int,
    rng: random.Random,
    now: datetime,
) -> dict[str, int]:
    """The pupils, transfers and registrations in bulk (as benchmarks/register.py ``grow``)."""
    from runtime.admissions.models import Admission
    from runtime.pupils.models import Pupil
    from runtime.pupils.service import keys_of
    from runtime.transfers.models import Transfer

    keys = keys_of(settings)
    pupil_ids = [uuid.uuid4() for _ in range(pupils)]
    school_of: list[uuid.UUID] = [rng.choice(schools.ids) for _ in range(pupils)]

    def pupil_rows() -> Iterable[dict[str, Any]]:
        for index, pupil_id in enumerate(pupil_ids):
            number = f"{300000000 + index}"  # unique; the benchmark does not check the 11-test
            lookup = keys.lookup_hash("bsn", number)
            yield {
                "id": pupil_id,
                "number_kind": "bsn",
                "number_hash": lookup,
                "number_sealed": keys.encrypt("bsn", number, lookup),
                "key_check": keys.check,
                "voornamen": "Kind",
                "achternaam": f"Achternaam{index % 5000}",
                "geboortedatum": date(2014, 1, 1) + timedelta(days=index % 2900),
                "current_school_id": school_of[index],
                "created_at": now,
                "updated_at": now,
            }

    span = 3 * 365 * 24 * 60  # minutes in three years
    admissions: list[dict[str, Any]] = []

    def transfer_rows() -> Iterable[dict[str, Any]]:
        for index in range(transfers):
            sending, receiving = schools.pair(rng)
            first = rng.random() < 0.04  # a first school: no sending school
            started = now - timedelta(minutes=rng.randrange(span))
            day = started.date()
            closed = rng.random() < 0.8 and day < now.date() - timedelta(days=14)
            received = day + timedelta(days=rng.randrange(1, 10))
            decided = received + timedelta(days=rng.randrange(5, 55))
            if closed:
                status, state, _ = weighted(rng, ENDINGS)
                enrolled = decided + timedelta(days=rng.randrange(1, 20))
                enrolled_on = enrolled if status == "afgerond" else None
                closed_at = datetime.combine(enrolled_on or decided, started.time())
                decided_on = decided if state != "withdrawn" else None
            else:
                status = rng.choice(OPEN_STATUSES)
                state = "active" if status != "gemeld" else "waiting"
                enrolled_on, closed_at = None, None
                decided_on = decided if status in ("toegelaten", "ingeschreven") else None
                if decided_on is not None and decided_on >= now.date():
                    decided_on = None
            transfer_id = uuid.uuid4()
            admissions.append(
                {
                    "id": uuid.uuid4(),
                    "transfer_id": transfer_id,
                    "school_id": receiving,
                    "position": 1,
                    "state": state,
                    "received_on": received if status != "gemeld" else None,
                    "decided_on": decided_on,
                    "decision_due_on": received + timedelta(weeks=6),
                    "not_handled_due_on": received + timedelta(weeks=10),
                    "ten_weeks_on": received + timedelta(weeks=10),
                    "updated_at": started,
                }
            )
            yield {
                "id": transfer_id,
                "reference": f"OV-{day.year}-M{index:07d}",
                "pupil_id": pupil_ids[index % pupils],
                "sending_school_id": None if first else sending,
                "receiving_school_id": receiving,
                "procedure_id": PROCEDURE[0],
                "procedure_version": PROCEDURE[1],
                "status": status,
                "reason": weighted(rng, REASONS)[0],
                "started_by_party": "parents" if first else "sending_school",
                "desired_date": day + timedelta(weeks=8),
                "enrolled_on": enrolled_on,
                "deregistered_on": enrolled_on - timedelta(days=1)
                if enrolled_on and not first
                else None,
                "due_on": received + timedelta(weeks=6),
                "version": 1,
                "created_at": started,
                "updated_at": closed_at or started,
                "closed_at": closed_at,
            }

    made = {"pupils": batches(session, Pupil, pupil_rows())}
    session.flush()
    made["transfers"] = batches(session, Transfer, transfer_rows())
    made["admissions"] = batches(session, Admission, admissions)
    made.update(extras(session, schools, pupil_ids, school_of, rng, now))
    return made


def extras(
    session: Any,
    schools: Schools,
    pupil_ids: list[uuid.UUID],
    school_of: list[uuid.UUID],
    rng: random.Random,
    now: datetime,
) -> dict[str, int]:
    """A few thousand support requests and absence cases of the pupils' schools."""
    from runtime.absence.models import AbsenceCase
    from runtime.support.models import SupportRequest

    count = max(200, min(5000, len(pupil_ids) // 10))
    kinds = (("tlv", "tlv-aanvraag"), ("arrangement", "arrangement"))
    support, absence = [], []
    for index in range(count):
        pupil = rng.randrange(len(pupil_ids))
        school = school_of[pupil]
        swv = schools.swv_of[school]
        if swv is None:
            continue
        created = now - timedelta(days=rng.randrange(3 * 365))
        decided = created.date() + timedelta(days=rng.randrange(10, 60))
        done = decided < now.date() and rng.random() < 0.7
        kind, procedure = kinds[index % 2]
        support.append(
            {
                "id": uuid.uuid4(),
                "reference": f"OL-{created.year}-M{index:06d}",
                "kind": kind,
                "procedure_id": procedure,
                "procedure_version": 1,
                "status": "besloten" if done else "ingediend",
                "version": 1,
                "pupil_id": pupil_ids[pupil],
                "school_id": school,
                "swv_id": swv,
                "created_at": created,
                "updated_at": created,
                "submitted_at": created + timedelta(days=3),
                "due_on": created.date() + timedelta(weeks=6),
                "decided_on": decided if done else None,
                "decision": rng.choice(("granted", "granted", "rejected")) if done else None,
                "closed_at": datetime.combine(decided, created.time()) if done else None,
            }
        )
        first = created.date()
        ended = rng.random() < 0.6 and first < now.date() - timedelta(days=60)
        absence.append(
            {
                "id": uuid.uuid4(),
                "pupil_id": pupil_ids[pupil],
                "school_id": school,
                "swv_id": swv,
                "kind": rng.choice(("relative", "relative", "long_term")),
                "status": "ended" if ended else "open",
                "first_absent_on": first,
                "hours": rng.randrange(4, 80),
                "reported_on": first + timedelta(days=7) if rng.random() < 0.5 else None,
                "ended_on": first + timedelta(days=50) if ended else None,
                "created_at": created,
                "updated_at": created,
            }
        )
    return {
        "support_requests": batches(session, SupportRequest, support),
        "absence_cases": batches(session, AbsenceCase, absence),
    }


def create_indexes(session: Any) -> None:
    from sqlalchemy import text

    for name, table, columns in INDEXES:
        session.execute(
            text(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({', '.join(columns)})")
        )


def drop_indexes(session: Any) -> None:
    from sqlalchemy import text

    for name, _, _ in INDEXES:
        session.execute(text(f"DROP INDEX IF EXISTS {name}"))


def analyze(session: Any) -> None:
    from sqlalchemy import text

    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE transfer"))
        session.execute(text("ANALYZE admission"))
    else:
        session.execute(text("ANALYZE"))


def principals(session: Any, schools: Schools, rng: random.Random, sizes: tuple[int, int, int]):  # type: ignore[no-untyped-def]
    """Perspectives of random schools (intern begeleider), besturen and SWVs, without login."""
    from sqlalchemy import select

    from runtime.access.accounts import Principal, Role
    from runtime.monitoring.results import Perspective
    from runtime.organisations.models import Organisation

    names = {i: n for i, n in session.execute(select(Organisation.id, Organisation.name))}
    boards = sorted((b for b in schools.by_board if b is not None), key=str)
    swvs = sorted((s for s in schools.by_swv if s is not None), key=str)
    picked = [
        ("school", "intern_begeleider", "school", rng.sample(schools.ids, sizes[0])),
        ("bestuur", "bestuur", "bestuur", rng.sample(boards, sizes[1])),
        ("swv", "swv", "swv", rng.sample(swvs, sizes[2])),
    ]
    found: dict[str, list[Any]] = {}
    for audience, role, kind, ids in picked:
        found[audience] = [
            Perspective(
                audience,
                organisation,
                names.get(organisation, ""),
                Principal(
                    uuid.uuid4(),
                    f"{audience}@bench.local",
                    "Bench",
                    (Role(role, organisation, kind),),
                    uuid.uuid4(),
                ),
            )
            for organisation in ids
        ]
    return found


def views_of(overview: Any, registry: Any, today: date) -> list[tuple[str, Any]]:
    """The default period, three years, and a filter on the first choice dimension."""
    from engine.overviews.sources import SOURCES
    from runtime.monitoring import queries, views

    three = {"from": [(today - timedelta(days=3 * 365)).isoformat()]}
    asked = [("default", {}), ("3y", three)]
    labels = queries.choice_labels(registry, overview.source, "nl")
    dimensions = SOURCES[overview.source].dimensions
    for name in views.filterable(overview):
        values = sorted(labels.get(name, {}))
        if dimensions[name].kind == "choice" and values:
            value = "verhuizing" if "verhuizing" in values else values[0]
            asked.append((f"f.{name}", {**three, f"f.{name}": [value]}))
            break
    return [(label, views.read(overview, params, today).view) for label, params in asked]


def measure(
    session: Any,
    registry: Any,
    perspectives: dict[str, list[Any]],
    today: date,
    runs: int,
    label: str,
    wanted: Callable[[Any], bool] = lambda overview: True,
) -> dict[str, list[float]]:
    from runtime.monitoring import queries

    samples: dict[str, list[float]] = defaultdict(list)
    for audience, found in perspectives.items():
        for overview in registry.overviews_for(audience):
            if not wanted(overview):
                continue
            for perspective in found:
                for _label, view in views_of(overview, registry, today):
                    for _ in range(runs):
                        start = time.perf_counter()
                        queries.run(
                            session,
                            registry,
                            overview,
                            perspective,
                            view,
                            on=today,
                            language="nl",
                            suppress_below=5,
                        )
                        samples[overview.id].append(time.perf_counter() - start)
            worst = p95(samples[overview.id]) * 1000
            print(
                f"  [{label}] {audience} {overview.id}: p95 {worst:.1f} ms",
                file=sys.stderr,
                flush=True,
            )
    return samples


def explain(session: Any, registry: Any, perspective: Any, today: date) -> list[str]:
    """PostgreSQL's plan of the grouped aggregate of the transfers per month, for an SWV."""
    from sqlalchemy import and_, select, text

    from runtime.monitoring import queries, views

    overview = registry.overview("overstappen-per-maand")
    if overview is None or session.get_bind().dialect.name != "postgresql":
        return []
    view = views.read(overview, {}, today).view
    ask = queries.ask_of(session, registry, perspective, view, today)
    rows, conditions = queries._filtered(overview, ask, view)
    dimensions = [rows.c[f"d_{name}"] for name in overview.rows]
    measures = [c for m in overview.measures for c in queries._aggregates(rows, m)]
    grouped = (
        select(*dimensions, *measures)
        .select_from(rows)
        .where(and_(*conditions))
        .group_by(*dimensions)
    )
    compiled = grouped.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    plan = session.execute(text(f"EXPLAIN ANALYZE {compiled}")).scalars().all()
    return [str(line) for line in plan]


def dashboards(state: Any, settings: Any, perspectives: dict[str, list[Any]], runs: int) -> dict:  # type: ignore[type-arg]
    """The median ms of GET /monitoring for one logged-in user per audience."""
    from litestar.testing import TestClient
    from sqlalchemy import select

    from runtime.access.accounts import create_user
    from runtime.app import create_app
    from runtime.organisations.models import Organisation

    role_of = {"school": "intern_begeleider", "bestuur": "bestuur", "swv": "swv"}
    with state.db.session() as session:
        for audience, found in perspectives.items():
            organisation = session.scalar(
                select(Organisation).where(Organisation.id == found[0].organisation_id)
            )
            create_user(
                session,
                f"{audience}@bench.local",
                f"Bench {audience}",
                PASSWORD,
                [(role_of[audience], organisation)],
            )
    app = create_app(settings, state)
    result = {}
    for audience in perspectives:
        with TestClient(app, base_url="http://bench.local") as client:

            def add_token(request: Any, client: Any = client) -> None:
                token = client.cookies.get("csrftoken")
                if token and "x-csrftoken" not in request.headers:
                    request.headers["x-csrftoken"] = token

            client.event_hooks["request"].append(add_token)
            client.get("/login")
            response = client.post(
                "/login",
                data={"email": f"{audience}@bench.local", "password": PASSWORD},
                follow_redirects=False,
            )
            assert response.status_code == 303, response.text[:300]
            assert client.get("/monitoring").status_code == 200
            samples = []
            for _ in range(runs):
                start = time.perf_counter()
                response = client.get("/monitoring")
                samples.append(time.perf_counter() - start)
                assert response.status_code == 200
            result[audience] = round(statistics.median(samples) * 1000, 1)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50,000 transfers, fewer runs")
    parser.add_argument("--transfers", type=int, default=1_000_000)
    parser.add_argument("--pupils", type=int, default=500_000)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL database to empty")
    parser.add_argument(
        "--without-indexes", action="store_true", help="do not time the baseline without them"
    )
    args = parser.parse_args(argv)
    transfers = 50_000 if args.quick else args.transfers
    pupils = 25_000 if args.quick else args.pupils
    runs = 1
    sizes = (4, 3, 2) if args.quick else (20, 10, 5)
    sys.path.insert(0, str(REPOSITORY))

    from sqlalchemy import func, select

    from runtime.db.migrate import upgrade
    from runtime.definitions import Registry
    from runtime.domains import AppSettings
    from runtime.organisations.counts import import_counts
    from runtime.organisations.duo import import_file
    from runtime.organisations.models import Organisation
    from runtime.state import AppState

    clock = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        if args.database_url:
            fresh(url)
        settings = AppSettings(
            database_url=url,
            data_dir=Path(folder) / "var",
            log_format="text",
            log_level="WARNING",
            login_attempts_per_address=1_000_000,
        )
        upgrade(settings)
        state = AppState.create(settings)
        registry = Registry.load(REPOSITORY / "definitions")
        rng = random.Random(11)
        now = datetime.now(UTC).replace(tzinfo=None)
        today = now.date()
        with state.db.session() as session:
            report = import_file(session, LOCATIONS, SWV_MAP)
            counted = import_counts(session, COUNTS)
            made = {"agreements": agreements(session)}
            schools = Schools(session)
            made.update(grow(session, settings, schools, transfers, pupils, rng, now))
        print(f"imported: {report.summary()}; counts: {counted.summary()}")
        print(f"made: {made} in {time.perf_counter() - clock:.0f} s")
        with state.db.session() as session:
            analyze(session)  # the planner knows the tables' sizes
            school_count = session.scalar(select(func.count()).where(Organisation.kind == "school"))
            perspectives = principals(session, schools, rng, sizes)
        indexed = {
            o.id
            for a in ("school", "bestuur", "swv")
            for o in registry.overviews_for(a)
            if o.source in TIMED_SOURCES
        }
        postgresql = bool(args.database_url)
        swv = perspectives["swv"][0]
        baseline: dict[str, list[float]] = {}
        plans: dict[str, list[str]] = {}
        if not args.without_indexes:
            with state.db.session() as session:
                drop_indexes(session)
                analyze(session)
            with state.db.session() as session:
                baseline = measure(
                    session,
                    state.registry,
                    perspectives,
                    today,
                    runs,
                    "without monitoring's indexes",
                    lambda overview: overview.id in indexed,
                )
                plans["without the indexes"] = explain(session, state.registry, swv, today)
            with state.db.session() as session:
                create_indexes(session)
                analyze(session)
        with state.db.session() as session:
            samples = measure(session, state.registry, perspectives, today, runs, "as shipped")
            plans["as shipped"] = explain(session, state.registry, swv, today)
        dashboard = dashboards(state, settings, perspectives, 3 if args.quick else 5)
        state.stop_workers()
    database = "postgresql" if postgresql else "sqlite"
    for label, lines in plans.items():
        if lines:
            print(f"EXPLAIN ANALYZE overstappen-per-maand, one SWV, {label}:")
            shown = lines[:12] + [line for line in lines[12:] if "JIT" in line or "Timing" in line]
            print("\n".join(f"  {line}" for line in shown))
    p95_ms = {name: round(p95(s) * 1000, 1) for name, s in sorted(samples.items())}
    without_ms = {name: round(p95(s) * 1000, 1) for name, s in sorted(baseline.items())}
    for name, ms in p95_ms.items():
        line = f"{name:24s} p95 {ms:8.1f} ms ({len(samples[name])} runs)"
        if name in without_ms:
            line += (
                f"  without the indexes {without_ms[name]:8.1f} ms ({without_ms[name] / ms:.2f}x)"
            )
        print(line)
    ratio = None
    if without_ms:
        ratio = round(max(without_ms.values()) / max(p95_ms[n] for n in without_ms), 2)
    for audience, ms in dashboard.items():
        print(f"dashboard {audience:8s} {ms:8.1f} ms (median)")
    print(f"total {time.perf_counter() - clock:.0f} s")
    print(
        json.dumps(
            {
                "database": database,
                "rows": {
                    "transfers": made["transfers"],
                    "pupils": made["pupils"],
                    "schools": school_count,
                    "admissions": made["admissions"],
                    "support_requests": made["support_requests"],
                    "absence_cases": made["absence_cases"],
                },
                "p95_ms": p95_ms,
                "max_p95_ms": max(p95_ms.values()),
                "dashboard_ms": dashboard,
                # the transfer overviews' worst p95 without monitoring's indexes / as shipped
                "baseline_ratio": ratio,
                "without_indexes_p95_ms": without_ms or None,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Register benchmark: does the transfer register stay fast as the table grows to a nation's?

In one run, in one process, on a fresh database (SQLite in a temporary folder; PostgreSQL with
``--database-url``): the same pages are timed with a small register (baseline) and after it has
grown to ``--transfers`` rows spread over ``--schools`` schools, so that the ratio shows how the
pages scale. The pages, as an intern begeleider of one school and as an SWV officer see them:

* register: /transfers, first page (the scope on both schools, the count, 25 rows);
* search: /transfers?q=<surname> (a name search within the scope);
* overdue: /transfers?overdue=1&sort=due (the derived due date's filter and order);
* transfer: one transfer's page (procedure replay: tasks, terms, timeline).

The last line printed is one JSON object. ``--quick`` uses 20,000 transfers.

    .venv/bin/python -m benchmarks.register [--quick] [--database-url URL]
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
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parent.parent
SMALL = 200


def timed(client: Any, url: str, runs: int) -> float:
    """The median seconds of ``runs`` GETs of ``url`` (after one warm-up)."""
    assert client.get(url).status_code == 200, url
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - start)
        assert response.status_code == 200, url
    return statistics.median(samples)


def grow(
    state: Any, count: int, schools: list[uuid.UUID], rng: random.Random, first: int = 0
) -> str:
    """Add ``count`` transfers (with their pupils) between ``schools`` in bulk; returns a
    surname that occurs a few times."""
    from sqlalchemy import insert

    from runtime.pupils.models import Pupil
    from runtime.pupils.service import keys_of
    from runtime.transfers.models import Transfer

    keys = keys_of(state.settings)
    now = datetime.now(UTC)
    pupils, transfers = [], []
    for index in range(first, first + count):
        pupil_id = uuid.uuid4()
        number = f"{200000000 + index}"  # unique; the benchmark does not check the 11-test
        lookup = keys.lookup_hash("bsn", number)
        sending, receiving = rng.sample(schools, 2)
        if index % 50 == 0:  # the measured school has its share: 1 in 50 leaves it
            sending, receiving = schools[0], receiving if receiving != schools[0] else schools[1]
        pupils.append(
            {
                "id": pupil_id,
                "number_kind": "bsn",
                "number_hash": lookup,
                "number_sealed": keys.encrypt("bsn", number, lookup),
                "key_check": keys.check,
                "voornamen": "Kind",
                "achternaam": f"Achternaam{index % 5000}",
                "geboortedatum": date(2017, 1, 1) + timedelta(days=index % 1500),
                "current_school_id": sending,
                "created_at": now,
                "updated_at": now,
            }
        )
        started = now - timedelta(minutes=index)
        transfers.append(
            {
                "id": uuid.uuid4(),
                "reference": f"OV-2026-B{index:06d}",
                "pupil_id": pupil_id,
                "sending_school_id": sending,
                "receiving_school_id": receiving,
                "procedure_id": "tussentijdse-overstap-noord",
                "procedure_version": 1,
                "status": rng.choice(["gemeld", "aangemeld", "in_behandeling", "afgerond"]),
                "reason": rng.choice(["verhuizing", "conflict", "anders"]),
                "started_by_party": "sending_school",
                "due_on": (now + timedelta(days=rng.randrange(-30, 30))).date(),
                "version": 1,
                "created_at": started,
                "updated_at": started,
            }
        )
    with state.db.session() as session:
        for start in range(0, count, 5000):
            session.execute(insert(Pupil), pupils[start : start + 5000])
            session.execute(insert(Transfer), transfers[start : start + 5000])
    return "Achternaam42"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 transfers, fewer runs")
    parser.add_argument("--transfers", type=int, default=100_000)
    parser.add_argument("--schools", type=int, default=300)
    parser.add_argument("--database-url", default=None, help="an empty database to use")
    args = parser.parse_args(argv)
    count = 20_000 if args.quick else args.transfers
    runs = 10 if args.quick else 30
    sys.path.insert(0, str(REPOSITORY))

    from litestar.testing import TestClient
    from sqlalchemy import select

    from runtime import demo
    from runtime.app import create_app
    from runtime.db.migrate import upgrade
    from runtime.domains import AppSettings
    from runtime.organisations.models import Organisation
    from runtime.state import AppState
    from runtime.transfers.models import Transfer

    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        settings = AppSettings(
            database_url=url,
            data_dir=Path(folder) / "var",
            log_format="text",
            log_level="WARNING",
            login_attempts_per_address=1_000_000,
        )
        upgrade(settings)
        state = AppState.create(settings)
        rng = random.Random(7)
        with state.db.session() as session:
            demo.seed(session, state.registry, settings)
            noord = session.scalar(select(Organisation).where(Organisation.code == "41001"))
            regenboog = session.scalar(select(Organisation).where(Organisation.code == "12AB00"))
            swv = session.scalar(select(Organisation).where(Organisation.code == "PO2001"))
            assert noord and regenboog and swv
            for number in range(args.schools):
                session.add(
                    Organisation(
                        kind="school",
                        code=f"B{number:05d}",
                        name=f"School {number}",
                        region="noord",
                        parent_id=noord.id,
                        swv_id=swv.id,
                        holiday_region="noord",
                    )
                )
            session.flush()
            schools = [
                o.id
                for o in session.scalars(select(Organisation).where(Organisation.kind == "school"))
            ]
            regenboog_id = regenboog.id
        app = create_app(settings, state)
        results: dict[str, dict[str, float]] = {}
        with TestClient(app, base_url="http://bench.local") as client:
            from tests.runtime.conftest import log_in, with_csrf

            with_csrf(client)
            log_in(client, "ib@regenboog.demo")
            pages: dict[str, str] = {}

            def measure(label: str) -> None:
                with state.db.session() as session:
                    one = session.scalar(
                        select(Transfer.id)
                        .where(Transfer.sending_school_id == regenboog_id)
                        .order_by(Transfer.created_at.desc())
                        .limit(1)
                    )
                pages.update(
                    register="/transfers",
                    search=f"/transfers?q={surname}",
                    overdue="/transfers?overdue=1&sort=due",
                    transfer=f"/transfers/{one}",
                )
                results[label] = {name: timed(client, page, runs) for name, page in pages.items()}

            surname = grow(state, SMALL, schools, rng)
            measure("baseline")
            grow(state, count - SMALL, schools, rng, first=SMALL)
            measure("grown")
        state.stop_workers()
    ratios = {
        name: round(results["grown"][name] / results["baseline"][name], 2)
        for name in results["baseline"]
    }
    for name, ratio in ratios.items():
        print(
            f"{name:9s} {SMALL:>7,} transfers {results['baseline'][name] * 1000:7.1f} ms   "
            f"{count:>7,} transfers {results['grown'][name] * 1000:7.1f} ms   ratio {ratio:.2f}x"
        )
    print(json.dumps({"transfers": count, "schools": args.schools, "ratios": ratios}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

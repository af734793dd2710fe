"""A made-up history of pupil numbers for the demo schools, whose codes are not in DUO's file:
from 2015 to last year, as if DUO had counted them (origin "duo"), so that the monitoring
overview of pupil numbers has something to show. Each school's numbers follow from its code
(the same every time); counts that exist already are left alone."""

from __future__ import annotations

import random
import uuid
from datetime import date

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..clock import clock_of
from .counts import ORIGIN_DUO
from .models import Organisation, PupilCount

FIRST_YEAR = 2015
# the demo's schools (runtime/demo.py ORGANISATIONS)
SCHOOLS = ("12AB00", "34CD00", "78GH00", "90JK00", "56EF00")


def history(code: str, last_year: int) -> dict[int, int]:
    """The made-up counts of the school ``code``: 180 to 420 pupils in the first year, then a
    few percent up or down each year (an SBO, code 90JK00, is smaller)."""
    chance = random.Random(code)
    small = code == "90JK00"
    pupils = chance.randint(60, 140) if small else chance.randint(180, 420)
    counts: dict[int, int] = {}
    for year in range(FIRST_YEAR, last_year + 1):
        counts[year] = pupils
        pupils = max(20, round(pupils * (1 + chance.uniform(-0.06, 0.06))))
    return counts


def seed(session: Session, today: date | None = None) -> list[str]:
    """Give every demo school that exists the counts it lacks; what was created."""
    today = today or clock_of(session).today()
    schools = dict(
        session.execute(
            select(Organisation.code, Organisation.id).where(
                Organisation.kind == "school", Organisation.code.in_(SCHOOLS)
            )
        ).all()
    )
    existing = set(
        session.execute(
            select(PupilCount.school_id, PupilCount.year).where(
                PupilCount.school_id.in_(schools.values()), PupilCount.origin == ORIGIN_DUO
            )
        ).all()
    )
    now = clock_of(session).now()
    rows = []
    created: list[str] = []
    for code in SCHOOLS:
        if code not in schools:
            continue
        missing = [
            {
                "id": uuid.uuid4(),
                "school_id": schools[code],
                "year": year,
                "pupils": pupils,
                "origin": ORIGIN_DUO,
                "imported_at": now,
            }
            for year, pupils in history(code, today.year - 1).items()
            if (schools[code], year) not in existing
        ]
        if missing:
            rows.extend(missing)
            created.append(f"pupil numbers {code}: {len(missing)} years")
    if rows:
        session.execute(insert(PupilCount), rows)
        session.flush()
    return created

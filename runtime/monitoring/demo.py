"""A history for the demo's dashboards: two school years of transfers between the demo's
schools (most within Regio Noord, some to and from Regio Zuid), each with its registration at
the receiving school, decided within the term or not, so that every standard overview of a
school, Stichting Noorderbasis and SWV Noord shows figures, small cells included (the SWV's
and the board's dashboards suppress them).

Made by ``popo demo`` (``demo.seed(..., history=True)``), not by the test suite's demo: the
transfers are closed cases in the past, made with fixed random numbers so that every demo
looks the same. Idempotent: nothing is made when the first pupil of the history exists."""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.fieldtypes import bsn_valid

from ..admissions.models import Admission
from ..clock import clock_of
from ..organisations.models import Organisation
from ..pupils import service as pupils
from ..settings import Settings
from ..transfers.models import Transfer

NUMBER_BASE = 770_000_000  # the placement demo counts from 790_000_000, absence from 780_000_000
TRANSFERS = 90
PROCEDURE = ("tussentijdse-overstap", 1)
# (from, to, weight): the flows of the demo region; None is a first school
FLOWS = (
    ("12AB00", "34CD00", 10),
    ("34CD00", "12AB00", 6),
    ("12AB00", "78GH00", 5),
    ("78GH00", "34CD00", 4),
    ("34CD00", "90JK00", 3),
    ("12AB00", "90JK00", 2),
    ("56EF00", "12AB00", 2),
    ("34CD00", "56EF00", 1),
    (None, "34CD00", 3),
)
REASONS = (
    ("verhuizing", 8),
    ("onderwijskundig", 3),
    ("ondersteuning", 3),
    ("conflict", 1),
    ("beleid_school", 1),
    ("anders", 1),
)
ENDINGS = (("afgerond", 12), ("afgewezen", 1), ("ingetrokken", 1))
FIRST_NAMES = ("Noah", "Emma", "Liam", "Julia", "Luca", "Mila", "Sem", "Tess", "Finn", "Sara")
SURNAMES = (
    ("de", "Jong"),
    (None, "Jansen"),
    ("de", "Vries"),
    ("van", "Dijk"),
    (None, "Bakker"),
    (None, "Visser"),
    (None, "Smit"),
    (None, "Meijer"),
)


def _bsn(index: int) -> str:
    candidate = NUMBER_BASE + index * 37
    while not bsn_valid(str(candidate)):
        candidate += 1
    return str(candidate)


def _pick(rng: random.Random, weighted: tuple[tuple[object, int], ...]) -> object:
    return rng.choices([w[0] for w in weighted], weights=[w[-1] for w in weighted])[0]


def seed(session: Session, settings: Settings) -> list[str]:
    """Create the demo's history (see the module); what was created."""
    if pupils.find(session, settings, _bsn(0)) is not None:
        return []
    codes = {code for flow in FLOWS for code in flow[:2] if isinstance(code, str)}
    by_code = {
        o.code: o for o in session.scalars(select(Organisation).where(Organisation.code.in_(codes)))
    }
    if len(by_code) < len(codes):
        return []
    rng = random.Random(2026)
    today = clock_of(session).today()
    first_day = today - timedelta(days=2 * 365)
    for index in range(TRANSFERS):
        sending, receiving = _flow(rng)
        started = first_day + timedelta(days=rng.randrange((today - first_day).days - 60))
        tussenvoegsel, surname = rng.choice(SURNAMES)
        pupil = pupils.register(
            session,
            settings,
            _bsn(index),
            pupils.Names(
                voornamen=rng.choice(FIRST_NAMES),
                achternaam=surname,
                tussenvoegsel=tussenvoegsel,
            ),
            date(today.year - 6 - rng.randrange(6), 1 + rng.randrange(12), 1 + rng.randrange(28)),
            by_code[receiving].id,
        )
        ending = str(_pick(rng, ENDINGS))
        received = started + timedelta(days=rng.randrange(1, 10))
        due = received + timedelta(weeks=6)
        decided = received + timedelta(days=rng.randrange(10, 50))
        enrolled = decided + timedelta(days=rng.randrange(3, 20)) if ending == "afgerond" else None
        transfer = Transfer(
            id=uuid.uuid4(),
            reference=f"OV-{started.year}-D{index:05d}",
            pupil_id=pupil.id,
            sending_school_id=by_code[sending].id if sending else None,
            receiving_school_id=by_code[receiving].id,
            procedure_id=PROCEDURE[0],
            procedure_version=PROCEDURE[1],
            status=ending,
            reason=str(_pick(rng, REASONS)),
            started_by_party="sending_school" if sending else "parents",
            desired_date=started + timedelta(weeks=8),
            enrolled_on=enrolled,
            deregistered_on=enrolled - timedelta(days=1) if enrolled and sending else None,
            created_at=_moment(started),
            updated_at=_moment(decided),
            closed_at=_moment(enrolled or decided),
        )
        session.add(transfer)
        session.flush()
        session.add(
            Admission(
                transfer_id=transfer.id,
                school_id=by_code[receiving].id,
                position=1,
                state={"afgerond": "admitted", "afgewezen": "refused"}.get(ending, "withdrawn"),
                received_on=received,
                decided_on=decided if ending != "ingetrokken" else None,
                decision_due_on=due,
                not_handled_due_on=received + timedelta(weeks=10),
                ten_weeks_on=received + timedelta(weeks=10),
            )
        )
    session.flush()
    return [f"monitoring history: {TRANSFERS} closed transfers"]


def _flow(rng: random.Random) -> tuple[str | None, str]:
    sending, receiving, _ = rng.choices(FLOWS, weights=[f[2] for f in FLOWS])[0]
    return sending, receiving  # type: ignore[return-value]


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(10, 0))

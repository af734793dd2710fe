"""Demo data of absence in Regio Noord, so that the demo SWV user (swv@noord.demo) has a list
of thuiszitters: a relative case at De Regenboog (two weeks), a long-term one at De Linde
(grown from relative absence: seven weeks) and a child enrolled at no school, reported to the
SWV itself. Dates are counted back from the application's today; the SWV is told of none of
them (made-up cases send no mail). Idempotent: nothing is made when the first child has a
case already."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.fieldtypes import bsn_valid

from ..clock import clock_of
from ..organisations.models import Organisation
from ..pupils import service as pupils
from ..settings import Settings
from .models import AbsenceCase, AbsenceUpdate
from .rules import Acting, Kind
from .status import CaseStatus

# (school code or None: reported to the SWV, first name, surname, born, kind, weeks ago,
#  hours, who acts, their name, agreed, review in days (negative: passed))
CASES = (
    ("12AB00", "Yara", "Hoogeveen", date(2017, 3, 14), Kind.RELATIVE, 2, 18,
     Acting.SCHOOL, "IB'er De Regenboog", "Gesprek met ouders gepland; dagelijks aanwezigheid "
     "bellen.", 7),
    ("34CD00", "Jurre", "Oosterhof", date(2016, 9, 2), Kind.RELATIVE, 7, 40,
     Acting.LEERPLICHT, "Leerplichtambtenaar gemeente Groningen", "Ouders opgeroepen; "
     "arrangement met het SWV wordt verkend.", -3),
    (None, "Mirthe", "Zwart", date(2018, 1, 20), Kind.NOT_ENROLLED, 5, None,
     Acting.SWV, "Consulent SWV Noord", "Zoeken naar een passende school in de buurt.", 10),
)  # fmt: skip
SWV_CODE = "PO2001"
NUMBER_BASE = 780_000_000


def _bsn(index: int) -> str:
    candidate = NUMBER_BASE + index * 53
    while not bsn_valid(str(candidate)):
        candidate += 1
    return str(candidate)


def seed(session: Session, settings: Settings) -> list[str]:
    """Create the demo's absence cases (see the module); what was created."""
    known = pupils.find(session, settings, _bsn(0))
    if known is not None and session.scalar(
        select(AbsenceCase.id).where(AbsenceCase.pupil_id == known.id).limit(1)
    ):
        return []
    codes = [SWV_CODE, *(c[0] for c in CASES if c[0])]
    by_code = {
        o.code: o for o in session.scalars(select(Organisation).where(Organisation.code.in_(codes)))
    }
    if len(by_code) < len(set(codes)):
        return []
    today = clock_of(session).today()
    created = []
    for index, (
        code,
        first,
        surname,
        born,
        kind,
        weeks,
        hours,
        acting,
        who,
        agreed,
        review,
    ) in enumerate(CASES):
        school = by_code[code] if code else None
        pupil = pupils.register(
            session,
            settings,
            _bsn(index),
            pupils.Names(voornamen=first, achternaam=surname, roepnaam=first),
            born,
            school.id if school else None,
        )
        first_day = today - timedelta(weeks=weeks)
        case = AbsenceCase(
            pupil_id=pupil.id,
            school_id=school.id if school else None,
            swv_id=by_code[SWV_CODE].id,
            kind=kind,
            status=CaseStatus.OPEN,
            first_absent_on=first_day,
            hours=hours,
            reported_on=first_day + timedelta(days=10)
            if kind is not Kind.RELATIVE or weeks > 4
            else None,
            acting=acting,
            acting_text=who,
            agreed=agreed,
            review_on=today + timedelta(days=review),
            # made-up cases: the SWV is not mailed about them
            thuiszitter_told_on=today if kind is Kind.NOT_ENROLLED or weeks > 4 else None,
        )
        session.add(case)
        session.flush()
        session.add(
            AbsenceUpdate(
                case_id=case.id,
                user_id=None,
                by_name="POPO (demo)",
                role=None,
                changes={
                    "kind": [None, kind.value],
                    "first_absent_on": [None, first_day.isoformat()],
                },
            )
        )
        created.append(f"absence case {kind.value} ({code or SWV_CODE})")
    session.flush()
    return created

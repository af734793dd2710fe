"""Administration from the command line: SWV membership and processing agreements; the
organisation a code names (accounts: runtime/access/admin.py)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Organisation, ProcessingAgreement


class AdminError(Exception):
    pass


def organisation(session: Session, code: str, kind: str | None = None) -> Organisation:
    query = select(Organisation).where(Organisation.code == code.upper())
    if kind:
        query = query.where(Organisation.kind == kind)
    found = session.scalars(query).all()
    if len(found) != 1:
        what = f"{kind} " if kind else ""
        raise AdminError(
            f"no {what}organisation with code {code}" if not found else f"{code} is ambiguous"
        )
    return found[0]


def set_swv(session: Session, school_code: str, swv_code: str) -> None:
    """Set a school's SWV by hand; a later DUO import keeps it."""
    school = organisation(session, school_code, "school")
    swv = organisation(session, swv_code, "swv")
    school.swv_id = swv.id
    school.swv_source = "manual"
    session.flush()


def add_agreement(
    session: Session, bestuur_code: str, processor_code: str, starts: date, ends: date | None
) -> ProcessingAgreement:
    bestuur = organisation(session, bestuur_code, "bestuur")
    processor = organisation(session, processor_code)
    if processor.kind not in ("bestuur", "swv"):
        raise AdminError("a processor is the board itself or an SWV")
    if ends is not None and ends < starts:
        raise AdminError("the agreement ends before it starts")
    agreement = ProcessingAgreement(
        bestuur_id=bestuur.id, processor_id=processor.id, starts_on=starts, ends_on=ends
    )
    session.add(agreement)
    session.flush()
    return agreement

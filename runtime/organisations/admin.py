"""Administration from the command line: users and roles, SWV membership, processing agreements."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..access.accounts import ROLES, create_user
from ..access.models import RoleAssignment, UserAccount
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


def add_user(
    session: Session, email: str, name: str, password: str, roles: list[str], language: str = "nl"
) -> UserAccount:
    """``roles`` as ``role@CODE`` (``consultant`` and ``beheerder`` need no organisation);
    ``language`` (nl/en) that of the person's mail."""
    if session.scalar(select(UserAccount.id).where(UserAccount.email == email.lower())):
        raise AdminError(f"{email} already has an account")
    if len(password) < 12:
        raise AdminError("use a password of at least 12 characters")
    parsed: list[tuple[str, Organisation | None]] = []
    for item in roles:
        role, _, code = item.partition("@")
        if role not in ROLES:
            raise AdminError(f"unknown role {role} (roles: {', '.join(ROLES)})")
        parsed.append((role, organisation(session, code) if code else None))
    return create_user(session, email, name, password, parsed, language)


def grant(session: Session, email: str, role_at: str) -> None:
    user = session.scalar(select(UserAccount).where(UserAccount.email == email.lower()))
    if user is None:
        raise AdminError(f"no account {email}")
    role, _, code = role_at.partition("@")
    if role not in ROLES:
        raise AdminError(f"unknown role {role}")
    session.add(
        RoleAssignment(
            user_id=user.id,
            organisation_id=organisation(session, code).id if code else None,
            role=role,
        )
    )
    session.flush()


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

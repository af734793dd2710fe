"""Administration of accounts from the command line: an account with its roles, another role."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..organisations.admin import AdminError, organisation
from ..organisations.models import Organisation
from .accounts import ROLES, create_user
from .models import RoleAssignment, UserAccount

__all__ = ["AdminError", "add_user", "grant"]


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

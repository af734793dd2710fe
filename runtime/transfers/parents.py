"""Parents' links to a transfer: made, found by their secret, and switched off. A link's secret
is shown (or mailed) once; only its hash is stored. The pages parents see through it are in
parent_routes.py."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import clock_of
from ..refusals import Gone
from .models import ParentAccess, Transfer

LINK_DAYS = 180  # a transfer rarely takes longer; a school can make a new link


class UnknownLink(LookupError):
    """No link has this secret (or it is not a parents' link)."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_link(
    session: Session,
    transfer: Transfer,
    *,
    language: str = "nl",
    guardian_id: uuid.UUID | None = None,
    created_by: uuid.UUID | None = None,
    days: int = LINK_DAYS,
) -> tuple[ParentAccess, str]:
    """A new link for the parents of ``transfer``; the secret is returned once."""
    token = secrets.token_urlsafe(32)
    access = ParentAccess(
        transfer_id=transfer.id,
        token_hash=token_hash(token),
        guardian_id=guardian_id,
        language=language,
        created_by=created_by,
        created_at=clock_of(session).now(),
        expires_at=clock_of(session).now() + timedelta(days=days),
    )
    session.add(access)
    session.flush()
    return access, token


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def reached(session: Session, token: str) -> ParentAccess:
    """The link with this secret: UnknownLink when there is none, Gone (the page that says a
    link no longer works) when it was switched off or has expired. Marks it used."""
    access = session.scalar(
        select(ParentAccess).where(ParentAccess.token_hash == token_hash(token[:200]))
    )
    if access is None:
        raise UnknownLink()
    now = clock_of(session).now()
    if access.revoked_at is not None or _aware(access.expires_at) < now:
        raise Gone()
    access.last_used_at = now
    session.flush()
    return access


def revoke(session: Session, access: ParentAccess) -> None:
    access.revoked_at = clock_of(session).now()
    session.flush()


def links_of(session: Session, transfer: Transfer) -> list[ParentAccess]:
    """A transfer's parents' links, newest first."""
    return list(
        session.scalars(
            select(ParentAccess)
            .where(ParentAccess.transfer_id == transfer.id)
            .order_by(ParentAccess.created_at.desc(), ParentAccess.id)
        )
    )

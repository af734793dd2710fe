"""Parents' links to a transfer: made, found by their secret, and switched off. A link's secret
is shown (or mailed) once; only its hash is stored. The pages parents see through it are in
parent_routes.py."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import notifications
from ..clock import clock_of, dutch_date
from ..pupils.models import Guardian
from ..refusals import Gone
from .models import ParentAccess, Transfer, TransferEvent

LINK_DAYS = 180  # a transfer rarely takes longer; a school can make a new link
RENEWALS_PER_DAY = 3  # links a guardian may ask for one transfer in 24 hours (renew)
RENEWAL_WINDOW = timedelta(hours=24)


class UnknownLink(LookupError):
    """No link has this secret (or it is not a parents' link)."""


class LinkGone(Gone):
    """A parents' link that no longer works: ``renewable`` when it expired and its guardian
    may ask for a new one by e-mail (:func:`renewable`); the page says so (parent_routes)."""

    def __init__(self, renewable: bool, language: str) -> None:
        super().__init__()
        self.renewable = renewable
        self.language = language


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
    """The link with this secret: UnknownLink when there is none, LinkGone (the page that says
    a link no longer works) when it was switched off or has expired. Marks it used."""
    access = by_secret(session, token)
    if access is None:
        raise UnknownLink()
    now = clock_of(session).now()
    if access.revoked_at is not None or _aware(access.expires_at) < now:
        raise LinkGone(renewable(session, access) is not None, access.language)
    access.last_used_at = now
    session.flush()
    return access


def by_secret(session: Session, token: str) -> ParentAccess | None:
    """The link with this secret, whatever its state."""
    return session.scalar(
        select(ParentAccess).where(ParentAccess.token_hash == token_hash(token[:200]))
    )


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


def state_of(access: ParentAccess, now: datetime) -> str:
    """``active``, ``expired`` or ``revoked``: what a school's list of links says of one."""
    if access.revoked_at is not None:
        return "revoked"
    if _aware(access.expires_at) < now:
        return "expired"
    return "active"


def link_of(session: Session, transfer: Transfer, access_id: uuid.UUID) -> ParentAccess | None:
    """One of ``transfer``'s links, by its id (None when it is not this transfer's)."""
    return session.scalar(
        select(ParentAccess).where(
            ParentAccess.id == access_id, ParentAccess.transfer_id == transfer.id
        )
    )


def guardians_to_mail(session: Session, transfer: Transfer) -> list[Guardian]:
    """The pupil's guardians with gezag and an e-mail address: whom a link may be mailed to and
    whom a status change is told."""
    return list(
        session.scalars(
            select(Guardian)
            .where(
                Guardian.pupil_id == transfer.pupil_id,
                Guardian.gezag.is_(True),
                Guardian.email.is_not(None),
                Guardian.email != "",
            )
            .order_by(Guardian.position)
        )
    )


@dataclass(frozen=True)
class GuardianRecipient:
    """A guardian as notifications.notify knows a recipient (not an account: no in-app line)."""

    id: uuid.UUID
    email: str
    language: str


def mail_link(
    session: Session,
    transfer: Transfer,
    guardian: Guardian,
    base_url: str,
    *,
    language: str,
    created_by: uuid.UUID | None,
) -> ParentAccess:
    """Make a link for ``guardian`` and mail it to them (the only place its secret goes)."""
    access, token = create_link(
        session, transfer, language=language, guardian_id=guardian.id, created_by=created_by
    )
    notifications.notify(
        session,
        "transfer_parents_link",
        [GuardianRecipient(guardian.id, guardian.email or "", language)],
        f"{base_url.rstrip('/')}/p/{token}",
        reference=transfer.reference,
        expires_on=dutch_date(_aware(access.expires_at)),
    )
    return access


def renewable(session: Session, access: ParentAccess) -> Guardian | None:
    """The guardian who may have a new link mailed from ``access``: it expired (a link a school
    switched off never: that was the school's decision), it belongs to a guardian who still has
    gezag and an e-mail address, and no link of theirs for the transfer was switched off (as a
    notification gives no new link then either, :func:`_tell`). None for a link a school handed
    over without a guardian: POPO knows no address for it."""
    now = clock_of(session).now()
    if access.guardian_id is None or state_of(access, now) != "expired":
        return None
    transfer = session.get(Transfer, access.transfer_id)
    if transfer is None:
        return None
    guardian = next(
        (g for g in guardians_to_mail(session, transfer) if g.id == access.guardian_id), None
    )
    if guardian is None:
        return None
    switched_off = session.scalar(
        select(ParentAccess.id).where(
            ParentAccess.transfer_id == transfer.id,
            ParentAccess.guardian_id == guardian.id,
            ParentAccess.revoked_at.is_not(None),
        )
    )
    return guardian if switched_off is None else None


def renew(session: Session, access: ParentAccess, base_url: str) -> ParentAccess | None:
    """Mail a new link for the same transfer to the guardian of the expired link ``access``
    (:func:`renewable`), at most ``RENEWALS_PER_DAY`` links of that guardian for the transfer in
    24 hours, whoever made them (counted in the database, so every process counts the same).
    The new link, or None when nothing was mailed; the caller answers the same either way."""
    guardian = renewable(session, access)
    if guardian is None:
        return None
    since = clock_of(session).now() - RENEWAL_WINDOW
    recent = session.scalar(
        select(func.count())
        .select_from(ParentAccess)
        .where(
            ParentAccess.transfer_id == access.transfer_id,
            ParentAccess.guardian_id == guardian.id,
            ParentAccess.created_at >= since,
        )
    )
    if (recent or 0) >= RENEWALS_PER_DAY:
        return None
    transfer = session.get(Transfer, access.transfer_id)
    assert transfer is not None  # renewable found it
    return mail_link(
        session, transfer, guardian, base_url, language=access.language, created_by=None
    )


def tell_parents(
    session: Session,
    transfer: Transfer,
    base_url: str,
    *,
    step: dict[str, str],
    status: dict[str, str],
) -> int:
    """Tell the guardians with gezag and an e-mail address that the transfer moved on
    (:func:`_tell`)."""
    return _tell(session, transfer, base_url, "transfer_parents_step", step=step, status=status)


def tell_parents_of_message(session: Session, transfer: Transfer, base_url: str) -> int:
    """Tell the guardians that a school wrote to them on the transfer (never what)."""
    return _tell(session, transfer, base_url, "transfer_parents_message")


def tell_parents_of(
    session: Session, transfer: Transfer, base_url: str, event: str, **facts: Any
) -> int:
    """Tell the guardians of ``event`` (a registered notification of another domain, e.g.
    runtime/admissions' extension letter): by e-mail, never with their link's secret."""
    return _tell(session, transfer, base_url, event, **facts)


def _tell(session: Session, transfer: Transfer, base_url: str, event: str, **facts: Any) -> int:
    """Mail ``event`` to the guardians with gezag and an e-mail address.

    The mail carries no secret: a guardian with an active link of their own is asked to open
    it (the link from the earlier e-mail). A guardian who has none yet (never mailed, or their
    link expired) gets a new link of their own in a separate mail, made now. A guardian whose
    link a school switched off gets the notice without a link: switching off is the school's
    decision, and a status change does not undo it (docs/security.md)."""
    now = clock_of(session).now()
    told = 0
    for guardian in guardians_to_mail(session, transfer):
        theirs = list(
            session.scalars(
                select(ParentAccess)
                .where(
                    ParentAccess.transfer_id == transfer.id,
                    ParentAccess.guardian_id == guardian.id,
                )
                .order_by(ParentAccess.created_at, ParentAccess.id)
            )
        )
        language = theirs[-1].language if theirs else "nl"
        active = [a for a in theirs if state_of(a, now) == "active"]
        revoked = any(a.revoked_at is not None for a in theirs)
        if not active and not revoked:
            mail_link(session, transfer, guardian, base_url, language=language, created_by=None)
        told += notifications.notify(
            session,
            event,
            [GuardianRecipient(guardian.id, guardian.email or "", language)],
            f"{base_url.rstrip('/')}/ouders",  # no secret: a page that says how
            reference=transfer.reference,
            has_link=1 if active or not revoked else 0,
            **facts,
        )
    return told


def views_of(session: Session, transfer: Transfer) -> list[TransferEvent]:
    """The parents' views on the transfer's reports, oldest first."""
    return list(
        session.scalars(
            select(TransferEvent)
            .where(TransferEvent.transfer_id == transfer.id, TransferEvent.kind == "parents_view")
            .order_by(TransferEvent.id)
        )
    )


def current_views(views: list[TransferEvent]) -> set[int]:
    """The ids of the views that count: the latest per report version (a later one
    supersedes an earlier one on the same version)."""
    latest: dict[str | None, int] = {}
    for view in views:
        latest[view.subject] = view.id
    return set(latest.values())


def staff_section(session: Session, transfer: Transfer, may_change: bool) -> dict[str, Any]:
    """What the transfer page's "Ouders" section shows: the links with their state, the
    guardians a link may be mailed to, and the parents' views."""
    now = clock_of(session).now()
    guardians = guardians_to_mail(session, transfer)
    names = {g.id: g.naam for g in guardians}
    links = [
        {
            "access": access,
            "state": state_of(access, now),
            "guardian": names.get(access.guardian_id) if access.guardian_id else None,
        }
        for access in links_of(session, transfer)
    ]
    views = views_of(session, transfer)
    return {
        "may_change": may_change,
        "links": links,
        "guardians": [(g.id, g.naam) for g in guardians],
        "views": list(reversed(views)),
        "counting": current_views(views),
    }

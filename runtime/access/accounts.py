"""Accounts: argon2id passwords, server-side sessions, limits on failed logins and resets."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from renderers import i18n

from ..clock import clock_of
from ..db.session import Database
from ..organisations.models import Organisation
from .models import AccessAttempt, LoginSession, PasswordReset, RoleAssignment, UserAccount

ROLES_AT_SCHOOL = ("medewerker", "intern_begeleider", "directeur")
ROLES = (*ROLES_AT_SCHOOL, "bestuur", "swv", "consultant", "beheerder", "privacy_officer")
MAX_FAILED = 5
LOCKOUT = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=8)
_HASHER = PasswordHasher()  # argon2id with the library's recommended parameters


class LoginFailed(Exception):
    """Wrong password, unknown account or locked account: one answer for all three, so that a
    login never tells whether an account exists."""


class TooManyAttempts(Exception):
    """Too many failed logins (or reset requests) from one network address."""


@dataclass(frozen=True)
class Role:
    role: str
    organisation_id: uuid.UUID | None
    organisation_kind: str | None


@dataclass(frozen=True)
class Principal:
    """A logged-in user with their roles; or an organisation's API token (``api_token`` set,
    access/tokens.py) with its one role, whose ``user_id`` and ``session_id`` are the token's id
    and ``name`` says which token of which organisation it is."""

    user_id: uuid.UUID
    email: str
    name: str
    roles: tuple[Role, ...]
    session_id: uuid.UUID
    api_token: uuid.UUID | None = None

    def has(self, role: str) -> bool:
        return any(r.role == role for r in self.roles)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


@cache
def _dummy_hash() -> str:
    """A hash to verify against when there is no account, so that both take as long."""
    return _HASHER.hash("timing-equaliser")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def create_user(
    session: Session,
    email: str,
    name: str,
    password: str,
    roles: list[tuple[str, Organisation | None]],
    language: str = "nl",
) -> UserAccount:
    user = UserAccount(
        id=uuid.uuid4(),
        email=email.lower(),
        name=name,
        password_hash=hash_password(password),
        language=i18n.normalize(language),
    )
    session.add(user)
    session.flush()  # the roles refer to the user
    for role, organisation in roles:
        if role not in ROLES:
            raise ValueError(f"unknown role {role}")
        session.add(
            RoleAssignment(
                user_id=user.id,
                organisation_id=organisation.id if organisation else None,
                role=role,
            )
        )
    session.flush()
    return user


# Failed logins and reset requests are rows of AccessAttempt, so that every process on the
# database counts the same; rows older than the longest window are deleted as new ones come.
LOGIN_FAILED = "login_failed"
RESET_REQUEST = "reset_request"
ADDRESS_WINDOW = timedelta(minutes=5)  # the limit is POPO_LOGIN_ATTEMPTS_PER_ADDRESS
RESET_WINDOW = timedelta(hours=1)
RESETS_PER_EMAIL = 3  # mails per address and RESET_WINDOW; more requests get no further mail
_KEEP_ATTEMPTS = max(ADDRESS_WINDOW, LOCKOUT, RESET_WINDOW)


def normal_email(email: str) -> str:
    return email.strip().lower()[:254]


def attempts(
    session: Session,
    kind: str,
    since: timedelta,
    *,
    address: str | None = None,
    email: str | None = None,
) -> int:
    """Attempts of a kind in the last ``since``, from one network address or for one e-mail."""
    query = (
        select(func.count())
        .select_from(AccessAttempt)
        .where(AccessAttempt.kind == kind, AccessAttempt.at >= clock_of(session).now() - since)
    )
    if email is not None:
        query = query.where(AccessAttempt.email == email)
    else:
        query = query.where(AccessAttempt.address == address)
    return int(session.scalar(query) or 0)


def record_attempt(session: Session, kind: str, address: str | None, email: str) -> None:
    now = clock_of(session).now()
    session.execute(delete(AccessAttempt).where(AccessAttempt.at < now - _KEEP_ATTEMPTS))
    session.add(AccessAttempt(kind=kind, address=address, email=email, at=now))
    session.flush()


def _verify(stored: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def login(
    database: Database,
    email: str,
    password: str,
    address: str | None,
    address_limit: int,
    language: str | None = None,
) -> tuple[str, UserAccount]:
    """A new session token for correct credentials. Only failures count: MAX_FAILED for one
    e-mail address (known or not) lock it for LOCKOUT, ``address_limit`` from one network
    address within ADDRESS_WINDOW refuse that address. ``language``, the one the person chose
    (None: none chosen), becomes the account's. Blocking: call it from a thread."""
    email = normal_email(email)
    with database.session() as session:
        if attempts(session, LOGIN_FAILED, ADDRESS_WINDOW, address=address) >= address_limit:
            raise TooManyAttempts()
        locked = attempts(session, LOGIN_FAILED, LOCKOUT, email=email) >= MAX_FAILED
        user = session.scalar(select(UserAccount).where(UserAccount.email == email))
    # The same work whether the account is unknown, locked or not, and outside any transaction:
    # verifying takes a while and must not hold the database
    correct = _verify(user.password_hash if user and not locked else _dummy_hash(), password)
    if user is None or locked or not correct:
        with database.session() as session:
            record_attempt(session, LOGIN_FAILED, address, email)
        raise LoginFailed()
    rehashed = hash_password(password) if _HASHER.check_needs_rehash(user.password_hash) else None
    token = secrets.token_urlsafe(32)
    with database.session() as session:
        if rehashed:
            session.execute(
                update(UserAccount).where(UserAccount.id == user.id).values(password_hash=rehashed)
            )
        if language is not None and language != user.language:
            set_language(session, user.id, language)
            user.language = i18n.normalize(language)
        session.add(
            LoginSession(
                token_hash=_token_hash(token),
                user_id=user.id,
                expires_at=database.clock.now() + SESSION_LIFETIME,
                address=address,
            )
        )
    return token, user


# Built once: every request with a session runs it, and a prepared statement is not compiled
# or keyed again.
_PRINCIPAL = (
    select(
        LoginSession.id,
        LoginSession.revoked_at,
        LoginSession.expires_at,
        UserAccount.id,
        UserAccount.email,
        UserAccount.name,
        RoleAssignment.role,
        RoleAssignment.organisation_id,
        Organisation.kind,
    )
    .join(UserAccount, UserAccount.id == LoginSession.user_id)
    .outerjoin(RoleAssignment, RoleAssignment.user_id == UserAccount.id)
    .outerjoin(Organisation, Organisation.id == RoleAssignment.organisation_id)
    .where(LoginSession.token_hash == bindparam("token_hash"))
)


def principal(session: Session, token: str | None) -> Principal | None:
    """The user behind a session token, with their roles: one query per request."""
    if not token:
        return None
    rows = session.execute(_PRINCIPAL, {"token_hash": _token_hash(token)}).all()
    if not rows:
        return None
    session_id, revoked_at, expires_at, user_id, email, name = rows[0][:6]
    if revoked_at is not None or _aware(expires_at) < clock_of(session).now():
        return None
    roles = tuple(Role(row[6], row[7], row[8]) for row in rows if row[6] is not None)
    return Principal(user_id, email, name, roles, session_id)


def staff_at(
    session: Session, organisation_id: uuid.UUID | None, roles: Iterable[str]
) -> list[UserAccount]:
    """The accounts with one of ``roles`` at an organisation: whom a step of a case tells."""
    if organisation_id is None:
        return []
    return list(
        session.scalars(
            select(UserAccount)
            .join(RoleAssignment, RoleAssignment.user_id == UserAccount.id)
            .where(
                RoleAssignment.organisation_id == organisation_id,
                RoleAssignment.role.in_(list(roles)),
            )
            .distinct()
            .order_by(UserAccount.id)
        )
    )


def set_language(session: Session, user_id: uuid.UUID, language: str) -> None:
    """Store the account's language (the one its mail and notifications are written in)."""
    session.execute(
        update(UserAccount)
        .where(UserAccount.id == user_id)
        .values(language=i18n.normalize(language))
    )


def remember_language(database: Database, token: str, language: str) -> None:
    """The language switch while logged in (``?lang=``): the account of the session ``token``
    keeps the language. Blocking: call it from a thread."""
    with database.session() as session:
        who = principal(session, token)
        if who is not None:
            set_language(session, who.user_id, language)


def logout(session: Session, session_id: uuid.UUID) -> None:
    session.execute(
        update(LoginSession)
        .where(LoginSession.id == session_id)
        .values(revoked_at=clock_of(session).now())
    )


def logout_everywhere(session: Session, user_id: uuid.UUID) -> int:
    result = session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=clock_of(session).now())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


RESET_LIFETIME = timedelta(hours=1)
MIN_PASSWORD = 12


def start_reset(
    session: Session, email: str, address: str | None
) -> tuple[UserAccount, str] | None:
    """A reset token for a known address that has not had RESETS_PER_EMAIL already within
    RESET_WINDOW; None otherwise (the caller says the same either way)."""
    email = normal_email(email)
    earlier = attempts(session, RESET_REQUEST, RESET_WINDOW, email=email)
    record_attempt(session, RESET_REQUEST, address, email)
    user = session.scalar(select(UserAccount).where(UserAccount.email == email))
    if user is None or earlier >= RESETS_PER_EMAIL:
        return None
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=_token_hash(token),
            expires_at=clock_of(session).now() + RESET_LIFETIME,
        )
    )
    session.flush()
    return user, token


class ResetFailed(Exception):
    pass


def set_password(session: Session, user: UserAccount, password: str) -> None:
    """The one way a password changes: every reset link of the user that is still open ends,
    whatever way the password was changed."""
    user.password_hash = hash_password(password)
    session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=clock_of(session).now())
    )
    session.flush()


def finish_reset(session: Session, token: str, password: str) -> UserAccount:
    """Set a new password with a valid, unused token: every session of the user ends, and so
    does every other reset link of the user. Blocking (hashing): call it from a thread."""
    if len(password) < MIN_PASSWORD:
        raise ResetFailed("short")
    now = clock_of(session).now()
    # Take the token in one statement, so that two requests with it cannot both succeed
    taken = session.execute(
        update(PasswordReset)
        .where(
            PasswordReset.token_hash == _token_hash(token),
            PasswordReset.used_at.is_(None),
            PasswordReset.expires_at > now,
        )
        .values(used_at=now)
        .returning(PasswordReset.user_id)
    ).scalar_one_or_none()
    if taken is None:
        raise ResetFailed("expired")
    user = session.get(UserAccount, taken)
    assert user is not None
    set_password(session, user, password)
    # who can read the account's mail may log in again at once
    session.execute(
        delete(AccessAttempt).where(
            AccessAttempt.kind == LOGIN_FAILED, AccessAttempt.email == user.email
        )
    )
    logout_everywhere(session, user.id)
    session.flush()
    return user

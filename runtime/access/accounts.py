"""Accounts: argon2id passwords, server-side sessions, lockout after failed logins."""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from ..db.models import LoginSession, Organisation, PasswordReset, RoleAssignment, UserAccount

ROLES_AT_SCHOOL = ("medewerker", "intern_begeleider", "directeur")
ROLES = (*ROLES_AT_SCHOOL, "bestuur", "swv", "consultant", "beheerder", "privacy_officer")
MAX_FAILED = 5
LOCKOUT = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=8)
_HASHER = PasswordHasher()  # argon2id with the library's recommended parameters
_DUMMY = _HASHER.hash("timing-equaliser")


class LoginFailed(Exception):
    def __init__(self, message: str, locked_until: datetime | None = None) -> None:
        super().__init__(message)
        self.locked_until = locked_until


@dataclass(frozen=True)
class Role:
    role: str
    organisation_id: uuid.UUID | None
    organisation_kind: str | None


@dataclass(frozen=True)
class Principal:
    """A logged-in user with their roles."""

    user_id: uuid.UUID
    email: str
    name: str
    roles: tuple[Role, ...]
    session_id: uuid.UUID

    def has(self, role: str) -> bool:
        return any(r.role == role for r in self.roles)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


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
) -> UserAccount:
    user = UserAccount(
        id=uuid.uuid4(), email=email.lower(), name=name, password_hash=hash_password(password)
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


def login(
    session: Session, email: str, password: str, address: str | None
) -> tuple[str, UserAccount]:
    """A new session token for correct credentials; counts failures and locks the account."""
    now = datetime.now(UTC)
    user = session.scalar(select(UserAccount).where(UserAccount.email == email.strip().lower()))
    if user is None:
        with contextlib.suppress(VerificationError):  # equal work, so timing reveals nothing
            _HASHER.verify(_DUMMY, password)
        raise LoginFailed("wrong e-mail address or password")
    if user.locked_until is not None and _aware(user.locked_until) > now:
        raise LoginFailed("locked", _aware(user.locked_until))
    try:
        _HASHER.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
            session.flush()
            raise LoginFailed("locked", user.locked_until) from None
        session.flush()
        raise LoginFailed("wrong e-mail address or password") from None
    user.failed_logins = 0
    user.locked_until = None
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    token = secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            token_hash=_token_hash(token),
            user_id=user.id,
            expires_at=now + SESSION_LIFETIME,
            address=address,
        )
    )
    session.flush()
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
    if revoked_at is not None or _aware(expires_at) < datetime.now(UTC):
        return None
    roles = tuple(Role(row[6], row[7], row[8]) for row in rows if row[6] is not None)
    return Principal(user_id, email, name, roles, session_id)


def logout(session: Session, session_id: uuid.UUID) -> None:
    session.execute(
        update(LoginSession)
        .where(LoginSession.id == session_id)
        .values(revoked_at=datetime.now(UTC))
    )


def logout_everywhere(session: Session, user_id: uuid.UUID) -> int:
    result = session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


RESET_LIFETIME = timedelta(hours=1)
MIN_PASSWORD = 12


def start_reset(session: Session, email: str) -> tuple[UserAccount, str] | None:
    """A reset token for a known address (None otherwise; the caller says the same either way)."""
    user = session.scalar(select(UserAccount).where(UserAccount.email == email.strip().lower()))
    if user is None:
        return None
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=_token_hash(token),
            expires_at=datetime.now(UTC) + RESET_LIFETIME,
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
        .values(used_at=datetime.now(UTC))
    )
    session.flush()


def finish_reset(session: Session, token: str, password: str) -> UserAccount:
    """Set a new password with a valid, unused token; every session of the user ends, and so
    does every other reset link of the user (a link works once, and only the newest password)."""
    if len(password) < MIN_PASSWORD:
        raise ResetFailed("short")
    now = datetime.now(UTC)
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
    user.failed_logins = 0
    user.locked_until = None
    logout_everywhere(session, user.id)
    session.flush()
    return user

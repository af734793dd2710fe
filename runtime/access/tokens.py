"""API tokens: an organisation's key for its school administration system (LAS) to call
POPO's API (docs/api.md).

A token belongs to one organisation and acts there as one role: a school role
(``ROLES_AT_SCHOOL``) for a school, ``bestuur`` for a school board, ``swv`` for a
samenwerkingsverband. A call with it is a :class:`Principal` with that one role, so the scope
rule (access/scope.py) decides what it reads and changes, as it does for a person in that role.
The secret (``popo_`` and 43 random characters) is shown once when the token is made; the
database keeps its SHA-256 hash. A revoked token stays listed and never works again.

Who manages an organisation's tokens: a school's directeur, a board's bestuur account and an
SWV's account, each for their own organisation (:func:`managed_organisation`).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..audit import N_
from ..clock import clock_of
from ..organisations.models import Organisation
from .accounts import ROLES_AT_SCHOOL, Principal, Role
from .models import ApiToken

PREFIX = "popo_"
MAX_NAME = 100
# the roles a token of an organisation of each kind may act as
TOKEN_ROLES: dict[str, tuple[str, ...]] = {
    "school": ROLES_AT_SCHOOL,
    "bestuur": ("bestuur",),
    "swv": ("swv",),
}
# the role that manages the tokens of an organisation of each kind
MANAGERS = {"school": "directeur", "bestuur": "bestuur", "swv": "swv"}
CALL = N_("API call")  # the audit log's purpose of a call with a token


class TokenRefused(ValueError):
    """A token that cannot be made: ``reason`` is ``name`` or ``role``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def managed_organisation(who: Principal) -> uuid.UUID | None:
    """The organisation whose tokens ``who`` manages (their first managing role), if any. A
    token itself manages none."""
    if who.api_token is not None:
        return None
    for role in who.roles:
        kind = role.organisation_kind
        if role.organisation_id is not None and kind and MANAGERS.get(kind) == role.role:
            return role.organisation_id
    return None


def roles_for(kind: str) -> tuple[str, ...]:
    return TOKEN_ROLES.get(kind, ())


def create(
    session: Session, organisation: Organisation, name: str, role: str, created_by: uuid.UUID
) -> tuple[ApiToken, str]:
    """A new token and its secret (returned this once; only its hash is stored)."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise TokenRefused("name")
    if role not in roles_for(organisation.kind):
        raise TokenRefused("role")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        id=uuid.uuid4(),
        organisation_id=organisation.id,
        name=name,
        role=role,
        token_hash=secret_hash(secret),
        created_by=created_by,
        created_at=clock_of(session).now(),
    )
    session.add(token)
    session.flush()
    return token, secret


def of_organisation(session: Session, organisation_id: uuid.UUID) -> Sequence[ApiToken]:
    """The organisation's tokens, working ones first, newest first."""
    return session.scalars(
        select(ApiToken)
        .where(ApiToken.organisation_id == organisation_id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())
    ).all()


def one_of(session: Session, organisation_id: uuid.UUID, token_id: uuid.UUID) -> ApiToken | None:
    """One token of the organisation (None for another organisation's, as for none)."""
    return session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.organisation_id == organisation_id)
    )


def revoke(session: Session, token: ApiToken, by: uuid.UUID) -> None:
    """The token stops working now (once: revoking again changes nothing)."""
    session.execute(
        update(ApiToken)
        .where(ApiToken.id == token.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=clock_of(session).now(), revoked_by=by)
    )
    session.refresh(token)


def actor_name(token: ApiToken, organisation: Organisation) -> str:
    """How the audit log names a call with the token: the token, by name and organisation."""
    return f"API token {token.name} ({organisation.name}, {organisation.code})"[:254]


def principal_for(session: Session, secret: str | None) -> Principal | None:
    """The principal of a working token's secret (None for an unknown or revoked one, or not a
    token at all); the token's last use becomes now."""
    if not secret or not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    found = session.execute(
        select(ApiToken, Organisation)
        .join(Organisation, Organisation.id == ApiToken.organisation_id)
        .where(ApiToken.token_hash == secret_hash(secret))
    ).first()
    if found is None:
        return None
    token, organisation = found
    if token.revoked_at is not None:
        return None
    session.execute(
        update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=clock_of(session).now())
    )
    return Principal(
        user_id=token.id,
        email="",
        name=actor_name(token, organisation),
        roles=(Role(token.role, organisation.id, organisation.kind),),
        session_id=token.id,
        api_token=token.id,
    )

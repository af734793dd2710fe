"""The one place that decides which organisations' pupil data a user may see.

A school role sees its school; a bestuur role every school of that board; an SWV role every
school in the SWV's area. Platform roles (consultant, beheerder) see no pupil data. Lists are
filtered in the query with :func:`visible_organisations`, never after it.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.models import Organisation
from .accounts import ROLES_AT_SCHOOL, Principal


def visible_organisations(session: Session, principal: Principal) -> set[uuid.UUID]:
    visible: set[uuid.UUID] = set()
    for role in principal.roles:
        if role.organisation_id is None:
            continue
        if role.role in ROLES_AT_SCHOOL or role.role == "privacy_officer":
            visible.add(role.organisation_id)
        elif role.role == "bestuur":
            visible.add(role.organisation_id)
            visible.update(
                session.scalars(
                    select(Organisation.id).where(Organisation.parent_id == role.organisation_id)
                )
            )
        elif role.role == "swv":
            visible.add(role.organisation_id)
            visible.update(
                session.scalars(
                    select(Organisation.id).where(Organisation.swv_id == role.organisation_id)
                )
            )
    return visible


def home_school(principal: Principal) -> uuid.UUID | None:
    """The school a staff member starts forms for: their first school role."""
    for role in principal.roles:
        if role.role in ROLES_AT_SCHOOL and role.organisation_kind == "school":
            return role.organisation_id
    return None

"""The one place that decides which organisations' pupil data a user may see.

A school role sees its school. A bestuur role sees the schools of its board, and an SWV role
the schools in its area, but only those whose board has an active processing agreement
(verwerkersovereenkomst) with that bestuur or SWV. Platform roles (consultant, beheerder) see no
pupil data. Lists are filtered in the query with :func:`visible_organisations`, never after it.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from ..db.models import Organisation, ProcessingAgreement
from .accounts import ROLES_AT_SCHOOL, Principal


def covered_boards(processor: uuid.UUID, on: date) -> Select[tuple[uuid.UUID]]:
    """The boards with an agreement that lets ``processor`` process their data on ``on``."""
    return select(ProcessingAgreement.bestuur_id).where(
        ProcessingAgreement.processor_id == processor,
        ProcessingAgreement.starts_on <= on,
        or_(ProcessingAgreement.ends_on.is_(None), ProcessingAgreement.ends_on >= on),
    )


def visible_organisations(
    session: Session, principal: Principal, on: date | None = None
) -> set[uuid.UUID]:
    on = on or date.today()
    visible: set[uuid.UUID] = set()
    for role in principal.roles:
        if role.organisation_id is None:
            continue
        if role.role in ROLES_AT_SCHOOL or role.role == "privacy_officer":
            visible.add(role.organisation_id)
        elif role.role == "bestuur":
            visible.update(
                session.scalars(
                    select(Organisation.id).where(
                        Organisation.parent_id == role.organisation_id,
                        Organisation.parent_id.in_(covered_boards(role.organisation_id, on)),
                    )
                )
            )
        elif role.role == "swv":
            visible.update(
                session.scalars(
                    select(Organisation.id).where(
                        Organisation.swv_id == role.organisation_id,
                        Organisation.parent_id.in_(covered_boards(role.organisation_id, on)),
                    )
                )
            )
    return visible


def home_school(principal: Principal) -> uuid.UUID | None:
    """The school a staff member starts forms for: their first school role."""
    for role in principal.roles:
        if role.role in ROLES_AT_SCHOOL and role.organisation_kind == "school":
            return role.organisation_id
    return None

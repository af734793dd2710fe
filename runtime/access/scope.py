"""The one place that decides which organisations' pupil data a user may read or change.

A school role (medewerker, intern begeleider, directeur) reads and changes its school's drafts.
The other roles only read: a privacy officer its school, a bestuur role the schools of its
board, and an SWV role the schools in its area, the last two only where the board has an active
processing agreement (verwerkersovereenkomst) with that bestuur or SWV. Platform roles
(consultant, beheerder) see no pupil data. Lists are filtered in the query with
:func:`visible_organisations`, never after it; every route that changes a draft asks for
``access="write"``.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from ..clock import clock_of
from ..db.models import Organisation, ProcessingAgreement
from .accounts import ROLES_AT_SCHOOL, Principal


def covered_boards(processor: uuid.UUID, on: date) -> Select[tuple[uuid.UUID]]:
    """The boards with an agreement that lets ``processor`` process their data on ``on``."""
    return select(ProcessingAgreement.bestuur_id).where(
        ProcessingAgreement.processor_id == processor,
        ProcessingAgreement.starts_on <= on,
        or_(ProcessingAgreement.ends_on.is_(None), ProcessingAgreement.ends_on >= on),
    )


Access = Literal["read", "write"]
WRITING_ROLES = ROLES_AT_SCHOOL  # the only roles that change pupil data


def visible_organisations(
    session: Session, principal: Principal, on: date | None = None, access: Access = "read"
) -> set[uuid.UUID]:
    """The organisations whose pupil data ``principal`` may read (``access="read"``) or change
    (``access="write"``: school roles only, at their own school)."""
    on = on or clock_of(session).today()
    visible: set[uuid.UUID] = set()
    for role in principal.roles:
        if role.organisation_id is None:
            continue
        if role.role in WRITING_ROLES:
            visible.add(role.organisation_id)
        elif access == "write":
            continue  # every other role only reads
        elif role.role == "privacy_officer":
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
    """The school a staff member starts forms for (or imports an OSO dossier at): their first
    school role, one that writes."""
    for role in principal.roles:
        if role.role in WRITING_ROLES and role.organisation_kind == "school":
            return role.organisation_id
    return None

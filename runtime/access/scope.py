"""The one place that decides which organisations' pupil data a user may read or change.

A school role (medewerker, intern begeleider, directeur) reads and changes its school's drafts.
The other roles only read: a privacy officer its school, a bestuur role the schools of its
board, and an SWV role the schools in its area, the last two only where the board has an active
processing agreement (verwerkersovereenkomst) with that bestuur or SWV. Platform roles
(consultant, beheerder) see no pupil data. An SWV role also reads and changes what the SWV
holds itself: the support requests made to it (runtime/support), whose organisation is the SWV.

The rule is a SQL condition on an organisation-id column (:func:`readable`, :func:`writable`),
built from the principal's roles with the boards and agreements as subqueries: every list,
count and fetch of pupil data adds it to its own query, so the database returns only what the
person may see and nothing is filtered afterwards. Every route that changes a draft asks for
:func:`writable`.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, false, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from ..organisations.models import Organisation, ProcessingAgreement
from .accounts import ROLES_AT_SCHOOL, Principal

Access = Literal["read", "write"]
WRITING_ROLES = ROLES_AT_SCHOOL  # the only roles that change pupil data
OrganisationColumn = InstrumentedAttribute[uuid.UUID | None] | ColumnElement[Any]


def covered_boards(processor: uuid.UUID, on: date) -> Select[uuid.UUID]:
    """The boards with an agreement that lets ``processor`` process their data on ``on``."""
    return select(ProcessingAgreement.bestuur_id).where(
        ProcessingAgreement.processor_id == processor,
        ProcessingAgreement.starts_on <= on,
        or_(ProcessingAgreement.ends_on.is_(None), ProcessingAgreement.ends_on >= on),
    )


def where(
    column: OrganisationColumn,
    principal: Principal,
    access: Access = "read",
    on: date | None = None,
) -> ColumnElement[bool]:
    """True where ``column`` (an organisation id) is an organisation whose pupil data
    ``principal`` may read (``access="read"``) or change (``access="write"``: school roles
    only, at their own school). A principal without such a role gets a condition that holds
    nowhere."""
    on = on or date.today()
    allowed: list[ColumnElement[bool]] = []
    for role in principal.roles:
        if role.organisation_id is None:
            continue
        if role.role in WRITING_ROLES:
            allowed.append(column == role.organisation_id)
        elif _holds_itself(role):
            # what the SWV holds itself (the requests made to its support desk, 1Loket): its
            # staff read and change them; nothing else has the SWV as its organisation
            allowed.append(column == role.organisation_id)
        if role.role in WRITING_ROLES:
            continue
        elif access == "write":
            continue  # every other role only reads
        elif role.role == "privacy_officer":
            allowed.append(column == role.organisation_id)
        elif role.role == "bestuur":
            allowed.append(
                column.in_(
                    select(Organisation.id).where(
                        Organisation.parent_id == role.organisation_id,
                        Organisation.parent_id.in_(covered_boards(role.organisation_id, on)),
                    )
                )
            )
        elif role.role == "swv":
            allowed.append(
                column.in_(
                    select(Organisation.id).where(
                        Organisation.swv_id == role.organisation_id,
                        Organisation.parent_id.in_(covered_boards(role.organisation_id, on)),
                    )
                )
            )
    return or_(false(), *allowed)


def readable(
    column: OrganisationColumn, principal: Principal, on: date | None = None
) -> ColumnElement[bool]:
    """True where ``principal`` may read the pupil data of the organisation in ``column``."""
    return where(column, principal, "read", on)


def writable(column: OrganisationColumn, principal: Principal) -> ColumnElement[bool]:
    """True where ``principal`` may change the pupil data of the organisation in ``column``."""
    return where(column, principal, "write")


def _holds_itself(role: Any) -> bool:
    """An SWV role, over what its SWV holds itself (rows whose organisation is the SWV)."""
    return bool(
        role.role == "swv"
        and role.organisation_id is not None
        and role.organisation_kind in ("swv", None)
    )


def own_swv(column: OrganisationColumn, principal: Principal) -> ColumnElement[bool]:
    """True where ``column`` is the samenwerkingsverband of one of ``principal``'s SWV roles:
    what was reported or asked of the SWV itself rather than kept by one of its schools (a
    child enrolled at no school, runtime/absence; a support request, runtime/support). No
    processing agreement is asked: no board's data is processed. :func:`readable` and
    :func:`writable` include the same rows (the SWV's desk decides its requests); a domain
    whose SWV only reads (absence) reads them with this alone."""
    return or_(
        false(),
        *(column == role.organisation_id for role in principal.roles if _holds_itself(role)),
    )


def audit_log_readable(column: OrganisationColumn, principal: Principal) -> ColumnElement[bool]:
    """True where ``principal`` may read the audit log of the organisation in ``column``: a
    privacy officer, of their own school."""
    return or_(
        false(),
        *(
            column == role.organisation_id
            for role in principal.roles
            if role.role == "privacy_officer" and role.organisation_id is not None
        ),
    )


def count(query: Select[Any]) -> Select[int]:
    """How many rows a (scoped) query returns, counted by the database."""
    return query.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)


def home_school(principal: Principal) -> uuid.UUID | None:
    """The school a staff member starts forms for (or imports an OSO dossier at): their first
    school role, one that writes."""
    for role in principal.roles:
        if role.role in WRITING_ROLES and role.organisation_kind == "school":
            return role.organisation_id
    return None

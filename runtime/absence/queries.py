"""The absence cases a person may see, composed into the query so that the database filters,
sorts and counts them: the scope rule (runtime/access/scope.py) on the reporting school, and,
for an SWV's staff, the cases reported to the SWV itself (``scope.own_swv``: a child enrolled
at no school). The derived kind (a relative case that passed four weeks is long-term, rules.py)
is a condition on the first day, so that it is filtered in SQL as well."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session

from ..access import scope
from ..access.accounts import Principal
from .models import AbsenceCase
from .rules import LONG_TERM_DAYS, Kind
from .status import CaseStatus


def visible(principal: Principal, on: date | None = None) -> ColumnElement[bool]:
    """True for a case ``principal`` may read: its school's by the scope rule, or one reported
    to the principal's own SWV without a school."""
    return or_(
        scope.readable(AbsenceCase.school_id, principal, on),
        and_(AbsenceCase.school_id.is_(None), scope.own_swv(AbsenceCase.swv_id, principal)),
    )


def changeable(principal: Principal) -> ColumnElement[bool]:
    """True for a case ``principal`` may change: the staff of its school (scope.writable)."""
    return scope.writable(AbsenceCase.school_id, principal)


def of_kind(kind: Kind, on: date) -> ColumnElement[bool]:
    """True for a case that is of ``kind`` on ``on`` (rules.kind_on, in SQL)."""
    # rules.is_long_term: more than LONG_TERM_DAYS days since the first day
    boundary = on - timedelta(days=LONG_TERM_DAYS)
    grown = and_(AbsenceCase.kind == Kind.RELATIVE, AbsenceCase.first_absent_on < boundary)
    if kind is Kind.LONG_TERM:
        return or_(AbsenceCase.kind == Kind.LONG_TERM, grown)
    if kind is Kind.RELATIVE:
        return and_(AbsenceCase.kind == Kind.RELATIVE, AbsenceCase.first_absent_on >= boundary)
    return AbsenceCase.kind == Kind.NOT_ENROLLED


def cases(
    principal: Principal,
    on: date,
    *,
    kind: Kind | None = None,
    status: CaseStatus | None = None,
) -> Select[AbsenceCase]:
    """The cases ``principal`` may read, longest first (earliest first day)."""
    query: Select[AbsenceCase] = select(AbsenceCase).where(visible(principal, on))
    if kind is not None:
        query = query.where(of_kind(kind, on))
    if status is not None:
        query = query.where(AbsenceCase.status == status)
    return query.order_by(AbsenceCase.first_absent_on, AbsenceCase.id)


def case(principal: Principal, case_id: uuid.UUID, on: date) -> Select[AbsenceCase]:
    """The one case ``case_id`` if ``principal`` may read it (else no row)."""
    return select(AbsenceCase).where(AbsenceCase.id == case_id, visible(principal, on))


def at_risk(session: Session, principal: Principal, on: date) -> list[AbsenceCase]:
    """The open cases of thuiszitters ``principal`` may see on ``on``: long-term (recorded so
    or grown) and not enrolled anywhere, longest first. For the monitoring's overview of pupils
    at risk."""
    query = cases(principal, on, status=CaseStatus.OPEN).where(
        or_(of_kind(Kind.LONG_TERM, on), of_kind(Kind.NOT_ENROLLED, on)),
        AbsenceCase.first_absent_on <= on,
    )
    return list(session.scalars(query))

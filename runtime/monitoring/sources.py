"""The SQL of every name in the vocabulary of monitoring (engine/overviews/sources.py): per
source, one SELECT of its rows that a person may see in a period, with a column per dimension,
flag and value, that ``queries.py`` groups and aggregates.

Every source's rows carry the same columns: ``id``, ``reference``, ``pupil_id``,
``school_id`` and ``other_school_id`` (what the drill-down lists), ``on`` (the date the period
is taken from), ``status_text``, then ``d_<dimension>``, ``f_<flag>`` (1 or 0) and
``v_<value>``. The scope rule (access/scope.py) and the period are conditions of that SELECT
on the table's own columns, so that the database uses its indexes; a test checks that every
name of the vocabulary has its column here.

The time dimensions are written per dialect (SQLite's ``strftime``, PostgreSQL's ``to_char``);
a school year is keyed by the year it starts in (August)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    Select,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from ..absence.models import AbsenceCase
from ..absence.queries import of_kind
from ..absence.rules import Kind
from ..access import scope
from ..access.accounts import Principal
from ..admissions.models import Admission
from ..consent.models import ConsentRecord, ConsentRequest, RegistrationCode
from ..db.lists import one_of
from ..forms.models import Submission
from ..organisations.counts import count_rows
from ..organisations.models import Organisation
from ..support.models import SupportRequest
from ..transfers.models import Transfer

DEREGISTERED_DAYS = 10  # pupils at risk: deregistered, not enrolled anywhere this many days on
OPEN_ADMISSION_STATES = ("waiting", "active")


@dataclass(frozen=True)
class Ask:
    """What every source's rows depend on: who looks (their principal, narrowed to the
    organisation they look for), on which day, the period, and the database's dialect."""

    principal: Principal
    today: date
    period_from: date
    period_to: date
    dialect: str  # "sqlite" | "postgresql"
    advice_forms: tuple[str, ...] = ()  # the region's adviesformulieren, by form id
    # the organisations whose data the principal reads on ``today`` (the scope rule, asked
    # once per view: queries.ask_of); None: the rule is composed into each source's query
    readable_ids: tuple[uuid.UUID, ...] | None = None

    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"


# ---------------------------------------------------------------------- dialect helpers


def month(column: Any, ask: Ask) -> ColumnElement[str]:
    if ask.is_sqlite():
        return func.strftime("%Y-%m", column)
    return func.to_char(column, "YYYY-MM")


def year(column: Any, ask: Ask) -> ColumnElement[str]:
    if ask.is_sqlite():
        return func.strftime("%Y", column)
    return func.to_char(column, "YYYY")


def school_year(column: Any, ask: Ask) -> ColumnElement[str]:
    """The year the school year of ``column`` starts in (1 August)."""
    if ask.is_sqlite():
        return func.strftime("%Y", column, "-7 months")
    return func.to_char(column - func.make_interval(0, 7), "YYYY")


def days_between(later: Any, earlier: Any, ask: Ask) -> ColumnElement[int]:
    """Whole days from ``earlier`` to ``later`` (dates or timestamps); NULL if either is."""
    if ask.is_sqlite():
        return cast(func.julianday(func.date(later)) - func.julianday(func.date(earlier)), Integer)
    return cast(later, Date) - cast(earlier, Date)  # type: ignore[no-any-return]


def flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def in_period(column: Any, ask: Ask, moment: bool) -> ColumnElement[bool]:
    """``column`` (a timestamp when ``moment``, else a date) within the period, both days in."""
    if moment:
        start = datetime.combine(ask.period_from, time.min)
        end = datetime.combine(ask.period_to + timedelta(days=1), time.min)
        return and_(column >= start, column < end)
    return and_(column >= ask.period_from, column <= ask.period_to)


def time_dimensions(column: Any, ask: Ask) -> list[ColumnElement[Any]]:
    return [
        month(column, ask).label("d_month"),
        year(column, ask).label("d_year"),
        school_year(column, ask).label("d_school_year"),
    ]


def readable(column: Any, ask: Ask) -> ColumnElement[bool]:
    """The scope rule on ``column``: a plain list of the organisations the principal reads
    when it is known (an index on the column can then be used for a board's or an SWV's
    hundreds of schools, where the rule's subqueries joined by OR make a full scan), else
    the rule itself (access/scope.py)."""
    if ask.readable_ids is not None:
        return one_of(column, ask.readable_ids, ask.dialect)
    return scope.readable(column, ask.principal, ask.today)


def absence_readable(ask: Ask) -> ColumnElement[bool]:
    """absence.queries.visible, with the scope rule as :func:`readable` gives it."""
    c = AbsenceCase
    return or_(
        readable(c.school_id, ask),
        and_(c.school_id.is_(None), scope.own_swv(c.swv_id, ask.principal)),
    )


def board_of(school: Any) -> ColumnElement[uuid.UUID]:
    """The bestuur of the school in ``school`` (a scalar subquery)."""
    board = aliased(Organisation)
    return select(board.parent_id).where(board.id == school).scalar_subquery()


def _common(
    id_: Any,
    reference: Any,
    pupil: Any,
    school: Any,
    other: Any,
    on: Any,
    status: Any,
) -> list[ColumnElement[Any]]:
    return [
        id_.label("id"),
        reference.label("reference"),
        pupil.label("pupil_id"),
        school.label("school_id"),
        other.label("other_school_id"),
        on.label("on"),
        status.label("status_text"),
    ]


# ---------------------------------------------------------------------- the sources


def transfers(ask: Ask) -> Select[Any]:
    t = Transfer
    closed = t.closed_at.is_not(None)
    visible = or_(readable(t.sending_school_id, ask), readable(t.receiving_school_id, ask))
    return select(
        *_common(
            t.id,
            t.reference,
            t.pupil_id,
            t.sending_school_id,
            t.receiving_school_id,
            t.created_at,
            t.status,
        ),
        t.reason.label("d_reason"),
        t.status.label("d_status"),
        case((closed, "closed"), else_="open").label("d_state"),
        t.sending_school_id.label("d_sending_school"),
        t.receiving_school_id.label("d_receiving_school"),
        board_of(t.sending_school_id).label("d_sending_bestuur"),
        board_of(t.receiving_school_id).label("d_receiving_bestuur"),
        t.started_by_party.label("d_started_by"),
        *time_dimensions(t.created_at, ask),
        flag(~closed).label("f_open"),
        flag(closed).label("f_closed"),
        flag(t.enrolled_on.is_not(None)).label("f_enrolled"),
        flag(and_(~closed, t.due_on < ask.today)).label("f_overdue"),
        days_between(t.enrolled_on, t.created_at, ask).label("v_days_to_enrolment"),
    ).where(visible, in_period(t.created_at, ask, moment=True))


def registrations(ask: Ask) -> Select[Any]:
    a = Admission
    decided = a.decided_on.is_not(None)
    open_ = a.state.in_(OPEN_ADMISSION_STATES)
    week_end = ask.today + timedelta(days=6 - ask.today.weekday())
    position = case((a.position == 1, "1"), (a.position == 2, "2"), else_="3+")
    return (
        select(
            *_common(
                a.id,
                Transfer.reference,
                Transfer.pupil_id,
                a.school_id,
                Transfer.sending_school_id,
                a.received_on,
                a.state,
            ),
            a.school_id.label("d_school"),
            board_of(a.school_id).label("d_bestuur"),
            a.state.label("d_state"),
            position.label("d_preference"),
            *time_dimensions(a.received_on, ask),
            flag(and_(open_, a.state == "active")).label("f_open"),
            flag(
                and_(
                    a.state == "active",
                    a.decision_due_on >= ask.today,
                    a.decision_due_on <= week_end,
                )
            ).label("f_due_this_week"),
            flag(and_(a.state == "active", a.decision_due_on < ask.today)).label("f_overdue"),
            flag(decided).label("f_decided"),
            flag(and_(decided, a.decided_on <= a.decision_due_on)).label("f_decided_within_term"),
            flag(a.temporary_from.is_not(None)).label("f_temporary"),
            days_between(a.decided_on, a.received_on, ask).label("v_decision_days"),
        )
        .join(Transfer, Transfer.id == a.transfer_id)
        .where(
            a.received_on.is_not(None),
            readable(a.school_id, ask),
            in_period(a.received_on, ask, moment=False),
        )
    )


def advices(ask: Ask) -> Select[Any]:
    s = Submission
    code = select(RegistrationCode.id).where(RegistrationCode.submission_id == s.id)
    asked = exists().where(ConsentRequest.code_id.in_(code))
    given = exists().where(
        ConsentRecord.request_id == ConsentRequest.id,
        ConsentRecord.decision == "given",
        ConsentRequest.code_id.in_(code),
    )
    forms = s.form_id.in_(ask.advice_forms) if ask.advice_forms else false()
    return select(
        *_common(s.id, s.form_id, s.pupil_id, s.organisation_id, null(), s.submitted_at, s.form_id),
        s.organisation_id.label("d_school"),
        board_of(s.organisation_id).label("d_bestuur"),
        s.form_id.label("d_form"),
        *time_dimensions(s.submitted_at, ask),
        flag(asked).label("f_consent_asked"),
        flag(given).label("f_consent_given"),
    ).where(
        forms,
        readable(s.organisation_id, ask),
        in_period(s.submitted_at, ask, moment=True),
    )


def support(ask: Ask) -> Select[Any]:
    r = SupportRequest
    closed = r.closed_at.is_not(None)
    decided = r.decided_on.is_not(None)
    visible = or_(readable(r.school_id, ask), readable(r.swv_id, ask))
    return select(
        *_common(
            r.id,
            r.reference,
            r.pupil_id,
            r.school_id,
            r.receiving_school_id,
            r.created_at,
            r.status,
        ),
        r.school_id.label("d_school"),
        board_of(r.school_id).label("d_bestuur"),
        r.kind.label("d_kind"),
        r.status.label("d_status"),
        func.coalesce(r.decision, "none").label("d_decision"),
        func.coalesce(r.tlv_category, "none").label("d_tlv_category"),
        *time_dimensions(r.created_at, ask),
        flag(~closed).label("f_open"),
        flag(r.submitted_at.is_not(None)).label("f_submitted"),
        flag(decided).label("f_decided"),
        flag(r.decision == "granted").label("f_granted"),
        flag(and_(~decided, ~closed, r.due_on < ask.today)).label("f_overdue"),
        flag(and_(decided, r.decided_on <= r.due_on)).label("f_decided_within_term"),
        days_between(r.decided_on, r.submitted_at, ask).label("v_decision_days"),
    ).where(visible, in_period(r.created_at, ask, moment=True))


def absence(ask: Ask) -> Select[Any]:
    c = AbsenceCase
    open_ = c.status == "open"
    derived = case(
        (of_kind(Kind.LONG_TERM, ask.today), "long_term"),
        (c.kind == Kind.NOT_ENROLLED, "not_enrolled"),
        else_="relative",
    )
    thuiszitter = and_(
        open_, or_(of_kind(Kind.LONG_TERM, ask.today), of_kind(Kind.NOT_ENROLLED, ask.today))
    )
    return select(
        *_common(c.id, literal(""), c.pupil_id, c.school_id, null(), c.first_absent_on, c.status),
        c.school_id.label("d_school"),
        board_of(c.school_id).label("d_bestuur"),
        derived.label("d_kind"),
        case((open_, "open"), else_="closed").label("d_status"),
        *time_dimensions(c.first_absent_on, ask),
        flag(open_).label("f_open"),
        flag(thuiszitter).label("f_thuiszitter"),
        flag(c.reported_on.is_not(None)).label("f_reported"),
        c.hours.label("v_hours"),
    ).where(absence_readable(ask), in_period(c.first_absent_on, ask, moment=False))


def pupils_at_risk(ask: Ask) -> Select[Any]:
    """One row per risk a pupil has now (a pupil may have several): deregistered without an
    enrolment for DEREGISTERED_DAYS days, a registration's term overrun, long-term absence, a
    registration at the first preference that is still not placed. Its date: since when."""
    today = ask.today
    t, a, c = Transfer, Admission, AbsenceCase

    def risk(
        name: str, id_: Any, pupil: Any, school: Any, since: Any, where: list[Any]
    ) -> Select[Any]:
        return select(
            id_.label("id"),
            literal(name).label("risk"),
            pupil.label("pupil_id"),
            school.label("school_id"),
            since.label("since"),
        ).where(*where)

    deregistered = risk(
        "deregistered_not_enrolled", t.id, t.pupil_id, t.sending_school_id, t.deregistered_on,
        [
            t.deregistered_on.is_not(None),
            t.enrolled_on.is_(None),
            t.deregistered_on <= today - timedelta(days=DEREGISTERED_DAYS),
            readable(t.sending_school_id, ask),
        ],
    )  # fmt: skip
    overrun = risk(
        "term_overrun", a.id, Transfer.pupil_id, a.school_id, a.decision_due_on,
        [
            a.transfer_id == Transfer.id,
            a.state == "active",
            a.decision_due_on < today,
            readable(a.school_id, ask),
        ],
    )  # fmt: skip
    absent = risk(
        "long_absence", c.id, c.pupil_id, c.school_id, c.first_absent_on,
        [c.status == "open", of_kind(Kind.LONG_TERM, today), absence_readable(ask)],
    )  # fmt: skip
    first = aliased(Admission)
    not_placed = risk(
        "registered_not_placed", first.id, Transfer.pupil_id, first.school_id, first.received_on,
        [
            first.transfer_id == Transfer.id,
            first.position == 1,
            first.received_on.is_not(None),
            first.state.in_(("refused", "not_handled")),
            Transfer.enrolled_on.is_(None),
            Transfer.closed_at.is_(None),
            readable(first.school_id, ask),
        ],
    )  # fmt: skip
    risks = union_all(deregistered, overrun, absent, not_placed).subquery("risks")
    return select(
        *_common(
            risks.c.id,
            literal(""),
            risks.c.pupil_id,
            risks.c.school_id,
            null(),
            risks.c.since,
            risks.c.risk,
        ),
        risks.c.school_id.label("d_school"),
        board_of(risks.c.school_id).label("d_bestuur"),
        risks.c.risk.label("d_risk"),
        *time_dimensions(risks.c.since, ask),
        days_between(literal(today, Date), risks.c.since, ask).label("v_days"),
    ).where(in_period(risks.c.since, ask, moment=False))


def pupil_counts(ask: Ask) -> Select[Any]:
    """DUO's counts of every year of the period, and POPO's own of this count year
    (runtime/organisations/counts.py)."""
    return count_rows(
        ask.principal,
        ask.today,
        ask.period_from.year,
        ask.period_to.year,
        ask.dialect,
        ask.readable_ids,
    )


SQL: dict[str, Callable[[Ask], Select[Any]]] = {
    "transfers": transfers,
    "registrations": registrations,
    "advices": advices,
    "support": support,
    "absence": absence,
    "pupils_at_risk": pupils_at_risk,
    "pupil_counts": pupil_counts,
}
"""The rows of each source by its name in engine/overviews/sources.py."""

URLS: dict[str, Callable[[uuid.UUID], str] | None] = {
    "transfers": lambda key: f"/transfers/{key}",
    "registrations": None,  # the registration's transfer: see queries.records
    "advices": None,
    "support": lambda key: f"/support/{key}",
    "absence": lambda key: f"/absence/{key}",
    "pupils_at_risk": None,
    "pupil_counts": None,
}
"""Where a drill-down's row links to (None: it is listed without a link)."""

"""The pages of absence.

- School staff: ``/absence``, the school's open and ended cases; ``/absence/new``, a case for
  one of its pupils or for a child enrolled at no school; ``/absence/{id}``, a case with its
  history and the forms to change and end it.
- SWV staff: ``/thuiszitters``, the open long-term and not-enrolled cases of its area (and the
  others, by filter), minimised to what the list needs, with a CSV download; each row opens the
  case, read-only (the scope rule: only the school's staff change pupil data; what the SWV
  agrees with the school, the school records).

Every page that shows a case is recorded in the audit log: the case page as one access, a list
and its download as one access per case listed."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.messages import localize
from renderers import i18n
from renderers.spreadsheets import safe_cell

from ..access.accounts import Principal
from ..clock import clock_of
from ..organisations.models import Organisation
from ..pupils import queries as pupil_queries
from ..pupils import service as pupils
from ..pupils.models import Pupil
from ..refusals import ReadOnly
from ..state import AppState
from ..web import guards
from ..web.blocking import in_thread
from ..web.downloads import attachment_headers
from ..web.language import request_language, templates
from ..web.pages import html, language_url
from ..web.posted import Posted
from ..web.scoped import Reached, changes, record
from . import queries, rules
from .models import AbsenceCase, AbsenceUpdate
from .rules import Acting, Ending, Kind
from .service import KIND_TEXTS, AbsenceService, BadInput, Message, Person
from .status import CASE, CaseStatus


def N_(message: str) -> str:
    return message


PURPOSE_SEE = N_("see an absence case")
PURPOSE_CHANGE = N_("change an absence case")
PURPOSE_RECORD = N_("record an absence case")
PURPOSE_LIST = N_("see the list of absence cases")
PURPOSE_THUISZITTERS = N_("see the list of thuiszitters")
PURPOSE_CSV = N_("download the list of thuiszitters")
PURPOSES = (
    PURPOSE_SEE,
    PURPOSE_CHANGE,
    PURPOSE_RECORD,
    PURPOSE_LIST,
    PURPOSE_THUISZITTERS,
    PURPOSE_CSV,
)
SWV_ROLES = ("swv",)
LIST_LIMIT = 1000
PUPILS_LIMIT = 1000

ACTING_TEXTS = {
    Acting.SCHOOL: N_("The school"),
    Acting.SWV: N_("The samenwerkingsverband"),
    Acting.LEERPLICHT: N_("The leerplichtambtenaar"),
    Acting.JEUGDHULP: N_("Jeugdhulp"),
    Acting.OTHER: N_("Someone else"),
}
ENDING_TEXTS = {
    Ending.BACK_AT_SCHOOL: N_("Back at school"),
    Ending.ENROLLED_ELSEWHERE: N_("Enrolled at another school"),
    Ending.EXEMPTION: N_("Exempted (vrijstelling)"),
    Ending.MOVED_AWAY: N_("Moved away"),
    Ending.OTHER: N_("Otherwise"),
}
FIELD_TEXTS = {
    "kind": N_("Kind"),
    "status": N_("Status"),
    "first_absent_on": N_("First day of absence"),
    "hours": N_("Unauthorised hours in the last four school weeks"),
    "reported_on": N_("Reported to the leerplichtambtenaar on"),
    "acting": N_("Who acts"),
    "acting_text": N_("Who acts, by name"),
    "agreed": N_("What was agreed"),
    "review_on": N_("Next review"),
    "ended_on": N_("Ended on"),
    "ending": N_("How it ended"),
    "ending_note": N_("Explanation"),
}


def _t(language: str, message: str) -> str:
    return i18n.gettext(language, message)


def _kind_text(kind: Kind, language: str) -> str:
    return localize(KIND_TEXTS[kind], language)


def _render(
    request: Request[Any, Any, Any], template: str, status: int = 200, **values: Any
) -> Response[str]:
    """``template`` in the person's language, never cached (it holds pupil data)."""
    content = (
        templates(request_language(request))
        .get_template(template)
        .render(language_url=language_url(request), **values)
    )
    return html(content, status)


def _person(who: Principal, school_id: uuid.UUID | None) -> Person:
    role = next((r.role for r in who.roles if r.organisation_id == school_id), None)
    return Person(who.user_id, who.name, role or (who.roles[0].role if who.roles else None))


def _number(popo: AppState, pupil: Pupil | None) -> str | None:
    return pupils.number_of(popo.settings, pupil) if pupil is not None else None


def _full_name(pupil: Pupil) -> str:
    first = pupil.roepnaam or pupil.voornamen
    return " ".join(p for p in (first, pupil.tussenvoegsel, pupil.achternaam) if p)


def _short_name(pupil: Pupil) -> str:
    """The least a list needs to tell children apart: initials and surname."""
    initials = pupils.initials(pupil.roepnaam or pupil.voornamen)
    return " ".join(p for p in (initials, pupil.tussenvoegsel, pupil.achternaam) if p)


def _errors(language: str, errors: dict[str, Message]) -> dict[str, str]:
    return {name: message.text(language) for name, message in errors.items()}


def _choices(language: str) -> dict[str, Any]:
    return {
        "acting_choices": [(a.value, _t(language, text)) for a, text in ACTING_TEXTS.items()],
        "ending_choices": [(e.value, _t(language, text)) for e, text in ENDING_TEXTS.items()],
        "kind_texts": {k.value: _kind_text(k, language) for k in Kind},
        "max_hours": rules.MAX_HOURS,
        "report_hours": rules.REPORT_HOURS,
    }


# ---------------------------------------------------------------------- one case


def reach_case(
    request: Request[Any, Any, Any],
    popo: AppState,
    session: Session,
    case_id: uuid.UUID,
    purpose: str,
) -> Reached[AbsenceCase]:
    """The case as the request's person may reach it (queries.visible: its school's staff,
    the school's SWV and board by the scope rule, an SWV its own), locked when the request
    changes it, which needs the school's staff (else ReadOnly, 403); 404 for any other. Each
    reach is recorded in the audit log against the case's pupil."""
    who = guards.logged_in(request, session)
    writing = changes(request)
    today = clock_of(session).today()
    query = select(AbsenceCase, queries.changeable(who).label("writable")).where(
        AbsenceCase.id == case_id, queries.visible(who, today)
    )
    if writing:
        query = query.with_for_update(of=AbsenceCase).execution_options(populate_existing=True)
    row = session.execute(query).first()
    if row is None:
        raise NotFoundException()
    case, writes = row[0], bool(row[1])
    if writing and not writes:
        raise ReadOnly()
    pupil = session.get(Pupil, case.pupil_id)
    record(
        request,
        session,
        popo.settings.audit_key,
        who,
        writing,
        "absence_case",
        str(case.id),
        purpose,
        _number(popo, pupil),
    )
    return Reached(case, who, writes)


@dataclass(frozen=True)
class Row:
    """A case as a list shows it."""

    case: AbsenceCase
    child: str
    birth_year: int
    age: int
    school: str
    kind: Kind
    kind_text: str
    weeks: int
    days: int
    acting: str
    overdue: bool
    must_report: bool
    reported: bool


def _row(case: AbsenceCase, pupil: Pupil, school: str, today: date, language: str) -> Row:
    kind = rules.kind_on(case.kind, case.first_absent_on, today)
    lasted = rules.duration(case.first_absent_on, today, case.ended_on)
    acting = " · ".join(
        p
        for p in (
            _t(language, ACTING_TEXTS[case.acting]) if case.acting else "",
            case.acting_text or "",
        )
        if p
    )
    return Row(
        case=case,
        child=_short_name(pupil),
        birth_year=pupil.geboortedatum.year,
        age=rules.age_on(pupil.geboortedatum, today),
        school=school,
        kind=kind,
        kind_text=_kind_text(kind, language),
        weeks=lasted.weeks,
        days=lasted.days,
        acting=acting,
        overdue=case.status is CaseStatus.OPEN
        and case.review_on is not None
        and case.review_on < today,
        must_report=rules.must_report(kind, case.hours),
        reported=case.reported_on is not None,
    )


def _rows(
    request: Request[Any, Any, Any],
    popo: AppState,
    session: Session,
    who: Principal,
    found: list[AbsenceCase],
    purpose: str,
    language: str,
) -> list[Row]:
    """The listed cases as rows, each listing recorded in the audit log."""
    today = clock_of(session).today()
    pupil_ids = {c.pupil_id for c in found}
    school_ids = {c.school_id for c in found if c.school_id} | {c.swv_id for c in found if c.swv_id}
    by_id = (
        {p.id: p for p in session.scalars(select(Pupil).where(Pupil.id.in_(pupil_ids)))}
        if pupil_ids
        else {}
    )
    names = (
        {
            o.id: o.name
            for o in session.scalars(select(Organisation).where(Organisation.id.in_(school_ids)))
        }
        if school_ids
        else {}
    )
    rows = []
    for case in found:
        pupil = by_id[case.pupil_id]
        record(
            request,
            session,
            popo.settings.audit_key,
            who,
            False,
            "absence_case",
            str(case.id),
            purpose,
            _number(popo, pupil),
        )
        school = (
            names.get(case.school_id, "")
            if case.school_id
            else _t(language, "(reported to the samenwerkingsverband)")
        )
        rows.append(_row(case, pupil, school, today, language))
    return rows


def _history(language: str, updates: list[AbsenceUpdate]) -> list[dict[str, Any]]:
    """The history in the person's language: each change's fields, before and after."""

    def shown(name: str, value: Any) -> str:
        if value is None or value == "":
            return "–"
        if name == "kind":
            return _kind_text(Kind(value), language)
        if name == "status":
            return CASE.label(CaseStatus(value), language)
        if name == "acting":
            return _t(language, ACTING_TEXTS[Acting(value)])
        if name == "ending":
            return _t(language, ENDING_TEXTS[Ending(value)])
        if name.endswith("_on"):
            return i18n.format_date(date.fromisoformat(value), language)
        return str(value)

    return [
        {
            "entry": update,
            "changes": [
                (_t(language, FIELD_TEXTS.get(name, name)), shown(name, old), shown(name, new))
                for name, (old, new) in update.changes.items()
            ],
        }
        for update in updates
    ]


def _case_page(
    request: Request[Any, Any, Any],
    popo: AppState,
    session: Session,
    reached: Reached[AbsenceCase],
    status: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    form: str = "",
) -> Response[str]:
    language = request_language(request)
    case = reached.obj
    today = clock_of(session).today()
    pupil = session.get(Pupil, case.pupil_id)
    assert pupil is not None
    school = session.get(Organisation, case.school_id) if case.school_id else None
    swv = session.get(Organisation, case.swv_id) if case.swv_id else None
    row = _row(case, pupil, school.name if school else "", today, language)
    current = {
        "first_absent_on": case.first_absent_on.isoformat(),
        "hours": "" if case.hours is None else str(case.hours),
        "reported": "1" if case.reported_on else "",
        "reported_on": case.reported_on.isoformat() if case.reported_on else "",
        "acting": case.acting.value if case.acting else "",
        "acting_text": case.acting_text or "",
        "agreed": case.agreed or "",
        "review_on": case.review_on.isoformat() if case.review_on else "",
    }
    return _render(
        request,
        "absence_case.html",
        status,
        case=case,
        row=row,
        pupil=pupil,
        name=_full_name(pupil),
        school=school,
        swv=swv,
        writes=reached.writes and case.status is CaseStatus.OPEN,
        is_swv=not reached.writes,
        history=_history(language, AbsenceService(session, popo.settings).history(case)),
        values=values if values is not None else current,
        errors=errors or {},
        form=form,
        today=today,
        status_text=CASE.label(case.status, language),
        ending_text=_t(language, ENDING_TEXTS[case.ending]) if case.ending else "",
        **_choices(language),
    )


@get("/absence/{case_id:uuid}")
@in_thread
def case_page(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState], case_id: FromPath[uuid.UUID]
) -> Response[str]:
    with popo.db.session() as session:
        reached = reach_case(request, popo, session, case_id, PURPOSE_SEE)
        return _case_page(request, popo, session, reached)


@post("/absence/{case_id:uuid}")
@in_thread
def update_case(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
    case_id: FromPath[uuid.UUID],
) -> Response[str] | Redirect:
    """Change the case (``action=update``) or end it (``action=end``); wrong input is named
    on the case's page, with what was typed kept (400)."""
    language = request_language(request)
    form = {key: posted.get(key) for key in posted.values}
    action = "end" if posted.action == "end" else "update"
    with popo.db.session() as session:
        reached = reach_case(request, popo, session, case_id, PURPOSE_CHANGE)
        case = reached.obj
        if case.status is not CaseStatus.OPEN:
            raise ReadOnly()
        service = AbsenceService(session, popo.settings)
        person = _person(reached.who, case.school_id)
        try:
            with session.begin_nested():
                if action == "end":
                    service.end(case, form, person)
                else:
                    service.update(case, form, person)
        except BadInput as bad:
            session.refresh(case)
            shown = {
                "first_absent_on": case.first_absent_on.isoformat(),
                **form,
            }
            return _case_page(
                request, popo, session, reached, 400, _errors(language, bad.errors), shown, action
            )
    return Redirect(f"/absence/{case_id}?saved=1", status_code=303)


# ---------------------------------------------------------------------- the school


@get("/absence")
@in_thread
def school_list(request: Request[Any, Any, Any], popo: NamedDependency[AppState]) -> Response[str]:
    language = request_language(request)
    with popo.db.session() as session:
        who, _school = guards.school_staff(request, session)
        today = clock_of(session).today()
        found = list(session.scalars(queries.cases(who, today).limit(LIST_LIMIT)))
        rows = _rows(request, popo, session, who, found, PURPOSE_LIST, language)
        return _render(
            request,
            "absence_list.html",
            open_rows=[r for r in rows if r.case.status is CaseStatus.OPEN],
            ended_rows=[r for r in rows if r.case.status is CaseStatus.ENDED],
            today=today,
        )


def _new_page(
    request: Request[Any, Any, Any],
    session: Session,
    who: Principal,
    school_id: uuid.UUID,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response[str]:
    language = request_language(request)
    today = clock_of(session).today()
    own = list(
        session.scalars(
            pupil_queries.pupils(who, today)
            .where(Pupil.current_school_id == school_id)
            .limit(PUPILS_LIMIT)
        )
    )
    return _render(
        request,
        "absence_new.html",
        status,
        pupils=[(str(p.id), f"{_full_name(p)} ({p.geboortedatum.year})") for p in own],
        values=values,
        errors=errors,
        today=today,
        **_choices(language),
    )


@get("/absence/new")
@in_thread
def new_case(request: Request[Any, Any, Any], popo: NamedDependency[AppState]) -> Response[str]:
    with popo.db.session() as session:
        who, school = guards.school_staff(request, session)
        return _new_page(request, session, who, school, {"kind": Kind.RELATIVE.value}, {})


@post("/absence")
@in_thread
def record_case(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
) -> Response[str] | Redirect:
    """A school records a case: for one of its pupils (relative or long-term absence) or for
    a child enrolled at no school (found or registered by number, names and birth date)."""
    language = request_language(request)
    form = {key: posted.get(key)[:4000] for key in posted.values}
    with popo.db.session() as session:
        who, school = guards.school_staff(request, session)
        service = AbsenceService(session, popo.settings)
        try:
            kind = Kind(form.get("kind", ""))
        except ValueError:
            errors = {"kind": Message(N_("Choose the kind of absence."))}
            return _new_page(request, session, who, school, form, _errors(language, errors), 400)
        try:
            with session.begin_nested():
                if kind is Kind.NOT_ENROLLED:
                    pupil = service.child_not_enrolled(form)
                else:
                    pupil = _own_pupil(session, who, school, form.get("pupil", ""))
                case = service.record(pupil, kind, form, _person(who, school), school_id=school)
        except BadInput as bad:
            return _new_page(
                request, session, who, school, form, _errors(language, bad.errors), 400
            )
        record(
            request,
            session,
            popo.settings.audit_key,
            who,
            True,
            "absence_case",
            str(case.id),
            PURPOSE_RECORD,
            _number(popo, pupil),
        )
        target = f"/absence/{case.id}"
    return Redirect(target, status_code=303)


def _own_pupil(session: Session, who: Principal, school: uuid.UUID, pupil_id: str) -> Pupil:
    """One of the school's own pupils, as the picker sent it; BadInput for any other."""
    try:
        key = uuid.UUID(pupil_id)
    except ValueError:
        key = None
    found = (
        session.scalars(
            pupil_queries.pupil(who, key, clock_of(session).today()).where(
                Pupil.current_school_id == school
            )
        ).one_or_none()
        if key is not None
        else None
    )
    if found is None:
        raise BadInput({"pupil": Message(N_("Choose one of your school's pupils."))})
    return found


# ---------------------------------------------------------------------- the SWV


@dataclass(frozen=True)
class Wanted:
    kind: Kind | None
    status: CaseStatus | None
    sort: str  # "longest" | "shortest"

    @classmethod
    def of(cls, request: Request[Any, Any, Any]) -> Wanted:
        params = request.query_params
        kind_text = params.get("kind") or ""
        status_text = params.get("status", "open")
        kind = Kind(kind_text) if kind_text in {k.value for k in Kind} else None
        status = CaseStatus(status_text) if status_text in {s.value for s in CaseStatus} else None
        sort = "shortest" if params.get("sort") == "shortest" else "longest"
        return cls(kind, status, sort)

    def query(self) -> str:
        parts = [
            f"kind={self.kind.value if self.kind else ''}",
            f"status={self.status.value if self.status else 'all'}",
            f"sort={self.sort}",
        ]
        return "&".join(parts)


def _thuiszitter_rows(
    request: Request[Any, Any, Any],
    popo: AppState,
    session: Session,
    who: Principal,
    wanted: Wanted,
    purpose: str,
    language: str,
) -> list[Row]:
    today = clock_of(session).today()
    query = queries.cases(who, today, kind=wanted.kind, status=wanted.status)
    if wanted.kind is None and wanted.status is CaseStatus.OPEN:
        # by default the thuiszitters: long-term and not enrolled (queries.at_risk)
        found = queries.at_risk(session, who, today)[:LIST_LIMIT]
    else:
        found = list(session.scalars(query.limit(LIST_LIMIT)))
    rows = _rows(request, popo, session, who, found, purpose, language)
    rows.sort(key=lambda r: (r.days, str(r.case.id)), reverse=wanted.sort == "longest")
    return rows


@get("/thuiszitters")
@in_thread
def thuiszitters(request: Request[Any, Any, Any], popo: NamedDependency[AppState]) -> Response[str]:
    language = request_language(request)
    wanted = Wanted.of(request)
    with popo.db.session() as session:
        who = guards.one_of(request, session, SWV_ROLES)
        rows = _thuiszitter_rows(
            request, popo, session, who, wanted, PURPOSE_THUISZITTERS, language
        )
        return _render(
            request,
            "absence_thuiszitters.html",
            rows=rows,
            wanted=wanted,
            today=clock_of(session).today(),
            **_choices(language),
        )


@get("/thuiszitters.csv")
@in_thread
def thuiszitters_csv(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState]
) -> Response[bytes]:
    language = request_language(request)
    wanted = Wanted.of(request)
    with popo.db.session() as session:
        who = guards.one_of(request, session, SWV_ROLES)
        rows = _thuiszitter_rows(request, popo, session, who, wanted, PURPOSE_CSV, language)
        today = clock_of(session).today()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(
        [
            _t(language, text)
            for text in (
                N_("Child"),
                N_("Birth year"),
                N_("School"),
                N_("Kind"),
                N_("First day of absence"),
                N_("Weeks"),
                N_("Who acts"),
                N_("What was agreed"),
                N_("Next review"),
                N_("Review passed"),
                N_("Status"),
            )
        ]
    )
    for row in rows:
        writer.writerow(
            [
                safe_cell(row.child),
                row.birth_year,
                safe_cell(row.school),
                row.kind_text,
                row.case.first_absent_on.isoformat(),
                row.weeks,
                safe_cell(row.acting),
                safe_cell(row.case.agreed or ""),
                row.case.review_on.isoformat() if row.case.review_on else "",
                _t(language, N_("yes")) if row.overdue else "",
                CASE.label(row.case.status, language),
            ]
        )
    name = f"thuiszitters-{today.isoformat()}.csv"
    return Response(
        ("\ufeff" + out.getvalue()).encode("utf-8"),  # a BOM: Excel reads it as UTF-8
        media_type="text/csv; charset=utf-8",
        headers=attachment_headers(name),
    )


ROUTES = [
    school_list,
    new_case,
    record_case,
    case_page,
    update_case,
    thuiszitters,
    thuiszitters_csv,
]

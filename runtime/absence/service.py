"""The rules of absence cases, on a Session (no web): record a case for a pupil of the school
or for a child enrolled at no school, change what is known and agreed, end it, and tell the
samenwerkingsverband when a child becomes a thuiszitter.

What a person may read or change is the caller's question to the scope rule (queries.py, the
routes' reach): this module writes what it is given by whom may write it. Bad input is refused
with :class:`BadInput`, naming every wrong field with a message for people (an English msgid,
translated where it is shown); nothing is written then."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from renderers import i18n

from .. import notifications
from ..access.models import RoleAssignment, UserAccount
from ..clock import clock_of
from ..organisations.models import Organisation
from ..pupils import service as pupils
from ..pupils.models import Pupil
from ..pupils.numbers import InvalidNumber, kind_of, valid
from ..settings import Settings
from ..statuses.db import move
from . import rules
from .models import AbsenceCase, AbsenceUpdate
from .rules import Acting, Ending, Kind
from .status import CASE, CaseStatus

EVENT = "absence_thuiszitter"
MAX_TEXT = 2000  # what was agreed
MAX_SHORT = 200  # who acts
MAX_NOTE = 500  # how it ended
EARLIEST = date(2000, 1, 1)

KIND_TEXTS = {
    Kind.RELATIVE: {"nl": "relatief verzuim", "en": "relative absence"},
    Kind.LONG_TERM: {"nl": "langdurig verzuim (meer dan 4 weken)", "en": "long-term absence"},
    Kind.NOT_ENROLLED: {
        "nl": "niet ingeschreven (absoluut verzuim)",
        "en": "not enrolled anywhere (absoluut verzuim)",
    },
}


def N_(message: str) -> str:
    return message


@dataclass(frozen=True)
class Message:
    """A message for people: an English msgid with its values, translated where shown."""

    msgid: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def text(self, language: str) -> str:
        translated = i18n.gettext(language, self.msgid)
        values = {
            k: i18n.format_date(v, language) if isinstance(v, date) else v
            for k, v in self.values.items()
        }
        return translated % values if values else translated


class BadInput(ValueError):
    """Some fields are wrong: ``errors`` names each with its message; nothing was written."""

    def __init__(self, errors: Mapping[str, Message]) -> None:
        self.errors = dict(errors)
        super().__init__(", ".join(f"{k}: {m.msgid}" for k, m in self.errors.items()))


@dataclass(frozen=True)
class Person:
    """Who changes a case, as the history keeps them."""

    user_id: uuid.UUID | None
    name: str
    role: str | None


SYSTEM = Person(None, "POPO", None)

_DUTCH_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")


def parse_date(text: str) -> date | None:
    """A date as a date field sends it (2027-01-03) or as people type it (3-1-2027); None
    when it is neither."""
    text = text.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    match = _DUTCH_DATE.match(text)
    if match is None:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


class _Checker:
    """Reads a posted form's fields into values, gathering a message per wrong field."""

    def __init__(self, form: Mapping[str, str], today: date) -> None:
        self.form = form
        self.today = today
        self.errors: dict[str, Message] = {}

    def text(self, name: str) -> str:
        return (self.form.get(name) or "").strip()

    def day(self, name: str, required: Message | None = None) -> date | None:
        raw = self.text(name)
        if not raw:
            if required is not None:
                self.errors[name] = required
            return None
        found = parse_date(raw)
        if found is None or found < EARLIEST:
            self.errors[name] = Message(N_("Give the date as day-month-year, such as 3-2-2027."))
            return None
        return found

    def past(self, name: str, value: date | None, message: str) -> date | None:
        if value is not None and value > self.today:
            self.errors[name] = Message(message)
            return None
        return value

    def limited(self, name: str, limit: int) -> str | None:
        value = self.text(name)
        if len(value) > limit:
            self.errors[name] = Message(
                N_("Write at most %(max)d characters (now %(count)d)."),
                {"max": limit, "count": len(value)},
            )
        return value[:limit] or None


def check_details(
    form: Mapping[str, str], kind: Kind, today: date, birth: date | None = None
) -> dict[str, Any]:
    """The case's details from a posted form (first day, hours, report, who acts, what was
    agreed, next review): the values, or BadInput naming each wrong one."""
    check = _Checker(form, today)
    first = check.day(
        "first_absent_on", Message(N_("Give the first day of absence, such as 3-2-2027."))
    )
    first = check.past(
        "first_absent_on", first, N_("The first day of absence cannot be in the future.")
    )
    if first is not None and birth is not None:
        if first < birth:
            check.errors["first_absent_on"] = Message(
                N_("The first day of absence cannot be before the child's date of birth.")
            )
        elif kind is Kind.NOT_ENROLLED and first < rules.compulsory_from(birth):
            check.errors["first_absent_on"] = Message(
                N_(
                    "A child who is not enrolled is in absoluut verzuim only once of compulsory "
                    "school age: this child from %(date)s (Leerplichtwet art. 3)."
                ),
                {"date": rules.compulsory_from(birth)},
            )
    hours: int | None = None
    raw_hours = check.text("hours")
    if raw_hours:
        if raw_hours.isdigit() and 0 <= int(raw_hours) <= rules.MAX_HOURS:
            hours = int(raw_hours)
        else:
            check.errors["hours"] = Message(
                N_("Give the hours as a whole number from 0 to %(max)d."),
                {"max": rules.MAX_HOURS},
            )
    elif kind is Kind.RELATIVE:
        check.errors["hours"] = Message(
            N_("Give the hours of unauthorised absence in the last four school weeks.")
        )
    reported_on: date | None = None
    if check.text("reported") or check.text("reported_on"):
        reported_on = check.day(
            "reported_on",
            Message(N_("Give the day it was reported to the leerplichtambtenaar.")),
        )
        reported_on = check.past(
            "reported_on", reported_on, N_("The day of the report cannot be in the future.")
        )
        if reported_on is not None and first is not None and reported_on < first:
            check.errors["reported_on"] = Message(
                N_("The day of the report cannot be before the first day of absence.")
            )
    acting: Acting | None = None
    raw_acting = check.text("acting")
    if raw_acting:
        try:
            acting = Acting(raw_acting)
        except ValueError:
            check.errors["acting"] = Message(N_("Choose who acts from the list."))
    acting_text = check.limited("acting_text", MAX_SHORT)
    agreed = check.limited("agreed", MAX_TEXT)
    review_on = check.day("review_on")
    if review_on is not None and first is not None and review_on < first:
        check.errors["review_on"] = Message(
            N_("The next review cannot be before the first day of absence.")
        )
    if check.errors:
        raise BadInput(check.errors)
    return {
        "first_absent_on": first,
        "hours": hours,
        "reported_on": reported_on,
        "acting": acting,
        "acting_text": acting_text,
        "agreed": agreed,
        "review_on": review_on,
    }


def check_end(form: Mapping[str, str], first_day: date, today: date) -> dict[str, Any]:
    """How and when a case ended, from a posted form; BadInput naming each wrong field."""
    check = _Checker(form, today)
    ended = check.day("ended_on", Message(N_("Give the day the absence ended.")))
    ended = check.past("ended_on", ended, N_("The end of the absence cannot be in the future."))
    if ended is not None and ended < first_day:
        check.errors["ended_on"] = Message(
            N_("The end of the absence cannot be before its first day (%(date)s)."),
            {"date": first_day},
        )
    ending: Ending | None = None
    try:
        ending = Ending(check.text("ending"))
    except ValueError:
        check.errors["ending"] = Message(N_("Choose how the absence ended."))
    note = check.limited("ending_note", MAX_NOTE)
    if check.errors:
        raise BadInput(check.errors)
    return {"ended_on": ended, "ending": ending, "ending_note": note}


def _shown(value: Any) -> Any:
    """A value as the history keeps it (JSON)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Acting | Ending | Kind | CaseStatus):
        return value.value
    return value


class AbsenceService:
    def __init__(self, session: Session, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.clock = clock_of(session)

    # ------------------------------------------------------------------ the pupil

    def child_not_enrolled(self, form: Mapping[str, str]) -> Pupil:
        """The pupil of a child enrolled at no school, found by their number or registered
        (the way runtime/pupils keeps a child: one row per number); BadInput when the number,
        names or birth date are wrong, or POPO knows the child at a school (that school
        records its absence) or with another surname or birth date."""
        errors: dict[str, Message] = {}
        number = (form.get("number") or "").replace(" ", "").replace(".", "")
        try:
            valid(kind_of(number), number)
        except InvalidNumber:
            errors["number"] = Message(
                N_("Give a BSN or onderwijsnummer of 9 digits that passes the 11-test.")
            )
        voornamen = (form.get("voornamen") or "").strip()[:100]
        achternaam = (form.get("achternaam") or "").strip()[:100]
        tussenvoegsel = (form.get("tussenvoegsel") or "").strip()[:20] or None
        if not voornamen:
            errors["voornamen"] = Message(N_("Give the child's first names."))
        if not achternaam:
            errors["achternaam"] = Message(N_("Give the child's surname."))
        birth = parse_date(form.get("geboortedatum") or "")
        today = self.clock.today()
        if birth is None or not EARLIEST <= birth <= today:
            errors["geboortedatum"] = Message(N_("Give the date of birth, such as 3-2-2019."))
        if errors:
            raise BadInput(errors)
        assert birth is not None
        existing = pupils.find(self.session, self.settings, number)
        if existing is not None:
            if existing.current_school_id is not None:
                raise BadInput(
                    {
                        "number": Message(
                            N_(
                                "POPO knows this child at a school: that school records its "
                                "absence."
                            )
                        )
                    }
                )
            same = (
                existing.geboortedatum == birth
                and existing.achternaam.casefold() == achternaam.casefold()
            )
            if not same:
                raise BadInput(
                    {
                        "number": Message(
                            N_(
                                "POPO knows this number with another surname or date of "
                                "birth. Check the number, or ask the helpdesk."
                            )
                        )
                    }
                )
            return existing
        names = pupils.Names(voornamen, achternaam, None, tussenvoegsel)
        return pupils.register(self.session, self.settings, number, names, birth, None)

    # ------------------------------------------------------------------ cases

    def record(
        self,
        pupil: Pupil,
        kind: Kind,
        form: Mapping[str, str],
        person: Person,
        *,
        school_id: uuid.UUID | None,
        swv_id: uuid.UUID | None = None,
    ) -> AbsenceCase:
        """A new open case of ``pupil`` kept by ``school_id`` (None: reported to the SWV
        itself), in the area of the school's SWV (or ``swv_id``); the SWV is told at once
        when the child is a thuiszitter already."""
        values = check_details(form, kind, self.clock.today(), pupil.geboortedatum)
        if swv_id is None and school_id is not None:
            school = self.session.get(Organisation, school_id)
            swv_id = school.swv_id if school is not None else None
        case = AbsenceCase(
            pupil_id=pupil.id,
            school_id=school_id,
            swv_id=swv_id,
            kind=kind,
            status=CaseStatus.OPEN,
            recorded_by=person.user_id,
            **values,
        )
        self.session.add(case)
        self.session.flush()
        changes: dict[str, Any] = {"kind": [None, kind.value]}
        changes.update({k: [None, _shown(v)] for k, v in values.items() if v is not None})
        self._history(case, person, changes)
        self.tell_if_thuiszitter(case)
        return case

    def update(self, case: AbsenceCase, form: Mapping[str, str], person: Person) -> bool:
        """Change what is known and agreed of an open case; whether anything changed (a
        history row then, with each field's before and after)."""
        pupil = self.session.get(Pupil, case.pupil_id)
        values = check_details(
            form, case.kind, self.clock.today(), pupil.geboortedatum if pupil else None
        )
        changes: dict[str, Any] = {}
        for name, value in values.items():
            before = getattr(case, name)
            if before != value:
                changes[name] = [_shown(before), _shown(value)]
                setattr(case, name, value)
        if not changes:
            return False
        self._history(case, person, changes)
        self.session.flush()
        self.tell_if_thuiszitter(case)
        return True

    def end(self, case: AbsenceCase, form: Mapping[str, str], person: Person) -> None:
        """End an open case: its last day, how it ended and a note; the status moves to
        ended (runtime/statuses keeps that move too)."""
        values = check_end(form, case.first_absent_on, self.clock.today())
        move(
            self.session,
            case,
            CaseStatus.ENDED,
            workflow=CASE,
            actor=person.user_id,
            role=person.role,
        )
        for name, value in values.items():
            setattr(case, name, value)
        changes: dict[str, Any] = {"status": [CaseStatus.OPEN.value, CaseStatus.ENDED.value]}
        changes.update({k: [None, _shown(v)] for k, v in values.items() if v is not None})
        self._history(case, person, changes)
        self.session.flush()

    def history(self, case: AbsenceCase) -> list[AbsenceUpdate]:
        return list(
            self.session.scalars(
                select(AbsenceUpdate)
                .where(AbsenceUpdate.case_id == case.id)
                .order_by(AbsenceUpdate.id)
            )
        )

    def _history(self, case: AbsenceCase, person: Person, changes: dict[str, Any]) -> None:
        self.session.add(
            AbsenceUpdate(
                case_id=case.id,
                user_id=person.user_id,
                by_name=person.name[:200],
                role=person.role,
                changes=changes,
            )
        )

    # ------------------------------------------------------------------ the SWV is told

    def swv_staff(self, swv_id: uuid.UUID | None) -> list[UserAccount]:
        """The accounts with the SWV role at ``swv_id``: whom a thuiszitter is told."""
        if swv_id is None:
            return []
        return list(
            self.session.scalars(
                select(UserAccount)
                .join(RoleAssignment, RoleAssignment.user_id == UserAccount.id)
                .where(RoleAssignment.organisation_id == swv_id, RoleAssignment.role == "swv")
                .distinct()
                .order_by(UserAccount.id)
            )
        )

    def tell_if_thuiszitter(self, case: AbsenceCase) -> bool:
        """Tell the SWV's staff, once per case, that the child is a thuiszitter today (not
        enrolled anywhere, or absent for more than four weeks): a notification without the
        child's name, with the link to the case. Whether it told them now."""
        today = self.clock.today()
        if case.thuiszitter_told_on is not None or case.status is not CaseStatus.OPEN:
            return False
        found = rules.thuiszitter(case.kind, case.first_absent_on, today, case.ended_on)
        if found is None:
            return False
        case.thuiszitter_told_on = today
        school = self.session.get(Organisation, case.school_id) if case.school_id else None
        notifications.notify(
            self.session,
            EVENT,
            self.swv_staff(case.swv_id),
            f"{self.settings.base_url.rstrip('/')}/absence/{case.id}",
            ref=f"absence:{case.id}",
            category=KIND_TEXTS[found],
            school=(school.name if school is not None else "-")[:200],
            since=case.first_absent_on,
            weeks=rules.duration(case.first_absent_on, today).weeks,
        )
        self.session.flush()
        return True

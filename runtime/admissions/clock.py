"""A registration's clock at one school: the legal terms of an aanmelding, derived from its
events, never kept as a timer.

The law (WPO art. 40 lid 6-7, art. 63 lid 4; ../shared/domain/law-excerpts-2015.md) counts
calendar weeks from the day the school received the registration. POPO records what happened,
as :class:`Event` s, and :func:`derive` computes every date from them each time, so a date can
always be explained (:meth:`Clock.explain`) and never drifts from the history:

* **received**: the day the school received the registration starts every term (lid 6).
* **information requested**: the school asks the parents to complete the registration and gives
  them a term (``until``: the last day they may send it). The decision term stands still from the
  day of the request (art. 63 lid 4): the request's day is the first day standing still. It runs
  again on the day the information is received (that day counts again as a day of the term), or,
  when nothing came, on the day after the parents' last day. So ``received − requested`` days stand
  still, or ``until + 1 − requested`` when the term passed unused. Until the information arrives
  the clock counts the parents' whole term (the dates are what they will be if nothing comes); a
  reply that comes sooner moves the dates earlier. Requests in sequence add up. A request made
  when the decision was already due (the term had run out) stops nothing: it counts 0 days.
* **extended**: once, by 1 to 4 weeks, with the school's reason, told to the parents within the 6
  weeks (lid 6).
* **decided**: admitted, refused, or not handled ("niet in behandeling nemen", art. 63 lid 4:
  only after the parents had a term to complete the registration, decided within 4 weeks of its
  completion or of their term passing unused).
* **withdrawn**: the parents withdrew the registration.

The dates: ``decision_due = received + 6 weeks + days standing still + extension weeks`` (the last
day of the term); ``ten_weeks = received + 10 weeks + days standing still`` (the last day of the 10
weeks of lid 7). POPO reads lid 7 together with art. 63 lid 4: the days the decision term stands
still move the 10 weeks as well, because the 10 weeks are the 6 weeks plus the longest extension
(4 weeks) and a school waiting rightly for the parents' information cannot be overtaken by a
temporary placement within its own term; the extension itself does not move them. A child not
enrolled at another school and without a decision after the 10 weeks is placed temporarily from
the next day, not before the child may be admitted (4 years old). :func:`check` says whether a new
event may be recorded (:class:`AdmissionRefused` with a reason in the person's language), and
:func:`alerts` which reminders are due before each deadline.

Texts are English message ids through ``renderers.i18n.gettext`` (Dutch in the catalogue).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, get_args

from babel.dates import format_date as _babel_date

from engine.terms import Term, describe
from renderers import i18n

Kind = Literal[
    "received", "information_requested", "information_received", "extended", "decided", "withdrawn"
]
Decision = Literal["admitted", "refused", "not_handled"]
Deadline = Literal["decision_due", "ten_weeks", "temporary_placement_from", "not_handled_due"]
KINDS: tuple[Kind, ...] = get_args(Kind)
DECISIONS: tuple[Decision, ...] = get_args(Decision)
DEADLINES: tuple[Deadline, ...] = get_args(Deadline)
# the deadlines reminded of before they come (alerts), and the ones a registration is overdue on
ALERTED: tuple[Deadline, ...] = ("decision_due", "not_handled_due", "temporary_placement_from")
OBLIGATIONS: tuple[Deadline, ...] = ("decision_due", "ten_weeks", "temporary_placement_from")

DECISION_TERM = Term(6, "weeks")  # art. 40 lid 6
MAX_EXTENSION_WEEKS = 4  # art. 40 lid 6: "ten hoogste 4 weken"
PLACEMENT_TERM = Term(10, "weeks")  # art. 40 lid 7
NOT_HANDLED_TERM = Term(4, "weeks")  # art. 63 lid 4
DEFAULT_BEFORE = (7, 2)  # alerts a week and two days before a deadline
DAY = timedelta(days=1)


def N_(message: str) -> str:
    """Marks a message id for translation where it is defined; it is translated where shown."""
    return message


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened to a registration at one school, on the day it happened."""

    kind: Kind
    on: date
    until: date | None = None  # information_requested: the last day of the parents' term
    weeks: int | None = None  # extended: 1..4
    reason: str | None = None  # extended: the school's reason, in its words
    decision: Decision | None = None  # decided


@dataclass(frozen=True, slots=True)
class InformationRequest:
    """A request to the parents to complete the registration, and what became of it."""

    requested_on: date
    until: date | None  # the parents' last day
    received_on: date | None  # the day the information was received (None: not recorded)
    resumes_on: date | None  # the day the term runs again (None: no term and nothing received)
    days: int  # the days the decision term stood still for it
    counted: bool  # False: asked when the decision was already due, so nothing stood still

    @property
    def answered(self) -> bool:
        return self.received_on is not None


@dataclass(frozen=True, slots=True)
class Clock:
    """The terms of one registration at one school, as its events make them (see the module)."""

    received: date
    six_weeks: date  # received + 6 weeks + standing still: the term before any extension
    decision_due: date  # six_weeks + the extension's weeks
    ten_weeks: date  # the last day of the 10 weeks of lid 7
    temporary_placement_from: date | None  # open: no decision, not withdrawn or enrolled elsewhere
    standing_still_days: int
    standing_still_since: date | None  # the day of a request with no information received yet
    information_due: date | None  # that request's last day for the parents
    not_handled_from: date | None  # from this day "not handled" may be decided
    not_handled_due: date | None  # not_handled_from + 4 weeks
    extended_weeks: int  # 0: not extended
    extended_on: date | None
    extension_reason: str | None
    decision: Decision | None
    decided_on: date | None
    withdrawn_on: date | None
    requests: tuple[InformationRequest, ...]
    admission_age_on: date | None  # the day the child may be admitted (the 4th birthday)
    enrolled_elsewhere: bool
    # a registration decided (or withdrawn) after a temporary placement had begun by law:
    temporary_placement_began: date | None
    temporary_placement_ended: date | None  # the day after a refusal or "not handled" ended it
    # the region's term for the decision: the law's 6 weeks, or fewer as a region agreed
    decision_term: Term = DECISION_TERM

    @property
    def closed(self) -> bool:
        """Decided or withdrawn: no term runs any more."""
        return self.decided_on is not None or self.withdrawn_on is not None

    @property
    def open_request(self) -> InformationRequest | None:
        """The last request if no information was received for it (it may have passed unused)."""
        last = self.requests[-1] if self.requests else None
        return last if last is not None and not last.answered else None

    def due(self, deadline: Deadline) -> date | None:
        """The date of a deadline by its name (one of :data:`DEADLINES`)."""
        if deadline not in DEADLINES:
            raise ValueError(f"'{deadline}' is not a deadline; deadlines: {', '.join(DEADLINES)}")
        value: date | None = getattr(self, deadline)
        return value

    def standing_still_on(self, day: date) -> bool:
        """Whether the decision term stands still on ``day`` (a request's days, see the module)."""
        return any(
            r.counted and r.requested_on <= day < r.requested_on + timedelta(days=r.days)
            for r in self.requests
        )

    def overdue(self, today: date) -> list[str]:
        """The obligations whose date has passed on ``today`` without a decision: the decision
        (``decision_due``), the 10 weeks (``ten_weeks``) and the temporary placement that has
        begun by law (``temporary_placement_from``, from its first day). ``not_handled_due`` is
        a window, not an obligation: once it passed the school decides on the admission itself
        (within ``decision_due``), so it makes no registration overdue."""
        if self.closed:
            return []
        late: list[str] = []
        if today > self.decision_due:
            late.append("decision_due")
        if today > self.ten_weeks:
            late.append("ten_weeks")
        if self.temporary_placement_from is not None and today >= self.temporary_placement_from:
            late.append("temporary_placement_from")
        return late

    def explain(self, deadline: Deadline, language: str, today: date | None = None) -> str:
        """How the date of ``deadline`` follows from the events, in ``language`` (nl, en), e.g.
        "Decision due 1 April 2027: received 10 January 2027 + 6 weeks + 11 days standing still
        (information requested 20 January, received 31 January), extended 4 weeks on 2 February
        2027: <reason>". With ``today`` an open request says the parents may still complete."""
        if deadline == "decision_due":
            return _explain_decision(self, language, today)
        if deadline == "ten_weeks":
            return _explain_ten_weeks(self, language, today)
        if deadline == "temporary_placement_from":
            return _explain_placement(self, language)
        if deadline == "not_handled_due":
            return _explain_not_handled(self, language, today)
        raise ValueError(f"'{deadline}' is not a deadline; deadlines: {', '.join(DEADLINES)}")


def derive(
    events: Sequence[Event],
    *,
    admission_age_on: date | None = None,
    enrolled_elsewhere: bool = False,
    decision_weeks: int = 6,
) -> Clock:
    """The clock of a registration at one school from its events (in the order they happened;
    events of the same day keep their order). Tolerant of a history :func:`check` would not have
    let in: events before the receipt or after the decision are left out, a second extension
    and an answer without a request are ignored, an extension counts at most 4 weeks, and a
    request made while another was open ends that one on its own day."""
    ordered = sorted(events, key=lambda e: e.on)  # stable: a day's events keep their order
    receipts = [e.on for e in ordered if e.kind == "received"]
    if not receipts:
        raise ValueError("a registration's clock starts with its receipt: no 'received' event")
    received = receipts[0]
    decision_term = DECISION_TERM if decision_weeks == 6 else Term(decision_weeks, "weeks")
    six_weeks = decision_term.due(received)

    standing = 0
    extended_weeks, extended_on, reason = 0, None, None
    decision: Decision | None = None
    decided_on = withdrawn_on = None
    requests: list[InformationRequest] = []
    pending: tuple[date, date | None, bool] | None = None  # (requested_on, until, counted)

    def close(answered_on: date | None, superseded_on: date | None = None) -> None:
        nonlocal standing, pending
        assert pending is not None
        requested_on, until, counted = pending
        ends = [d for d in (answered_on, until + DAY if until else None, superseded_on) if d]
        resumes_on = min(ends) if ends else None
        days = (resumes_on - requested_on).days if counted and resumes_on else 0
        requests.append(
            InformationRequest(requested_on, until, answered_on, resumes_on, max(days, 0), counted)
        )
        standing += max(days, 0)
        pending = None

    for event in ordered:
        if event.on < received or event.kind == "received":
            continue
        if event.kind == "information_requested":
            if pending is not None:
                close(None, superseded_on=event.on)
            running_due = six_weeks + timedelta(days=standing, weeks=extended_weeks)
            pending = (event.on, event.until, event.on <= running_due)
        elif event.kind == "information_received":
            if pending is not None:
                close(event.on)
        elif event.kind == "extended":
            if extended_on is None:
                extended_weeks = min(max(_whole(event.weeks), 0), MAX_EXTENSION_WEEKS)
                extended_on, reason = event.on, (event.reason or "").strip() or None
        elif event.kind == "decided":
            decision, decided_on = event.decision, event.on
            break
        elif event.kind == "withdrawn":
            withdrawn_on = event.on
            break
    if pending is not None:
        close(None)

    open_request = requests[-1] if requests and not requests[-1].answered else None
    last = requests[-1] if requests else None
    not_handled_from = last.resumes_on if last is not None else None
    still = timedelta(days=standing)
    ten_weeks = PLACEMENT_TERM.due(received) + still
    placement_day = ten_weeks + DAY
    if admission_age_on is not None:
        placement_day = max(placement_day, admission_age_on)
    ended_on = decided_on or withdrawn_on
    began = None
    if not enrolled_elsewhere and ended_on is not None and ended_on >= placement_day:
        began = placement_day
    return Clock(
        received=received,
        six_weeks=six_weeks + still,
        decision_due=six_weeks + still + timedelta(weeks=extended_weeks),
        ten_weeks=ten_weeks,
        temporary_placement_from=(
            None if enrolled_elsewhere or ended_on is not None else placement_day
        ),
        standing_still_days=standing,
        standing_still_since=open_request.requested_on if open_request else None,
        information_due=open_request.until if open_request else None,
        not_handled_from=not_handled_from,
        not_handled_due=NOT_HANDLED_TERM.due(not_handled_from) if not_handled_from else None,
        extended_weeks=extended_weeks,
        extended_on=extended_on,
        extension_reason=reason,
        decision=decision,
        decided_on=decided_on,
        withdrawn_on=withdrawn_on,
        requests=tuple(requests),
        admission_age_on=admission_age_on,
        enrolled_elsewhere=enrolled_elsewhere,
        temporary_placement_began=began,
        decision_term=decision_term,
        temporary_placement_ended=(
            decided_on + DAY
            if began is not None and decided_on is not None and decision != "admitted"
            else None
        ),
    )


def _whole(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


# --- refusals ----------------------------------------------------------------------------------

REFUSALS: dict[str, str] = {
    "unknown_event": N_("POPO does not know this event of a registration."),
    "not_received": N_("Record the receipt of the registration first: its date starts the terms."),
    "already_received": N_("The registration was already received on %(received)s."),
    "in_future": N_("%(date)s is in the future: record what happened, on the day it happened."),
    "before_receipt": N_("%(date)s is before the school received the registration (%(received)s)."),
    "before_last": N_(
        "%(date)s is before the last event of the registration (%(last)s): record what happened "
        "in the order it happened."
    ),
    "decided": N_(
        "The registration was decided on %(decided)s: nothing can be recorded after the decision."
    ),
    "withdrawn": N_(
        "The parents withdrew the registration on %(withdrawn)s: nothing can be recorded after "
        "that."
    ),
    "request_open": N_(
        "Information was already requested on %(requested)s and the parents may send it until "
        "%(until)s: record what they send, or ask again after their term."
    ),
    "term_missing": N_(
        "Give the parents a term to complete the registration: the last day they may send the "
        "information."
    ),
    "term_before_request": N_(
        "The parents' term (%(until)s) ends before the request (%(date)s): give a later day."
    ),
    "term_past": N_(
        "The parents' term (%(until)s) has already passed: give them a day from today on."
    ),
    "no_request": N_(
        "No information was requested from the parents: record the request first, with the "
        "parents' term."
    ),
    "term_passed": N_(
        "The parents' term to complete the registration ended on %(until)s. Decide on what the "
        "school has, or ask again with a new term."
    ),
    "second_extension": N_(
        "The decision term was already extended on %(extended)s: the law allows one extension."
    ),
    "extension_weeks": N_("An extension is 1 to 4 weeks: the law allows at most 4 weeks."),
    "extension_reason": N_(
        "Say why the decision needs more time: the parents are told the reason in writing."
    ),
    "extension_too_late": N_(
        "The 6 weeks ended on %(six_weeks)s: the parents must be told of an extension within the "
        "6 weeks. Decide now."
    ),
    "decision_missing": N_("Choose the decision: admitted, refused or not handled."),
    "not_handled_no_term": N_(
        "A registration can be not handled only after the parents had a term to complete it: ask "
        "them for the information first, with a term."
    ),
    "not_handled_term_running": N_(
        "The parents may complete the registration until %(until)s: not handling it is possible "
        "from %(from)s."
    ),
    "not_handled_too_late": N_(
        "The 4 weeks to decide not to handle the registration ended on %(due)s: decide on the "
        "admission itself."
    ),
}


class AdmissionRefused(Exception):
    """An event that may not be recorded: ``code`` for programs, ``message`` an English message
    id with ``%(name)s`` placeholders, ``params`` their values (dates are written in the
    person's language); :meth:`text` gives the sentence a person reads."""

    def __init__(self, code: str, message: str, **params: object) -> None:
        self.code = code
        self.message = message
        self.params = params
        super().__init__(self.text("en"))

    def text(self, language: str) -> str:
        values = {key: _show(value, language) for key, value in self.params.items()}
        return i18n.gettext(language, self.message) % values


def _show(value: object, language: str) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return i18n.format_date(value, language)
    if isinstance(value, Term):
        return describe(value, language)
    return str(value)


def _refuse(code: str, **params: object) -> AdmissionRefused:
    return AdmissionRefused(code, REFUSALS[code], **params)


def check(events: Sequence[Event], new: Event, today: date, *, decision_weeks: int = 6) -> None:
    """Whether ``new`` may be added to the registration's ``events`` on ``today``: returns, or
    raises :class:`AdmissionRefused` saying why not. Nothing after a decision or withdrawal;
    nothing in the future, before the receipt or before the last event; a request needs a
    parents' term from today on and no other request open; information received needs an open
    request within its term; one extension, of 1 to 4 weeks, with a reason, within the 6 weeks;
    "not handled" only from ``not_handled_from`` until ``not_handled_due``."""
    if new.kind not in KINDS:
        raise _refuse("unknown_event")
    if new.on > today:
        raise _refuse("in_future", date=new.on)
    if not any(e.kind == "received" for e in events):
        if new.kind != "received":
            raise _refuse("not_received")
        return
    clock = derive(events, decision_weeks=decision_weeks)
    if clock.decided_on is not None:
        raise _refuse("decided", decided=clock.decided_on)
    if clock.withdrawn_on is not None:
        raise _refuse("withdrawn", withdrawn=clock.withdrawn_on)
    if new.kind == "received":
        raise _refuse("already_received", received=clock.received)
    if new.on < clock.received:
        raise _refuse("before_receipt", date=new.on, received=clock.received)
    last = max(e.on for e in events)
    if new.on < last:
        raise _refuse("before_last", date=new.on, last=last)
    request = clock.open_request
    if new.kind == "information_requested":
        if request is not None and (request.until is None or new.on <= request.until):
            raise _refuse("request_open", requested=request.requested_on, until=request.until)
        if new.until is None:
            raise _refuse("term_missing")
        if new.until < new.on:
            raise _refuse("term_before_request", until=new.until, date=new.on)
        if new.until < today:
            raise _refuse("term_past", until=new.until)
    elif new.kind == "information_received":
        if request is None:
            raise _refuse("no_request")
        if request.until is not None and new.on > request.until:
            raise _refuse("term_passed", until=request.until)
    elif new.kind == "extended":
        if clock.extended_on is not None:
            raise _refuse("second_extension", extended=clock.extended_on)
        if not 1 <= _whole(new.weeks) <= MAX_EXTENSION_WEEKS:
            raise _refuse("extension_weeks")
        if not (new.reason or "").strip():
            raise _refuse("extension_reason")
        if new.on > clock.six_weeks:
            raise _refuse("extension_too_late", six_weeks=clock.six_weeks)
    elif new.kind == "decided":
        if new.decision not in DECISIONS:
            raise _refuse("decision_missing")
        if new.decision == "not_handled":
            _check_not_handled(clock, new.on)


def _check_not_handled(clock: Clock, on: date) -> None:
    if clock.not_handled_from is None or clock.not_handled_due is None:
        raise _refuse("not_handled_no_term")
    if on < clock.not_handled_from:
        request = clock.requests[-1]
        raise _refuse(
            "not_handled_term_running", until=request.until, **{"from": request.resumes_on}
        )
    if on > clock.not_handled_due:
        raise _refuse("not_handled_too_late", due=clock.not_handled_due)


# --- alerts ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Alert:
    """A reminder ``days_before`` a deadline, to send on ``send_on``. ``key`` names the deadline,
    the offset and the due date: the same alert has the same key (send it once), and a moved
    due date makes a new one (send it again)."""

    deadline: Deadline
    due: date
    send_on: date
    days_before: int
    key: str


def schedule(clock: Clock, before: Sequence[int] = DEFAULT_BEFORE) -> list[Alert]:
    """Every alert of the open deadlines, for each offset in ``before`` (days): the decision,
    the decision not to handle (once the parents' term to complete has an end) and the temporary
    placement (its first day). A decided or withdrawn registration has none."""
    if clock.closed:
        return []
    planned: list[Alert] = []
    for deadline in ALERTED:
        due = clock.due(deadline)
        if due is None:
            continue
        for days in sorted(set(before), reverse=True):
            key = f"{deadline}:{days}:{due.isoformat()}"
            planned.append(Alert(deadline, due, due - timedelta(days=days), days, key))
    return planned


def alerts(clock: Clock, today: date, before: Sequence[int] = DEFAULT_BEFORE) -> list[Alert]:
    """The alerts to send on ``today``: for each open deadline not yet passed, the one of the
    nearest offset whose day has come (when a date moved closer and two offsets came at once,
    only the nearer one is sent). "Not handled" is reminded of only from ``not_handled_from``
    on. The caller keeps the keys it sent and sends an alert whose key it has not sent."""
    due_now: dict[str, Alert] = {}
    for alert in schedule(clock, before):
        if not alert.send_on <= today <= alert.due:
            continue
        if alert.deadline == "not_handled_due" and (
            clock.not_handled_from is None or today < clock.not_handled_from
        ):
            continue
        nearest = due_now.get(alert.deadline)
        if nearest is None or alert.days_before < nearest.days_before:
            due_now[alert.deadline] = alert
    return list(due_now.values())


# --- explanations ------------------------------------------------------------------------------


def _t(language: str, message: str, **values: object) -> str:
    text = i18n.gettext(language, message)
    return text % {key: _show(value, language) for key, value in values.items()}


def _day(value: date | None, language: str, year_of: date) -> str:
    """A date inside an explanation: without the year when it is the year of ``year_of``."""
    if value is None:
        return ""
    if value.year == year_of.year:
        return str(_babel_date(value, format="d MMMM", locale=i18n.locale(language)))
    return i18n.format_date(value, language)


def _open(request: InformationRequest, today: date | None) -> bool:
    return (
        not request.answered
        and today is not None
        and (request.until is None or today <= request.until)
    )


def _request_text(
    request: InformationRequest, language: str, year_of: date, today: date | None
) -> str:
    asked = _day(request.requested_on, language, year_of)
    if request.answered:
        return _t(
            language,
            N_("information requested %(requested)s, received %(received)s"),
            requested=asked,
            received=_day(request.received_on, language, year_of),
        )
    if _open(request, today):
        return _t(
            language,
            N_("information requested %(requested)s, the parents may send it until %(until)s"),
            requested=asked,
            until=_day(request.until, language, year_of),
        )
    return _t(
        language,
        N_(
            "information requested %(requested)s, not received within the parents' term (until "
            "%(until)s)"
        ),
        requested=asked,
        until=_day(request.until, language, year_of),
    )


def _standing_still_text(clock: Clock, language: str, year_of: date, today: date | None) -> str:
    counted = [r for r in clock.requests if r.counted]
    late = [r for r in clock.requests if not r.counted]
    text = ""
    if counted:
        text += _t(
            language,
            N_(" + %(days)s standing still (%(requests)s)"),
            days=Term(clock.standing_still_days, "days"),
            requests="; ".join(_request_text(r, language, year_of, today) for r in counted),
        )
    for request in late:
        text += _t(
            language,
            N_(
                ", information requested %(requested)s when the decision was already due: the "
                "term did not stand still"
            ),
            requested=_day(request.requested_on, language, year_of),
        )
    return text


def _still_open_text(clock: Clock, language: str, today: date | None) -> str:
    request = clock.open_request
    if request is None or not request.counted or not _open(request, today):
        return ""
    return _t(
        language,
        N_(
            ". The term stands still until the information arrives, at the latest until "
            "%(until)s: the date moves earlier when it arrives sooner"
        ),
        until=request.until,
    )


def _decided_text(clock: Clock, language: str) -> str:
    if clock.decided_on is not None:
        message = {
            "admitted": N_(". Decided on %(on)s: admitted"),
            "refused": N_(". Decided on %(on)s: refused"),
            "not_handled": N_(". Decided on %(on)s: not handled"),
        }.get(clock.decision or "", N_(". Decided on %(on)s"))
        return _t(language, message, on=clock.decided_on)
    if clock.withdrawn_on is not None:
        return _t(language, N_(". Withdrawn by the parents on %(on)s"), on=clock.withdrawn_on)
    return ""


def _explain_decision(clock: Clock, language: str, today: date | None) -> str:
    text = _t(
        language,
        N_("Decision due %(due)s: received %(received)s + %(term)s"),
        due=clock.decision_due,
        received=clock.received,
        term=clock.decision_term,
    )
    text += _standing_still_text(clock, language, clock.decision_due, today)
    if clock.extended_on is not None:
        text += _t(
            language,
            N_(", extended %(weeks)s on %(on)s: %(reason)s"),
            weeks=Term(clock.extended_weeks, "weeks"),
            on=clock.extended_on,
            reason=clock.extension_reason or "",
        )
    return text + _still_open_text(clock, language, today) + _decided_text(clock, language)


def _explain_ten_weeks(clock: Clock, language: str, today: date | None) -> str:
    text = _t(
        language,
        N_("The 10 weeks end %(due)s: received %(received)s + %(term)s"),
        due=clock.ten_weeks,
        received=clock.received,
        term=PLACEMENT_TERM,
    )
    text += _standing_still_text(clock, language, clock.ten_weeks, today)
    return text + _still_open_text(clock, language, today) + _decided_text(clock, language)


def _explain_placement(clock: Clock, language: str) -> str:
    began, ten = clock.temporary_placement_began, clock.ten_weeks
    if clock.temporary_placement_from is not None:
        start = clock.temporary_placement_from
        if start > ten + DAY:
            return _t(
                language,
                N_(
                    "Temporary placement from %(from)s, the day the child may be admitted (4 "
                    "years old); the 10 weeks end %(ten_weeks)s"
                ),
                **{"from": start},
                ten_weeks=ten,
            )
        return _t(
            language,
            N_(
                "Temporary placement from %(from)s: the day after the 10 weeks (%(ten_weeks)s), "
                "unless the school decides before"
            ),
            **{"from": start},
            ten_weeks=ten,
        )
    if clock.enrolled_elsewhere:
        return _t(language, N_("No temporary placement: the child is enrolled at another school"))
    if began is not None and clock.temporary_placement_ended is not None:
        return _t(
            language,
            N_(
                "Temporarily placed from %(began)s, as there was no decision within the 10 weeks "
                "(%(ten_weeks)s); the decision of %(decided)s ended it from %(ended)s"
            ),
            began=began,
            ten_weeks=ten,
            decided=clock.decided_on,
            ended=clock.temporary_placement_ended,
        )
    if began is not None and clock.decision == "admitted":
        return _t(
            language,
            N_(
                "Temporarily placed from %(began)s, as there was no decision within the 10 weeks "
                "(%(ten_weeks)s); the admission of %(decided)s made it definitive"
            ),
            began=began,
            ten_weeks=ten,
            decided=clock.decided_on,
        )
    if began is not None:
        return _t(
            language,
            N_(
                "Temporarily placed from %(began)s, as there was no decision within the 10 weeks "
                "(%(ten_weeks)s); the parents withdrew the registration on %(withdrawn)s"
            ),
            began=began,
            ten_weeks=ten,
            withdrawn=clock.withdrawn_on,
        )
    if clock.decided_on is not None:
        return _t(
            language,
            N_("No temporary placement: decided on %(decided)s, within the 10 weeks"),
            decided=clock.decided_on,
        )
    return _t(
        language,
        N_("No temporary placement: the parents withdrew the registration on %(withdrawn)s"),
        withdrawn=clock.withdrawn_on,
    )


def _explain_not_handled(clock: Clock, language: str, today: date | None) -> str:
    last = clock.requests[-1] if clock.requests else None
    if last is None or clock.not_handled_from is None or clock.not_handled_due is None:
        return _t(
            language,
            N_(
                "Not handling the registration is possible only after the parents had a term to "
                "complete it: no information was requested with a term"
            ),
        )
    if last.answered:
        return _t(
            language,
            N_(
                "Decision not to handle due %(due)s: %(term)s after the information was "
                "received on %(received)s"
            ),
            due=clock.not_handled_due,
            term=NOT_HANDLED_TERM,
            received=last.received_on,
        )
    if _open(last, today):
        return _t(
            language,
            N_(
                "If the parents do not complete the registration by %(until)s, not handling it "
                "is possible from %(from)s, decided by %(due)s"
            ),
            until=last.until,
            due=clock.not_handled_due,
            **{"from": clock.not_handled_from},
        )
    return _t(
        language,
        N_(
            "Decision not to handle due %(due)s: %(term)s after the parents' term (until "
            "%(until)s) passed unused"
        ),
        due=clock.not_handled_due,
        term=NOT_HANDLED_TERM,
        until=last.until,
    )


__all__ = [
    "ALERTED",
    "DEADLINES",
    "DECISIONS",
    "DEFAULT_BEFORE",
    "KINDS",
    "OBLIGATIONS",
    "REFUSALS",
    "AdmissionRefused",
    "Alert",
    "Clock",
    "Deadline",
    "Decision",
    "Event",
    "InformationRequest",
    "Kind",
    "alerts",
    "check",
    "derive",
    "schedule",
]

"""A registration's clock at one school (runtime/admissions/clock.py): every date of WPO art. 40
lid 6-7 and art. 63 lid 4 follows from the events, is explained, and a new event is refused
with a reason the school can act on.

Explanations are asserted in English; the Dutch catalogue is filled in by the integrator, so the
Dutch is checked on its dates and numbers only."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.admissions.clock import (
    DEADLINES,
    REFUSALS,
    AdmissionRefused,
    Alert,
    Event,
    alerts,
    check,
    derive,
    schedule,
)

from .conftest import REPOSITORY

RECEIVED = date(2027, 1, 10)
REASON = "we wait for the report of the speech therapist"


def received(on: date = RECEIVED) -> Event:
    return Event("received", on)


def requested(on: date, until: date) -> Event:
    return Event("information_requested", on, until=until)


def answered(on: date) -> Event:
    return Event("information_received", on)


def extended(on: date, weeks: int = 4, reason: str | None = REASON) -> Event:
    return Event("extended", on, weeks=weeks, reason=reason)


def decided(on: date, decision: str) -> Event:
    return Event("decided", on, decision=decision)  # type: ignore[arg-type]


# the journey of the issue: asked, answered, extended
JOURNEY = (
    received(),
    requested(date(2027, 1, 20), date(2027, 2, 5)),
    answered(date(2027, 1, 31)),
    extended(date(2027, 2, 2)),
)


def test_a_plain_registration_is_due_6_weeks_after_receipt_and_placed_after_10() -> None:
    clock = derive([received()])
    assert clock.decision_due == date(2027, 2, 21)
    assert clock.six_weeks == date(2027, 2, 21)
    assert clock.ten_weeks == date(2027, 3, 21)
    assert clock.temporary_placement_from == date(2027, 3, 22)
    assert clock.standing_still_days == 0
    assert clock.not_handled_from is None and clock.not_handled_due is None
    assert clock.explain("decision_due", "en") == (
        "Decision due 21 February 2027: received 10 January 2027 + 6 weeks"
    )
    assert clock.explain("ten_weeks", "en") == (
        "The 10 weeks end 21 March 2027: received 10 January 2027 + 10 weeks"
    )
    assert clock.explain("temporary_placement_from", "en") == (
        "Temporary placement from 22 March 2027: the day after the 10 weeks (21 March 2027), "
        "unless the school decides before"
    )


def test_the_journey_stands_still_11_days_and_is_extended_4_weeks() -> None:
    clock = derive(JOURNEY)
    assert clock.standing_still_days == 11  # 20 January up to (not including) 31 January
    assert clock.six_weeks == date(2027, 3, 4)
    assert clock.decision_due == date(2027, 4, 1)
    assert clock.ten_weeks == date(2027, 4, 1)  # the extension does not move the 10 weeks
    assert (clock.extended_weeks, clock.extended_on, clock.extension_reason) == (
        4,
        date(2027, 2, 2),
        REASON,
    )
    assert clock.explain("decision_due", "en") == (
        "Decision due 1 April 2027: received 10 January 2027 + 6 weeks + 11 days standing still "
        "(information requested 20 January, received 31 January), extended 4 weeks on "
        f"2 February 2027: {REASON}"
    )
    assert clock.explain("ten_weeks", "en") == (
        "The 10 weeks end 1 April 2027: received 10 January 2027 + 10 weeks + 11 days standing "
        "still (information requested 20 January, received 31 January)"
    )


def test_the_dutch_explanation_has_the_dutch_dates_and_the_same_numbers() -> None:
    text = derive(JOURNEY).explain("decision_due", "nl")
    for part in ("1 april 2027", "10 januari 2027", "20 januari", "31 januari", "2 februari 2027"):
        assert part in text
    assert "6 weken" in text and "11 dagen" in text and "4 weken" in text and REASON in text


def test_the_days_of_the_request_and_the_answer() -> None:
    """The request's day stands still; the answer's day counts again."""
    clock = derive(JOURNEY)
    assert clock.standing_still_on(date(2027, 1, 19)) is False
    assert clock.standing_still_on(date(2027, 1, 20)) is True
    assert clock.standing_still_on(date(2027, 1, 30)) is True
    assert clock.standing_still_on(date(2027, 1, 31)) is False
    same_day = derive(
        [received(), requested(date(2027, 1, 20), date(2027, 2, 5)), answered(date(2027, 1, 20))]
    )
    assert same_day.standing_still_days == 0
    assert same_day.decision_due == date(2027, 2, 21)


def test_a_term_passed_unused_stands_still_through_the_parents_last_day() -> None:
    clock = derive([received(), requested(date(2027, 1, 20), date(2027, 2, 5))])
    assert clock.standing_still_days == 17  # 20 January to 5 February, both included
    assert clock.decision_due == date(2027, 3, 10)
    assert clock.standing_still_on(date(2027, 2, 5)) is True
    assert clock.standing_still_on(date(2027, 2, 6)) is False
    assert clock.not_handled_from == date(2027, 2, 6)
    assert clock.not_handled_due == date(2027, 3, 6)
    assert clock.explain("decision_due", "en", today=date(2027, 2, 10)) == (
        "Decision due 10 March 2027: received 10 January 2027 + 6 weeks + 17 days standing still "
        "(information requested 20 January, not received within the parents' term "
        "(until 5 February))"
    )
    assert clock.explain("not_handled_due", "en", today=date(2027, 2, 10)) == (
        "Decision not to handle due 6 March 2027: 4 weeks after the parents' term "
        "(until 5 February 2027) passed unused"
    )


def test_an_open_request_counts_the_parents_whole_term_until_they_answer() -> None:
    asked = [received(), requested(date(2027, 1, 20), date(2027, 2, 5))]
    clock = derive(asked)
    assert clock.standing_still_since == date(2027, 1, 20)
    assert clock.information_due == date(2027, 2, 5)
    assert clock.open_request is not None
    assert clock.explain("decision_due", "en", today=date(2027, 1, 25)) == (
        "Decision due 10 March 2027: received 10 January 2027 + 6 weeks + 17 days standing still "
        "(information requested 20 January, the parents may send it until 5 February). The term "
        "stands still until the information arrives, at the latest until 5 February 2027: the "
        "date moves earlier when it arrives sooner"
    )
    assert clock.explain("not_handled_due", "en", today=date(2027, 1, 25)) == (
        "If the parents do not complete the registration by 5 February 2027, not handling it is "
        "possible from 6 February 2027, decided by 6 March 2027"
    )
    sooner = derive([*asked, answered(date(2027, 1, 25))])
    assert sooner.standing_still_since is None and sooner.information_due is None
    assert sooner.decision_due == date(2027, 2, 26)  # 21 February + 5 days
    assert sooner.not_handled_from == date(2027, 1, 25)
    assert sooner.not_handled_due == date(2027, 2, 22)
    assert sooner.explain("not_handled_due", "en") == (
        "Decision not to handle due 22 February 2027: 4 weeks after the information was received "
        "on 25 January 2027"
    )


def test_requests_in_sequence_add_up() -> None:
    clock = derive(
        [
            *JOURNEY[:3],
            requested(date(2027, 2, 10), date(2027, 2, 20)),
            answered(date(2027, 2, 13)),
        ]
    )
    assert [r.days for r in clock.requests] == [11, 3]
    assert clock.standing_still_days == 14
    assert clock.decision_due == date(2027, 3, 7)
    assert clock.not_handled_from == date(2027, 2, 13)  # the last request decides
    assert clock.explain("decision_due", "en") == (
        "Decision due 7 March 2027: received 10 January 2027 + 6 weeks + 14 days standing still "
        "(information requested 20 January, received 31 January; information requested "
        "10 February, received 13 February)"
    )


def test_a_request_after_the_decision_was_due_stops_nothing() -> None:
    late = derive([received(), requested(date(2027, 2, 22), date(2027, 3, 5))])
    assert late.standing_still_days == 0
    assert late.decision_due == date(2027, 2, 21)
    assert late.requests[0].counted is False
    assert late.explain("decision_due", "en") == (
        "Decision due 21 February 2027: received 10 January 2027 + 6 weeks, information requested "
        "22 February when the decision was already due: the term did not stand still"
    )
    on_the_last_day = derive([received(), requested(date(2027, 2, 21), date(2027, 2, 22))])
    assert on_the_last_day.standing_still_days == 2
    assert on_the_last_day.decision_due == date(2027, 2, 23)


def test_the_temporary_placement_waits_for_the_admission_age() -> None:
    clock = derive([received()], admission_age_on=date(2027, 5, 4))
    assert clock.temporary_placement_from == date(2027, 5, 4)
    assert clock.explain("temporary_placement_from", "en") == (
        "Temporary placement from 4 May 2027, the day the child may be admitted (4 years old); "
        "the 10 weeks end 21 March 2027"
    )
    younger_earlier = derive([received()], admission_age_on=date(2027, 1, 1))
    assert younger_earlier.temporary_placement_from == date(2027, 3, 22)


@pytest.mark.parametrize(
    ("events", "elsewhere", "text"),
    [
        (
            [received(), decided(date(2027, 3, 1), "admitted")],
            False,
            "No temporary placement: decided on 1 March 2027, within the 10 weeks",
        ),
        (
            [received(), Event("withdrawn", date(2027, 2, 1))],
            False,
            "No temporary placement: the parents withdrew the registration on 1 February 2027",
        ),
        ([received()], True, "No temporary placement: the child is enrolled at another school"),
    ],
)
def test_no_temporary_placement_when_decided_withdrawn_or_enrolled_elsewhere(
    events: list[Event], elsewhere: bool, text: str
) -> None:
    clock = derive(events, enrolled_elsewhere=elsewhere)
    assert clock.temporary_placement_from is None
    assert clock.explain("temporary_placement_from", "en") == text


def test_a_refusal_after_the_placement_began_ends_it_from_the_next_day() -> None:
    clock = derive([received(), decided(date(2027, 4, 6), "refused")])
    assert clock.temporary_placement_from is None
    assert clock.temporary_placement_began == date(2027, 3, 22)
    assert clock.temporary_placement_ended == date(2027, 4, 7)
    assert clock.explain("temporary_placement_from", "en") == (
        "Temporarily placed from 22 March 2027, as there was no decision within the 10 weeks "
        "(21 March 2027); the decision of 6 April 2027 ended it from 7 April 2027"
    )
    admitted = derive([received(), decided(date(2027, 3, 22), "admitted")])
    assert admitted.temporary_placement_began == date(2027, 3, 22)
    assert admitted.temporary_placement_ended is None
    assert admitted.explain("temporary_placement_from", "en").endswith(
        "the admission of 22 March 2027 made it definitive"
    )
    in_time = derive([received(), decided(date(2027, 3, 21), "refused")])
    assert in_time.temporary_placement_began is None


def test_a_decided_registration_says_so_and_has_no_open_deadline() -> None:
    clock = derive([*JOURNEY, decided(date(2027, 3, 15), "refused")])
    assert clock.decision == "refused" and clock.decided_on == date(2027, 3, 15)
    assert clock.explain("decision_due", "en").endswith(". Decided on 15 March 2027: refused")
    assert clock.overdue(date(2028, 1, 1)) == []
    assert schedule(clock) == []


def test_overdue_names_the_obligations_that_passed() -> None:
    clock = derive([received()])
    assert clock.overdue(date(2027, 2, 21)) == []
    assert clock.overdue(date(2027, 2, 22)) == ["decision_due"]
    assert clock.overdue(date(2027, 3, 21)) == ["decision_due"]
    assert clock.overdue(date(2027, 3, 22)) == [
        "decision_due",
        "ten_weeks",
        "temporary_placement_from",
    ]
    elsewhere = derive([received()], enrolled_elsewhere=True)
    assert elsewhere.overdue(date(2027, 3, 22)) == ["decision_due", "ten_weeks"]


def test_the_window_to_not_handle_is_no_obligation() -> None:
    clock = derive(JOURNEY)
    assert clock.not_handled_due == date(2027, 2, 28)
    assert clock.overdue(date(2027, 3, 1)) == []


def test_every_deadline_is_explained_and_an_unknown_one_is_refused() -> None:
    clock = derive(JOURNEY)
    for deadline in DEADLINES:
        assert clock.explain(deadline, "en")
        assert clock.explain(deadline, "nl")
    with pytest.raises(ValueError, match="not a deadline"):
        clock.explain("tomorrow", "en")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="receipt"):
        derive([requested(date(2027, 1, 20), date(2027, 2, 5))])
    assert derive([received()]).explain("not_handled_due", "en") == (
        "Not handling the registration is possible only after the parents had a term to "
        "complete it: no information was requested with a term"
    )


# --- check ---------------------------------------------------------------------------------


def refusal(events: list[Event] | tuple[Event, ...], new: Event, today: date) -> AdmissionRefused:
    with pytest.raises(AdmissionRefused) as caught:
        check(events, new, today)
    return caught.value


def test_the_journey_of_the_issue_is_accepted_step_by_step() -> None:
    events: list[Event] = []
    steps = [*JOURNEY, decided(date(2027, 3, 15), "refused")]
    for event in steps:
        check(events, event, event.on)
        events.append(event)
    assert derive(events).decision == "refused"


@pytest.mark.parametrize(
    ("events", "new", "today", "code", "text"),
    [
        (
            [],
            requested(date(2027, 1, 20), date(2027, 2, 5)),
            date(2027, 1, 20),
            "not_received",
            "Record the receipt of the registration first: its date starts the terms.",
        ),
        (
            [received()],
            received(date(2027, 1, 12)),
            date(2027, 1, 12),
            "already_received",
            "The registration was already received on 10 January 2027.",
        ),
        (
            [received()],
            answered(date(2027, 1, 30)),
            date(2027, 1, 20),
            "in_future",
            "30 January 2027 is in the future: record what happened, on the day it happened.",
        ),
        (
            [received()],
            extended(date(2027, 1, 9)),
            date(2027, 1, 20),
            "before_receipt",
            "9 January 2027 is before the school received the registration (10 January 2027).",
        ),
        (
            list(JOURNEY),
            decided(date(2027, 2, 1), "admitted"),
            date(2027, 2, 10),
            "before_last",
            "1 February 2027 is before the last event of the registration (2 February 2027): "
            "record what happened in the order it happened.",
        ),
        (
            [received(), decided(date(2027, 2, 1), "admitted")],
            Event("withdrawn", date(2027, 2, 2)),
            date(2027, 2, 2),
            "decided",
            "The registration was decided on 1 February 2027: nothing can be recorded after the "
            "decision.",
        ),
        (
            [received(), Event("withdrawn", date(2027, 2, 1))],
            decided(date(2027, 2, 2), "admitted"),
            date(2027, 2, 2),
            "withdrawn",
            "The parents withdrew the registration on 1 February 2027: nothing can be recorded "
            "after that.",
        ),
        (
            [received(), requested(date(2027, 1, 20), date(2027, 2, 5))],
            requested(date(2027, 2, 5), date(2027, 2, 12)),
            date(2027, 2, 5),
            "request_open",
            "Information was already requested on 20 January 2027 and the parents may send it "
            "until 5 February 2027: record what they send, or ask again after their term.",
        ),
        (
            [received()],
            Event("information_requested", date(2027, 1, 20)),
            date(2027, 1, 20),
            "term_missing",
            "Give the parents a term to complete the registration: the last day they may send "
            "the information.",
        ),
        (
            [received()],
            requested(date(2027, 1, 20), date(2027, 1, 19)),
            date(2027, 1, 20),
            "term_before_request",
            "The parents' term (19 January 2027) ends before the request (20 January 2027): give "
            "a later day.",
        ),
        (
            [received()],
            requested(date(2027, 1, 20), date(2027, 1, 22)),
            date(2027, 1, 23),
            "term_past",
            "The parents' term (22 January 2027) has already passed: give them a day from today "
            "on.",
        ),
        (
            [received()],
            answered(date(2027, 1, 20)),
            date(2027, 1, 20),
            "no_request",
            "No information was requested from the parents: record the request first, with the "
            "parents' term.",
        ),
        (
            [received(), requested(date(2027, 1, 20), date(2027, 2, 5))],
            answered(date(2027, 2, 6)),
            date(2027, 2, 6),
            "term_passed",
            "The parents' term to complete the registration ended on 5 February 2027. Decide on "
            "what the school has, or ask again with a new term.",
        ),
        (
            list(JOURNEY),
            extended(date(2027, 2, 3), weeks=1),
            date(2027, 2, 3),
            "second_extension",
            "The decision term was already extended on 2 February 2027: the law allows one "
            "extension.",
        ),
        (
            [received()],
            extended(date(2027, 2, 3), weeks=5),
            date(2027, 2, 3),
            "extension_weeks",
            "An extension is 1 to 4 weeks: the law allows at most 4 weeks.",
        ),
        (
            [received()],
            extended(date(2027, 2, 3), weeks=0),
            date(2027, 2, 3),
            "extension_weeks",
            "An extension is 1 to 4 weeks: the law allows at most 4 weeks.",
        ),
        (
            [received()],
            extended(date(2027, 2, 3), reason="  "),
            date(2027, 2, 3),
            "extension_reason",
            "Say why the decision needs more time: the parents are told the reason in writing.",
        ),
        (
            [received()],
            extended(date(2027, 2, 22)),
            date(2027, 2, 22),
            "extension_too_late",
            "The 6 weeks ended on 21 February 2027: the parents must be told of an extension "
            "within the 6 weeks. Decide now.",
        ),
        (
            [received()],
            Event("decided", date(2027, 2, 1)),
            date(2027, 2, 1),
            "decision_missing",
            "Choose the decision: admitted, refused or not handled.",
        ),
        (
            [received()],
            decided(date(2027, 2, 1), "not_handled"),
            date(2027, 2, 1),
            "not_handled_no_term",
            "A registration can be not handled only after the parents had a term to complete it: "
            "ask them for the information first, with a term.",
        ),
        (
            [received(), requested(date(2027, 1, 20), date(2027, 2, 5))],
            decided(date(2027, 2, 5), "not_handled"),
            date(2027, 2, 5),
            "not_handled_term_running",
            "The parents may complete the registration until 5 February 2027: not handling it is "
            "possible from 6 February 2027.",
        ),
        (
            [received(), requested(date(2027, 1, 20), date(2027, 2, 5))],
            decided(date(2027, 3, 7), "not_handled"),
            date(2027, 3, 7),
            "not_handled_too_late",
            "The 4 weeks to decide not to handle the registration ended on 6 March 2027: decide "
            "on the admission itself.",
        ),
        (
            [received()],
            Event("accepted", date(2027, 2, 1)),  # type: ignore[arg-type]
            date(2027, 2, 1),
            "unknown_event",
            "POPO does not know this event of a registration.",
        ),
    ],
)
def test_a_new_event_is_refused_with_a_reason(
    events: list[Event], new: Event, today: date, code: str, text: str
) -> None:
    refused = refusal(events, new, today)
    assert refused.code == code
    assert refused.message == REFUSALS[code]
    assert refused.text("en") == text
    assert str(refused) == text


def test_a_refusal_is_written_with_dates_in_the_persons_language() -> None:
    refused = refusal([received()], received(date(2027, 1, 12)), date(2027, 1, 12))
    assert "10 januari 2027" in refused.text("nl")


@pytest.mark.parametrize(
    ("events", "new", "today"),
    [
        # the parents' term may end on the day of the request
        ([received()], requested(date(2027, 1, 20), date(2027, 1, 20)), date(2027, 1, 20)),
        # a new request once the parents' term passed unused
        (
            [received(), requested(date(2027, 1, 20), date(2027, 2, 5))],
            requested(date(2027, 2, 6), date(2027, 2, 12)),
            date(2027, 2, 6),
        ),
        # the information on the parents' last day
        (
            [received(), requested(date(2027, 1, 20), date(2027, 2, 5))],
            answered(date(2027, 2, 5)),
            date(2027, 2, 5),
        ),
        # not handled from the day after the parents' term, and on the last of the 4 weeks
        (
            [received(), requested(date(2027, 1, 20), date(2027, 2, 5))],
            decided(date(2027, 2, 6), "not_handled"),
            date(2027, 2, 6),
        ),
        (
            [received(), requested(date(2027, 1, 20), date(2027, 2, 5))],
            decided(date(2027, 3, 6), "not_handled"),
            date(2027, 3, 6),
        ),
        # not handled on the day the (insufficient) information came
        (list(JOURNEY[:3]), decided(date(2027, 1, 31), "not_handled"), date(2027, 1, 31)),
        # an extension on the last day of the 6 weeks, standing still included
        (list(JOURNEY[:3]), extended(date(2027, 3, 4), weeks=1), date(2027, 3, 4)),
        # a decision while the parents may still send information, and a late decision
        (
            [received(), requested(date(2027, 1, 20), date(2027, 2, 5))],
            decided(date(2027, 1, 25), "admitted"),
            date(2027, 1, 25),
        ),
        ([received()], decided(date(2027, 5, 1), "refused"), date(2027, 5, 1)),
        ([received()], Event("withdrawn", date(2027, 1, 11)), date(2027, 1, 11)),
        # events recorded later than they happened, in their order
        ([received()], extended(date(2027, 1, 12)), date(2027, 1, 30)),
    ],
)
def test_these_events_are_accepted(events: list[Event], new: Event, today: date) -> None:
    check(events, new, today)


def test_an_extension_within_the_6_weeks_counts_from_the_standing_still() -> None:
    events = list(JOURNEY[:3])
    check(events, extended(date(2027, 3, 4), weeks=1), date(2027, 3, 4))
    late = refusal(events, extended(date(2027, 3, 5), weeks=1), date(2027, 3, 5))
    assert late.code == "extension_too_late" and "4 March 2027" in late.text("en")


# --- alerts --------------------------------------------------------------------------------


def test_alerts_a_week_and_two_days_before_each_open_deadline() -> None:
    clock = derive([received()])
    planned = schedule(clock)
    assert [(a.deadline, a.days_before, a.send_on) for a in planned] == [
        ("decision_due", 7, date(2027, 2, 14)),
        ("decision_due", 2, date(2027, 2, 19)),
        ("temporary_placement_from", 7, date(2027, 3, 15)),
        ("temporary_placement_from", 2, date(2027, 3, 20)),
    ]
    assert planned[0].key == "decision_due:7:2027-02-21"
    assert alerts(clock, date(2027, 2, 13)) == []
    assert alerts(clock, date(2027, 2, 14)) == [
        Alert("decision_due", date(2027, 2, 21), date(2027, 2, 14), 7, "decision_due:7:2027-02-21")
    ]
    assert [a.key for a in alerts(clock, date(2027, 2, 20))] == ["decision_due:2:2027-02-21"]
    assert [a.key for a in alerts(clock, date(2027, 2, 21))] == ["decision_due:2:2027-02-21"]
    assert alerts(clock, date(2027, 2, 22)) == []  # passed: overdue, no longer an alert
    assert [a.key for a in alerts(clock, date(2027, 3, 16))] == [
        "temporary_placement_from:7:2027-03-22"
    ]


def test_an_alert_comes_again_when_its_date_moves() -> None:
    before = derive([received()])
    sent = {a.key for a in alerts(before, date(2027, 2, 14))}
    moved = derive([received(), requested(date(2027, 2, 15), date(2027, 2, 18))])
    assert moved.decision_due == date(2027, 2, 25)
    again = [a.key for a in alerts(moved, date(2027, 2, 18))]
    assert again == ["decision_due:7:2027-02-25"]
    assert not sent & set(again)


def test_not_handling_is_reminded_of_once_it_is_possible() -> None:
    clock = derive([received(), requested(date(2027, 1, 20), date(2027, 2, 5))])
    assert "not_handled_due" in {a.deadline for a in schedule(clock)}
    assert [a.key for a in alerts(clock, date(2027, 2, 27))] == ["not_handled_due:7:2027-03-06"]
    assert alerts(clock, date(2027, 2, 5)) == []
    soon = derive([received(), requested(date(2027, 1, 20), date(2027, 1, 25))])
    assert soon.not_handled_due == date(2027, 2, 23)
    assert [a.deadline for a in alerts(soon, date(2027, 2, 16))] == ["not_handled_due"]


def test_other_offsets_can_be_asked_for() -> None:
    clock = derive([received()])
    assert [a.key for a in alerts(clock, date(2027, 2, 21), before=(0,))] == [
        "decision_due:0:2027-02-21"
    ]


# --- purity --------------------------------------------------------------------------------


def test_the_clock_and_the_duty_need_no_database_and_no_web() -> None:
    code = (
        "import sys, runtime.admissions.clock, runtime.admissions.duty\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'sqlalchemy', 'litestar', 'psycopg', 'alembic'})\n"
        "print(','.join(loaded))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPOSITORY, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == ""


# --- properties ----------------------------------------------------------------------------


@st.composite
def histories(draw: st.DrawFn) -> list[Event]:
    """A registration's events as a school could record them: each one accepted by check()."""
    start = draw(st.dates(date(2026, 1, 1), date(2028, 12, 31)))
    events = [received(start)]
    day = start
    for _ in range(draw(st.integers(0, 8))):
        day += timedelta(days=draw(st.integers(0, 20)))
        kind = draw(
            st.sampled_from(
                ["information_requested", "information_received", "extended", "decided"]
            )
        )
        if kind == "information_requested":
            new = requested(day, day + timedelta(days=draw(st.integers(0, 30))))
        elif kind == "information_received":
            new = answered(day)
        elif kind == "extended":
            new = extended(day, weeks=draw(st.integers(1, 4)))
        else:
            new = decided(day, draw(st.sampled_from(["admitted", "refused", "not_handled"])))
        try:
            check(events, new, day)
        except AdmissionRefused:
            continue
        events.append(new)
    return events


def without_a_request(events: list[Event], which: int) -> list[Event]:
    """The history without its ``which``-th request and the answer to it."""
    starts = [i for i, e in enumerate(events) if e.kind == "information_requested"]
    first = starts[which % len(starts)]
    drop = {first}
    for i in range(first + 1, len(events)):
        if events[i].kind == "information_requested":
            break
        if events[i].kind == "information_received":
            drop.add(i)
            break
    return [e for i, e in enumerate(events) if i not in drop]


@settings(max_examples=300, deadline=None)
@given(histories())
def test_the_decision_is_never_due_before_6_weeks(events: list[Event]) -> None:
    clock = derive(events)
    assert clock.decision_due >= clock.received + timedelta(weeks=6)
    assert clock.decision_due <= clock.ten_weeks
    assert clock.standing_still_days >= 0


@settings(max_examples=300, deadline=None)
@given(histories(), st.integers(0, 10))
def test_standing_still_never_brings_a_date_earlier(events: list[Event], which: int) -> None:
    if not any(e.kind == "information_requested" for e in events):
        return
    more, less = derive(events), derive(without_a_request(events, which))
    assert more.standing_still_days >= less.standing_still_days
    assert more.six_weeks >= less.six_weeks
    assert more.decision_due >= less.decision_due
    assert more.ten_weeks >= less.ten_weeks
    if more.temporary_placement_from and less.temporary_placement_from:
        assert more.temporary_placement_from >= less.temporary_placement_from


@settings(max_examples=300, deadline=None)
@given(histories(), histories())
def test_alert_keys_change_exactly_when_the_due_date_changes(
    one: list[Event], other: list[Event]
) -> None:
    first = {(a.deadline, a.days_before): a for a in schedule(derive(one))}
    second = {(a.deadline, a.days_before): a for a in schedule(derive(other))}
    for slot in first.keys() & second.keys():
        assert (first[slot].key == second[slot].key) == (first[slot].due == second[slot].due)
    for alert in first.values():
        assert alert.send_on == alert.due - timedelta(days=alert.days_before)

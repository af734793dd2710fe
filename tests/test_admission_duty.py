"""Who holds the duty of care (zorgplicht) on every day (runtime/admissions/duty.py), from the
histories of the parents' choices: WPO art. 40 lid 2-5 as POPO applies it."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.admissions.clock import Event
from runtime.admissions.duty import (
    REFUSALS,
    WHY,
    Choice,
    Duty,
    Enrolment,
    Period,
    derive,
    may_refuse,
)

RECEIVED = date(2027, 1, 10)
REFUSED = date(2027, 2, 15)
ADMITTED = date(2027, 3, 1)


def history(*ends: Event, on: date = RECEIVED) -> tuple[Event, ...]:
    return (Event("received", on), *ends)


def refused(on: date = REFUSED) -> Event:
    return Event("decided", on, decision="refused")


def admitted(on: date = ADMITTED) -> Event:
    return Event("decided", on, decision="admitted")


def not_handled(on: date) -> Event:
    return Event("decided", on, decision="not_handled")


def withdrawn(on: date) -> Event:
    return Event("withdrawn", on)


def test_the_first_school_holds_it_from_its_receipt_until_it_admits() -> None:
    duty = derive([Choice("linde", history(admitted())), Choice("kompas", history())])
    assert duty.periods == (Period("linde", RECEIVED, ADMITTED, "first_preference"),)
    assert duty.holder_on(RECEIVED) == "linde"
    assert duty.holder_on(ADMITTED) == "linde"
    assert duty.holder_on(ADMITTED + timedelta(days=1)) is None
    assert duty.holder_on(RECEIVED - timedelta(days=1)) is None
    assert (duty.start, duty.end, duty.gaps()) == (RECEIVED, ADMITTED, [])


def test_an_open_registration_is_held_by_the_first_school_until_further_notice() -> None:
    duty = derive([Choice("linde", history()), Choice("kompas", history())])
    assert duty.periods == (Period("linde", RECEIVED, None, "first_preference"),)
    assert duty.holder_on(date(2030, 1, 1)) == "linde"
    assert duty.end is None


def test_a_refusal_activates_the_next_school_from_the_next_day() -> None:
    duty = derive(
        [
            Choice("linde", history(refused())),
            Choice("kompas", history(admitted())),
            Choice("regenboog", history()),
        ]
    )
    assert duty.periods == (
        Period("linde", RECEIVED, REFUSED, "first_preference"),
        Period("kompas", date(2027, 2, 16), ADMITTED, "next_preference"),
    )
    assert duty.holder_on(REFUSED) == "linde"
    assert duty.holder_on(date(2027, 2, 16)) == "kompas"


def test_the_journey_of_the_issue_passes_the_duty_to_the_school_that_agreed() -> None:
    """Linde refuses a child who needs support after Kompas agreed to admit; Kompas admits."""
    linde = Choice(
        "linde",
        history(
            Event("information_requested", date(2027, 1, 20), until=date(2027, 2, 5)),
            Event("information_received", date(2027, 1, 31)),
            Event("extended", date(2027, 2, 2), weeks=4, reason="verslag logopedie"),
            refused(date(2027, 3, 15)),
        ),
        needs_support=True,
        agreed_school="kompas",
        agreed_on=date(2027, 3, 10),
    )
    duty = derive([linde, Choice("kompas", history(admitted(date(2027, 3, 22))))])
    assert duty.periods == (
        Period("linde", RECEIVED, date(2027, 3, 15), "first_preference"),
        Period("kompas", date(2027, 3, 16), date(2027, 3, 22), "next_preference"),
    )


def test_the_school_that_agreed_holds_it_until_the_next_school_received_it() -> None:
    duty = derive(
        [
            Choice(
                "linde",
                history(refused()),
                needs_support=True,
                agreed_school="so-de-brug",
                agreed_on=date(2027, 2, 10),
            ),
            Choice("kompas", history(on=date(2027, 2, 20))),
        ]
    )
    assert duty.periods == (
        Period("linde", RECEIVED, REFUSED, "first_preference"),
        Period("so-de-brug", date(2027, 2, 16), date(2027, 2, 19), "agreed_to_admit"),
        Period("kompas", date(2027, 2, 20), None, "next_preference"),
    )
    assert duty.gaps() == []


def test_after_the_last_school_the_school_that_agreed_holds_it() -> None:
    duty = derive(
        [
            Choice(
                "linde",
                history(refused()),
                needs_support=True,
                agreed_school="so-de-brug",
                agreed_on=REFUSED,
            )
        ]
    )
    assert duty.periods[-1] == Period("so-de-brug", date(2027, 2, 16), None, "agreed_to_admit")


def test_a_child_refused_everywhere_is_held_by_nobody_a_flag() -> None:
    duty = derive(
        [
            Choice("linde", history(refused())),
            Choice("kompas", history(refused(date(2027, 2, 20)))),
        ]
    )
    assert duty.periods[-1] == Period(None, date(2027, 2, 21), None, "nobody")
    assert duty.gaps() == [Period(None, date(2027, 2, 21), None, "nobody")]
    assert duty.holder_on(date(2027, 3, 1)) is None


@pytest.mark.parametrize("exception", ["no_place", "grondslag"])
def test_with_an_exception_the_refusal_passes_the_duty_on(exception: str) -> None:
    duty = derive(
        [
            Choice("linde", history(refused()), needs_support=True, exception=exception),  # type: ignore[arg-type]
            Choice("kompas", history()),
        ]
    )
    assert duty.holder_on(date(2027, 2, 16)) == "kompas"


@pytest.mark.parametrize(
    ("agreed_school", "agreed_on"),
    [(None, None), ("so-de-brug", date(2027, 2, 16)), ("so-de-brug", None), ("linde", REFUSED)],
)
def test_a_refusal_without_a_prior_agreement_keeps_the_duty_with_the_refusing_school(
    agreed_school: str | None, agreed_on: date | None
) -> None:
    duty = derive(
        [
            Choice(
                "linde",
                history(refused()),
                needs_support=True,
                agreed_school=agreed_school,
                agreed_on=agreed_on,
            ),
            Choice("kompas", history(refused(date(2027, 2, 20)))),
            Choice("regenboog", history(admitted(date(2027, 3, 5)))),
        ]
    )
    assert duty.periods == (
        Period("linde", RECEIVED, REFUSED, "first_preference"),
        Period("linde", date(2027, 2, 16), date(2027, 3, 5), "refused_without_agreement"),
    )
    assert duty.gaps() == []


def test_not_handling_the_registration_passes_the_duty_on() -> None:
    duty = derive(
        [
            Choice(
                "linde",
                history(
                    Event("information_requested", date(2027, 1, 20), until=date(2027, 2, 5)),
                    not_handled(date(2027, 2, 6)),
                ),
                needs_support=True,
            ),
            Choice("kompas", history()),
        ]
    )
    assert duty.periods == (
        Period("linde", RECEIVED, date(2027, 2, 6), "first_preference"),
        Period("kompas", date(2027, 2, 7), None, "next_preference"),
    )


def test_a_withdrawal_passes_it_on_and_at_the_last_school_ends_it() -> None:
    duty = derive(
        [
            Choice("linde", history(withdrawn(date(2027, 1, 20)))),
            Choice("kompas", history(withdrawn(date(2027, 2, 1)))),
        ]
    )
    assert duty.periods == (
        Period("linde", RECEIVED, date(2027, 1, 20), "first_preference"),
        Period("kompas", date(2027, 1, 21), date(2027, 2, 1), "next_preference"),
    )
    assert duty.end == date(2027, 2, 1) and duty.gaps() == []


def test_a_next_school_without_the_registration_is_a_gap() -> None:
    duty = derive([Choice("linde", history(refused())), Choice("kompas")])
    assert duty.gaps() == [Period(None, date(2027, 2, 16), None, "nobody")]


def test_the_parents_order_decides_not_the_first_receipt() -> None:
    duty = derive(
        [
            Choice("linde", history(on=date(2027, 1, 15))),
            Choice("kompas", history(on=date(2027, 1, 5))),
        ]
    )
    assert duty.periods == (
        Period(None, date(2027, 1, 5), date(2027, 1, 14), "nobody"),
        Period("linde", date(2027, 1, 15), None, "first_preference"),
    )


def test_a_school_that_decided_before_its_turn_holds_it_one_day() -> None:
    duty = derive(
        [Choice("linde", history(refused())), Choice("kompas", history(admitted(date(2027, 2, 1))))]
    )
    assert duty.periods[-1] == Period(
        "kompas", date(2027, 2, 16), date(2027, 2, 16), "next_preference"
    )


def test_an_enrolment_ends_the_duty() -> None:
    choices = [Choice("linde", history(refused())), Choice("kompas", history())]
    duty = derive(choices, Enrolment("regenboog", date(2027, 3, 1)))
    assert duty.periods == (
        Period("linde", RECEIVED, REFUSED, "first_preference"),
        Period("kompas", date(2027, 2, 16), date(2027, 2, 28), "next_preference"),
        Period("regenboog", date(2027, 3, 1), date(2027, 3, 1), "enrolled"),
    )
    assert derive(choices, Enrolment("linde", REFUSED)).periods == (
        Period("linde", RECEIVED, date(2027, 2, 14), "first_preference"),
        Period("linde", REFUSED, REFUSED, "enrolled"),
    )
    # the school the child attends now, and an enrolment after the admission, end nothing
    assert derive(choices, Enrolment("oud", date(2026, 9, 1))) == derive(choices)
    done = [Choice("linde", history(admitted()))]
    assert derive(done, Enrolment("linde", date(2027, 8, 1))) == derive(done)


def test_nothing_received_holds_nothing() -> None:
    assert derive([Choice("linde"), Choice("kompas")]) == Duty(())
    assert derive([]).holder_on(RECEIVED) is None


@pytest.mark.parametrize(
    ("needs_support", "exception", "agreed", "keywords", "code"),
    [
        (False, None, None, {}, None),
        (True, "no_place", None, {}, None),
        (True, "grondslag", None, {}, None),
        (True, None, "kompas", {}, None),
        (True, None, None, {}, "support_needs_agreement"),
        (True, None, "", {}, "support_needs_agreement"),
        (True, None, "linde", {"school": "linde"}, "agreement_own_school"),
        (True, None, "kompas", {"refused_on": REFUSED}, "agreement_undated"),
        (
            True,
            None,
            "kompas",
            {"refused_on": REFUSED, "agreed_on": REFUSED + timedelta(days=1)},
            "agreement_after_refusal",
        ),
        (True, None, "kompas", {"refused_on": REFUSED, "agreed_on": REFUSED}, None),
        (False, "vol", None, {}, "unknown_exception"),
    ],
)
def test_may_refuse_enforces_lid_4_and_5(
    needs_support: bool,
    exception: str | None,
    agreed: str | None,
    keywords: dict[str, object],
    code: str | None,
) -> None:
    assert may_refuse(needs_support, exception, agreed, **keywords) == code  # type: ignore[arg-type]
    if code is not None:
        assert REFUSALS[code]


def test_the_refusal_that_needs_an_agreement_says_what_to_do() -> None:
    assert REFUSALS["support_needs_agreement"] == (
        "This child needs extra support: the school may refuse only after another school has "
        "agreed to admit the child. Name that school and the day it agreed, or say which "
        "exception applies (no place, or the parents do not respect the school's grondslag)."
    )


def test_every_reason_for_holding_has_a_text() -> None:
    assert set(WHY) == {
        "first_preference",
        "next_preference",
        "agreed_to_admit",
        "refused_without_agreement",
        "enrolled",
        "nobody",
    }


# --- properties ----------------------------------------------------------------------------

SCHOOLS = ["linde", "kompas", "regenboog", "so-de-brug"]


@st.composite
def choices(draw: st.DrawFn) -> tuple[list[Choice], Enrolment | None]:
    start = draw(st.dates(date(2026, 1, 1), date(2028, 12, 31)))
    picked = draw(st.lists(st.sampled_from(SCHOOLS), min_size=1, max_size=4, unique=True))
    made = []
    for school in picked:
        events: list[Event] = []
        if draw(st.integers(0, 5)):  # now and then a school without the registration
            on = start + timedelta(days=draw(st.integers(0, 40)))
            events.append(Event("received", on))
            end = draw(st.sampled_from([None, "admitted", "refused", "not_handled", "withdrawn"]))
            later = on + timedelta(days=draw(st.integers(0, 90)))
            if end == "withdrawn":
                events.append(Event("withdrawn", later))
            elif end is not None:
                events.append(Event("decided", later, decision=end))  # type: ignore[arg-type]
        made.append(
            Choice(
                school,
                tuple(events),
                needs_support=draw(st.booleans()),
                exception=draw(st.sampled_from([None, None, "no_place", "grondslag"])),
                agreed_school=draw(st.sampled_from([None, *SCHOOLS])),
                agreed_on=draw(st.none() | st.dates(start, start + timedelta(days=150))),
            )
        )
    enrolment = draw(
        st.none()
        | st.builds(
            Enrolment,
            st.sampled_from(SCHOOLS),
            st.dates(start - timedelta(days=30), start + timedelta(days=200)),
        )
    )
    return made, enrolment


@settings(max_examples=400, deadline=None)
@given(choices(), st.integers(0, 400))
def test_the_periods_cover_every_day_from_receipt_without_overlap(
    drawn: tuple[list[Choice], Enrolment | None], offset: int
) -> None:
    made, enrolment = drawn
    duty = derive(made, enrolment)
    receipts = [e.on for c in made for e in c.events if e.kind == "received"]
    if not receipts:
        assert duty.periods == ()
        return
    periods = duty.periods
    assert periods[0].start == min(receipts)
    for before, after in itertools.pairwise(periods):
        assert before.until is not None
        assert after.start == before.until + timedelta(days=1)
    for period in periods:
        assert period.until is None or period.until >= period.start
        assert (period.school is None) == (period.why == "nobody")
    day = min(receipts) + timedelta(days=offset)
    holding = [p for p in periods if p.covers(day)]
    assert len(holding) == (1 if duty.end is None or day <= duty.end else 0)
    assert duty.holder_on(day) == (holding[0].school if holding else None)

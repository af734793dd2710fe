"""The rules of a support request without a database: the SWV's decision term from the day the
request is complete, standing still while suspended; decision numbers; what a grant must say;
the day the data go (WPO art. 18a)."""

from __future__ import annotations

from datetime import date

import pytest

from runtime.support import rules

TODAY = date(2027, 1, 20)


def test_the_term_runs_from_the_day_the_request_is_complete() -> None:
    assert rules.due_on(None, 6) is None  # not complete yet: no term runs
    assert rules.due_on(date(2027, 1, 11), 6) == date(2027, 2, 22)
    assert rules.due_on(date(2027, 1, 11), 8) == date(2027, 3, 8)  # a TLV's eight weeks


def test_a_suspension_adds_the_days_it_stood_still() -> None:
    # suspended on 1 February, taken up again on 11 February: ten days stood still
    days = rules.still_days(date(2027, 2, 1), date(2027, 2, 11))
    assert days == 10
    assert rules.due_on(date(2027, 1, 11), 6, days) == date(2027, 3, 4)
    # while it is still suspended, the date shown counts up to today
    assert rules.due_on(date(2027, 1, 11), 6, 0, date(2027, 2, 1), date(2027, 2, 5)) == date(
        2027, 2, 26
    )
    assert rules.still_days(date(2027, 2, 1), date(2027, 2, 1)) == 0


def test_decision_numbers_and_the_day_the_data_go() -> None:
    assert rules.decision_number("PO2001", 2027, 42) == "PO2001-2027-0042"
    assert rules.purge_on(date(2027, 3, 1)) == date(2030, 3, 1)
    assert rules.purge_on(date(2028, 2, 29)) == date(2031, 2, 28)


def test_a_grant_says_what_how_much_and_how_long() -> None:
    grant = rules.checked_grant(
        TODAY,
        " Begeleiding door een ambulant begeleider ",
        "2 uur per week",
        date(2027, 2, 1),
        date(2027, 7, 16),
        tlv=False,
    )
    assert grant.content == "Begeleiding door een ambulant begeleider" and grant.tlv_kind is None
    with pytest.raises(rules.Invalid) as missing:
        rules.checked_grant(TODAY, "", "2 uur", date(2027, 2, 1), date(2027, 7, 16), tlv=False)
    assert missing.value.text("nl") == "Vul de inhoud van het besluit in."
    assert missing.value.text("en") == "Enter the content of the decision."
    with pytest.raises(rules.Invalid) as backwards:
        rules.checked_grant(TODAY, "x", "y", date(2027, 7, 16), date(2027, 2, 1), tlv=False)
    assert "vóór de ingangsdatum" in backwards.value.text("nl")
    with pytest.raises(rules.Invalid) as endless:
        rules.checked_grant(TODAY, "x", "y", date(2027, 2, 1), date(2037, 2, 1), tlv=False)
    assert "hoogstens 4 jaar" in endless.value.text("nl")
    # a typing error in the year is caught, not a server error (9999 + 4 years overflows)
    for start in (date(1, 1, 1), date(9999, 6, 1)):
        with pytest.raises(rules.Invalid) as year:
            rules.checked_grant(TODAY, "x", "y", start, date(9999, 12, 31), tlv=False)
        assert "controleer het jaartal" in year.value.text("nl")


def test_a_tlv_for_special_education_has_a_category_and_one_for_sbo_none() -> None:
    so = rules.checked_grant(
        TODAY,
        "",
        "",
        date(2027, 8, 1),
        date(2029, 7, 31),
        tlv=True,
        tlv_kind="so",
        tlv_category="midden",
    )
    assert (so.tlv_kind, so.tlv_category) == ("so", "midden")
    sbo = rules.checked_grant(
        TODAY,
        "",
        "",
        date(2027, 8, 1),
        date(2029, 7, 31),
        tlv=True,
        tlv_kind="sbo",
        tlv_category="hoog",
    )
    assert (sbo.tlv_kind, sbo.tlv_category) == ("sbo", None)
    with pytest.raises(rules.Invalid) as no_category:
        rules.checked_grant(
            TODAY,
            "",
            "",
            date(2027, 8, 1),
            date(2029, 7, 31),
            tlv=True,
            tlv_kind="so",
            tlv_category=None,
        )
    assert "categorie" in no_category.value.text("nl")


def test_a_day_in_the_future_or_before_the_submission_is_refused() -> None:
    today = date(2027, 2, 1)
    assert rules.checked_day(date(2027, 1, 20), today, date(2027, 1, 15)) == date(2027, 1, 20)
    for day in (date(2027, 2, 2), date(2027, 1, 10)):
        with pytest.raises(rules.Invalid):
            rules.checked_day(day, today, date(2027, 1, 15))

"""The Medicare DSMT allowance: the twelve-month window, nine group and one individual hour, early
completion, follow-up hours per calendar year, and what the messages say (pure rules, no database)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from models.allowance import AllowanceEntry, dsmt_allowance

D0 = date(2026, 3, 10)


def _e(day: date, units: int, code: str = "G0109", sid: int = 0) -> AllowanceEntry:
    return AllowanceEntry(sid, day, code, units)


def test_no_dsmt_units_no_window():
    a = dsmt_allowance([_e(D0, 2, "98961"), _e(D0, 0)], today=D0)
    assert not a.started and a.initial_used == 0
    assert "No Medicare DSMT" in a.messages(D0)[0]


def test_window_is_twelve_months_from_the_first_dsmt_session():
    a = dsmt_allowance([_e(D0, 2), _e(date(2027, 3, 9), 2), _e(date(2027, 3, 10), 2)], today=date(2027, 4, 1))
    assert a.first_day == D0 and a.window_last_day == date(2027, 3, 9)
    assert [u.period for u in a.uses] == ["initial", "initial", "outside"]
    assert a.group_used == 2 and a.initial_ends == date(2027, 3, 9)


def test_window_from_29_february():
    a = dsmt_allowance([_e(date(2028, 2, 29), 1)], today=date(2028, 3, 1))
    assert a.window_last_day == date(2029, 2, 28)


@pytest.mark.parametrize(("units", "used", "over"), [(18, 9.0, 0.0), (19, 9.0, 0.5)])
def test_nine_group_hours(units, used, over):
    a = dsmt_allowance([_e(D0 + timedelta(days=i), 1) for i in range(units)], today=D0)
    assert a.group_used == used and a.over == over


@pytest.mark.parametrize(("units", "used", "over"), [(2, 1.0, 0.0), (3, 1.0, 0.5)])
def test_one_individual_hour(units, used, over):
    a = dsmt_allowance([_e(D0, units, "G0108")], today=D0)
    assert a.individual_used == used and a.over == over and a.group_used == 0


def test_ten_hours_complete_the_initial_training_early():
    entries = [_e(D0 + timedelta(days=i), 2, sid=i) for i in range(9)]  # 9 group hours
    entries.append(_e(date(2026, 6, 1), 2, "G0108", sid=100))  # 1 individual hour: 10 in all on 1 June
    entries.append(_e(date(2026, 7, 1), 2, sid=101))  # after completion, same calendar year: outside
    entries.append(_e(date(2027, 1, 5), 2, sid=102))  # next calendar year: follow-up, inside the old window
    entries.append(_e(date(2027, 2, 5), 3, sid=103))  # 1 h left in 2027, 0.5 h over
    a = dsmt_allowance(entries, today=date(2027, 3, 1))
    assert a.initial_used == 10 and a.initial_ends == date(2026, 6, 1)
    periods = {u.session_id: (u.period, u.counted, u.over) for u in a.uses}
    assert periods[101] == ("outside", 0.0, 1.0)
    assert periods[102] == ("follow-up", 1.0, 0.0)
    assert periods[103] == ("follow-up", 1.0, 0.5)
    assert [(f.year, f.used, f.left) for f in a.follow_up] == [(2027, 2.0, 0.0)]
    assert a.over == 1.5
    assert any("completed on 2026-06-01" in m for m in a.messages(date(2027, 3, 1)))


@pytest.mark.parametrize(("units", "used", "over"), [(4, 2.0, 0.0), (5, 2.0, 0.5)])
def test_two_follow_up_hours_per_calendar_year_after_the_initial_year(units, used, over):
    # window 2026-03-10 .. 2027-03-09: initial training ends in 2027, follow-up from 2028
    a = dsmt_allowance([_e(D0, 2), _e(date(2027, 12, 31), 2, sid=1), _e(date(2028, 1, 1), units, sid=2),
                        _e(date(2029, 1, 1), 4, sid=3)], today=date(2029, 6, 1))
    by = {u.session_id: u for u in a.uses}
    assert by[1].period == "outside"
    assert (by[2].period, by[2].year, by[2].counted, by[2].over) == ("follow-up", 2028, used, over)
    assert by[3].counted == 2.0
    assert [(f.year, f.used) for f in a.follow_up] == [(2028, used), (2029, 2.0)]


def test_follow_up_year_shown_when_eligible_even_unused():
    a = dsmt_allowance([_e(D0, 2)], today=date(2028, 5, 1))
    assert [(f.year, f.used, f.left) for f in a.follow_up] == [(2028, 0.0, 2.0)]
    a = dsmt_allowance([_e(D0, 2)], today=date(2027, 5, 1))
    assert a.follow_up == []


def test_allowance_messages_say_what_is_left():
    a = dsmt_allowance([_e(D0, 3), _e(D0, 1, "G0108")], today=D0)
    text = " ".join(a.messages(D0))
    assert "2 of 10 hours used (1.5 of 9 group, 0.5 of 1 individual)" in text
    assert "8 initial hours are left until 2027-03-09" in text
    assert "from 2028 on" in text

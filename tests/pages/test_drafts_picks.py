"""ui/drafts.Pick: what the browser keeps of a form's fields with nothing to type into (an order's date, hours,
training and topics; a note's person, step and tags; a corrected start) is text the page reads back into the
field's value; text the field cannot take is refused, so nothing wrong is put back. Plain pytest: no page runs."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from models.enums import Training
from ui.drafts import Pick


def test_each_kind_of_field_is_kept_as_the_text_the_browser_reads_and_read_back():
    day = Pick("date", low=date(2000, 1, 1), high=date(2026, 11, 26))
    hours = Pick("number", low=0.0, high=20.0)
    training = Pick("radio", options=tuple(Training))
    topics = Pick("tags", show=str.upper)
    when = Pick("datetime")
    at = Pick("time")
    who = Pick("select", options=(None, 7, 9), show=lambda i: "The whole group" if i is None else f"Person {i}")
    assert day.value(day.text(date(2026, 11, 3))) == date(2026, 11, 3)
    assert hours.value(hours.text(1.5)) == 1.5 and hours.text(None) == "0.0"
    assert training.text(Training.FOLLOW_UP) == "1" and training.value("1") is Training.FOLLOW_UP
    assert topics.text(["foot care", "«ünïcode»"]) == '["FOOT CARE", "«ÜNÏCODE»"]'  # as the field shows them
    assert topics.value('["Foot care", "Invented"]') == ["Foot care", "Invented"]
    assert when.text(datetime(2026, 11, 26, 9, 5, 42)) == "2026-11-26T09:05"  # to the minute, as the field shows
    assert when.value("2026-11-26T09:05") == datetime(2026, 11, 26, 9, 5)
    assert at.text(time(14, 30)) == "14:30" and at.value("14:30") == time(14, 30)
    assert who.text(None) == "The whole group" and who.value("The whole group") is None
    assert who.text(9) == "Person 9" and who.value("Person 9") == 9
    assert who.text(8) == ""  # not a choice: nothing to keep
    confidence = Pick("integer", low=0, high=10)  # a slider
    assert confidence.text(7) == "7" and confidence.value("6") == 6 and isinstance(confidence.value("6"), int)


@pytest.mark.parametrize(("kind", "text"), [
    ("day", "2026-11-27"), ("day", "1999-12-31"), ("day", "2026-02-30"), ("hours", "20.5"), ("hours", "-1"),
    ("hours", "nan"), ("hours", "inf"), ("training", "2"), ("training", "-1"), ("topics", '"one"'),
    ("topics", "[1]"), ("topics", "not json"), ("when", "2026-11-26 09:05"), ("when", "2026-11-26T25:00"),
    ("at", "9"), ("who", "Person 8"), ("twins", "Same"), ("confidence", "7.5"), ("confidence", "11"),
    ("confidence", "-1")])
def test_text_the_field_cannot_take_is_refused(kind, text):
    picks = {"day": Pick("date", low=date(2000, 1, 1), high=date(2026, 11, 26)),
             "hours": Pick("number", low=0.0, high=20.0), "training": Pick("radio", options=tuple(Training)),
             "topics": Pick("tags"), "when": Pick("datetime"), "at": Pick("time"),
             "who": Pick("select", options=(7, 9), show=lambda i: f"Person {i}"),
             "twins": Pick("select", options=(1, 2), show=lambda i: "Same"),
             "confidence": Pick("integer", low=0, high=10)}  # two shown alike: which is unknown
    with pytest.raises(ValueError):
        picks[kind].value(text)

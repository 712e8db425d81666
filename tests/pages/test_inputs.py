"""Any input is handled, on every page that takes one. A query parameter is an id only when it is ASCII digits
(str.isdigit also accepts "²", "①", "٣" and "３"), within what a database stores; an id with no record says so.
Text longer than a field's limit is refused with a message naming the limit: nothing is stored and the field
keeps what was typed (no max_chars in the browser, which would silently drop a longer paste). Every person here
is invented."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from models.db import session_scope
from models.notes import add_note
from models.rules import (
    MAX_FOLLOW_UP_NOTE,
    MAX_GOAL,
    MAX_NAME,
    MAX_NOTE,
    MAX_QUESTION,
    MAX_RECORD_NUMBER,
    MAX_SEARCH,
)
from models.sessions import end_session, go_to_step, start_session
from models.tables import Facilitator, FollowUp, Goal, Note, NoteVersion, Participant, Question
from tests.factories import make_session
from tests.pages.helpers import app, rendered
from ui.live_writes import goals_open_key, late_open_key

# Values no page may read as an id: other digits than ASCII (superscript, circled, Arabic-Indic, full-width),
# a float, spaces, too many digits, beyond PostgreSQL's integer, zero, negative, hex, a second line.
NOT_IDS = ["²", "①", "٣", "３", "1e3", " 7 ", "7 ", "9" * 40, "2147483648", "0", "-1", "0x7", "7\n", "07\u200b"]
NO_SUCH_ID = "2147483647"  # an id, but none is stored

ID_PAGES = {  # page: (parameter, what it says for a link that names nothing, for an id with no record)
    "pages/live.py": ("session", "does not name a session", "There is no session with that number"),
    "pages/projector.py": ("session", "does not name a session", "Unknown session"),
    "pages/review.py": ("session", "does not name a session", "There is no session with that number"),
    "pages/participants.py": ("participant", "does not name a participant", "There is no participant with that number"),
}


def _said(at) -> str:
    return rendered("\n".join(str(getattr(e, "value", "")) for kind in ("markdown", "info", "error", "warning")
                              for e in at.get(kind)))


@pytest.fixture
def seven_sessions(engine):
    """Sessions and participants with ids 1 to 7 and more, so that a misread 3 or 7 would open one."""
    with session_scope(engine) as db:
        for _ in range(7):
            make_session(db, n=2)


@pytest.mark.parametrize("page", list(ID_PAGES))
def test_only_ascii_digits_are_ids(engine, seven_sessions, page):
    param, not_named, unknown = ID_PAGES[page]
    for raw in NOT_IDS:
        at = app(page, **{param: raw}).run()
        assert not at.exception, (page, raw)
        said = _said(at)
        assert not_named in said, (page, raw, said[:300])
        assert "Diabetes" not in said and not at.header, (page, raw)  # nothing was opened
    at = app(page, **{param: NO_SUCH_ID}).run()
    assert not at.exception and unknown in _said(at), page
    at = app(page, **{param: "3"}).run()  # and a plain id still opens its record
    assert not at.exception and not_named not in _said(at) and unknown not in _said(at), page


def test_projector_without_a_link_welcomes_without_naming_anything(any_db_url):
    at = app("pages/projector.py").run()
    assert not at.exception and "Welcome" in _said(at)
    assert "Unknown" not in _said(at) and "does not name" not in _said(at)


# ---------------------------------------------------------------- over-long text, refused with its limit


def _count(engine, table) -> int:
    with session_scope(engine) as db:
        return db.exec(select(func.count()).select_from(table)).one()


def _refused(at, limit: int) -> None:
    """The page says the limit (as the model words it) and shows no trace."""
    assert not at.exception
    said = " ".join(rendered(e.value) for e in at.error)
    assert "holds at most" in said and (f"{limit:,}" in said or str(limit) in said), said[:300]
    assert "is required" not in said and "empty" not in said


def _button(at, label: str):
    return next(b for b in at.button if b.label == label)


def _text_fields(at) -> set[str]:
    return {w.key for kind in ("text_input", "text_area") for w in at.get(kind)}


def test_plan_refuses_over_long_names_and_record_numbers(engine):
    at = app("pages/plan.py").run()
    assert _text_fields(at) == {"nf_name", "plan_search", "np_first", "np_last", "np_record"}  # all tested here
    cases = [  # key, too long, the other fields as needed, the button, the table that must stay empty, limit
        ("np_first", "Zed" * 67, {"np_last": "Inventedsson"}, "Add to roster", Participant, MAX_NAME),
        ("np_last", "Q" * (MAX_NAME + 1), {"np_first": "Zed"}, "Add to roster", Participant, MAX_NAME),
        ("np_record", "R" * (MAX_RECORD_NUMBER + 1), {"np_first": "Zed", "np_last": "Inventedsson"},
         "Add to roster", Participant, MAX_RECORD_NUMBER),
        ("nf_name", "Pat " * 51, {}, "Add facilitator", Facilitator, MAX_NAME),
    ]
    for key, long, others, button, table, limit in cases:
        at = app("pages/plan.py").run()
        for k, v in {**others, key: long}.items():
            at.text_input(key=k).set_value(v)
        _button(at, button).click().run()
        _refused(at, limit)
        assert len(at.text_input(key=key).value) == len(long), key  # kept as typed
        assert all(at.text_input(key=k).value == v for k, v in others.items()), key
        assert _count(engine, table) == 0, key
    # the roster search: refused with its limit, not silently shortened
    at = app("pages/plan.py").run()
    at.text_input(key="plan_search").set_value("Zed" * 70).run()
    _refused(at, MAX_SEARCH)
    assert at.text_input(key="plan_search").value == "Zed" * 70


def test_live_refuses_over_long_question_goal_note_and_names(engine):
    with session_scope(engine) as db:
        s, people, _ = make_session(db, n=2)
        sid, pid = s.id, people[0].id
        start_session(db, session_id=sid)
        go_to_step(db, session_id=sid, step="summary")  # goals are set at the summary
    at = app("pages/live.py", session=sid)
    at.session_state[late_open_key(sid)] = True  # "Add a late arrival" opened
    for p in people:  # and each person's goal and follow-up forms
        at.session_state[goals_open_key(sid, p.id)] = True
    at.run()
    assert not at.exception
    expected = {f"q_text_{sid}", f"goal_{sid}_{pid}_text", f"goal_{sid}_{people[1].id}_text", f"late_q_{sid}",
                f"late_first_{sid}", f"late_last_{sid}", f"note_{sid}_{pid}_summary",
                f"note_{sid}_{people[1].id}_summary", f"note_{sid}_group_summary", f"fu_{sid}_{pid}_note",
                f"fu_{sid}_{people[1].id}_note"}
    assert _text_fields(at) == expected  # every text field /live shows in a session is tested below

    long_fu = "Call about the meter. " * 92  # 2,024 characters
    at.text_input(key=f"fu_{sid}_{pid}_note").set_value(long_fu)
    next(b for b in at.button if b.key == f"fu_{sid}_{pid}_add").click().run()
    _refused(at, MAX_FOLLOW_UP_NOTE)
    assert _count(engine, FollowUp) == 0

    long_q = "Is fruit okay? " * 134  # 2,010 characters
    at.text_input(key=f"q_text_{sid}").set_value(long_q)
    _button(at, "Add question").click().run()
    _refused(at, MAX_QUESTION)
    assert at.text_input(key=f"q_text_{sid}").value == long_q and _count(engine, Question) == 0

    long_goal = "Walk after lunch. " * 112  # 2,016
    at.text_input(key=f"goal_{sid}_{pid}_text").set_value(long_goal)
    next(b for b in at.button if b.key == f"goal_{sid}_{pid}_add").click().run()
    _refused(at, MAX_GOAL)
    assert at.text_input(key=f"goal_{sid}_{pid}_text").value == long_goal and _count(engine, Goal) == 0

    long_note = "n" * (MAX_NOTE + 1)
    at.text_area(key=f"note_{sid}_{pid}_summary").set_value(long_note).run()
    _refused(at, MAX_NOTE)
    assert at.text_area(key=f"note_{sid}_{pid}_summary").value == long_note and _count(engine, NoteVersion) == 0
    at.run()  # and on the next run the typed note is still there, unsaved
    assert at.text_area(key=f"note_{sid}_{pid}_summary").value == long_note

    people_before = _count(engine, Participant)
    at.text_input(key=f"late_first_{sid}").set_value("Ola")
    at.text_input(key=f"late_last_{sid}").set_value("L" * (MAX_NAME + 1))
    _button(at, "Add new participant").click().run()
    _refused(at, MAX_NAME)
    assert at.text_input(key=f"late_last_{sid}").value == "L" * (MAX_NAME + 1)
    assert at.text_input(key=f"late_first_{sid}").value == "Ola" and _count(engine, Participant) == people_before

    at.text_input(key=f"late_q_{sid}").set_value("Ada" * 70).run()
    _refused(at, MAX_SEARCH)
    assert at.text_input(key=f"late_q_{sid}").value == "Ada" * 70


def test_review_refuses_over_long_notes_and_searches(engine):
    with session_scope(engine) as db:
        s, people, _ = make_session(db, n=2)
        sid = s.id
        start_session(db, session_id=sid)
        add_note(db, session_id=sid, participant_id=people[0].id, step="intro", text="Brought own meter", tags=[])
        end_session(db, session_id=sid)
    at = app("pages/review.py", session=sid).run()
    assert not at.exception
    amend_key = next(k for k in _text_fields(at) if k.startswith("am_text_"))  # the amend box of the one note
    assert f"an_text_{sid}" in _text_fields(at)

    long_note = "m" * (MAX_NOTE + 1)
    at.text_area(key=f"an_text_{sid}").set_value(long_note)
    _button(at, "Add note").click().run()
    _refused(at, MAX_NOTE)
    assert at.text_area(key=f"an_text_{sid}").value == long_note and _count(engine, Note) == 1

    at.text_area(key=amend_key).set_value(long_note)
    _button(at, "Save amendment").click().run()
    _refused(at, MAX_NOTE)
    assert at.text_area(key=amend_key).value == long_note and _count(engine, NoteVersion) == 1

    at = app("pages/review.py").run()
    assert _text_fields(at) == {"rv_pfind", "rv_text"}
    for key in ("rv_pfind", "rv_text"):
        at = app("pages/review.py").run()
        at.text_input(key=key).set_value("meter " * 34).run()  # 204 characters
        _refused(at, MAX_SEARCH)
        assert at.text_input(key=key).value == "meter " * 34
    at = app("pages/review.py").run()
    at.text_input(key="rv_text").set_value("meter").run()  # a search within the limit still runs
    assert not at.error and at.dataframe


def test_participants_refuses_an_over_long_search(engine, seven_sessions):
    at = app("pages/participants.py").run()
    assert _text_fields(at) == {"pp_find"}
    at.text_input(key="pp_find").set_value("Testwell" * 26).run()
    _refused(at, MAX_SEARCH)
    assert at.text_input(key="pp_find").value == "Testwell" * 26
    at.text_input(key="pp_find").set_value("Testwell").run()
    assert not at.error and any("Testwell" in o for o in at.selectbox(key="pp_pick").options)


def test_home_has_no_text_field(engine):
    at = app("streamlit_app.py").run()
    assert not at.exception and not _text_fields(at)  # a new one belongs in a test above


def test_nul_characters_are_refused_not_a_trace(engine):
    """PostgreSQL cannot store a NUL character: each field says so instead of failing."""
    with session_scope(engine) as db:
        s, people, _ = make_session(db, n=2)
        sid, pid = s.id, people[0].id
        start_session(db, session_id=sid)
        go_to_step(db, session_id=sid, step="summary")
    at = app("pages/live.py", session=sid)
    at.session_state[late_open_key(sid)] = True
    at.session_state[goals_open_key(sid, pid)] = True
    at.run()
    at.text_input(key=f"q_text_{sid}").set_value("Is\x00it")
    _button(at, "Add question").click().run()
    assert not at.exception and any("NUL" in e.value for e in at.error)
    at.text_input(key=f"goal_{sid}_{pid}_text").set_value("Walk\x00daily")
    next(b for b in at.button if b.key == f"goal_{sid}_{pid}_add").click().run()
    assert not at.exception and any("NUL" in e.value for e in at.error)
    at.text_input(key=f"late_q_{sid}").set_value("Ada\x00").run()
    assert not at.exception and any("NUL" in e.value for e in at.error)
    at = app("pages/plan.py").run()
    for k, v in {"np_first": "Zed", "np_last": "Inventedsson", "np_record": "R\x001"}.items():
        at.text_input(key=k).set_value(v)
    _button(at, "Add to roster").click().run()
    assert not at.exception and any("NUL" in e.value for e in at.error)
    assert _count(engine, Question) == 0 and _count(engine, Goal) == 0

"""The projector shows each step's content for the room, follows the session, and nothing private."""

from __future__ import annotations

from datetime import date

from models.assessments import set_competency, set_rating
from models.attendance import add_to_roster
from models.curriculum import checklist_items
from models.db import session_scope
from models.notes import save_live_note
from models.people import create_participant
from models.questions_goals import add_goal, add_question
from models.session_view import load_session_view
from models.sessions import (
    end_session,
    get_session,
    go_to_step,
    pause,
    set_privacy_curtain,
    set_projector_names,
    set_projector_page,
    set_tick,
    start_session,
)
from tests.factories import make_session
from tests.pages.helpers import all_text, app, rendered, slide_text
from ui import push
from ui.live_writes import projector_options_key
from ui.slide import read_slide


def _md(at) -> str:
    """The page's own messages (no session to show)."""
    return rendered("\n".join(m.value for m in at.markdown))


def test_neutral_message_for_missing_or_bad_ids(any_db_url):
    """No link: a welcome. A link that names no session, or an unknown one, says so (in the room's words, with
    nothing of any session). Unicode digits and the rest: tests/pages/test_inputs.py."""
    for params, said in (({}, "Welcome"), ({"session": "x"}, "does not name a session"),
                         ({"session": "' OR 1=1 --"}, "does not name a session"),
                         ({"session": "²"}, "does not name a session"), ({"session": "4242"}, "Unknown session")):
        at = app("pages/projector.py", **params).run()
        assert not at.exception
        assert said in _md(at), params
        assert not at.error and not at.get("button")


def test_welcome_then_every_step_then_thank_you(engine):
    with session_scope(engine) as db:
        s, people, _ = make_session(db, n=3)
        sid = s.id
        cur = load_session_view(db, sid).curriculum
    at = app("pages/projector.py", session=sid).run()
    text = slide_text(at)
    assert "Welcome" in text and "We start at" in text and "Teaching" in text
    assert "Ada" not in all_text(at)  # first names are off by default

    with session_scope(engine) as db:
        start_session(db, session_id=sid)
    at.run()
    assert "Introduction & assessment" in slide_text(at)
    assert "Today" in slide_text(at)

    with session_scope(engine) as db:
        go_to_step(db, session_id=sid, step="teach")
    at.run()
    teach = cur.step("teach")
    text = slide_text(at)
    assert teach.topics[0].key_points[0].split()[0] in text
    assert "▶" in text
    with session_scope(engine) as db:
        set_tick(db, session_id=sid, item_key=f"teach:topic:{teach.topics[0].id}", done=True)
    at.run()
    text = slide_text(at)
    assert "covered" in text
    assert teach.topics[1].key_points[0].split()[0] in text

    with session_scope(engine) as db:
        go_to_step(db, session_id=sid, step="activity")
    at.run()
    act = cur.step("activity").activities[0]
    assert act.title.split()[0] in slide_text(at)
    assert "You need" in slide_text(at)

    with session_scope(engine) as db:
        go_to_step(db, session_id=sid, step="qa")
        add_question(db, session_id=sid, text="Is fruit okay", participant_id=people[0].id)
    at.run()
    text = slide_text(at)
    assert "Is fruit okay" in text and "Your questions" in text
    assert cur.step("qa").prompts[0].split()[0] in text

    with session_scope(engine) as db:
        go_to_step(db, session_id=sid, step="summary")
    at.run()
    text = slide_text(at)
    assert "Key points" in text and "Take home" in text

    with session_scope(engine) as db:
        end_session(db, session_id=sid)
    at.run()
    text = slide_text(at)
    assert "Thank you" in text and "Take home" in text
    assert not at.exception


def test_first_names_only_when_switched_on(engine):
    with session_scope(engine) as db:
        s, people, _ = make_session(db, n=2)
        set_projector_names(db, session_id=s.id, show=True)
        sid = s.id
    at = app("pages/projector.py", session=sid).run()
    text = all_text(at)
    assert "Ada" in text and "Bram" in text
    assert "Testwell" not in text and "Fakeley" not in text


def test_nothing_private_reaches_the_projector(engine):
    marks = {
        "surname": "Zqxsurname", "note": "Zqxnotetext", "group": "Zqxgroupnote", "goal": "Zqxgoaltext",
        "record": "ZQX-REC-77", "first": "Zqxfirst",
    }
    with session_scope(engine) as db:
        s, people, _ = make_session(db, n=2)
        sid = s.id
        p = create_participant(db, first_name=marks["first"], last_name=marks["surname"],
                               record_number=marks["record"], date_of_birth=date(1950, 1, 2))
        add_to_roster(db, session_id=sid, participant_id=p.id)
        start_session(db, session_id=sid)
        cur = load_session_view(db, sid).curriculum
        for step in ("intro", "teach", "activity", "qa", "summary"):
            go_to_step(db, session_id=sid, step=step)
            save_live_note(db, session_id=sid, participant_id=p.id, step=step, text=marks["note"],
                           tags=["distress", "needs follow-up"])
            save_live_note(db, session_id=sid, participant_id=None, step=step, text=marks["group"], tags=[])
        for item in cur.assessment:
            set_rating(db, session_id=sid, participant_id=p.id, item_id=item.id, phase="pre", value=3)
        set_competency(db, session_id=sid, participant_id=p.id, topic_id=cur.topics[0].id, phase="pre",
                       level="1")
        add_goal(db, session_id=sid, participant_id=p.id, behaviour="Healthy coping", text=marks["goal"],
                 confidence=4, follow_up_date=date(2027, 1, 1))
        add_question(db, session_id=sid, text="When do I test", participant_id=p.id)
        for it in checklist_items(cur):
            set_tick(db, session_id=sid, item_key=it.key, done=True)
        pause(db, session_id=sid)

    def check(at, first_name_allowed: bool = False) -> None:
        assert not at.exception
        text = all_text(at) + push.event(read_slide(engine, sid))  # the page, and what its stream sends
        for what, marker in marks.items():
            if what == "first":
                continue  # first names are off by default; checked below
            assert marker not in text, what
        if not first_name_allowed:
            assert marks["first"] not in text
        for tag in ("distress", "needs follow-up", "Healthy coping", "1950"):
            assert tag not in text

    # every step with the privacy curtain on and off, then first names switched on (shown only on the
    # introduction's welcome), and after the end; a fresh page each time, and one page left open that follows
    # the changes (everything a projector receives over its connection)
    follower = app("pages/projector.py", session=sid).run()
    cases = [(step, curtain, False) for step in ("intro", "teach", "activity", "qa", "summary")
             for curtain in (False, True)]
    for step, curtain, names in [*cases, *((step, curtain, True) for step, curtain, _ in cases)]:
        with session_scope(engine) as db:
            go_to_step(db, session_id=sid, step=step)
            set_privacy_curtain(db, session_id=sid, on=curtain)
            set_projector_names(db, session_id=sid, show=names)
        check(app("pages/projector.py", session=sid).run(), names and step == "intro")
        check(follower.run(), names and step == "intro")
    with session_scope(engine) as db:
        end_session(db, session_id=sid)
    check(app("pages/projector.py", session=sid).run())
    check(follower.run())


def test_projector_pages_follow_the_page_chosen(engine):
    """A step longer than one screen is paged: the projector says "Page 2 of 2" and shows that page's content
    only; a new step starts on its first page."""
    with session_scope(engine) as db:
        s, _, _ = make_session(db, n=2)
        sid = s.id
        start_session(db, session_id=sid)
        go_to_step(db, session_id=sid, step="activity")
        first, second = load_session_view(db, sid).curriculum.step("activity").activities[:2]
    at = app("pages/projector.py", session=sid).run()
    text = slide_text(at)
    assert "Page 1 of 2" in text and first.title in text and second.title not in text
    with session_scope(engine) as db:
        set_projector_page(db, session_id=sid, page=1)
    at.run()
    text = slide_text(at)
    assert "Page 2 of 2" in text and second.title in text and first.title not in text
    with session_scope(engine) as db:
        go_to_step(db, session_id=sid, step="qa")
    at.run()
    assert "Page" not in slide_text(at)  # one page: nothing to say


def test_live_chooses_the_clock_and_moves_the_pages(engine):
    with session_scope(engine) as db:
        s, _, _ = make_session(db, n=2)
        sid = s.id
        start_session(db, session_id=sid)
    at = app("pages/live.py", session=sid).run()
    assert not at.exception
    assert not at.radio  # "Projector options" draws its controls only once opened
    at.session_state[projector_options_key(sid)] = True
    at.run()
    clock_choice = at.radio(key=f"projector_clock_{sid}")
    assert clock_choice.options == ["Full countdown", "Calm: time for this part", "No clock"]
    assert clock_choice.value == "full"
    assert f"ppage_next_{sid}" not in [b.key for b in at.button]  # the introduction fits one page
    clock_choice.set_value("calm").run()
    with session_scope(engine) as db:
        assert get_session(db, sid).projector_clock == "calm"
    assert at.radio(key=f"projector_clock_{sid}").value == "calm"

    with session_scope(engine) as db:
        go_to_step(db, session_id=sid, step="activity")
    at.run()
    prev, nxt = at.button(key=f"ppage_prev_{sid}"), at.button(key=f"ppage_next_{sid}")
    assert prev.disabled and not nxt.disabled
    assert "page 1 of 2" in _md(at)
    nxt.click().run()
    with session_scope(engine) as db:
        assert get_session(db, sid).projector_page == 1
    assert "page 2 of 2" in _md(at)
    assert at.button(key=f"ppage_next_{sid}").disabled and not at.button(key=f"ppage_prev_{sid}").disabled
    at.button(key=f"ppage_prev_{sid}").click().run()
    with session_scope(engine) as db:
        assert get_session(db, sid).projector_page == 0
    # the next step starts on its first page, and the clock choice stays for the session
    at.button(key=f"ppage_next_{sid}").click().run()
    with session_scope(engine) as db:
        go_to_step(db, session_id=sid, step="summary")
        assert get_session(db, sid).projector_page == 0
    at.run()
    assert f"ppage_next_{sid}" not in [b.key for b in at.button]
    assert at.radio(key=f"projector_clock_{sid}").value == "calm"
    assert not at.exception

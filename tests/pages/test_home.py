"""Home: sessions running now, today's and the next two weeks', each with the links it needs."""

from __future__ import annotations

from datetime import timedelta

from models import clock
from models.db import session_scope
from models.sessions import end_session, start_session
from tests.factories import make_session
from tests.pages.helpers import app


def _links(at) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for pl in at.get("page_link"):
        out.setdefault(pl.proto.label, []).append(pl.proto.query_string)
    return out


def test_home_lists_running_today_and_upcoming_sessions(engine):
    today_noon = clock.day_start(clock.today()) + timedelta(hours=12)
    with session_scope(engine) as db:
        live, _, _ = make_session(db, n=2, when=today_noon)
        start_session(db, session_id=live.id)
        done, _, _ = make_session(db, n=2, when=today_noon)
        start_session(db, session_id=done.id)
        end_session(db, session_id=done.id)
        later, _, _ = make_session(db, n=2, when=today_noon + timedelta(days=3))
        far, _, _ = make_session(db, n=2, when=today_noon + timedelta(days=30))
        ids = live.id, done.id, later.id, far.id
    at = app("streamlit_app.py").run()
    assert not at.exception
    assert [h.value for h in at.subheader] == ["Running now", "Today", "Next two weeks"]
    links = _links(at)
    assert links["Session record"] == [f"session={ids[1]}"]  # the ended one
    # the running one is listed under "Running now" and "Today"; the later one under the next two weeks
    assert links["Open live view"] == [f"session={ids[0]}", f"session={ids[0]}", f"session={ids[2]}"]
    assert links["Projector view"] == links["Open live view"]
    assert f"session={ids[3]}" not in sum(links.values(), [])  # a month away: not on the home page


def test_home_on_an_empty_database(engine):
    at = app("streamlit_app.py").run()
    assert not at.exception
    assert [h.value for h in at.subheader] == ["Today", "Next two weeks"]
    assert [i.value for i in at.info] == ["No sessions scheduled for today."]

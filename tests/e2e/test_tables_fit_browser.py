"""At a 1366 × 768 laptop in Chromium, menu open: /review's session list, /participants' sessions table and DSMT
hours (what counted within the allowance and beyond), the session record's tables, the course list and a course's
page show their key columns without horizontal scrolling; a course's attendance chart (half the page) draws a bar
for every module, each labelled, and the program overview's charts label every topic and give the pre → post
scores the width, nothing drawn over anything. Every person here is invented."""

from __future__ import annotations

from datetime import time, timedelta

from playwright.sync_api import expect

from models import clock
from models.assessments import set_competency, set_rating
from models.attendance import add_to_roster, mark_arrived, set_present
from models.courses import course_sessions, plan_course
from models.notes import add_note
from models.people import create_facilitator, create_participant
from models.sessions import end_session, go_to_step, start_session
from tests.e2e.conftest import seed, wait_for_app_idle
from tests.factories import INVENTED, curriculum, make_session

VIEWPORT = {"width": 1366, "height": 768}

LONG_NAME = ("Maximiliana-Josephine", "Fictitious-Longsurname-Inventedsdottir")

# One grid's scroll box, and the header cells Glide Data Grid keeps in the DOM for screen readers (only those of
# the columns it draws: a column scrolled out of view has none).
_GRID_JS = """
(frame) => {
  const scroller = frame.querySelector('.dvn-scroller');
  return {scrollWidth: scroller.scrollWidth, clientWidth: scroller.clientWidth,
          headers: [...frame.querySelectorAll('[role="columnheader"]')].map((h) => h.textContent.trim())};
}
"""


def _ended(db, move_to, *, n_sessions=3):
    """Sessions of four invented people that ended: Cora late, Dov absent, Ada rated before only (so the
    documentation column holds its longest reasons)."""
    ids = []
    for k in range(n_sessions):
        start = clock.now().replace(second=0, microsecond=0) - timedelta(days=k + 1, hours=3)
        s, people, _ = make_session(db, n=4, when=start, code="G0109")
        ada, _bram, cora, dov = people
        long = create_participant(db, first_name=LONG_NAME[0], last_name=LONG_NAME[1])
        add_to_roster(db, session_id=s.id, participant_id=long.id)
        move_to(start)
        set_present(db, session_id=s.id, participant_id=cora.id, present=False)
        set_present(db, session_id=s.id, participant_id=dov.id, present=False)
        start_session(db, session_id=s.id)
        for item in curriculum().assessment:
            set_rating(db, session_id=s.id, participant_id=ada.id, item_id=item.id, phase="pre", value=3)
        move_to(start + timedelta(minutes=30))
        go_to_step(db, session_id=s.id, step="teach")
        mark_arrived(db, session_id=s.id, participant_id=cora.id)
        add_note(db, session_id=s.id, participant_id=ada.id, step="teach", text="Invented note", tags=["distress"])
        move_to(start + timedelta(minutes=95))
        end_session(db, session_id=s.id)
        ids.append((s.id, ada.id))
    return ids


def _seed(db):
    with clock.simulated(clock.now()) as sim:
        return _ended(db, sim.at)


def _grids(page) -> list[dict]:
    """Every visible grid's scroll box and drawn headers, each scrolled into view and laid out first."""
    frames = page.get_by_test_id("stDataFrame")
    grids = []
    for i in range(frames.count()):
        frame = frames.nth(i)
        if not frame.is_visible():  # in a closed expander
            continue
        frame.scroll_into_view_if_needed()
        expect(frame.locator(".dvn-scroller")).to_be_visible()
        # the grid draws its header cells once in view and laid out
        page.wait_for_function("(f) => f.querySelectorAll('[role=columnheader]').length > 0",
                               arg=frame.element_handle())
        grids.append(frame.evaluate(_GRID_JS))
    return grids


def _check(page, url: str, tables: dict[str, list[str]]) -> None:
    """Open `url` and, for each table known by one of its left columns (always drawn), check that the whole row
    fits its box (no horizontal scrolling) and that the key columns' headers are drawn. A grid still being laid
    out is read again, for up to ten seconds."""
    page.goto(url)
    wait_for_app_idle(page)
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    for _ in range(20):
        page.wait_for_timeout(500)
        grids = _grids(page)
        seen = {m: g for g in grids for m in tables if m in g["headers"]}
        if set(seen) == set(tables) and all(g["scrollWidth"] <= g["clientWidth"] and set(tables[m]) <= set(g["headers"])
                                            for m, g in seen.items()):
            return
    assert set(seen) == set(tables), (url, [g["headers"] for g in grids])
    for marker, grid in seen.items():
        assert grid["scrollWidth"] <= grid["clientWidth"], (url, marker, grid)
        assert set(tables[marker]) <= set(grid["headers"]), (url, tables[marker], grid["headers"])


def test_key_columns_of_the_lists_and_the_record_fit_a_laptop(server, page):
    (sid, ada), *_ = seed(server.db_url, _seed)
    page.set_viewport_size(VIEWPORT)
    _check(page, server.page_url("/review"), {"Documentation": ["Record", "Date", "Status", "Units", "Patients"]})
    _check(page, server.page_url(f"/participants?participant={ada}"),
           {"Curriculum": ["Record", "Status", "Attended", "Units", "DSMT hours"]})
    # the record, with a long name on the roster: attendance, billing units, ratings
    _check(page, server.page_url(f"/review?session={sid}"),
           {"In the room": ["Participant", "Attended"], "Units": ["Participant", "Attended", "Minutes"],
            "Items rated (pre/post)": ["Participant", "Pre", "Post", "Change"]})


def _course(db):
    """A course of three modules of one curriculum for four invented people: the first held, everyone rated before
    and after it, Dov absent."""
    with clock.simulated(clock.now() - timedelta(days=8)) as sim:
        fac = create_facilitator(db, name="Pat Educator", credential="RN, CDCES").id
        people = [create_participant(db, first_name=f, last_name=last).id for f, last in INVENTED[:4]]
        course = plan_course(db, name="Invented Tuesday group", modules=[curriculum()] * 3,
                             first_date=clock.today() + timedelta(days=1), start_time=time(10, 0), setting="clinic",
                             facilitator_id=fac, billing_code="G0109", participant_ids=people)
        first = course_sessions(db, course.id)[0]
        set_present(db, session_id=first.id, participant_id=people[3], present=False)
        sim.at(first.scheduled_at)
        start_session(db, session_id=first.id)
        for pid, (pre, post) in zip(people[:3], [(2, 4), (3, 4), (3, 5)], strict=True):
            for item in curriculum().assessment:
                set_rating(db, session_id=first.id, participant_id=pid, item_id=item.id, phase="pre", value=pre)
                set_rating(db, session_id=first.id, participant_id=pid, item_id=item.id, phase="post", value=post)
            for topic in curriculum().topics:
                set_competency(db, session_id=first.id, participant_id=pid, topic_id=topic.id, phase="post",
                               level=str(post - 1))
        sim.at(first.scheduled_at + timedelta(minutes=120))
        end_session(db, session_id=first.id)
        return course.id, people[0]


# The attendance chart's SVG (Vega): each bar's box, each text's box and text, and the legend's box.
_CHART_JS = """
(chart) => {
  const box = (el) => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const shown = (el) => getComputedStyle(el).opacity !== "0" && el.getAttribute("opacity") !== "0";
  return {bars: [...chart.querySelectorAll('[aria-roledescription="bar"]')].map(box),
          texts: [...chart.querySelectorAll("svg text")].filter((t) => t.textContent.trim() && shown(t))
                   .map((t) => [t.textContent.trim(), box(t)]),
          legend: [...chart.querySelectorAll('[aria-roledescription="legend"]')].map(box),
          axes: [...chart.querySelectorAll('[aria-roledescription="axis"]')]
                  .map((a) => [a.getAttribute("aria-label") || "", box(a)])};
}
"""


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _drawn(chart) -> dict:
    chart.scroll_into_view_if_needed()
    expect(chart.locator("svg [aria-roledescription]").first).to_be_attached()
    drawn = chart.evaluate(_CHART_JS)
    texts = [t for t in drawn["texts"] if not any(_overlap(t[1], lg) for lg in drawn["legend"])]
    assert not [(a[0], b[0]) for i, a in enumerate(texts) for b in texts[i + 1:] if _overlap(a[1], b[1])], texts
    return drawn


def test_a_course_a_persons_allowance_and_the_program_overview_fit_a_laptop(server, page):
    course, ada = seed(server.db_url, _course)
    page.set_viewport_size(VIEWPORT)
    # a person's DSMT hours: the sessions that used them, with what counted within the allowance and beyond
    _check(page, server.page_url(f"/participants?participant={ada}"),
           {"Counted as": ["Date", "Hours", "Within allowance", "Beyond"]})
    _check(page, server.page_url("/courses"), {"Name": ["Course", "Dates", "Enrolled", "Completed", "Completion"]})
    _check(page, server.page_url(f"/courses?course={course}"),
           {"Outcome measure": ["People", "Pre", "Post", "Change"], "Joined": ["Participant", "Modules done"]})
    chart = page.get_by_test_id("stVegaLiteChart").first
    expect(chart.locator('[aria-roledescription="bar"]').first).to_be_visible()
    drawn = _drawn(chart)
    assert len(drawn["bars"]) >= 3 and all(b[3] - b[1] >= 12 and b[2] - b[0] >= 1 for b in drawn["bars"]), drawn
    labels = [t for t in drawn["texts"] if t[0].startswith("Module ")]
    assert [t[0] for t in labels] == ["Module 1", "Module 2", "Module 3"], drawn["texts"]
    title = next(t[1] for t in drawn["texts"] if t[0] == "Enrolled participants")
    assert not any(_overlap(title, lg) for lg in drawn["legend"])

    # the program overview of the same data
    page.goto(server.page_url("/review"))
    wait_for_app_idle(page)
    page.get_by_role("tab", name="Program overview").click()
    wait_for_app_idle(page)
    charts = page.get_by_test_id("stVegaLiteChart")
    expect(charts).to_have_count(5)
    for i in range(5):
        _drawn(charts.nth(i))
    change = charts.filter(has_text="Mean score")
    x_axis = next(b for label, b in _drawn(change)["axes"] if label.startswith("X-axis"))
    assert x_axis[2] - x_axis[0] > 0.5 * change.bounding_box()["width"]  # the scores have the width, not the titles
    topics = _drawn(charts.filter(has_text="Share at"))
    titles = {t.title for t in curriculum().topics}
    shown = [t[0] for t in topics["texts"] if t[0] in titles or t[0].endswith("…")]
    assert len(shown) == len(titles), topics["texts"]

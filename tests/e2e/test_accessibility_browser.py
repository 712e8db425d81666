"""axe-core (axe-playwright-python, which bundles it) on every page in a real browser, in the states an educator
sees: no violation of impact serious or critical against WCAG 2.0, 2.1 and 2.2 A and AA. One server is seeded
once (sessions planned, live at the introduction, live at the summary, live behind the privacy curtain, ended with
a record) and every page is opened in a fresh browser context. Every person here is invented."""

from __future__ import annotations

import fnmatch
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from models import clock
from models.assessments import set_rating
from models.attendance import mark_arrived, mark_left, set_present
from models.notes import add_note, save_live_note
from models.questions_goals import add_goal, add_question
from models.rules import ADCES7
from models.sessions import end_session, go_to_step, set_privacy_curtain, start_session
from scripts.serve import StreamlitServer
from tests.e2e.conftest import seed, wait_for_app_idle
from tests.factories import curriculum, make_session

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
FAILING_IMPACTS = {"serious", "critical"}

# Violations inside Streamlit's own components that the app cannot fix: (rule id, target selector pattern as
# fnmatch over axe's target, why). Keep these few and specific.
EXCLUDED: list[tuple[str, str, str]] = []


def _seed(db) -> dict[str, int]:
    """Five sessions of invented people, each in one state, and the ids the pages open."""
    cur = curriculum()
    ids: dict[str, int] = {}
    planned, _, _ = make_session(db, n=3, when=clock.now() + timedelta(hours=2))
    ids["planned"] = planned.id

    intro, people, _ = make_session(db, n=4, when=clock.now() - timedelta(minutes=10))
    start_session(db, session_id=intro.id)
    for item in cur.assessment:
        set_rating(db, session_id=intro.id, participant_id=people[0].id, item_id=item.id, phase="pre", value=3)
    save_live_note(db, session_id=intro.id, participant_id=people[0].id, step="intro", text="Invented note.",
                   tags=["needs follow-up"])
    mark_left(db, session_id=intro.id, participant_id=people[3].id)
    add_question(db, session_id=intro.id, text="Invented question: can I swap my snack?", participant_id=people[1].id)
    ids["intro"] = intro.id

    summary, people, _ = make_session(db, n=3, when=clock.now() - timedelta(minutes=50))
    start_session(db, session_id=summary.id)
    go_to_step(db, session_id=summary.id, step="summary")
    add_goal(db, session_id=summary.id, participant_id=people[0].id, behaviour=ADCES7[0], text="Invented goal: walk",
             confidence=5, follow_up_date=None)
    ids["summary"] = summary.id

    curtain, _, _ = make_session(db, n=3, when=clock.now() - timedelta(minutes=20))
    start_session(db, session_id=curtain.id)
    go_to_step(db, session_id=curtain.id, step="teach")
    set_privacy_curtain(db, session_id=curtain.id, on=True)
    ids["curtain"] = curtain.id

    with clock.simulated(clock.now() - timedelta(hours=3)) as sim:
        start = clock.now().replace(second=0, microsecond=0)
        ended, people, _ = make_session(db, n=4, when=start, code="G0109")
        ada, _bram, cora, dov = people
        set_present(db, session_id=ended.id, participant_id=cora.id, present=False)
        set_present(db, session_id=ended.id, participant_id=dov.id, present=False)
        start_session(db, session_id=ended.id)
        for item in cur.assessment:
            set_rating(db, session_id=ended.id, participant_id=ada.id, item_id=item.id, phase="pre", value=3)
        sim.at(start + timedelta(minutes=30))
        go_to_step(db, session_id=ended.id, step="teach")
        mark_arrived(db, session_id=ended.id, participant_id=cora.id)
        add_note(db, session_id=ended.id, participant_id=ada.id, step="teach", text="Invented note: pen practice",
                 tags=["needs follow-up"])
        sim.at(start + timedelta(minutes=60))
        end_session(db, session_id=ended.id)
    ids["ended"] = ended.id
    ids["person"] = ada.id
    return ids


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, browser):
    """One started server on a seeded database for every page of this module, and the ids it holds."""
    srv = StreamlitServer(tmp_path_factory.mktemp("a11y"))
    ids = seed(srv.db_url, _seed)
    srv.start()
    yield srv, ids
    srv.stop()


def _open_overview(page) -> None:
    page.get_by_role("tab", name="Program overview").click()
    wait_for_app_idle(page)
    expect(page.get_by_role("heading", name="Sessions per month")).to_be_visible()


def _heading(name: str):
    return lambda page: page.get_by_role("heading", name=name).first


def _button(name: str):
    return lambda page: page.get_by_role("button", name=name).first


def _text(text: str):
    return lambda page: page.get_by_text(text).first


# name: (path with {ids}, what shows that the state is drawn, then an optional action)
CASES = {
    "home": ("/", _heading("Group Session Facilitator"), None),
    "plan": ("/plan", _heading("Plan a session"), None),
    "live planned": ("/live?session={planned}", _button("Start session"), None),
    "live intro": ("/live?session={intro}", _text("Pre-assessment"), None),
    "live summary": ("/live?session={summary}", _text("Post-assessment"), None),
    "live curtain": ("/live?session={curtain}", _text("Participants are hidden"), None),
    # the earlier screen of Streamlit's widgets, still reachable
    "live widgets planned": ("/live?session={planned}&screen=widgets", _button("Start session"), None),
    "live widgets intro": ("/live?session={intro}&screen=widgets", _text("Pre-assessment"), None),
    "live widgets summary": ("/live?session={summary}&screen=widgets", _text("Post-assessment"), None),
    "live widgets curtain": ("/live?session={curtain}&screen=widgets", _text("Privacy curtain is on"), None),
    "projector": ("/projector?session={intro}", _text("Introduction"), None),
    "review list": ("/review", _heading("Review & records"), None),
    "review overview": ("/review", _heading("Review & records"), _open_overview),
    "record": ("/review?session={ended}", _heading("Exports"), None),  # the record's last section
    "participant": ("/participants?participant={person}", _heading("DSMT allowance"), None),
    "curricula": ("/curricula", _heading("Curricula"), None),
    "courses": ("/courses", _heading("Courses"), None),
}


def _excluded(rule: str, target: list) -> str | None:
    joined = " ".join(str(t) for t in target)
    for rule_id, pattern, why in EXCLUDED:
        if rule_id == rule and fnmatch.fnmatch(joined, pattern):
            return why
    return None


def axe_problems(page) -> list[str]:
    """Serious and critical violations on the page as it is now, one readable line per element, less the
    exclusions above."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]})
    lines = []
    for v in results.response["violations"]:
        for node in v["nodes"]:
            impact = node.get("impact") or v.get("impact")
            if impact not in FAILING_IMPACTS or _excluded(v["id"], node["target"]):
                continue
            summary = " ".join((node.get("failureSummary") or "").split())[:300]
            element = " ".join(node.get("html", "").split())[:160]
            lines.append(f"{v['id']} ({impact}) {node['target']} {element}: {v['help']} — {summary}")
    return lines


@pytest.mark.parametrize("case", list(CASES))
def test_page_has_no_serious_accessibility_violation(seeded, page, case):
    srv, ids = seeded
    path, ready, action = CASES[case]
    page.goto(srv.page_url(path.format(**ids)))
    wait_for_app_idle(page)
    expect(ready(page)).to_be_visible()
    if action:
        action(page)
    wait_for_app_idle(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    problems = axe_problems(page)
    assert not problems, f"{case}: {len(problems)} serious or critical axe violation(s):\n" + "\n".join(problems)

"""Plan a session in a real browser: curriculum, roster of three invented participants, a reload that keeps them,
create."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlmodel import select

from models.people import create_facilitator, create_participant
from models.tables import Attendance, GroupSession
from tests.e2e.conftest import seed, wait_for_app_idle

PEOPLE = [("Ada", "Testwell"), ("Bram", "Fakeley"), ("Cora", "Inventa")]  # invented names
HYPERTENSION = "Taking control of high blood pressure: group session (v2026.1)"


def _seed_people(db):
    fac = create_facilitator(db, name="Pat Educator", credential="RN")
    ids = [create_participant(db, first_name=f, last_name=last).id for f, last in PEOPLE]
    return fac.id, ids


def _pick(page, widget, option: str) -> None:
    """Open a selectbox or multiselect (BaseWeb select) and click one of its options."""
    widget.locator("input").click()
    page.get_by_role("option", name=option, exact=True).click()


def test_plan_session_with_three_participants(server, page):
    fac_id, ids = seed(server.db_url, _seed_people)

    page.goto(server.page_url("/plan"))
    expect(page.locator("h1")).to_have_text("Plan a session")
    wait_for_app_idle(page)

    curriculum = page.get_by_test_id("stSelectbox").filter(has_text="Curriculum")
    _pick(page, curriculum, HYPERTENSION)
    expect(curriculum.get_by_role("combobox")).to_have_value(HYPERTENSION)
    wait_for_app_idle(page)
    facilitator = page.get_by_test_id("stSelectbox").filter(has_text="Facilitator")
    expect(facilitator.get_by_role("combobox")).to_have_value("Pat Educator (RN)")

    roster = page.get_by_test_id("stMultiSelect").filter(has_text="Participants on the roster")
    for first, last in PEOPLE:
        _pick(page, roster, f"{first} {last}")
        expect(roster.get_by_test_id("stMultiSelectTagsContainer")).to_contain_text(f"{first} {last}")
        page.keyboard.press("Escape")
        wait_for_app_idle(page)
    expect(page.get_by_text(re.compile(r"3 patient\(s\) fits"))).to_be_visible()

    page.reload()  # the choices are in the page's link: a reload keeps them
    wait_for_app_idle(page)
    expect(curriculum.get_by_role("combobox")).to_have_value(HYPERTENSION)
    expect(roster.locator("[data-tag] > span[title]")).to_have_text([f"{first} {last}" for first, last in PEOPLE])
    expect(page.get_by_text(re.compile(r"3 patient\(s\) fits"))).to_be_visible()

    page.get_by_role("button", name="Create session").click()
    planned = page.get_by_text(re.compile(r"^Session \d+ is planned\.$"))
    expect(planned).to_be_visible()
    session_id = int(re.search(r"\d+", planned.inner_text()).group())
    expect(page.get_by_test_id("stException")).to_have_count(0)
    wait_for_app_idle(page)
    page.reload()  # the session just created is shown again, not the form that would create it twice
    wait_for_app_idle(page)
    expect(planned).to_have_text(f"Session {session_id} is planned.")
    expect(page.get_by_role("button", name="Create session")).to_have_count(0)

    def check(db):
        s = db.exec(select(GroupSession)).one()
        attendance = db.exec(select(Attendance).where(Attendance.session_id == s.id)).all()
        return s.id, s.curriculum_id, s.facilitator_id, s.status, sorted(a.participant_id for a in attendance)

    assert seed(server.db_url, check) == (session_id, "hypertension-group", fac_id, "planned", sorted(ids))
    log = server.log_text()
    assert "Traceback" not in log
    assert not any(last in log for _, last in PEOPLE)

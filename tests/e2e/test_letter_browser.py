"""The letter to the referring provider in a real browser: open /participants?participant=ID, prepare the PDF,
download it through the signed-in link and read its figures back against the records (the participant history,
the order, the follow-ups); then open the plain text and compare it with the letter the models write. Every
person here is invented."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from playwright.sync_api import expect
from pypdf import PdfReader

from models import clock
from models.assessments import set_competency, set_rating
from models.enums import FollowUpKind
from models.follow_ups import recommend_follow_up
from models.letter import letter_text, provider_letter
from models.participant_history import participant_history
from models.people import create_facilitator, create_participant
from models.questions_goals import add_goal
from models.referrals import create_referral, order_status
from models.sessions import create_session, end_session, go_to_step, start_session
from tests.e2e.conftest import seed, wait_for_app_idle
from tests.e2e.test_review_browser import _prepare_and_download
from tests.factories import curriculum

GOAL = "Walk for twenty minutes after lunch"
FOLLOW_UP = "Group follow-up on reading food labels"


def _program(db):
    """Ada on three G0109 sessions a week apart, a month ago (60, 90 and 45 minutes; Bram there too), rated
    before and after, with a topic rated and a goal each time; an order from before the first; a follow-up."""
    start = clock.now().replace(second=0, microsecond=0) - timedelta(days=30)
    with clock.simulated(start) as sim:
        fac = create_facilitator(db, name="Pat Educator", credential="RD, CDCES")
        ada = create_participant(db, first_name="Ada", last_name="Testwell", record_number="MRN-7")
        bram = create_participant(db, first_name="Bram", last_name="Fakeley")
        create_referral(db, participant_id=ada.id, practitioner_name="Dr Quinn Imaginary", practice="Nowhere Clinic",
                        contact="fax 555-0100", order_date=clock.today() - timedelta(days=3), diagnosis_code="E11.9",
                        group_hours=6, individual_hours=0, topics=["Taking your diabetes medicines"],
                        training="initial")
        sids = []
        for i, minutes in enumerate((60, 90, 45)):
            when = start + timedelta(days=7 * i)
            s = create_session(db, curriculum=curriculum(), billing_code="G0109", scheduled_at=when,
                               setting="clinic", facilitator_id=fac.id, participant_ids=[ada.id, bram.id])
            sids.append(s.id)
            sim.at(when)
            start_session(db, session_id=s.id)
            for item in curriculum().assessment:
                set_rating(db, session_id=s.id, participant_id=ada.id, item_id=item.id, phase="pre", value=3 + i)
                set_rating(db, session_id=s.id, participant_id=ada.id, item_id=item.id, phase="post", value=5 + 2 * i)
            set_competency(db, session_id=s.id, participant_id=ada.id, topic_id="medicines", phase="pre",
                           level=str(1 + i))
            sim.at(when + timedelta(minutes=20))
            go_to_step(db, session_id=s.id, step="summary")
            set_competency(db, session_id=s.id, participant_id=ada.id, topic_id="medicines", phase="post",
                           level=str(2 + i))
            add_goal(db, session_id=s.id, participant_id=ada.id, behaviour="Being active", text=f"{GOAL} ({i + 1})",
                     confidence=4 + 2 * i, follow_up_date=clock.local_day(when) + timedelta(days=14))
            sim.at(when + timedelta(minutes=minutes))
            end_session(db, session_id=s.id)
        recommend_follow_up(db, participant_id=ada.id, session_id=sids[-1],
                            due_date=clock.local_day(start) + timedelta(days=90), kind=FollowUpKind.GROUP,
                            note=FOLLOW_UP)
    return ada.id


def _records(pid):
    def read(db):
        hist = participant_history(db, pid)
        return hist, order_status(db, pid, history=hist), letter_text(provider_letter(db, pid, history=hist))
    return read


def test_download_the_letter_and_read_its_figures_back(server, page, tmp_path):
    pid = seed(server.db_url, _program)
    hist, status, text = seed(server.db_url, _records(pid))

    page.goto(server.page_url(f"/participants?participant={pid}"))
    wait_for_app_idle(page)
    expect(page.get_by_role("heading", name="Letter to the referring provider")).to_be_visible()
    download = _prepare_and_download(page, "Prepare the letter (PDF)")
    assert download.failure() is None
    assert download.suggested_filename == f"letter-Testwell-Ada-{clock.today():%Y-%m-%d}.pdf"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    flat = " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages).split())

    assert "Letter to the referring provider" in flat and "Ada Testwell" in flat and "record MRN-7" in flat
    # the order, and the hours against it as the records count them
    r = status.referral
    assert "Dr Quinn Imaginary" in flat and f"Order date {r.order_date:%Y-%m-%d}" in flat and "E11.9" in flat
    used = status.group.used + status.individual.used
    assert used == 3  # 1 + 1.5 + 0.5 (45 minutes: one full 30-minute unit)
    assert "Hours ordered 6 (6 group, 0 individual)" in flat
    assert f"Hours used {used:g} ({status.group.used:g} group, {status.individual.used:g} individual)" in flat
    assert f"Hours left {status.group.left + status.individual.left:g}" in flat
    # every session attended: its date, code, minutes and DSMT hours, in the order of the records
    rows = re.findall(r"(\d{4}-\d{2}-\d{2}) Living well with diabetes: group DSMT session (G010[89]) (\d+) ([\d.]+)",
                      flat)
    assert rows == [(f"{s.day:%Y-%m-%d}", s.billed_code, str(s.minutes), f"{s.dsmt_hours:g}") for s in hist.attended]
    assert [int(m) for _, _, m, _ in rows] == [60, 90, 45]
    total = sum(s.minutes for s in hist.attended)
    assert f"{len(hist.attended)} sessions attended, {total} minutes" in flat
    # the topic: first pre level and the latest (the history's)
    latest = hist.competency[0]
    assert latest.level == "4" and f"4 demonstrates competency (post, {latest.day:%Y-%m-%d})" in flat
    assert "1 needs instruction" in flat
    # outcome measures per session: the history's scores and their change
    for sid in (s.session_id for s in hist.attended):
        pre, post = (next(x.score for x in hist.ratings if x.session_id == sid and x.phase == ph)
                     for ph in ("pre", "post"))
        assert f"{pre:.2f} {post:.2f} {post - pre:+.2f}" in flat, (sid, pre, post)
    # goals with their confidence, the low one recommended for problem-solving, the follow-up recommended
    for g in hist.goals:
        assert f"{g.confidence}/10" in flat and g.text.split(" (")[0] in flat
    assert "Problem-solve the being active plan" in flat and "confidence 4/10, below 7" in flat
    assert FOLLOW_UP in flat
    assert "Pat Educator" in flat and "RD, CDCES" in flat

    # the same letter as plain text, for the EHR
    page.get_by_text("The same letter as plain text, to paste into the EHR").click()
    code = page.get_by_test_id("stCode")
    expect(code).to_contain_text("LETTER TO THE REFERRING PROVIDER")
    shown = code.inner_text().strip().splitlines()
    assert shown[:-1] == text.strip().splitlines()[:-1]  # all but the footer's time of generation
    expect(page.get_by_test_id("stException")).to_have_count(0)

"""The letter to the referring provider: every figure in it is the participant history's (and the order's, the
follow-ups', the attestation's), and the PDF and the plain text say the same. Every person here is invented."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader

from models import clock
from models.assessments import set_competency, set_rating
from models.attendance import set_present
from models.attestation import ATTESTATION_STATEMENT, attest_session
from models.enums import FollowUpKind
from models.errors import RuleError
from models.follow_ups import mark_follow_up_done, recommend_follow_up
from models.letter import letter_filename, letter_pdf, letter_text, provider_letter
from models.participant_history import participant_history
from models.people import create_facilitator, create_participant
from models.questions_goals import add_goal, mark_goal_followed_up
from models.referrals import create_referral, order_status
from models.rules import LETTER_TEXT_WIDTH
from models.sessions import create_session, end_session, start_session
from tests.factories import curriculum
from tests.models.helpers import T0

pytestmark = pytest.mark.frozen_clock(T0)
GOALS = ("Walk after dinner three evenings a week", "Check glucose before breakfast",
         "Read labels for carbohydrates at the shop")


def _program(db, clk):
    """Ada attends three sessions: two G0109 groups (60 and 90 minutes) and one alone (Bram absent: G0108, 30
    minutes), rated before and after each, with a goal each; an order of 2026-02-20 for 8 group and 1 individual
    hours; a group follow-up open and a phone one done; the last session attested."""
    fac = create_facilitator(db, name="Pat Educator", credential="RN, CDCES")
    ada = create_participant(db, first_name="Ada", last_name="Testwell", record_number="MRN-1",
                             date_of_birth=date(1961, 4, 5))
    bram = create_participant(db, first_name="Bram", last_name="Fakeley")
    create_referral(db, participant_id=ada.id, practitioner_name="Dr Quinn Imaginary", practitioner_npi=None,
                    practice="Nowhere Family Practice", contact="fax 555-0100", order_date=date(2026, 2, 20),
                    diagnosis_code="E11.9", group_hours=8, individual_hours=1,
                    topics=["Checking your blood glucose", "Taking your diabetes medicines"], training="initial")
    sids = []
    for i, minutes in enumerate((60, 90, 30)):
        when = T0 + timedelta(days=7 * i)
        s = create_session(db, curriculum=curriculum(), billing_code="G0109", scheduled_at=when, setting="clinic",
                           facilitator_id=fac.id, participant_ids=[ada.id, bram.id])
        sids.append(s.id)
        if i == 2:
            set_present(db, session_id=s.id, participant_id=bram.id, present=False)
        clk.set(when)
        start_session(db, session_id=s.id)
        for n, item in enumerate(curriculum().assessment):
            set_rating(db, session_id=s.id, participant_id=ada.id, item_id=item.id, phase="pre", value=3 + i)
            set_rating(db, session_id=s.id, participant_id=ada.id, item_id=item.id, phase="post",
                       value=6 + i + (n % 2))
        set_competency(db, session_id=s.id, participant_id=ada.id, topic_id="medicines", phase="pre",
                       level=str(1 + i))
        set_competency(db, session_id=s.id, participant_id=ada.id, topic_id="medicines", phase="post",
                       level=str(2 + i))
        g = add_goal(db, session_id=s.id, participant_id=ada.id, behaviour=("Being active", "Monitoring",
                                                                            "Healthy eating")[i],
                     text=GOALS[i], confidence=(8, 5, 9)[i], follow_up_date=when.date() + timedelta(days=7))
        if i == 0:
            clk.set(when + timedelta(minutes=5))
            mark_goal_followed_up(db, goal_id=g.id)
        clk.set(when + timedelta(minutes=minutes))
        end_session(db, session_id=s.id)
    group = recommend_follow_up(db, participant_id=ada.id, session_id=sids[2], due_date=date(2026, 6, 16),
                                kind=FollowUpKind.GROUP, note="Group follow-up on carbohydrate counting")
    phone = recommend_follow_up(db, participant_id=ada.id, session_id=sids[0], due_date=date(2026, 3, 9),
                                kind=FollowUpKind.PHONE, note="")
    mark_follow_up_done(db, follow_up_id=phone.id)
    attest_session(db, session_id=sids[2], name="Pat Educator", credential="RN", text=ATTESTATION_STATEMENT)
    clk.set(T0 + timedelta(days=20))
    return ada.id, sids, group.id


def test_letter_figures_are_the_records(db, frozen_clock):
    pid, sids, group_fu = _program(db, frozen_clock)
    letter = provider_letter(db, pid)
    hist = participant_history(db, pid)
    # sessions attended: dates, curriculum, code, minutes, units and DSMT hours, as the history has them
    assert [(s.session_id, s.day, s.curriculum_title, s.code, s.minutes, s.units, s.dsmt_hours)
            for s in letter.sessions] == [
        (r.session_id, r.day, r.curriculum_title, r.billed_code, r.minutes, r.units, r.dsmt_hours)
        for r in hist.attended]
    assert [(s.code, s.minutes, s.dsmt_hours) for s in letter.sessions] == [
        ("G0109", 60, 1.0), ("G0109", 90, 1.5), ("G0108", 30, 0.5)]
    assert letter.minutes == 180 and letter.dsmt_hours == 3.0
    assert letter.allowance == tuple(hist.allowance.messages(clock.today()))
    # the order: the referral, hours as order_status counts them
    st = order_status(db, pid)
    o = letter.order
    assert (o.practitioner, o.order_date, o.diagnosis_code, o.training, o.topics) == (
        "Dr Quinn Imaginary", date(2026, 2, 20), "E11.9", "initial",
        ("Checking your blood glucose", "Taking your diabetes medicines"))
    assert (o.group, o.individual) == (st.group, st.individual)
    assert (o.hours_ordered, o.hours_used, o.hours_planned, o.hours_left) == (9.0, 3.0, 0.0, 6.0)
    # topics: the latest level is the history's; before teaching, the first pre level
    assert [(t.topic, t.latest, t.latest_phase, t.latest_day) for t in letter.topics] == [
        (c.topic, c.level, c.phase, c.day) for c in hist.competency]
    assert [(t.pre, t.pre_day, t.latest) for t in letter.topics] == [("1", letter.sessions[0].day, "4")]
    # outcome measures: the history's scores per session, and the change of the scores shown
    assert [(o.session_id, o.pre, o.post) for o in letter.outcomes] == [
        (sid, *(next(r.score for r in hist.ratings if r.session_id == sid and r.phase == ph) for ph in ("pre", "post")))
        for sid in sids]
    assert [(o.pre, o.post, o.change) for o in letter.outcomes] == [(3.0, 6.5, 3.5), (4.0, 7.5, 3.5), (5.0, 8.5, 3.5)]
    assert (letter.first_pre.pre, letter.last_post.post) == (3.0, 8.5)
    # goals with confidence and follow-up status
    assert [g.goal for g in letter.goals] == hist.goals
    day = clock.local_day(T0)
    assert [g.status for g in letter.goals] == [
        f"followed up on {day:%Y-%m-%d}", f"follow-up due since {day + timedelta(days=14):%Y-%m-%d}",
        f"follow-up on {day + timedelta(days=21):%Y-%m-%d}"]
    # recommendations: the open follow-up and the plan below 7, not the done phone call nor the confident plans
    assert letter.recommendations == (
        "Group follow-up, due on 2026-06-16: Group follow-up on carbohydrate counting",
        f"Problem-solve the monitoring plan \u201c{GOALS[1]}\u201d with the participant (confidence 5/10, below 7).")
    assert [f.follow_up_id for f in letter.follow_ups if f.done_at is None] == [group_fu]
    # the educator of the latest session attended, with its attestation
    e = letter.educator
    assert (e.name, e.credential, e.session_id, e.attested_by, e.attested_credential) == (
        "Pat Educator", "RN, CDCES", sids[2], "Pat Educator", "RN")
    assert letter_filename(hist.participant, clock.today()) == f"letter-Testwell-Ada-{clock.today():%Y-%m-%d}.pdf"


def test_text_and_pdf_say_the_same(db, frozen_clock):
    pid, _, _ = _program(db, frozen_clock)
    letter = provider_letter(db, pid)
    text = letter_text(letter)
    assert all(len(line) <= LETTER_TEXT_WIDTH for line in text.splitlines())
    assert not any(c in text for c in "*#<>`") and "\t" not in text
    reader = PdfReader(io.BytesIO(letter_pdf(letter)))
    assert reader.metadata.title == "Letter to the referring provider"  # what a PDF reader's title bar shows
    pdf = " ".join("\n".join(p.extract_text() for p in reader.pages).split())
    flat = " ".join(text.split())
    for fact in ("Ada Testwell", "record MRN-1", "born 1961-04-05", "Dr Quinn Imaginary", "E11.9",
                 "9 (8 group, 1 individual)", "3 (2.5 group, 0.5 individual)", "6 (5.5 group, 0.5 individual)",
                 "3 sessions attended, 180 minutes", "3 hours of Medicare DSMT", "1 needs instruction",
                 "4 demonstrates competency", "3.00", "8.50", "+3.50", "+5.50", "confidence 5/10", "5/10", GOALS[1],
                 "Group follow-up on carbohydrate counting", "Pat Educator", "RN, CDCES", "Sincerely,"):
        assert fact in flat, fact
        assert fact in pdf, fact


def test_a_letter_with_nothing_recorded_yet_and_any_script(db, frozen_clock):
    p = create_participant(db, first_name="Zoë", last_name="\u0645\u062b\u0627\u0644 \u4f8b\u5b50 " + "x" * 190)
    letter = provider_letter(db, p.id)
    assert (letter.order, letter.sessions, letter.educator, letter.recommendations) == (None, (), None, ())
    text = letter_text(letter)
    assert "No referral order is recorded" in text and "None recorded." in text
    assert all(len(line) <= LETTER_TEXT_WIDTH for line in text.splitlines())
    assert letter_pdf(letter).startswith(b"%PDF-")
    with pytest.raises(RuleError):
        provider_letter(db, p.id + 1)

"""The live session: five steps, timer, checklists, attendance, notes, ratings, Q&A and goals."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from models import clock
from models.assessments import participant_scores, set_competency, set_rating
from models.attendance import add_to_roster, mark_arrived, mark_left, set_caregiver, set_present
from models.billing import room_count
from models.curriculum import STEP_ORDER, activity_key, checklist_items, topic_key
from models.db import session_scope
from models.enums import Phase, QuestionStatus, SessionStatus
from models.errors import Conflict
from models.forgotten import check_forgotten, given_end
from models.notes import save_live_note
from models.people import create_participant, find_participants
from models.questions_goals import add_goal, add_question, default_follow_up_date, set_question_status
from models.rules import (
    ADCES7,
    CODES,
    COMPETENCY_LEVELS,
    CONFIDENCE_DEFAULT,
    CONFIDENCE_MAX,
    CONFIDENCE_MIN,
    CONFIDENCE_THRESHOLD,
    FOLLOW_UP_TAGS,
    MAX_GOAL,
    MAX_NAME,
    MAX_QUESTION,
    MAX_REASON,
    NOTE_TAGS,
    SELF_EFFICACY_MAX_MISSING,
    is_low_confidence,
)
from models.session_view import load_session_view
from models.sessions import (
    end_at_suggested,
    end_session,
    go_to_step,
    set_privacy_curtain,
    set_projector_names,
    set_tick,
    start_session,
    step_offset,
    toggle_pause,
)
from ui import conflicts, drafts
from ui.actions import action, flash_errors, notice
from ui.clock import clock_face
from ui.pages import link, page
from ui.setup import int_param, page_setup
from ui.text import md_escape, plain
from ui.widgets import no_session, picker_label, search_box, stepper

engine = page_setup("live")
ss = st.session_state

sid = int_param("session")
if sid is None:
    st.title(page("live").title)
    no_session("Open a session from the plan page or the home page: this link does not name a session.")

with session_scope(engine) as db:
    view = load_session_view(db, sid)
if view is None:
    st.title(page("live").title)
    no_session("There is no session with that number.")

s = view.session
cur = view.curriculum
status = s.status
ro = status == SessionStatus.ENDED
curtain = bool(s.privacy_curtain)
step_id = s.current_step or STEP_ORDER[0]
step = cur.step(step_id)
names_by_id = {p.participant_id: p.first_name for p in view.people}  # first names only, even in messages
items_label = {i.key: i.label for i in checklist_items(cur)}


# ---------------------------------------------------------------- actions (callbacks: save at once)


def _do(fn, **kw) -> None:
    with action(engine) as db:
        fn(db, session_id=sid, **kw)


def _jump(target: str) -> None:
    _do(go_to_step, step=target)


def _offset(delta: int) -> None:
    target = step_offset(s, delta)
    if target:
        _do(go_to_step, step=target)


def _end(flagged: bool, earliest) -> None:
    """End now; or, for a flagged (forgotten) session, at its suggested end or at the time given, with the
    reason (models/forgotten.py). The confirmation stays open when the end is refused."""
    how, reason = ss.get(f"end_how_{sid}"), ss.get(f"end_reason_{sid}", "")
    with action(engine) as db:
        if not flagged:
            end_session(db, session_id=sid)
        elif how == "given":
            at = given_end(ss[f"end_at_{sid}"], earliest=earliest, now=clock.now())
            end_session(db, session_id=sid, at=at, reason=reason)
        else:
            end_at_suggested(db, session_id=sid, reason=reason)
        ss.pop(f"confirm_end_{sid}", None)


def _curtain() -> None:
    _do(set_privacy_curtain, on=not curtain)


def _note_keys(pid: int | None, step_key: str) -> tuple[str, str, str]:
    who = "group" if pid is None else pid
    return f"note_{sid}_{who}_{step_key}", f"tags_{sid}_{who}_{step_key}", f"seen_{sid}_{who}_{step_key}"


def _note_label(pid: int | None, step_key: str) -> str:
    whose = "The group note" if pid is None else f"The note on {names_by_id.get(pid, 'this participant')}"
    return f"{whose} in {cur.step(step_key).display_title}"


def _note_text(text: str, tags) -> str:
    return text + (f"\n[tags: {', '.join(tags)}]" if tags else "")


def _write_note(pid: int | None, step_key: str, text: str, tags: list[str], seen_version: int | None) -> None:
    nkey, tkey, seen = _note_keys(pid, step_key)

    def on_conflict(exc: Conflict) -> None:
        their_text, their_tags = exc.theirs

        def keep_theirs() -> None:
            ss[nkey], ss[tkey], ss[seen] = their_text, list(their_tags), (exc.version, their_text, tuple(their_tags))

        conflicts.remember(nkey, conflicts.Pending(
            _note_label(pid, step_key), _note_text(text, tags), _note_text(their_text, their_tags),
            keep_mine=lambda: _write_note(pid, step_key, text, tags, exc.version), keep_theirs=keep_theirs))

    with action(engine, retry=lambda: _write_note(pid, step_key, text, tags, seen_version),
                on_conflict=on_conflict) as db:
        save_live_note(db, session_id=sid, participant_id=pid, step=step_key, text=text, tags=tags,
                       seen_version=seen_version)
        conflicts.forget(nkey)


def _save_note(pid: int | None, step_key: str) -> None:
    """A note field was left (or its tags changed): save text and tags against the version the screen showed."""
    nkey, tkey, seen = _note_keys(pid, step_key)
    shown = ss.get(seen) or (None, "", ())
    _write_note(pid, step_key, ss.get(nkey, ""), list(ss.get(tkey) or []), shown[0])


def _rating_key(pid: int, item_id: str, phase: str) -> str:
    return f"rating_{sid}_{pid}_{item_id}_{phase}"


def _save_rating(pid: int, item_id: str, phase: str, value: int | None, seen_version: int) -> None:
    key = _rating_key(pid, item_id, phase)
    prompt = next((i.prompt for i in cur.assessment if i.id == item_id), item_id)

    def on_conflict(exc: Conflict) -> None:
        conflicts.remember(key, conflicts.Pending(
            f"{names_by_id.get(pid, 'A participant')}'s {phase} rating for \u201c{prompt}\u201d",
            "" if value is None else str(value), "" if exc.theirs is None else str(exc.theirs),
            keep_mine=lambda: _save_rating(pid, item_id, phase, value, exc.version)))

    with action(engine, retry=lambda: _save_rating(pid, item_id, phase, value, seen_version),
                on_conflict=on_conflict) as db:
        set_rating(db, session_id=sid, participant_id=pid, item_id=item_id, phase=phase, value=value,
                   seen_version=seen_version)
        conflicts.forget(key)


def _save_grid_edits(key: str, phase: str) -> bool:
    """Save the cells changed in this screen's ratings grid (the editor's edited_rows), each against the version
    the grid showed when it was edited; never the rest of the grid. True when there was anything to save."""
    edits = (ss.get(key) or {}).get("edited_rows", {})
    shown = ss.get(f"{key}_shown")
    if not edits or shown is None:
        return False
    row_pids, versions = shown
    for row, cells in edits.items():
        pid = row_pids[int(row)]
        for item_id, value in cells.items():
            if (pid, item_id) in versions:  # an item column
                number = None if value is None or pd.isna(value) else int(value)
                _save_rating(pid, item_id, phase, number, versions[(pid, item_id)])
    return True


def _save_competency(pid: int, topic_id: str, phase: str, seen_version: int) -> None:
    level = ss.get(f"comp_{sid}_{pid}_{topic_id}_{phase}")
    key = f"competency_{sid}_{pid}_{topic_id}_{phase}"
    topic = next((t.title for t in cur.topics if t.id == topic_id), topic_id)

    def on_conflict(exc: Conflict) -> None:
        conflicts.remember(key, conflicts.Pending(
            f"{names_by_id.get(pid, 'A participant')}'s {phase} competency for \u201c{topic}\u201d",
            level or "", exc.theirs or "", keep_mine=lambda: _write_competency(level, exc.version)))

    def _write_competency(value: str | None, seen: int) -> None:
        with action(engine, on_conflict=on_conflict) as db:
            set_competency(db, session_id=sid, participant_id=pid, topic_id=topic_id, phase=phase, level=value,
                           seen_version=seen)
            conflicts.forget(key)

    _write_competency(level, seen_version)


def _set_tick(key: str, seen_version: int) -> None:
    done = bool(ss.get(f"tick_{sid}_{key}"))
    with action(engine, retry=lambda: _set_tick(key, seen_version)) as db:
        written = set_tick(db, session_id=sid, item_key=key, done=done, seen_version=seen_version)
        if not written.changed:  # another screen had done it already: their tick and its time stay
            notice(f"\u201c{items_label.get(key, key)}\u201d was already {'ticked' if done else 'unticked'} on "
                   "another screen; nothing was changed.")


def _set_caregiver(pid: int, seen_version: int) -> None:
    _do(set_caregiver, participant_id=pid, present=bool(ss.get(f"carer_{sid}_{pid}")), seen_version=seen_version)


def _add_question() -> None:
    text = ss.get(f"q_text_{sid}", "")
    who = ss.get(f"q_who_{sid}")
    with action(engine) as db:
        add_question(db, session_id=sid, text=text, participant_id=who)
        ss[f"q_text_{sid}"] = ""
        ss[f"q_who_{sid}"] = None


def _question_status(qid: int, new_status: str) -> None:
    with action(engine) as db:
        set_question_status(db, question_id=qid, status=new_status)


def _add_goal(pid: int) -> None:
    k = f"goal_{sid}_{pid}"
    with action(engine) as db:
        add_goal(db, session_id=sid, participant_id=pid, behaviour=ss.get(f"{k}_beh") or "",
                 text=ss.get(f"{k}_text", ""), confidence=int(ss.get(f"{k}_conf", CONFIDENCE_DEFAULT)),
                 follow_up_date=ss.get(f"{k}_date"))
        ss[f"{k}_text"] = ""


def _add_late() -> None:
    pid = ss.get(f"late_pick_{sid}")
    if pid:
        _do(add_to_roster, participant_id=pid)
        ss[f"late_pick_{sid}"] = None


def _add_new_late() -> None:
    with action(engine) as db:
        p = create_participant(db, first_name=ss.get(f"late_first_{sid}", ""),
                               last_name=ss.get(f"late_last_{sid}", ""))
        add_to_roster(db, session_id=sid, participant_id=p.id)
        ss[f"late_first_{sid}"] = ""
        ss[f"late_last_{sid}"] = ""


# ---------------------------------------------------------------- header

flash_errors()
head_l, head_r = st.columns([3, 2])
with head_l:
    st.title(md_escape(cur.title))
    fac = view.facilitator
    st.caption(
        f"{CODES[s.billing_code].label} · {s.setting} · scheduled {clock.fmt_local(s.scheduled_at)}"
        + (f" · {md_escape(fac.name)} ({md_escape(fac.credential)})" if fac else "")
        + f" · curriculum v{md_escape(s.curriculum_version)}"
    )
with head_r:
    st.link_button("Open projector view ↗", f"./projector?session={sid}", icon=":material/cast:",
                   help="Opens the audience view in a new window for the projector.")
    st.button(("Privacy curtain ON: lift it" if curtain else "Privacy curtain: hide private details"),
              key="curtain", on_click=_curtain, shortcut="h", type="primary" if curtain else "secondary",
              help="Hides surnames, notes, tags, ratings and goals so the screen can be mirrored to the room. "
                   "Shortcut: H", icon=":material/visibility_off:" if curtain else ":material/visibility:")
if curtain:
    st.warning("🔒 Privacy curtain is on: surnames, notes, tags, ratings and goals are hidden on this screen.")

if status == SessionStatus.ENDED:
    st.info(f"This session ended at {clock.fmt_local(s.ended_at)}. It opens read-only here; notes can be "
            "amended on the session record.")
    link("review", "Open the session record", session=sid)

# ---------------------------------------------------------------- stepper, clock, controls

stepper(cur, s.current_step if status != SessionStatus.PLANNED else None,
        on_jump=_jump if status == SessionStatus.LIVE else None, disabled=ro)
timer = view.timer()
flag = check_forgotten(s, view.runs)  # a forgotten session or pause (models/forgotten.py)
c_clock, c_ctrl = st.columns([3, 2])
with c_clock:
    if status == SessionStatus.PLANNED:
        st.subheader("Not started")
        st.caption(f"Planned length {cur.minutes} min. Mark who is here, then start.")
    else:
        clock_face(timer, step_label=step.display_title, key=f"clock_{sid}")
    if flag:
        st.warning(f"Needs attention: {flag.message} Use End session… to end it at "
                   f"{'the pause' if flag.paused else 'the last recorded activity'} or at a time you give; "
                   "time beyond the planned length plus the margin is not billed unless confirmed on the record.",
                   icon=":material/schedule:")
with c_ctrl:
    if status == SessionStatus.PLANNED:
        st.button("Start session", type="primary", on_click=_do, args=(start_session,), shortcut="s",
                  icon=":material/play_arrow:", help="Starts the clock on step 1. Shortcut: S")
    elif status == SessionStatus.LIVE:
        b1, b2, b3 = st.columns(3)
        b1.button("Previous", on_click=_offset, args=(-1,), shortcut="b", icon=":material/skip_previous:",
                  disabled=step_offset(s, -1) is None, help="Previous step. Shortcut: B", width="stretch")
        b2.button("Resume" if timer.paused else "Pause", on_click=_do, args=(toggle_pause,), shortcut="p",
                  icon=":material/play_arrow:" if timer.paused else ":material/pause:",
                  help="Pause or resume the clock. Shortcut: P", width="stretch",
                  type="primary" if timer.paused else "secondary")
        b3.button("Next", on_click=_offset, args=(1,), shortcut="n", icon=":material/skip_next:",
                  disabled=step_offset(s, 1) is None, help="Next step. Shortcut: N", width="stretch")
        confirm_key = f"confirm_end_{sid}"
        if ss.get(confirm_key) and flag:
            st.warning("End this session? It looks forgotten: say when it ended. Step times, pauses and presence "
                       "still open are closed at that time; nothing recorded after it is removed.")
            how = st.radio("End at", ("suggested", "given"), key=f"end_how_{sid}",
                           format_func=lambda k: flag.suggested_option if k == "suggested" else "End at a time I give")
            if how == "given":
                st.datetime_input("Ended at", value=clock.to_local(flag.suggested_end).replace(tzinfo=None),
                                  key=f"end_at_{sid}", step=60, format="YYYY-MM-DD",
                                  help="Between the clock's last step change, pause or resume "
                                       f"({clock.fmt_local(flag.earliest_end, '%H:%M')}) and now")
            st.text_input("Why (kept on the record)", key=f"end_reason_{sid}",
                          placeholder="For example: I forgot to press End", help=f"At most {MAX_REASON:,} characters.")
        elif ss.get(confirm_key):
            st.warning("End the session now? The clock stops and the end time is recorded.")
        if ss.get(confirm_key):
            e1, e2 = st.columns(2)
            e1.button("Yes, end the session", type="primary", on_click=_end,
                      args=(flag is not None, flag.earliest_end if flag else None))
            e2.button("Cancel", on_click=lambda: ss.pop(confirm_key, None))
        else:
            st.button("End session…", on_click=lambda: ss.__setitem__(confirm_key, True),
                      icon=":material/stop_circle:")
    done, total = view.progress()
    st.progress(done / total if total else 0.0, text=f"Curriculum delivered: {done} of {total} items")

# ---------------------------------------------------------------- billing check from the head-count

room = room_count(view)
if room.check.ok:
    st.caption(f"👥 {room.text}. {room.check.message}")
else:
    st.warning(f"👥 {room.text}. {room.check.message}")

# ---------------------------------------------------------------- main: step content | people

content, people_col = st.columns([3, 2], gap="large")
present_people = [p for p in view.people if p.present]
items_by_key = {i.key: i for i in checklist_items(cur, step_id)}


def _tick_box(key: str, label: str) -> None:
    ticked = key in view.ticks
    wkey = f"tick_{sid}_{key}"
    ss[wkey] = ticked  # what is stored, also when another screen changed it
    st.checkbox(label, key=wkey, disabled=ro, on_change=_set_tick, args=(key, view.version("tick", key)),
                help=f"Delivered at {clock.fmt_local(view.ticks[key], '%H:%M')}" if ticked else None)


def _rating_grid(phase: str) -> None:
    items = cur.assessment
    if not present_people:
        st.caption("No one is marked present.")
        return
    if curtain:
        st.caption("Ratings are hidden while the privacy curtain is on.")
        return
    rows = []
    for p in present_people:
        row = {"Participant": plain(p.name)}
        for it in items:
            row[it.id] = view.ratings.get((p.participant_id, it.id, phase))
        if phase == Phase.POST:
            change = participant_scores(view.ratings, p.participant_id, len(items)).change
            row["Change"] = round(change, 2) if change is not None else None
        rows.append(row)
    df = pd.DataFrame(rows)
    for it in items:
        df[it.id] = df[it.id].astype("Int64")
    cfg = {it.id: st.column_config.NumberColumn(it.prompt[:28] + ("…" if len(it.prompt) > 28 else ""),
                                                help=f"{it.prompt} ({it.scale})", min_value=it.low,
                                                max_value=it.high, step=1)
           for it in items}
    cfg["Participant"] = st.column_config.TextColumn(disabled=True)
    if phase == Phase.POST:
        cfg["Change"] = st.column_config.NumberColumn(
            "Change", disabled=True, format="%+.2f",
            help="Post score minus pre score; each is the mean of the items rated, and not scored when more "
                 f"than {SELF_EFFICACY_MAX_MISSING} items are missing")
    # The editor keeps its key (and so an edit in progress) while other screens change cells; after this screen
    # saved its edits it gets a new key, so it shows what is stored and holds no old edits.
    gen_key = f"grid_gen_{sid}_{phase}"
    key = f"grid_{sid}_{phase}_{ss.get(gen_key, 0)}"
    if not ro and _save_grid_edits(key, phase):
        ss[gen_key] = ss.get(gen_key, 0) + 1
        st.rerun()  # show what is stored now (the saved cells, or the other screen's value in a conflict)
    ss[f"{key}_shown"] = ([p.participant_id for p in present_people],
                          {(p.participant_id, it.id): view.version("rating", p.participant_id, it.id, phase)
                           for p in present_people for it in items})
    st.data_editor(df, key=key, hide_index=True, column_config=cfg, disabled=ro, num_rows="fixed")
    for p in present_people:
        for it in items:
            conflicts.show(_rating_key(p.participant_id, it.id, phase))
    st.caption("Type a number and press Tab or Enter: each rating saves as soon as it is entered.")


def _competency(phase: str) -> None:
    if curtain or not present_people:
        return
    with st.expander(f"Topic competency ({phase}) — DSME Record scale",
                     expanded=False):
        st.caption(" · ".join(COMPETENCY_LEVELS.values()))
        levels = list(COMPETENCY_LEVELS)
        for topic in cur.topics:
            st.text(plain(topic.title))
            for p in present_people:
                k = f"comp_{sid}_{p.participant_id}_{topic.id}_{phase}"
                ss[k] = view.competency.get((p.participant_id, topic.id, phase))
                st.segmented_control(md_escape(p.first_name), levels, key=k, disabled=ro,
                                     on_change=_save_competency,
                                     args=(p.participant_id, topic.id, phase,
                                           view.version("competency", p.participant_id, topic.id, phase)))
                conflicts.show(f"competency_{sid}_{p.participant_id}_{topic.id}_{phase}")


with content:
    st.header(md_escape(step.display_title))
    st.caption(f"Planned {step.minutes} min")
    if step_id == "intro":
        st.subheader("Pre-assessment")
        _rating_grid(Phase.PRE)
        _competency(Phase.PRE)
    elif step_id == "teach":
        for topic in step.topics:
            with st.container(border=True):
                _tick_box(topic_key(topic.id), f"Topic delivered: {md_escape(topic.title)}")
                for kp in topic.key_points:
                    st.text(f"• {plain(kp)}")
    elif step_id == "activity":
        for act in step.activities:
            with st.container(border=True):
                _tick_box(activity_key(act.id),
                          f"Activity done: {md_escape(act.title)}" + (f" ({act.minutes} min)" if act.minutes else ""))
                if act.materials:
                    st.text("Materials: " + "; ".join(plain(m) for m in act.materials))
                for n, ins in enumerate(act.instructions, 1):
                    st.text(f"{n}. {plain(ins)}")
    elif step_id == "qa":
        st.subheader("Starter prompts")
        for pr in step.prompts:
            st.text(f"• {plain(pr)}")
    elif step_id == "summary":
        st.subheader("Recap")
        for r in step.recap:
            st.text(f"• {plain(r)}")
        if step.handouts:
            st.subheader("Hand-outs")
            for h in step.handouts:
                st.text(f"• {plain(h)}")
        st.subheader("Post-assessment")
        _rating_grid(Phase.POST)
        _competency(Phase.POST)

    checks = [i for i in items_by_key.values() if i.kind == "check"]
    if checks:
        st.subheader("Facilitator checklist")
        for it in checks:
            _tick_box(it.key, md_escape(it.label))

    # Q&A queue: visible at every step (questions come up at any time), the main content at the Q&A step
    with st.expander(f"Question queue ({sum(1 for q in view.questions if q.status == QuestionStatus.OPEN)} open)",
                     expanded=step_id == "qa"):
        if not ro:
            q1, q2 = st.columns([3, 1])
            q1.text_input("Question", key=f"q_text_{sid}", placeholder="Type a question",
                          help=f"At most {MAX_QUESTION:,} characters.")
            if not curtain:
                who_ids = [p.participant_id for p in present_people]
                names = {p.participant_id: plain(p.first_name) for p in present_people}
                q2.selectbox("Asked by (optional)", who_ids, index=None, key=f"q_who_{sid}",
                             format_func=lambda i: names.get(i, "?"))
            st.button("Add question", on_click=_add_question, key=f"q_add_{sid}")
        who_names = {p.participant_id: plain(p.first_name) for p in view.people}
        for q in view.questions:
            cols = st.columns([5, 1, 1, 1])
            asked = "" if curtain or q.participant_id is None else f" — {who_names.get(q.participant_id, '')}"
            cols[0].text(f"[{q.status}] {plain(q.text)}{asked}")
            if not ro:
                if q.status != QuestionStatus.ANSWERED:
                    cols[1].button("Answered", key=f"qa_{q.id}", on_click=_question_status,
                                   args=(q.id, QuestionStatus.ANSWERED))
                if q.status != QuestionStatus.PARKED:
                    cols[2].button("Park", key=f"qp_{q.id}", on_click=_question_status,
                                   args=(q.id, QuestionStatus.PARKED),
                                   help="Park it for follow-up; it carries into the session record.")
                if q.status != QuestionStatus.OPEN:
                    cols[3].button("Reopen", key=f"qo_{q.id}", on_click=_question_status,
                                   args=(q.id, QuestionStatus.OPEN))

    if step_id == "summary" and not curtain:
        st.subheader("Goals and follow-up")
        followups = [n for n in view.notes if set(n.tags) & set(FOLLOW_UP_TAGS)]
        if followups:
            names = {p.participant_id: plain(p.name) for p in view.people}
            st.warning("Follow-up flags raised in notes:")
            for n in followups:
                st.text(f"• {names.get(n.participant_id, 'Group')}: {', '.join(n.tags)} — {plain(n.text[:200])}")
        for p in present_people:
            mine = [g for g in view.goals if g.participant_id == p.participant_id]
            with st.container(border=True):
                st.text(plain(p.name))
                for g in mine:
                    flag = (f" ⚠ below {CONFIDENCE_THRESHOLD}: problem-solve this plan"
                            if is_low_confidence(g.confidence) else "")
                    due = f", follow up {g.follow_up_date:%Y-%m-%d}" if g.follow_up_date else ""
                    st.text(f"🎯 {g.behaviour}: {plain(g.text)} "
                            f"(confidence {g.confidence}/{CONFIDENCE_MAX}{due}){flag}")
                if not ro:
                    k = f"goal_{sid}_{p.participant_id}"
                    g1, g2 = st.columns(2)
                    g1.selectbox("Behaviour", ADCES7, key=f"{k}_beh")
                    g2.date_input("Follow-up date", value=default_follow_up_date(), key=f"{k}_date")
                    st.text_input("Goal", key=f"{k}_text", placeholder="What, how much, when, how often",
                                  help=f"At most {MAX_GOAL:,} characters.")
                    conf = st.slider(f"Confidence ({CONFIDENCE_MIN}–{CONFIDENCE_MAX})", CONFIDENCE_MIN,
                                     CONFIDENCE_MAX, CONFIDENCE_DEFAULT, key=f"{k}_conf")
                    if is_low_confidence(conf):
                        st.caption(f"⚠ Confidence below {CONFIDENCE_THRESHOLD}: problem-solve the plan with the "
                                   "participant.")
                    st.button("Add goal", key=f"{k}_add", on_click=_add_goal, args=(p.participant_id,))


# ---------------------------------------------------------------- people: attendance and notes


def _note_fields(pid: int | None, label: str) -> None:
    nkey, tkey, seen = _note_keys(pid, step_id)
    current = next((n for n in view.notes if n.participant_id == pid and n.step == step_id), None)
    stored = (current.version_id, current.text, tuple(current.tags)) if current else (None, "", ())
    mine = (ss.get(nkey), tuple(ss.get(tkey) or ()))
    shown = ss.get(seen)
    if conflicts.pending(nkey) is None:
        if nkey not in ss or shown is None:  # first time on this screen
            ss[nkey], ss[tkey], ss[seen] = stored[1], list(stored[2]), stored
        elif mine == stored[1:]:  # saved (by this screen or another): caught up
            ss[seen] = stored
        elif mine == shown[1:] and stored != shown:  # no unsaved edit here, newer text stored: show it
            ss[nkey], ss[tkey], ss[seen] = stored[1], list(stored[2]), stored
    conflicts.show(nkey)
    draft = unsaved_drafts.get(nkey)
    if draft is not None and not ro and conflicts.pending(nkey) is None:
        with st.container(border=True, key=f"draft_{nkey}"):
            st.warning(f"Not saved: text typed in this browser at {clock.fmt_local(draft.typed_at, '%H:%M')} "
                       "that never reached the record (the page was reloaded or the connection dropped).",
                       icon=":material/edit_note:")
            st.text(plain(draft.text))
            c1, c2 = st.columns(2)
            c1.button("Restore and save", key=f"restore_{nkey}", on_click=_restore_draft,
                      args=(pid, step_id, draft.text), type="primary", icon=":material/restore:")
            c2.button("Discard it", key=f"discard_{nkey}", on_click=drafts.discard, args=(nkey, draft.text),
                      icon=":material/delete:")
    st.text_area(label, key=nkey, height=80, disabled=ro, on_change=_save_note, args=(pid, step_id),
                 placeholder=f"Notes during {plain(step.display_title)} (saved when you leave the field)")
    st.pills("Tags", NOTE_TAGS, selection_mode="multi", key=tkey, disabled=ro, on_change=_save_note,
             args=(pid, step_id), label_visibility="collapsed")


def _restore_draft(pid: int | None, step_key: str, text: str) -> None:
    nkey, tkey, seen = _note_keys(pid, step_key)
    ss[nkey] = text
    _write_note(pid, step_key, text, list(ss.get(tkey) or []), (ss.get(seen) or (None,))[0])


unsaved_drafts: dict = {}
with people_col:
    st.header("Participants")
    if curtain:
        st.caption("Hidden while the privacy curtain is on.")
    else:
        if not ro:  # every note field on this screen is mirrored in the browser until it is saved
            owners = [p.participant_id for p in view.people if p.present and status != SessionStatus.PLANNED]
            stored = {(n.participant_id, n.step): n.text for n in view.notes}
            unsaved_drafts = drafts.keeper(
                f"gsf-draft:{sid}", {_note_keys(pid, step_id)[0]: stored.get((pid, step_id), "")
                                     for pid in [*owners, None]}, key=f"drafts_{sid}")
        for p in view.people:
            name = plain(p.name)
            with st.container(border=True):
                st.text(f"{name}" + (" (added late)" if p.added_late else "") + " — " + (
                    ("in the room" if p.in_room else ("left" if p.intervals else "absent"))
                    if status != SessionStatus.PLANNED else ("present" if p.present else "absent")))
                top = st.columns(3)
                pk, ck = f"present_{sid}_{p.participant_id}", f"carer_{sid}_{p.participant_id}"
                if status == SessionStatus.LIVE:
                    if p.in_room:
                        top[0].button("Left now", key=f"left_{p.participant_id}", on_click=_do,
                                      args=(mark_left,), kwargs={"participant_id": p.participant_id})
                    else:
                        top[0].button("Arrived now", key=f"arr_{p.participant_id}", on_click=_do,
                                      args=(mark_arrived,), kwargs={"participant_id": p.participant_id})
                elif status == SessionStatus.PLANNED:
                    ss[pk] = p.present
                    top[0].checkbox("Present", key=pk, on_change=lambda pid=p.participant_id, k=pk: _do(
                        set_present, participant_id=pid, present=ss[k]))
                ss[ck] = p.caregiver
                top[2].checkbox("Caregiver came", key=ck, disabled=ro, help="A caregiver or family member came "
                                "(not counted in the group size)",
                                on_change=_set_caregiver,
                                args=(p.participant_id, view.version("attendance", p.participant_id)))
                if status == SessionStatus.LIVE and p.present and p.intervals:
                    top[1].button("Never came", key=f"abs_{p.participant_id}", type="tertiary",
                                  help="Mark absent: withdraws the presence recorded so far (kept in history)",
                                  on_click=_do, args=(set_present,),
                                  kwargs={"participant_id": p.participant_id, "present": False})
                if p.present and status != SessionStatus.PLANNED:
                    _note_fields(p.participant_id, f"Notes on {md_escape(p.first_name)}")
        with st.container(border=True):
            st.text("Whole group")
            _note_fields(None, "Group notes")
        if not ro:
            with st.expander("Add a late arrival"):
                q = search_box("Find", key=f"late_q_{sid}", placeholder="Name or record number")
                with session_scope(engine) as db:
                    found = [p for p in (find_participants(db, text=q, limit=30) if q is not None else [])
                             if p.id not in {x.participant_id for x in view.people}]
                labels = {p.id: picker_label(p) for p in found}
                st.selectbox("Known participant", list(labels), index=None, key=f"late_pick_{sid}",
                             format_func=lambda i: labels.get(i, "?"))
                st.button("Add to this session", on_click=_add_late, key=f"late_add_{sid}")
                st.divider()
                st.text_input("First name", key=f"late_first_{sid}", help=f"At most {MAX_NAME} characters.")
                st.text_input("Last name", key=f"late_last_{sid}", help=f"At most {MAX_NAME} characters.")
                st.button("Add new participant", on_click=_add_new_late, key=f"late_new_{sid}")

if not ro and not curtain:
    with st.expander("Projector options"):
        nk = f"names_{sid}"
        ss[nk] = bool(s.show_first_names)
        st.toggle("Show first names on the projector's welcome slide", key=nk,
                  on_change=lambda: _do(set_projector_names, show=ss[nk]),
                  help="Off by default. Only first names, only during the introduction.")

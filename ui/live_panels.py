"""The parts of /live that change on their own, each a fragment: a click inside one reruns only that part (its
own fresh read of the session), so the educator sees a tick, an arrival or a saved note at once, without the
whole page being rebuilt: each person's card, each deliverable's box, the ratings, the questions, the goals. A
figure that several of them change (the head-count, the progress) sits in a slot that each redraws (_slot).
A step change or an end reruns the whole page."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine
from streamlit.delta_generator import DeltaGenerator
from streamlit.errors import StreamlitInvalidLayoutContextError
from streamlit.runtime.scriptrunner_utils.script_run_context import ThreadState, get_script_run_ctx

from models import clock
from models.assessments import participant_scores
from models.attendance import mark_arrived, mark_left
from models.billing import room_count
from models.curriculum import STEP_SHORT, STEP_TITLES, activity_key, checklist_items, short_label, topic_key
from models.db import session_scope
from models.enums import Phase, QuestionStatus, SessionStatus
from models.follow_ups import default_due_date, follow_ups_in_session
from models.people import find_participants
from models.questions_goals import default_follow_up_date
from models.rules import (
    ADCES7,
    COMPETENCY_LEVELS,
    CONFIDENCE_DEFAULT,
    CONFIDENCE_MAX,
    CONFIDENCE_MIN,
    CONFIDENCE_THRESHOLD,
    FOLLOW_UP_TAGS,
    MAX_FOLLOW_UP_NOTE,
    MAX_GOAL,
    MAX_NAME,
    MAX_QUESTION,
    MAX_RELATIONSHIP,
    NOTE_TAGS,
    SELF_EFFICACY_MAX_MISSING,
    TAG_SHORT,
    is_low_confidence,
)
from models.session_rows import session_day
from models.session_view import Person, SessionView, load_session_view
from ui import conflicts, drafts
from ui.actions import flash_errors, message_slot
from ui.live_writes import (
    FOLLOW_UP_KIND,
    LiveWrites,
    card_key,
    competency_key,
    follow_up_keys,
    goal_keys,
    goals_open_key,
    late_open_key,
    live_note,
    live_notes,
    live_notes_not_saved,
    note_drafts,
    note_keys,
    people_key,
    presence_key,
    queue_used_key,
    rating_key,
    stored_note,
)
from ui.text import md_escape, plain
from ui.widgets import drawn_when_open, kept, picker_label, redraw_swallowed_opening, resend_unheld, search_box

ss = st.session_state
log = logging.getLogger("facilitator")

_SHARED = "_live_view"
_UNSAVED = "_live_unsaved"
_SLOTS = "_live_slots"  # {name: (session id, st.empty)}: a figure that several small fragments redraw (_into_slot)


def share_view(view: SessionView) -> None:
    """The read of the session that the parts drawn inside the current run use (the page's, or a fragment's that
    reruns on its own, for the fragments nested in it): they need not read it again."""
    ss[_SHARED] = view


def _own_rerun() -> bool:
    """Whether the fragment running now is the one this run reruns, not one drawn inside its page or its parent."""
    ctx = get_script_run_ctx()
    ids = ctx.fragment_ids_this_run if ctx else None
    return bool(ids) and ThreadState.get().fragment_id in ids


def part_view(engine: Engine, sid: int) -> tuple[SessionView, LiveWrites]:
    """The session as this part shows it: the read of the run that draws it (the page's, or its parent
    fragment's), or a fresh read when this fragment reruns on its own. Then, a message its callback left
    (refused, not saved, already done elsewhere) is shown here, next to what the educator clicked."""
    shared = ss.get(_SHARED)
    own = _own_rerun()
    if own or shared is None or shared.session.id != sid:
        if own:
            redraw_swallowed_opening()
            resend_unheld()
        flash_errors(slot=False)
        with session_scope(engine) as db:
            view = load_session_view(db, sid)
        share_view(view)
    else:
        view = shared
    first_names = {p.participant_id: p.first_name for p in view.people}
    return view, LiveWrites(engine, sid, view.curriculum, first_names)


def _rerun_part() -> None:
    """Rerun just this fragment when it is running on its own, else the page (a fragment drawn by a full run
    cannot rerun alone)."""
    try:
        st.rerun(scope="fragment")
    except StreamlitInvalidLayoutContextError:
        st.rerun()


def _locked(view: SessionView) -> tuple[bool, bool]:
    """(read-only, privacy curtain)."""
    return view.session.status == SessionStatus.ENDED, bool(view.session.privacy_curtain)


# ---------------------------------------------------------------- what the step delivers: ticks and checklist


def _progress(view: SessionView) -> None:
    done, total = view.progress()
    _into_slot("progress", view.session.id, lambda slot: slot.progress(
        done / total if total else 0.0, text=f"Curriculum delivered: {done} of {total} items"))


def _tick(engine: Engine, sid: int, key: str, label: str) -> None:
    """One deliverable's box (a fragment of its own: a tick reruns this box and the progress over the list)."""
    view, w = part_view(engine, sid)
    ticked = key in view.ticks
    wkey = f"tick_{sid}_{key}"
    ss[wkey] = ticked  # what is stored, also when another screen changed it
    st.checkbox(label, key=wkey, disabled=_locked(view)[0], on_change=w.set_tick,
                args=(key, view.version("tick", key)),
                help=f"Delivered at {clock.fmt_local(view.ticks[key], '%H:%M')}" if ticked else None)
    _progress(view)


def _tick_box(engine: Engine, sid: int, key: str, label: str) -> None:
    st.fragment(_tick, key=f"tickbox_{sid}_{key}")(engine, sid, key, label)


def deliverables(engine: Engine, sid: int) -> None:
    """The step's topics or activities with their ticks, the facilitator checklist, and how much is delivered."""
    view, _ = part_view(engine, sid)
    cur, step = view.curriculum, view.curriculum.step(view.session.current_step or "intro")
    _slot("progress", sid)
    checks = [i for i in checklist_items(cur, step.id) if i.kind == "check"]
    topics = step.topics if step.id == "teach" else []
    acts = step.activities if step.id == "activity" else []
    if not (topics or acts or checks):
        _progress(view)  # no box on this step; else each box draws it there
    for topic in topics:
        with st.container(border=True):
            _tick_box(engine, sid, topic_key(topic.id), f"Topic delivered: {md_escape(topic.title)}")
            st.text("\n".join(f"• {plain(kp)}" for kp in topic.key_points))
    for act in acts:
        with st.container(border=True):
            _tick_box(engine, sid, activity_key(act.id), f"Activity done: {md_escape(act.title)}"
                      + (f" ({act.minutes} min)" if act.minutes else ""))
            lines = [f"Materials: {'; '.join(plain(m) for m in act.materials)}"] if act.materials else []
            lines += [f"{n}. {plain(ins)}" for n, ins in enumerate(act.instructions, 1)]
            st.text("\n".join(lines))
    if checks:
        st.markdown("**Facilitator checklist**")
        for it in checks:
            _tick_box(engine, sid, it.key, md_escape(it.label))


# ---------------------------------------------------------------- ratings and competency


@st.fragment
def ratings(engine: Engine, sid: int, phase: str) -> None:
    """The pre or post ratings grid (one row per person present) and, when opened, topic competency."""
    view, w = part_view(engine, sid)
    ro, curtain = _locked(view)
    present = [p for p in view.people if p.present]
    if not present:
        st.caption("No one is marked present.")
        return
    if curtain:
        st.caption("Ratings are hidden while the privacy curtain is on.")
        return
    items = view.curriculum.assessment
    rows = []
    for p in present:
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
    # no min/max: a value outside the scale reaches the model, which refuses it with a message naming the scale
    cfg = {it.id: st.column_config.NumberColumn(short_label(it), help=f"{it.prompt} ({it.scale})", step=1)
           for it in items}
    cfg["Participant"] = st.column_config.TextColumn(disabled=True, pinned=True)
    if phase == Phase.POST:
        cfg["Change"] = st.column_config.NumberColumn(
            "Change", disabled=True, format="%+.2f",
            help="Post score minus pre score; each is the mean of the items rated, and not scored when more "
                 f"than {SELF_EFFICACY_MAX_MISSING} items are missing")
    # The editor keeps its key (and so an edit in progress) while other screens change cells; after this screen
    # saved its edits it gets a new key, so it shows what is stored and holds no old edits.
    gen_key = f"grid_gen_{sid}_{phase}"
    key = f"grid_{sid}_{phase}_{ss.get(gen_key, 0)}"
    if not ro and w.save_grid_edits(key, phase):
        ss[gen_key] = ss.get(gen_key, 0) + 1
        _rerun_part()  # show what is stored now (saved cells, or the other screen's value)
    ss[f"{key}_shown"] = ([p.participant_id for p in present],
                          {(p.participant_id, it.id): view.version("rating", p.participant_id, it.id, phase)
                           for p in present for it in items})
    st.data_editor(df, key=key, hide_index=True, column_config=cfg, disabled=ro, num_rows="fixed")
    for p in present:
        for it in items:
            conflicts.show(rating_key(sid, p.participant_id, it.id, phase))
    st.caption(f"Type a number ({items[0].scale if items else ''}) and press Tab or Enter: each rating saves as soon "
               "as it is entered. Hover a column title for the whole question.")
    box = drawn_when_open(f"Topic competency ({phase}) — DSME Record scale", key=f"comp_open_{sid}_{phase}")
    if box is not None:  # many controls the page does not need otherwise
        with box:
            st.caption(" · ".join(COMPETENCY_LEVELS.values()))
            for topic in view.curriculum.topics:
                st.text(plain(topic.title))
                for p in present:
                    k = f"comp_{sid}_{p.participant_id}_{topic.id}_{phase}"
                    ss[k] = view.competency.get((p.participant_id, topic.id, phase))
                    st.segmented_control(md_escape(p.first_name), list(COMPETENCY_LEVELS), key=k, disabled=ro,
                                         on_change=w.save_competency,
                                         args=(p.participant_id, topic.id, phase,
                                               view.version("competency", p.participant_id, topic.id, phase)))
                    conflicts.show(competency_key(sid, p.participant_id, topic.id, phase))


# ---------------------------------------------------------------- the question queue


@st.fragment
def questions(engine: Engine, sid: int) -> None:
    view, w = part_view(engine, sid)
    ro, curtain = _locked(view)
    present = [p for p in view.people if p.present]
    open_count = sum(1 for q in view.questions if q.status == QuestionStatus.OPEN)
    # the count in the label makes a new expander whenever it moves, drawn as `expanded` says: open at Q&A, and
    # once this screen has added or moved a question (so that adding one at another step does not close the queue)
    with st.expander(f"Question queue ({open_count} open)",
                     expanded=view.session.current_step == "qa" or bool(ss.get(queue_used_key(sid)))):
        if not ro:
            q1, q2 = st.columns([3, 1])
            q1.text_input("Question", key=f"q_text_{sid}", placeholder="Type a question",
                          help=f"At most {MAX_QUESTION:,} characters.")
            if not curtain:
                names = {p.participant_id: plain(p.first_name) for p in present}
                q2.selectbox("Asked by (optional)", list(names), index=None, key=f"q_who_{sid}",
                             format_func=lambda i: names.get(i, "?"))
            st.button("Add question", on_click=w.add_question, key=f"q_add_{sid}")
        who_names = {p.participant_id: plain(p.first_name) for p in view.people}
        actions = ((QuestionStatus.ANSWERED, "Answered", "qa", "Mark it answered"),
                   (QuestionStatus.PARKED, "Park", "qp", "Park it for follow-up; it carries into the session record"),
                   (QuestionStatus.OPEN, "Reopen", "qo", "Open it again"))
        for q in view.questions:
            row = st.container(horizontal=True, vertical_alignment="center")  # one block per question
            asked = "" if curtain or q.participant_id is None else f" — {who_names.get(q.participant_id, '')}"
            row.text(f"[{q.status}] {plain(q.text)}{asked}", width="stretch")
            if ro:
                continue
            for target, label, prefix, help_text in actions:
                if q.status != target:
                    row.button(label, key=f"{prefix}_{q.id}", on_click=w.question_status, args=(q.id, target),
                               help=help_text)


# ---------------------------------------------------------------- goals (summary step)


def _recommend_follow_up(view: SessionView, w: LiveWrites, pid: int) -> None:
    """One participant's compact "Recommend a follow-up" form (due date, kind, note), in the goals fragment; what
    it holds is kept while the form is closed (ui/widgets.kept)."""
    day = session_day(view.session)
    date_key, kind_key, note_key = follow_up_keys(view.session.id, pid)
    st.markdown(":material/event_repeat: **Recommend a follow-up**")
    c1, c2 = st.columns(2)
    c1.date_input("Due", min_value=day, key=date_key, format="YYYY-MM-DD",
                  on_change=kept(date_key, default_due_date(day)))
    c2.selectbox("Kind", FOLLOW_UP_KIND.options, key=kind_key, format_func=FOLLOW_UP_KIND.show,
                 on_change=kept(kind_key))
    st.text_input("Note (optional)", key=note_key, placeholder="What to follow up",
                  help=f"At most {MAX_FOLLOW_UP_NOTE:,} characters.", on_change=kept(note_key))
    st.button("Recommend", key=f"fu_{view.session.id}_{pid}_add", on_click=w.recommend_follow_up, args=(pid,))


def _goal_form(view: SessionView, w: LiveWrites, pid: int) -> None:
    """One participant's "Add goal" form (behaviour, follow-up date, goal, confidence), in the goals fragment; what
    it holds is kept while the form is closed (ui/widgets.kept)."""
    beh_key, date_key, text_key, conf_key = goal_keys(view.session.id, pid)
    st.markdown(":material/flag: **Set a goal**")
    g1, g2 = st.columns(2)
    g1.selectbox("Behaviour", ADCES7, key=beh_key, on_change=kept(beh_key))
    g2.date_input("Follow-up date", key=date_key, on_change=kept(date_key, default_follow_up_date()))
    st.text_input("Goal", key=text_key, placeholder="What, how much, when, how often",
                  help=f"At most {MAX_GOAL:,} characters.", on_change=kept(text_key))
    conf = st.slider(f"Confidence ({CONFIDENCE_MIN}–{CONFIDENCE_MAX})", CONFIDENCE_MIN, CONFIDENCE_MAX,
                     key=conf_key, on_change=kept(conf_key, CONFIDENCE_DEFAULT))
    if is_low_confidence(conf):
        st.caption(f"⚠ Confidence below {CONFIDENCE_THRESHOLD}: problem-solve the plan with the participant.")
    st.button("Add goal", key=f"goal_{view.session.id}_{pid}_add", on_click=w.add_goal, args=(pid,))


@st.fragment
def goals(engine: Engine, sid: int) -> None:
    view, w = part_view(engine, sid)
    ro, curtain = _locked(view)
    if curtain:
        return
    st.subheader("Goals and follow-up")
    followups = [n for n in view.notes if set(n.tags) & set(FOLLOW_UP_TAGS)]
    if followups:
        names = {p.participant_id: plain(p.name) for p in view.people}
        st.warning("Follow-up flags raised in notes:")
        st.text("\n".join(f"• {names.get(n.participant_id, 'Group')}: {', '.join(n.tags)} — {plain(n.text[:200])}"
                          for n in followups))
    with session_scope(engine) as db:
        recommended = follow_ups_in_session(db, session_id=sid)
    for p in (p for p in view.people if p.present):
        mine = [g for g in view.goals if g.participant_id == p.participant_id]
        with st.container(border=True):
            st.markdown(f"**{md_escape(p.name)}**")
            for g in mine:
                flag = (f" ⚠ below {CONFIDENCE_THRESHOLD}: problem-solve this plan"
                        if is_low_confidence(g.confidence) else "")
                due = f", follow up {g.follow_up_date:%Y-%m-%d}" if g.follow_up_date else ""
                st.text(f"🎯 {g.behaviour}: {plain(g.text)} (confidence {g.confidence}/{CONFIDENCE_MAX}{due}){flag}")
            for f in (f for f in recommended if f.participant_id == p.participant_id):
                note = f": {plain(f.note)}" if f.note else ""
                st.text(f"📅 {f.kind_label.capitalize()} due {f.due_date:%Y-%m-%d}{note}")
            if ro:
                continue
            # one person's forms at a time (about a dozen controls each); open stays open after Add
            forms = drawn_when_open(f"Set a goal or recommend a follow-up for {md_escape(p.first_name)}",
                                    key=goals_open_key(sid, p.participant_id), icon=":material/flag:")
            if forms is not None:
                with forms:
                    _goal_form(view, w, p.participant_id)
                    _recommend_follow_up(view, w, p.participant_id)


# ---------------------------------------------------------------- people: head-count, attendance and notes


def _note_fields(view: SessionView, w: LiveWrites, pid: int | None, label: str, unsaved: dict, ro: bool) -> None:
    sid, step_id = view.session.id, view.session.current_step or "intro"
    nkey, tkey, seen = note_keys(sid, pid, step_id)
    stored = stored_note(live_note(view, pid, step_id))
    mine, shown = (ss.get(nkey), tuple(ss.get(tkey) or ())), ss.get(seen)
    if conflicts.pending(nkey) is None:
        if nkey not in ss or shown is None:  # first time on this screen
            ss[nkey], ss[tkey], ss[seen] = stored[1], list(stored[2]), stored
        elif mine == stored[1:]:  # saved (by this screen or another): caught up
            ss[seen] = stored
        elif mine == shown[1:] and stored != shown:  # no unsaved edit here, newer text stored: show it
            ss[nkey], ss[tkey], ss[seen] = stored[1], list(stored[2]), stored
    conflicts.show(nkey)
    draft = unsaved.get(nkey)
    if draft is not None and draft.text != stored[1] and not ro and conflicts.pending(nkey) is None:
        drafts.offer(draft, "text", restore="Restore and save", on_restore=w.restore_draft,
                     args=(pid, step_id, draft.text))
    title = plain(view.curriculum.step(step_id).display_title)
    st.text_area(label, key=nkey, height=68, disabled=ro, on_change=w.save_note, args=(pid, step_id),
                 placeholder=f"Notes during {title} (saved when you leave the field)")
    st.pills("Tags", NOTE_TAGS, selection_mode="multi", key=tkey, disabled=ro, on_change=w.save_note,
             args=(pid, step_id), label_visibility="collapsed", format_func=lambda t: TAG_SHORT.get(t, t),
             help="Tags: " + "; ".join(f"{TAG_SHORT.get(t, t)} = {t}" for t in NOTE_TAGS))
    earlier = [n for n in view.notes if n.participant_id == pid and n.step != step_id and n.text.strip()]
    if earlier:
        st.caption("Earlier: " + " · ".join(f"{STEP_TITLES.get(n.step, n.step)}: {md_escape(n.text)}"
                                             for n in earlier))


# ---------------------------------------------------------------- words both /live screens say (pages/live.py's
# widget screen and ui/live_screen.py's component)

CURTAIN_ON = "Privacy curtain is on: surnames, notes, tags, ratings and goals are hidden on this screen."


def forgotten_warning(flag) -> str:
    """What the header says of a session that looks forgotten (models/forgotten.py's flag)."""
    return (f"Needs attention: {flag.message} Use End session… to end it at "
            f"{'the pause' if flag.paused else 'the last recorded activity'} or at a time you give; time beyond the "
            "planned length plus the margin is not billed unless confirmed on the record.")


def ended_line(view: SessionView) -> str:
    return f"Ended at {clock.fmt_local(view.session.ended_at)}: read-only here; notes are amended on the record."


def step_button(view: SessionView, n: int, step) -> tuple[str, str, bool]:
    """The stepper's button for the n-th step: its short label, its tooltip (the full title), and whether it is the
    current step."""
    s = view.session
    current = step.id == s.current_step and s.status != SessionStatus.PLANNED
    title = plain(step.display_title)
    return (f"{n} {STEP_SHORT[step.id]} · {step.minutes}′",
            f"{title} ({step.minutes} min)" + ("" if current else " — go to this step"), current)


def notes_never_saved(view: SessionView) -> None:
    """On an ended session's /live: how many notes typed on this screen never reached the record (typed here,
    ended elsewhere), which the record offers back."""
    lost = len(live_notes_not_saved(view, key=f"ended_drafts_{view.session.id}"))
    if lost:
        st.warning(f"{lost} note{'s' if lost > 1 else ''} typed on this screen never reached the record; the "
                   f"session record offers {'them' if lost > 1 else 'it'} back, to add there.",
                   icon=":material/edit_note:")


def status_line(view: SessionView, p: Person) -> str:
    """A card's first line: the name, where the person is, how late, and the caregiver."""
    s = view.session
    if s.status == SessionStatus.PLANNED:
        state = "present" if p.present else "absent"
    else:
        state = "in the room" if p.in_room else ("left" if p.intervals else "not here")
    late = p.minutes_late(s.started_at)
    extra = [f"arrived {late} min late" if late else None, p.caregiver_text if p.caregiver else None]
    return " · ".join([plain(p.name), state, *(x for x in extra if x)])


def _person(view: SessionView, w: LiveWrites, p: Person, unsaved: dict, ro: bool) -> None:
    s, sid, pid = view.session, view.session.id, p.participant_id
    with st.container(border=True, key=f"person_{sid}_{pid}"):
        st.markdown(f"**{md_escape(status_line(view, p))}**")
        # one row of controls (a flex row: one layout block, where columns are one per cell and one around them;
        # every element on the page costs the browser a redraw on each run, fragments' runs included)
        top = st.container(horizontal=True, vertical_alignment="center", gap="medium")
        if s.status == SessionStatus.LIVE:
            # one button whose label turns (its key is its identity): the focus stays on it after Enter, so the
            # keyboard user is where they were, and the next press undoes a slip
            label, mark, hint = (("Left now", mark_left, "left the room") if p.in_room
                                 else ("Arrived now", mark_arrived, "came into the room"))
            top.button(label, key=presence_key(sid, pid), on_click=w.presence, args=(mark, pid),
                       help=f"{md_escape(p.first_name)} {hint}")
            if p.present and p.intervals:  # the whole page: the ratings grid and the goals list whom is present
                top.button("Never came", key=f"abs_{pid}", type="tertiary", on_click=w.never_came, args=(pid,),
                           help="Mark absent: withdraws the presence recorded so far (kept in history)")
        elif s.status == SessionStatus.PLANNED:
            pk = f"present_{sid}_{pid}"
            ss[pk] = p.present
            top.checkbox("Present", key=pk, on_change=w.set_planned_presence, args=(pid, pk))
        ck, version = f"carer_{sid}_{pid}", view.version("attendance", pid)
        ss[ck] = p.caregiver
        top.checkbox("Caregiver", key=ck, disabled=ro, on_change=w.set_caregiver, args=(pid, version),
                     help="A caregiver or family member came with them (never counted in the group size)")
        if p.caregiver and not ro:
            nk, rk = f"carer_name_{sid}_{pid}", f"carer_rel_{sid}_{pid}"
            ss[nk], ss[rk] = p.caregiver_name or "", p.caregiver_relationship or ""
            who = st.container(horizontal=True, gap="small")
            who.text_input("Caregiver's name", key=nk, on_change=w.set_caregiver, args=(pid, version),
                           help=f"At most {MAX_NAME} characters.")
            who.text_input("Relationship", key=rk, on_change=w.set_caregiver, args=(pid, version),
                           placeholder="e.g. daughter", help=f"At most {MAX_RELATIONSHIP} characters.")
        if p.present and s.status != SessionStatus.PLANNED:
            _note_fields(view, w, pid, f"Notes on {md_escape(p.first_name)}", unsaved, ro)


def _slot(name: str, sid: int) -> None:
    """A place for a figure that each of several small fragments drawn after it redraws in its own run (the
    head-count under the cards, the progress over the ticks): an arrival or a tick shows the new figure in the
    same short run. Made by the run that draws those fragments."""
    ss.setdefault(_SLOTS, {})[name] = (sid, st.empty())


def _into_slot(name: str, sid: int, draw: Callable[[DeltaGenerator], object]) -> None:
    """Draw into the slot (every run of the fragment calling this, so that it keeps its place there: Streamlit
    lets a fragment's own run write outside it only where it wrote during the page's last run). When that run was
    cut short by a click, the page is drawn again instead."""
    held = (ss.get(_SLOTS) or {}).get(name)
    if held is None or held[0] != sid:
        return
    try:
        draw(held[1])
    except StreamlitInvalidLayoutContextError:
        log.info("live: a fragment's run had no place for its figure; the page is drawn again")
        st.rerun()


def _room(view: SessionView) -> None:
    """The head-count in the room with its billing check, in the people panel's slot (see _slot)."""
    room = room_count(view)

    def draw(slot: DeltaGenerator) -> None:
        if room.check.ok:
            slot.caption(f":material/groups: {room.text}. {room.check.message}")
        else:
            slot.warning(f"{room.text}. {room.check.message}", icon=":material/groups:")

    _into_slot("room", view.session.id, draw)


def _card(engine: Engine, sid: int, pid: int) -> None:
    """One person's card (a fragment). A person taken off the roster by another screen has none."""
    view, w = part_view(engine, sid)
    p = next((x for x in view.people if x.participant_id == pid), None)
    if p is not None:
        _person(view, w, p, ss.get(_UNSAVED) or {}, _locked(view)[0])
    _room(view)  # see _people


def people(engine: Engine, sid: int) -> None:
    """The people panel, a fragment keyed by the session (see people_key)."""
    st.fragment(_people, key=people_key(sid))(engine, sid)


def restore_elsewhere(w: LiveWrites, pid: int | None, step_key: str, text: str, stored: tuple) -> None:
    """Save a draft of a note field this screen does not show, against the note as stored when the offer was
    drawn (a newer one written since is a conflict, shown here)."""
    _, tkey, seen = note_keys(w.sid, pid, step_key)
    ss[seen], ss[tkey] = stored, list(stored[2])
    w.restore_draft(pid, step_key, text)


def draft_elsewhere(view: SessionView, w: LiveWrites, pid: int | None, step_key: str, draft) -> None:
    """A note typed in this browser, never saved, for a field this screen does not show now (another step, or a
    person no longer in the room): offered to save where it was typed, or to discard."""
    nkey = note_keys(view.session.id, pid, step_key)[0]
    if conflicts.pending(nkey) is not None:
        conflicts.show(nkey)
        return
    who = "the whole group" if pid is None else md_escape(
        next((p.first_name for p in view.people if p.participant_id == pid), "a participant"))
    note = live_note(view, pid, step_key)
    drafts.offer(draft, f"a note on {who} in {STEP_TITLES.get(step_key, step_key)},", restore="Restore and save",
                 on_restore=restore_elsewhere, args=(w, pid, step_key, draft.text, stored_note(note)),
                 help="Saved as the note there" + (", in place of the text stored there now (kept as an earlier "
                                                  "version)" if note else ""))


def _people(engine: Engine, sid: int) -> None:
    """The head-count with its billing check, one card per person (presence, caregiver, notes), the group's
    note and late arrivals. Every note field here is mirrored in the browser until it is saved."""
    view, w = part_view(engine, sid)
    ro, curtain = _locked(view)
    _slot("room", sid)
    if curtain or not view.people:
        _room(view)  # else each card draws it there (the last one drawn stays)
    if curtain:
        st.caption("Participants are hidden while the privacy curtain is on.")
        return
    step_id = view.session.current_step or "intro"
    unsaved = {}
    if not ro and view.session.status != SessionStatus.PLANNED:
        # the text of the note each field writes (the first of its person and step, as the field shows), not of
        # a later one the record added for the same person and step
        stored = {k: n.text for k, n in live_notes(view).items()}
        owners = [p.participant_id for p in view.people if p.present] + [None]
        shown = {note_keys(sid, pid, step_id)[0]: stored.get((pid, step_id), "") for pid in owners}
        # the note fields not on this screen: other steps, and people not in the room (a draft typed there before
        # the step was changed on another screen, or before the person was marked as gone)
        everyone = [*(p.participant_id for p in view.people), None]
        hidden = {k: (pid, s.id) for pid in everyone for s in view.curriculum.steps
                  if (k := note_keys(sid, pid, s.id)[0]) not in shown}
        unsaved = drafts.keeper(note_drafts(sid), shown, key=f"drafts_{sid}",
                                elsewhere={k: stored.get(v, "") for k, v in hidden.items()})
        with message_slot():
            for k, draft in unsaved.items():
                if k in hidden:
                    draft_elsewhere(view, w, *hidden[k], draft)
    ss[_UNSAVED] = unsaved
    for p in view.people:  # each card its own fragment: a click on one card reruns that card alone
        st.fragment(_card, key=card_key(sid, p.participant_id))(engine, sid, p.participant_id)
    if view.session.status != SessionStatus.PLANNED:
        with st.container(border=True, key=f"group_{sid}"):
            st.markdown("**Whole group**")
            _note_fields(view, w, None, "Group notes", unsaved, ro)
    if not ro:
        late_arrivals(engine, view, w)


def late_arrivals(engine: Engine, view: SessionView, w: LiveWrites) -> None:
    """"Add a late arrival": a known participant found by name or record number, or a new one (drawn only while
    open)."""
    sid = view.session.id
    late = drawn_when_open("Add a late arrival", key=late_open_key(sid))
    if late is not None:
        with late:
            q = search_box("Find", key=f"late_q_{sid}", placeholder="Name or record number")
            with session_scope(engine) as db:
                found = [p for p in (find_participants(db, text=q, limit=30) if q is not None else [])
                         if p.id not in {x.participant_id for x in view.people}]
            labels = {p.id: picker_label(p) for p in found}
            st.selectbox("Known participant", list(labels), index=None, key=f"late_pick_{sid}",
                         format_func=lambda i: labels.get(i, "?"))
            st.button("Add to this session", on_click=w.add_late, key=f"late_add_{sid}")
            st.divider()
            first, last = f"late_first_{sid}", f"late_last_{sid}"  # kept while closed, like the goal forms
            st.text_input("First name", key=first, help=f"At most {MAX_NAME} characters.", on_change=kept(first))
            st.text_input("Last name", key=last, help=f"At most {MAX_NAME} characters.", on_change=kept(last))
            st.button("Add new participant", on_click=w.add_new_late, key=f"late_new_{sid}")

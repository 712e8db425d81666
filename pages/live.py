"""The live session: a header that stays in view (title, steps, clock, controls) and, below it, what the step
delivers beside the people in the room, drawn by one component (ui/live_screen.py) whose plain clicks are written
by its fast path (ui/live_route.py); under it, what Streamlit draws (the end's confirmation, the ratings, the
question queue, the goals, late arrivals, the sign-in sheet, the projector's options), the parts that change on
their own as fragments (ui/live_panels.py). Every write is checked against the version the screen showed.
`?screen=widgets` opens the earlier screen, all of it Streamlit's widgets (_widget_screen)."""

from __future__ import annotations

import html

import streamlit as st

from models import clock
from models.curriculum import STEP_ORDER, checklist_items
from models.db import session_scope
from models.enums import Phase, SessionStatus
from models.forgotten import check_forgotten
from models.projector_pages import current_slide
from models.rules import CODES, MAX_REASON
from models.session_view import load_session_view, welcome_first_names
from models.sessions import (
    pause,
    resume,
    set_privacy_curtain,
    set_projector_clock,
    set_projector_names,
    set_projector_page,
    start_session,
    step_offset,
)
from models.timer import fmt_clock
from ui import drafts, live_panels, live_screen
from ui.actions import flash_errors
from ui.clock import PROJECTOR_CLOCK_LABELS, clock_face
from ui.live_writes import LiveWrites, projector_options_key, summary_picks, whole_page
from ui.pages import link, page
from ui.paper import sign_in_sheet_download
from ui.setup import int_param, page_setup
from ui.text import md_escape, plain
from ui.widgets import drawn_when_open, no_session, set_shown

engine = page_setup("live", sidebar="collapsed")
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

s, cur = view.session, view.curriculum
status = s.status
ro = status == SessionStatus.ENDED
curtain = bool(s.privacy_curtain)
step_id = s.current_step or STEP_ORDER[0]
step = cur.step(step_id)
w = LiveWrites(engine, sid, cur, {p.participant_id: p.first_name for p in view.people})
live_panels.share_view(view)  # the fragments drawn by this run use this read instead of their own

# The header stays at the top of the screen while the educator scrolls (a 1366×768 laptop shows the clock and
# the step controls at all times); everything in it is the app's own markup. A control reached with Tab is
# scrolled into view below the header, not under it (scroll padding a little taller than the header).
st.html("""<style>
[data-testid="stMain"] { scroll-padding-top: 21rem; }
[data-testid="stHeader"] { height: 2.5rem; min-height: 2.5rem; }
[data-testid="stMainBlockContainer"] { padding-top: 2.6rem; }
[data-testid="stLayoutWrapper"]:has(> .st-key-live_header) { position: sticky; top: 2.5rem; z-index: 99; }
.st-key-live_header { background: #fff; padding: 0.25rem 0 0.4rem; border-bottom: 1px solid #d9dee5; }
.st-key-live_header h1 { font-size: 1.35rem; line-height: 1.25; padding: 0; margin: 0; }
.st-key-live_header [data-testid="stCaptionContainer"] p { margin: 0; }
.st-key-live_steps > *, .st-key-live_controls > * { flex: 1 1 0; min-width: 0; }
.st-key-live_steps > .st-key-live_prev, .st-key-live_steps > .st-key-live_next { flex: 0 0 auto; }
.gsf-sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
</style>""")


_END_AT = ("suggested", "given")  # the forgotten session's "End at" choices: its suggested end, or a time given


def _typed_label(key: str) -> str:
    """What a short field put back after a reload is called in the message that says so."""
    pid = key.split("_")[2] if key.startswith(("goal_", "fu_")) else ""
    names = {} if curtain else {str(p.participant_id): plain(p.first_name) for p in view.people}
    name = names.get(pid, "a participant")  # no names while the privacy curtain is on
    return {"q": "the question (in the question queue)",
            "goal": f"{name}'s goal (under “Set a goal or recommend a follow-up”)",
            "fu": f"the follow-up {'note ' if key.endswith('_note') else ''}for {name} (under “Set a goal or "
                  "recommend a follow-up”)",
            "late": "the late arrival's name (under “Add a late arrival”)",
            "end": "why or when the session is ended (under “End session…”)"}[key.split("_")[0]]


def _recorded_texts(view) -> dict[str, list[str]]:
    """The questions and goals the session holds, by the field they were typed in: never put back after a reload
    (one that came before the tab heard they were added would otherwise offer them to be added twice)."""
    out = {f"q_text_{sid}": [q.text for q in view.questions]}
    for g in view.goals:
        out.setdefault(f"goal_{sid}_{g.participant_id}_text", []).append(g.text)
    return out


if not ro:  # text typed here but not yet added comes back after a reload or a restart (ui/drafts.typed), and so
    # do the goal and follow-up forms' choices (behaviour, dates, confidence, kind): on the summary step, the only
    # one that draws those forms (on the others the browser has nothing of them to look at after every change)
    picked, starting = summary_picks(view) if step_id == "summary" else ({}, {})
    forgotten = check_forgotten(s, view.runs) if status == SessionStatus.LIVE else None
    if forgotten:  # how a forgotten session is to be ended, and at what time, beside why
        picked |= {f"end_how_{sid}": drafts.Pick("radio", options=_END_AT), f"end_at_{sid}": drafts.Pick("datetime")}
        starting |= {f"end_how_{sid}": _END_AT[0], f"end_at_{sid}": clock.to_wall_clock(forgotten.suggested_end)}
    put_back = drafts.typed(f"gsf-typed:{sid}", [f"q_text_{sid}", rf"goal_{sid}_\d+_text", rf"fu_{sid}_\d+_note",
                                                 f"late_(first|last)_{sid}", f"end_reason_{sid}"],
                            key=f"typed_{sid}", label=_typed_label, picks=picked, starting=starting,
                            recorded=_recorded_texts(view))
    if any(k.startswith("end_") for k in put_back):  # the confirmation drawn open, showing what was put back
        ss[f"confirm_end_{sid}"] = True


def _offset(w: LiveWrites, shown, delta: int) -> None:
    """Previous / Next: the step before or after the one this screen showed."""
    target = step_offset(shown, delta)
    if target:
        w.jump(target)


def _stepper() -> None:
    """Previous, the five steps with short labels (the full title in the tooltip and for screen readers), Next.
    Drawn by the page, not the clock's fragment: a step change draws the whole page in one run."""
    row = st.container(horizontal=True, gap="small", key="live_steps")  # one layout block (columns: eight)
    live_now = status == SessionStatus.LIVE
    if live_now:
        row.button("Previous", key="live_prev", on_click=_offset, args=(w, s, -1), shortcut="b",
                   icon=":material/skip_previous:", disabled=step_offset(s, -1) is None,
                   help="Previous step. Shortcut: B")
    for i, st_ in enumerate(cur.steps, 1):
        label, tip, current = live_panels.step_button(view, i, st_)
        row.button(label, key=f"step_{st_.id}", width="stretch", type="primary" if current else "secondary",
                   disabled=ro or not live_now, on_click=w.jump, args=(st_.id,), help=tip)
    if live_now:
        row.button("Next", key="live_next", on_click=_offset, args=(w, s, 1), shortcut="n",
                   icon=":material/skip_next:", disabled=step_offset(s, 1) is None, help="Next step. Shortcut: N")


def _end_controls(row, view, w: LiveWrites, flag) -> None:
    """"End session…" in the row of controls; once pressed, the confirmation below that row."""
    confirm_key = f"confirm_end_{sid}"
    if not ss.get(confirm_key):
        row.button("End session…", on_click=lambda: ss.__setitem__(confirm_key, True), icon=":material/stop_circle:",
                   help="End the session (asks first)", width="stretch")
        return
    _end_box(view, w, flag)


def _end_box(view, w: LiveWrites, flag) -> None:
    """The end's confirmation: now, or for a forgotten session at its suggested end or a time given, with why."""
    confirm_key = f"confirm_end_{sid}"
    undelivered = [i.label for i in checklist_items(view.curriculum) if i.key not in view.ticks]
    with st.container(border=True, key=f"end_box_{sid}"):
        if flag:
            st.warning("End this session? It looks forgotten: say when it ended. Step times, pauses and presence "
                       "still open are closed at that time; nothing recorded after it is removed.")
            how = st.radio("End at", _END_AT, key=f"end_how_{sid}",
                           format_func=lambda k: flag.suggested_option if k == _END_AT[0] else "End at a time I give")
            if how == _END_AT[1]:
                # the suggested end, or what ui/drafts.typed put back
                if f"end_at_{sid}" not in ss:
                    set_shown(f"end_at_{sid}", clock.to_wall_clock(flag.suggested_end))
                st.datetime_input("Ended at", key=f"end_at_{sid}", step=60, format="YYYY-MM-DD",
                                  help="Between the clock's last step change, pause or resume "
                                       f"({clock.fmt_local(flag.earliest_end, '%H:%M')}) and now")
            st.text_input("Why (kept on the record)", key=f"end_reason_{sid}",
                          placeholder="For example: I forgot to press End", help=f"At most {MAX_REASON:,} characters.")
        else:
            st.warning("End the session now? The clock stops and the end time is recorded.")
        if undelivered:
            st.caption(f"Not ticked as delivered ({len(undelivered)}): " + "; ".join(md_escape(x) for x in undelivered))
        e = st.container(horizontal=True)
        e.button("Yes, end the session", type="primary", on_click=whole_page(w.end),
                  args=(flag is not None, flag.earliest_end if flag else None))
        e.button("Cancel", on_click=lambda: ss.pop(confirm_key, None))


def _header() -> None:
    fac = view.facilitator
    with st.container(key="live_header"):
        top = st.columns([5, 2, 2], vertical_alignment="center")
        with top[0]:
            st.title(md_escape(cur.title))
            st.caption(f"{CODES[s.billing_code].label} · {md_escape(s.setting)} · scheduled "
                       f"{clock.fmt_local(s.scheduled_at)}"
                       + (f" · {md_escape(fac.name)} ({md_escape(fac.credential)})" if fac else ""))
        top[1].link_button("Projector ↗", f"./projector?session={sid}", icon=":material/cast:", width="stretch",
                           help="Opens the audience view in a new window for the projector.")
        # one keyed button whose label and icon turn and whose type stays (another type is another component:
        # the focus would drop to the page after Enter); the warning under the clock says the curtain is on
        top[2].button("Curtain on" if not curtain else "Lift curtain", key="curtain", shortcut="h",
                      on_click=w.do, args=(set_privacy_curtain,), kwargs={"on": not curtain}, width="stretch",
                      icon=":material/visibility_off:" if curtain else ":material/visibility:",
                      help="Privacy curtain: hides surnames, notes, tags, ratings and goals so this screen can be "
                           "mirrored to the room. Shortcut: H")
        _stepper()
        st.fragment(_clock_and_controls, key=f"live_clock_{sid}")(engine, sid)


_FOCUS_PAUSE = "_live_focus_pause"  # session state: the session whose Start was just pressed
# After Start the button pressed is gone (Pause is drawn in another place), and the focus would drop to the page:
# put it on Pause, unless it has gone somewhere else meanwhile. Retried for a moment, until Pause is on the page.
_FOCUS_JS = """<script>
(() => {
  let tries = 0;
  const go = () => {
    const button = document.querySelector(".KEY button");
    const at = document.activeElement;
    const dropped = !at || at === document.body || !at.isConnected;
    if (button && dropped) { button.focus(); return; }
    const leaving = at && at.closest && at.closest(".START");  // Start, about to be taken off the page
    if ((dropped || leaving) && ++tries < 120) requestAnimationFrame(go);
  };
  requestAnimationFrame(go);
})();
</script>"""


def _start(w: LiveWrites) -> None:
    """Start the session; the next run puts the focus on Pause."""
    w.do(start_session)
    ss[_FOCUS_PAUSE] = w.sid


def _clock_and_controls(engine, sid: int) -> None:
    """The clock, Pause / Resume and End (a fragment): Pause, Resume, End… and Cancel rerun this part alone; a
    start or an end draws the whole page (whole_page). Previous and Next are the stepper's (one run)."""
    view, w = live_panels.part_view(engine, sid)
    s, cur = view.session, view.curriculum
    status, step = s.status, cur.step(s.current_step or STEP_ORDER[0])
    timer = view.timer()
    flag = check_forgotten(s, view.runs) if status == SessionStatus.LIVE else None
    focus_pause = ss.pop(_FOCUS_PAUSE, None) == sid  # only in the run right after Start
    c_clock, c_ctrl = st.columns([3, 4], vertical_alignment="center")
    with c_clock:
        if status == SessionStatus.PLANNED:
            st.markdown(f"**Not started** · planned length {cur.minutes} min. Mark who is here, then start.")
        else:
            clock_face(timer, step_label=step.display_title, key=f"clock_{sid}", scale=0.72, caption=False)
            remaining = timer.step_remaining
            st.html(f'<span class="gsf-sr">{html.escape(step.display_title)}: '
                    f'{"over by " if remaining < 0 else ""}{fmt_clock(abs(remaining))} '
                    f'{"" if remaining < 0 else "left"} when the page was drawn; session '
                    f'{fmt_clock(timer.session_elapsed)} of {fmt_clock(timer.session_planned)}.</span>')
    with c_ctrl:
        if status == SessionStatus.PLANNED:
            st.button("Start session", key=f"start_{sid}", type="primary", on_click=whole_page(_start), args=(w,),
                      shortcut="s", icon=":material/play_arrow:", help="Starts the clock on step 1. Shortcut: S")
        elif status == SessionStatus.LIVE:
            b = st.container(horizontal=True, gap="small", key="live_controls")  # Pause, End session…
            # one keyed button whose label and icon turn, so the focus stays on it after Enter (its type stays:
            # another type is another component, the focus would drop to the page; the clock face says Paused);
            # it does what it showed (a Pause pressed here after another screen paused leaves the clock paused)
            b.button("Resume" if timer.paused else "Pause", key=f"pause_{sid}", on_click=w.do,
                     args=(resume if timer.paused else pause,), shortcut="p",
                     icon=":material/play_arrow:" if timer.paused else ":material/pause:",
                     help="Pause or resume the clock. Shortcut: P", width="stretch")
            _end_controls(b, view, w, flag)
            if focus_pause:  # Start is gone: the focus goes where the clock is controlled now
                st.html(_FOCUS_JS.replace("KEY", f"st-key-pause_{sid}").replace("START", f"st-key-start_{sid}"),
                        unsafe_allow_javascript=True)
        else:
            st.info(live_panels.ended_line(view))
            live_panels.notes_never_saved(view)
            link("review", "Open the session record", session=sid)
    if flag:
        st.warning(live_panels.forgotten_warning(flag), icon=":material/schedule:")
    if s.privacy_curtain:
        st.warning(live_panels.CURTAIN_ON, icon=":material/lock:")



def _one_screen() -> None:
    """The screen: the header, the ticks and the cards drawn by one component in a fragment (ui/live_screen.py,
    issue 15); under it, drawn by Streamlit as the widget screen draws them: in a fragment of their own, the end's
    confirmation, the ratings, the question queue and the goals; late arrivals and the sign-in sheet. A plain click
    in the component (a step, Pause / Resume, a tick, Arrived / Left now, the caregiver, a note saved) is written by
    its fast path (ui/live_route.py) and drawn from the answer, without a run of this page; one that changes what is
    under it (a step to or from one with ratings, goals or the open queue, a first arrival there) then reruns the
    fragment under it. Anything else, or a plain click the fast path leaves to the page, reruns the component's
    fragment (End session… then the one under it; the curtain, a start, a draft restored or discarded the page)."""
    # always one element, whatever it holds (the keeper is not drawn under the curtain): one drawn or not before
    # the screen's fragment would move it to another place of the page, where the browser would mount the
    # component afresh, beside the old one. Before it: the screen offers back what the keeper reports.
    with st.container():
        live_screen.keep_drafts(view)
    live_screen.draw(engine, sid)
    flash_errors()
    left, right = st.columns([11, 9], gap="medium")
    with left:
        st.fragment(_one_screen_rest, key=live_screen.rest_key(sid))()
    with right:  # drawn by the page: a late arrival added here is a new card in the component
        if not ro and not curtain:
            live_panels.late_arrivals(engine, view, w)
        if not curtain:
            with st.expander("Sign-in sheet to print (names and a signature column only)"):
                sign_in_sheet_download(s)


def _one_screen_rest() -> None:
    """Under the one-component screen, what changes with the step (a fragment: a step change reruns it with the
    screen's, not the page): the end's confirmation, the ratings, the question queue, the goals."""
    view, w = live_panels.part_view(engine, sid)
    s = view.session
    step_now = s.current_step or STEP_ORDER[0]
    if s.status == SessionStatus.LIVE and ss.get(f"confirm_end_{sid}"):
        _end_box(view, w, check_forgotten(s, view.runs))
    if step_now in live_screen.RATING_STEPS:
        st.markdown(f"**{'Pre' if step_now == 'intro' else 'Post'}-assessment**")
        live_panels.ratings(engine, sid, Phase.PRE if step_now == "intro" else Phase.POST)
    live_panels.questions(engine, sid)
    if step_now == "summary":
        live_panels.goals(engine, sid)


def _widget_screen() -> None:
    """`screen=widgets`: the earlier screen, drawn by Streamlit's own elements, each part a fragment
    (ui/live_panels.py). What `/live` showed until issue 15; kept, reachable by that link only, while the page
    tests written against it (AppTest, tests/pages) move to Chromium against the one-component screen; then it
    goes, with live_panels' card and tick fragments."""
    _header()
    flash_errors()
    content, people_col = st.columns([11, 9], gap="medium")
    with content:
        st.subheader(md_escape(step.display_title) + f" · planned {step.minutes} min")
        if step_id == "intro":
            st.markdown("**Pre-assessment**")
            live_panels.ratings(engine, sid, Phase.PRE)
        elif step_id == "qa":
            st.markdown("**Starter prompts**")
            st.text("\n".join(f"• {plain(pr)}" for pr in step.prompts))
        elif step_id == "summary":
            st.markdown("**Recap**")
            st.text("\n".join(f"• {plain(r)}" for r in step.recap))
            if step.handouts:
                st.markdown("**Hand-outs**")
                st.text("\n".join(f"• {plain(h)}" for h in step.handouts))
            st.markdown("**Post-assessment**")
            live_panels.ratings(engine, sid, Phase.POST)
        live_panels.deliverables(engine, sid)
        # Q&A queue: at every step (questions come up at any time), open at the Q&A step
        live_panels.questions(engine, sid)
        if step_id == "summary":
            live_panels.goals(engine, sid)

    with people_col:
        st.subheader("Participants")
        live_panels.people(engine, sid)
        if not curtain:
            with st.expander("Sign-in sheet to print (names and a signature column only)"):
                sign_in_sheet_download(s)


if st.query_params.get("screen") == "widgets":  # the earlier screen, kept while its page tests move to Chromium
    _widget_screen()
else:
    _one_screen()

if not ro and not curtain:
    options = drawn_when_open("Projector options", key=projector_options_key(sid))
    if options is not None:
        with options:
            nk = f"names_{sid}"
            ss[nk] = bool(s.show_first_names)
            st.toggle("Show first names on the projector's welcome slide", key=nk,
                      on_change=lambda: w.do(set_projector_names, show=ss[nk]),
                      help="Off by default. Only first names, only during the introduction.")
            ck = f"projector_clock_{sid}"
            ss[ck] = s.projector_clock
            st.radio("Clock on the projector", list(PROJECTOR_CLOCK_LABELS), key=ck, horizontal=True,
                     format_func=PROJECTOR_CLOCK_LABELS.get, on_change=lambda: w.do(set_projector_clock, mode=ss[ck]),
                     help="What the room sees: the countdown with its overtime warnings, the minutes left for this "
                          "part without warnings, or only the step's title. For this session.")
            with session_scope(engine) as db:
                slide = current_slide(view, welcome_first_names(db, session_id=sid))
            if len(slide.pages) > 1:  # the projector follows the page chosen here
                st.markdown(f"The projector shows **{slide.label.lower()}**.")
                pp = st.columns(2)
                pp[0].button("Previous page", key=f"ppage_prev_{sid}", on_click=w.do, args=(set_projector_page,),
                             kwargs={"page": slide.page - 1}, disabled=slide.page == 0, shortcut="shift+b",
                             icon=":material/chevron_left:", help="Projector: previous page. Shortcut: Shift+B",
                             width="stretch")
                pp[1].button("Next page", key=f"ppage_next_{sid}", on_click=w.do, args=(set_projector_page,),
                             kwargs={"page": slide.page + 1}, disabled=slide.page == len(slide.pages) - 1,
                             shortcut="shift+n", icon=":material/chevron_right:",
                             help="Projector: next page. Shortcut: Shift+N", width="stretch")

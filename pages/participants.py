"""Participants: pick a person (search), then their history across sessions, DSMT hours against the
Medicare allowance, goals and follow-up, latest topic competency and ratings over time. UI only: every
figure comes from models.participant_history. ?participant=ID opens a person directly (a deep link)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from models import clock
from models.db import session_scope
from models.enums import AllowancePeriod, SessionStatus
from models.participant_history import ParticipantHistory, participant_history
from models.people import find_participants, get_participant
from models.rules import CONFIDENCE_THRESHOLD, DSMT_FOLLOW_UP_HOURS_PER_YEAR, is_low_confidence
from models.tables import Participant
from ui.actions import flash_errors
from ui.pages import page
from ui.setup import int_param, page_setup
from ui.text import md_escape, plain
from ui.widgets import goal_follow_up, search_box

engine = page_setup("participants")
ss = st.session_state
flash_errors()
st.title(page("participants").title)


def _label(p: Participant) -> str:
    extra = [x for x in (plain(p.record_number), f"born {p.date_of_birth:%Y-%m-%d}" if p.date_of_birth else None) if x]
    return f"{plain(p.last_name)}, {plain(p.first_name)}" + (f" · {' · '.join(extra)}" if extra else "")


def _pick() -> None:
    pid = ss.get("pp_pick")
    if pid:
        st.query_params["participant"] = str(pid)
    elif "participant" in st.query_params:
        del st.query_params["participant"]


raw = st.query_params.get("participant")
pid = int_param("participant")

text = search_box("Find a participant", key="pp_find", placeholder="Name or record number")
with session_scope(engine) as db:
    found = find_participants(db, text=text, limit=50) if text is not None else []
    current = get_participant(db, pid) if pid else None
options = {p.id: _label(p) for p in found}
if current is not None and current.id not in options:
    options = {current.id: _label(current), **options}
ss["pp_pick"] = pid if pid in options else None  # the link is the source of truth
st.selectbox("Participant", [None, *options], key="pp_pick", on_change=_pick, placeholder="Choose a participant",
             format_func=lambda i: "Choose a participant" if i is None else options.get(i, "?"))
if not found and text:
    st.caption("No participant matches that search.")

if raw is not None and pid is None:
    st.info("That link does not name a participant.")
    st.stop()
if pid is None:
    st.info("Search and choose a participant to see their sessions, DSMT hours, goals and ratings.")
    st.stop()

with session_scope(engine) as db:
    hist: ParticipantHistory | None = participant_history(db, pid)
if hist is None:
    st.info("There is no participant with that number.")
    st.stop()

p = hist.participant
st.header(md_escape(hist.name))
details = [f"record {p.record_number}" if p.record_number else "no record number",
           f"born {p.date_of_birth:%Y-%m-%d}" if p.date_of_birth else None]
st.caption(md_escape(" · ".join(d for d in details if d)))

# ---------------------------------------------------------------- sessions and DSMT allowance

a = hist.allowance
today = clock.today()
m = st.columns(4)
m[0].metric("Sessions attended", len(hist.attended), help=f"{len(hist.sessions)} on a roster")
m[1].metric("Initial DSMT hours", f"{a.initial_used:g} / {a.initial_limit:g}" if a.started else "—",
            help=f"Group hours (G0109) count toward {a.group_limit:g}, individual hours (G0108) toward "
                 f"{a.individual_limit:g}, {a.initial_limit:g} in all")
this_year = next((f for f in a.follow_up if f.year == today.year), None)
m[2].metric(f"Follow-up {today.year}", f"{this_year.used:g} / {this_year.limit:g}" if this_year else "—",
            help=f"Up to {DSMT_FOLLOW_UP_HOURS_PER_YEAR:g} hours each calendar year after the year the initial "
                 "training ends")
m[3].metric("Units billed", hist.units_billed)

st.subheader("DSMT allowance")
for line in a.messages(today):
    st.markdown(f"- {md_escape(line)}")
if a.started:
    c = st.columns(2)
    df = pd.DataFrame([
        {"part": "Group (G0109)", "used": a.group_used, "limit": a.group_limit},
        {"part": "Individual (G0108)", "used": a.individual_used, "limit": a.individual_limit},
    ])
    c[0].altair_chart(
        alt.Chart(df).mark_bar(color="#dddddd").encode(y=alt.Y("part:N", title=None), x=alt.X("limit:Q", title="Hours"))
        + alt.Chart(df).mark_bar().encode(y="part:N", x="used:Q", tooltip=["part", "used", "limit"]),
        width="stretch")
    uses = [{"Date": u.day.isoformat(), "Session": u.session_id, "Code": u.code, "Hours": u.hours,
             "Counted as": f"{u.period} {u.year}" if u.period == AllowancePeriod.FOLLOW_UP else str(u.period),
             "Within allowance": u.counted, "Beyond": u.over, "Time": u.note} for u in a.uses]
    c[1].dataframe(pd.DataFrame(uses), hide_index=True)

st.subheader("Sessions")
if not hist.sessions:
    st.caption("Not on any session's roster yet.")
else:
    st.dataframe(pd.DataFrame([{
        "Record": f"review?session={r.session_id}",
        "Date": clock.fmt_local(r.scheduled_at),
        "Curriculum": plain(r.curriculum_title),
        "Code": r.billed_code or r.code,
        "Status": r.status,
        "Attended": "yes" if r.present else ("—" if r.status == SessionStatus.PLANNED else "no"),
        "Caregiver": "yes" if r.caregiver else "",
        "Minutes": r.minutes,
        "Units": r.units,
        "DSMT hours": r.dsmt_hours,
        "Time": r.time_note,
    } for r in reversed(hist.sessions)]), hide_index=True, column_order=[  # key columns first; all fit at 1400 px
        "Record", "Date", "Curriculum", "Code", "Status", "Attended", "Minutes", "Units", "DSMT hours", "Caregiver",
        "Time"], column_config={
        "Record": st.column_config.LinkColumn(display_text="Open", help="Open the session record in a new tab",
                                              width=56),
        "Date": st.column_config.TextColumn(width=120),
        "Curriculum": st.column_config.TextColumn(width=140),
        "Code": st.column_config.TextColumn(width=62, help="The code the record supports"),
        "Status": st.column_config.TextColumn(width=70),
        "Attended": st.column_config.TextColumn(width=72),
        "Minutes": st.column_config.NumberColumn("Min", width=44, help="This person's face-to-face minutes"),
        "Units": st.column_config.NumberColumn(width=48, help="This person's billing units"),
        "DSMT hours": st.column_config.NumberColumn(width=92, help="Hours counted toward the Medicare DSMT allowance"),
        "Caregiver": st.column_config.TextColumn(width=76),
        "Time": st.column_config.TextColumn(width=80, help="Face-to-face time beyond the planned length plus the "
                                                          "margin: not counted, or counted as confirmed")})

# ---------------------------------------------------------------- goals


RECENT_DONE = 5  # followed-up goals shown before "show all": years of them would bury the open ones


def _goal(g) -> None:
    with st.container(border=True):
        c = st.columns([4, 1])
        with c[0]:
            low = f" · below {CONFIDENCE_THRESHOLD}: problem-solve the plan" if is_low_confidence(g.confidence) else ""
            st.caption(md_escape(f"{g.day:%Y-%m-%d} · {g.behaviour} · confidence {g.confidence}/10{low}"
                                 + (f" · follow up on {g.follow_up_date:%Y-%m-%d}" if g.follow_up_date else "")))
            st.text(plain(g.text))
        with c[1]:
            goal_follow_up(engine, g.goal_id, g.followed_up_at, g.follow_up_date, today, f"pp_goal_{g.goal_id}")


st.subheader("Goals")
open_goals, done_goals = hist.open_goals, hist.followed_up_goals
if not hist.goals:
    st.caption("No goals recorded.")
else:
    st.caption(f"{len(open_goals)} open, newest first · {len(done_goals)} followed up")
for g in open_goals:
    _goal(g)
if len(done_goals) > RECENT_DONE:
    show_all = st.toggle(f"Show all {len(done_goals)} followed-up goals", key=f"pp_all_done_{pid}")
else:
    show_all = True
for g in done_goals if show_all else done_goals[:RECENT_DONE]:
    _goal(g)

# ---------------------------------------------------------------- competency and ratings

st.subheader("Topic competency: latest level")
if hist.competency:
    st.dataframe(pd.DataFrame([{"Topic": plain(t.topic), "Latest level": t.label, "Phase": t.phase,
                                "Date": t.day.isoformat(), "Session": t.session_id} for t in hist.competency]),
                 hide_index=True)
else:
    st.caption("No topic competency rated yet.")

st.subheader("Ratings over time")
if hist.ratings:
    df = pd.DataFrame([{"date": r.day.isoformat(), "session": r.session_id, "curriculum": r.curriculum_title,
                        "phase": r.phase, "score": r.score} for r in hist.ratings])
    st.altair_chart(alt.Chart(df).mark_line(point=True).encode(
        x=alt.X("date:T", title="Session date"), y=alt.Y("score:Q", title="Mean score"),
        color=alt.Color("phase:N", sort=["pre", "post"], title="Phase"),
        tooltip=["date", "session", "curriculum", "phase", alt.Tooltip("score:Q", format=".2f")]),
        width="stretch")
else:
    st.caption("No scorable ratings yet.")

"""The program overview tab of /review: sessions per month, attendance, timing, pre → post change and topic
competency for a date range. UI only: the figures come from models.reports."""

from __future__ import annotations

from datetime import timedelta

import altair as alt
import pandas as pd
import streamlit as st

from models import clock
from models.db import session_scope
from models.reports import program_overview
from models.rules import (
    COMPETENT_LEVELS,
    ON_TIME_LENGTH_TOLERANCE,
    ON_TIME_START_MINUTES,
)
from models.session_list import filter_choices
from ui.setup import get_engine
from ui.text import plain


def overview() -> None:
    engine = get_engine()
    today = clock.today()
    c = st.columns([1, 1, 2])
    d0 = c[0].date_input("From", value=today - timedelta(days=365), key="ov_from", format="YYYY-MM-DD")
    d1 = c[1].date_input("To", value=today, key="ov_to", format="YYYY-MM-DD")
    with session_scope(engine) as db:
        choices = filter_choices(db)
    titles = {i: plain(t) for i, t in choices.curricula}
    cid = c[2].selectbox("Curriculum", [None, *titles], key="ov_curriculum",
                         format_func=lambda i: "All curricula" if i is None else titles.get(i, i))
    if not d0 or not d1 or d1 < d0:
        st.info("Choose a start date on or before the end date.")
        return
    with session_scope(engine) as db:
        ov = program_overview(db, date_from=d0, date_to=d1, curriculum_id=cid)
    if not ov.total_sessions:
        st.info("No sessions in this period.")
        return
    m = st.columns(4)
    m[0].metric("Sessions", ov.total_sessions, help="Scheduled in the period, any status")
    m[1].metric("Delivered", ov.delivered)
    m[2].metric("Attendance rate", f"{ov.attendance_rate:.0%}" if ov.attendance_rate is not None else "—",
                help="Patients present / patients on the roster, ended sessions")
    m[3].metric("On time", f"{ov.on_time_share:.0%}" if ov.on_time_share is not None else "—",
                help=f"Started within {ON_TIME_START_MINUTES} min of the scheduled time and face-to-face time "
                     f"within ±{ON_TIME_LENGTH_TOLERANCE:.0%} of "
                     "the planned minutes")

    left, right = st.columns(2)
    with left:
        st.subheader("Sessions per month")
        df = pd.DataFrame([vars(x) for x in ov.sessions_per_month])
        st.altair_chart(alt.Chart(df).mark_bar().encode(
            x=alt.X("month:O", title="Month", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("sessions:Q", title="Sessions", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color("status:N", title="Status"), tooltip=["month", "status", "sessions"]),
            width="stretch")
    with right:
        st.subheader("Attendance rate")
        rows = [{"month": a.month, "rate": a.rate, "present": a.present, "rostered": a.rostered}
                for a in ov.attendance if a.rate is not None]
        if rows:
            st.altair_chart(alt.Chart(pd.DataFrame(rows)).mark_line(point=True).encode(
                x=alt.X("month:O", title="Month", axis=alt.Axis(labelAngle=0)),
                y=alt.Y("rate:Q", title="Present / rostered", axis=alt.Axis(format="%"),
                        scale=alt.Scale(domain=[0, 1])),
                tooltip=["month", "present", "rostered", alt.Tooltip("rate:Q", format=".0%")]), width="stretch")
        else:
            st.caption("No ended sessions with a roster in this period.")
    left, right = st.columns(2)
    with left:
        st.subheader("Average pre → post change")
        if ov.changes:
            df = pd.DataFrame([{"curriculum": x.curriculum_title, "pre": x.average_pre, "post": x.average_post,
                                "change": x.average_change, "participants": x.pairs} for x in ov.changes])
            long = df.melt(id_vars=["curriculum", "change", "participants"], value_vars=["pre", "post"],
                           var_name="phase", value_name="score")
            # half the page: a curriculum's title is cut at 150 px (whole in the tooltip) and the legend sits under
            # the chart, so that at 1366 px the scores keep most of the width; a row of 32 px per curriculum
            base = alt.Chart(long).encode(y=alt.Y("curriculum:N", title=None, axis=alt.Axis(labelLimit=150)))
            st.altair_chart(
                (base.mark_line(color="gray").encode(x=alt.X("score:Q", title="Mean score"), detail="curriculum:N")
                 + base.mark_point(filled=True, size=90).encode(
                    x="score:Q", color=alt.Color("phase:N", sort=["pre", "post"], title="Phase",
                                                 legend=alt.Legend(orient="bottom")),
                    tooltip=["curriculum", "phase", alt.Tooltip("score:Q", format=".2f"),
                             alt.Tooltip("change:Q", format="+.2f"), "participants"])).properties(height=alt.Step(32)),
                width="stretch")
        else:
            st.caption("No participant has both a scorable pre and post rating in this period.")
    with right:
        st.subheader("Sessions on time")
        rows = [{"month": mth, "share": k / n, "on time": k, "timed": n} for mth, n, k in ov.on_time_by_month()]
        if rows:
            st.altair_chart(alt.Chart(pd.DataFrame(rows)).mark_bar().encode(
                x=alt.X("month:O", title="Month", axis=alt.Axis(labelAngle=0)),
                y=alt.Y("share:Q", title="Share on time", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
                tooltip=["month", "on time", "timed", alt.Tooltip("share:Q", format=".0%")]), width="stretch")
        else:
            st.caption("No delivered session to time in this period.")
    st.subheader(f"Topic competency: share who reached {' or '.join(COMPETENT_LEVELS)}")
    if ov.competency:
        df = pd.DataFrame([{"curriculum": x.curriculum_title, "topic": x.topic, "share": x.share,
                            "reached": x.reached, "rated": x.rated} for x in ov.competency])
        # a bar per topic and curriculum (the same topic in two curricula: two bars side by side, never one
        # stacked past 100 %), each at least 22 px high so that every topic's label shows; the curricula's names
        # under the chart, where they have the width
        st.altair_chart(alt.Chart(df).mark_bar().encode(
            y=alt.Y("topic:N", title=None, axis=alt.Axis(labelLimit=260)),
            yOffset=alt.YOffset("curriculum:N"),
            x=alt.X("share:Q", title=f"Share at {' or '.join(COMPETENT_LEVELS)}", axis=alt.Axis(format="%"),
                    scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("curriculum:N", title="Curriculum",
                            legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=600)),
            tooltip=["curriculum", "topic", "reached", "rated", alt.Tooltip("share:Q", format=".0%")]
        ).properties(height=alt.Step(22)), width="stretch")
    else:
        st.caption("No topic competency rated after the education in this period.")

"""Review: the session list (filters, note search, pages) and the program overview; with ?session=ID the
session record (attendance and presence corrections, time per step, fidelity, notes with their history,
ratings, competency, questions, goals, billing units, exports). UI only: every figure comes from
models.review and every change goes through models.sessions."""

from __future__ import annotations

from datetime import timedelta

import altair as alt
import pandas as pd
import streamlit as st

from models import clock
from models.attendance import correct_presence
from models.curriculum import STEP_ORDER, STEP_TITLES
from models.db import session_scope
from models.exports import (
    attendance_csv,
    billing_csv,
    export_filename,
    goals_csv,
    notes_csv,
    participant_pdfs_zip,
    ratings_csv,
    session_pdf,
)
from models.notes import add_note, amend_note
from models.people import find_participants
from models.reports import billing_rows, program_overview
from models.rules import CODES, NOTE_TAGS
from models.session_list import PAGE_SIZE, SessionFilter, filter_choices, list_sessions
from models.session_record import SessionRecord, presence_from_local, session_record
from models.sessions import get_session
from models.tables import Participant
from ui.setup import action, flash_errors, int_param, page_setup
from ui.widgets import goal_follow_up, md_escape

engine = page_setup("Review")
ss = st.session_state


def _local(ts, pattern: str = "%Y-%m-%d %H:%M") -> str:
    return clock.fmt_local(ts, pattern)


def _plabel(p: Participant) -> str:
    return f"{p.first_name} {p.last_name}" + (f" · {p.record_number}" if p.record_number else "")


# ================================================================ the list and the overview


def _reset_page() -> None:
    ss["rv_page"] = 0


def _open_selected(key: str) -> None:
    rows = ss.get(key, {}).get("selection", {}).get("rows", [])
    ids = ss.get("rv_row_ids", [])
    if rows and rows[0] < len(ids):
        st.query_params["session"] = str(ids[rows[0]])
        ss["rv_table_ver"] = ss.get("rv_table_ver", 0) + 1


def _turn(delta: int) -> None:
    ss["rv_page"] = max(0, ss.get("rv_page", 0) + delta)


def _filters() -> SessionFilter:
    with session_scope(engine) as db:
        choices = filter_choices(db)
        found = find_participants(db, text=ss.get("rv_pfind", ""), limit=30)
        chosen = ss.get("rv_participant")
        if chosen and chosen not in {p.id for p in found}:
            extra = db.get(Participant, chosen)
            found = ([extra] if extra else []) + found
    cur_titles = dict(choices.curricula)
    fac_names = dict(choices.facilitators)
    people = {p.id: _plabel(p) for p in found}
    with st.container(border=True):
        c = st.columns([1, 1, 2, 1, 2])
        c[0].date_input("From", value=None, key="rv_from", format="YYYY-MM-DD", on_change=_reset_page)
        c[1].date_input("To", value=None, key="rv_to", format="YYYY-MM-DD", on_change=_reset_page)
        c[2].selectbox("Curriculum", [None, *cur_titles], key="rv_curriculum", on_change=_reset_page,
                       format_func=lambda i: "All curricula" if i is None else cur_titles.get(i, i))
        c[3].selectbox("Code", [None, *choices.codes], key="rv_code", on_change=_reset_page,
                       format_func=lambda x: "All codes" if x is None else x)
        c[4].selectbox("Facilitator", [None, *fac_names], key="rv_facilitator", on_change=_reset_page,
                       format_func=lambda i: "All facilitators" if i is None else fac_names.get(i, "?"))
        d = st.columns([2, 2, 1.4, 3])
        d[0].text_input("Find a participant", key="rv_pfind", placeholder="Name or record number")
        if ss.get("rv_participant") not in people:
            ss["rv_participant"] = None
        d[1].selectbox("Participant", [None, *people], key="rv_participant", on_change=_reset_page,
                       placeholder="Anyone",
                       format_func=lambda i: "Anyone" if i is None else people.get(i, "?"))
        d[2].selectbox("Status", [None, "planned", "live", "ended"], key="rv_status", on_change=_reset_page,
                       format_func=lambda x: "Any status" if x is None else x)
        d[3].text_input("Search notes", key="rv_text", on_change=_reset_page, max_chars=200,
                        placeholder="Words in the current text of any note")
    return SessionFilter(
        date_from=ss.get("rv_from"), date_to=ss.get("rv_to"), curriculum_id=ss.get("rv_curriculum"),
        code=ss.get("rv_code"), facilitator_id=ss.get("rv_facilitator"), participant_id=ss.get("rv_participant"),
        text=ss.get("rv_text", "") or "", status=ss.get("rv_status"),
    )


def _session_list() -> None:
    flt = _filters()
    ss.setdefault("rv_page", 0)
    with session_scope(engine) as db:
        page = list_sessions(db, filters=flt, limit=PAGE_SIZE, offset=ss["rv_page"] * PAGE_SIZE)
    ss["rv_page"] = page.offset // PAGE_SIZE
    if not page.total:
        st.info("No sessions match these filters." if flt != SessionFilter() else
                "No sessions yet. Plan one on the Plan page.")
        return
    st.caption(f"{page.total} session(s) · page {page.page} of {page.pages} · newest first · "
               "select a row to open its record")
    ss["rv_row_ids"] = [r.session_id for r in page.rows]
    df = pd.DataFrame([{
        "Record": f"review?session={r.session_id}",
        "Date": _local(r.scheduled_at),
        "Curriculum": r.curriculum_title,
        "Code": r.code if not r.billed_code or r.billed_code == r.code else f"{r.code} → {r.billed_code}",
        "Facilitator": r.facilitator or "—",
        "Head-count": r.head_count,
        "Minutes": r.minutes,
        "Units": r.units,
        "Status": r.state,
        "Documentation": ("incomplete: " + "; ".join(r.gaps)) if r.gaps else ("complete" if r.status == "ended"
                                                                              else "—"),
    } for r in page.rows])
    key = f"rv_table_{ss.get('rv_table_ver', 0)}"
    st.dataframe(
        df, hide_index=True, key=key, on_select=lambda: _open_selected(key), selection_mode="single-row",
        column_config={
            "Head-count": st.column_config.NumberColumn(help="Patients present (caregivers not counted)"),
            "Minutes": st.column_config.NumberColumn(help="Face-to-face minutes (pauses excluded)"),
            "Units": st.column_config.NumberColumn(help="Billing units summed over participants"),
            "Record": st.column_config.LinkColumn(display_text="Open", help="Open the record in a new tab"),
        },
    )
    c = st.columns([1, 1, 6])
    c[0].button("← Newer", on_click=_turn, args=(-1,), disabled=page.page <= 1, key="rv_prev")
    c[1].button("Older →", on_click=_turn, args=(1,), disabled=page.page >= page.pages, key="rv_next")


def _billing_export() -> None:
    with st.expander("Billing export: units per participant for a date range"):
        today = clock.today()
        first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        c = st.columns(2)
        d0 = c[0].date_input("From", value=first, key="rv_bill_from", format="YYYY-MM-DD")
        d1 = c[1].date_input("To", value=today, key="rv_bill_to", format="YYYY-MM-DD")
        if not d0 or not d1 or d1 < d0:
            st.info("Choose a start date on or before the end date.")
            return
        st.caption("One row per participant who attended an ended session: code, their own face-to-face "
                   "minutes and units. Text cells are protected against spreadsheet formulas.")

        def make() -> bytes:
            with session_scope(engine) as db:
                return billing_csv(billing_rows(db, date_from=d0, date_to=d1))

        st.download_button("Download billing CSV", make, file_name=f"billing-{d0}-to-{d1}.csv", mime="text/csv",
                           key="rv_bill_dl", icon=":material/download:")


def _overview() -> None:
    today = clock.today()
    c = st.columns([1, 1, 2])
    d0 = c[0].date_input("From", value=today - timedelta(days=365), key="ov_from", format="YYYY-MM-DD")
    d1 = c[1].date_input("To", value=today, key="ov_to", format="YYYY-MM-DD")
    with session_scope(engine) as db:
        choices = filter_choices(db)
    titles = dict(choices.curricula)
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
                help="Started within 10 min of the scheduled time and face-to-face time within ±10 % of "
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
            base = alt.Chart(long).encode(y=alt.Y("curriculum:N", title=None, axis=alt.Axis(labelLimit=260)))
            st.altair_chart(
                base.mark_line(color="gray").encode(x=alt.X("score:Q", title="Mean score"), detail="curriculum:N")
                + base.mark_point(filled=True, size=90).encode(
                    x="score:Q", color=alt.Color("phase:N", sort=["pre", "post"], title="Phase"),
                    tooltip=["curriculum", "phase", alt.Tooltip("score:Q", format=".2f"),
                             alt.Tooltip("change:Q", format="+.2f"), "participants"]),
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
    st.subheader("Topic competency: share who reached 3 or 4")
    if ov.competency:
        df = pd.DataFrame([{"curriculum": x.curriculum_title, "topic": x.topic, "share": x.share,
                            "reached": x.reached, "rated": x.rated} for x in ov.competency])
        st.altair_chart(alt.Chart(df).mark_bar().encode(
            y=alt.Y("topic:N", title=None, axis=alt.Axis(labelLimit=260)),
            x=alt.X("share:Q", title="Share at 3 or 4", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("curriculum:N", title="Curriculum"),
            tooltip=["curriculum", "topic", "reached", "rated", alt.Tooltip("share:Q", format=".0%")]),
            width="stretch")
    else:
        st.caption("No topic competency rated after the education in this period.")


# ================================================================ the session record


def _back() -> None:
    if "session" in st.query_params:
        del st.query_params["session"]


def _header(rec: SessionRecord) -> None:
    s, cur, bill, fac = rec.session, rec.curriculum, rec.billing, rec.view.facilitator
    st.button("← All sessions", on_click=_back, key="rv_back", type="tertiary")
    st.title("Session record")
    st.markdown(f"**{md_escape(cur.title)}** · version {md_escape(cur.version)} · session {s.id}")
    code = CODES[s.billing_code].label
    if bill and bill.billed_code != s.billing_code:
        code += f" · the record supports {CODES[bill.billed_code].label}"
    fac_text = (f"{md_escape(fac.name)} ({md_escape(fac.credential) or 'no credential recorded'})" if fac
                else "no facilitator recorded")
    st.markdown(
        f"**Code:** {md_escape(code)}  \n"
        f"**Scheduled:** {_local(s.scheduled_at)} · **started** {_local(s.started_at)} · "
        f"**ended** {_local(s.ended_at)}  \n"
        f"**Setting:** {md_escape(s.setting)} · **Facilitator:** {fac_text}")
    m = st.columns(4)
    m[0].metric("Face-to-face", f"{bill.face_to_face_minutes} min" if bill else "—",
                help=f"Planned: {cur.minutes} min")
    m[1].metric("Patients present", bill.patients if bill else "—", help="Caregivers are not counted")
    m[2].metric("On the roster", len(rec.view.people))
    m[3].metric("Units", bill.total_units if bill else "—", help="Summed over participants")
    for o in rec.oddities:
        st.info(md_escape(o))
    if rec.gaps:
        st.warning(md_escape("Documentation incomplete: " + "; ".join(rec.gaps) + "."))
    elif s.status == "ended" and rec.view.runs:
        st.success("Documentation complete.")
    if s.status != "ended":
        st.page_link("pages/live.py", label="Open the live view", icon=":material/play_circle:",
                     query_params={"session": s.id})


def _iv(a, b) -> str:
    return f"{_local(a, '%H:%M')}–{_local(b, '%H:%M') if b else 'now'}"


def _attendance(rec: SessionRecord) -> None:
    st.header("Attendance")
    if not rec.view.people:
        st.info("No one is on the roster.")
        return
    rows = []
    for p in rec.view.people:
        hist = rec.presence.get(p.participant_id, [])
        rows.append({
            "Participant": f"{p.first_name} {p.last_name}",
            "Caregiver": "yes" if p.caregiver else "",
            "In the room": "; ".join(_iv(a, b) for a, b in p.intervals) or "not present",
            "Attended": "yes" if p.participant_id in rec.attended else "no",
            "Corrected": "yes" if any(not e.current for e in hist) else "",
            "Late": "yes" if p.added_late else "",
        })
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    _presence_corrections(rec)


def _presence_key(sid: int, pid: int) -> str:
    return f"pc_{sid}_{pid}"


def _save_presence(sid: int, pid: int, n: int, ver: int) -> None:
    base = _presence_key(sid, pid)
    rows = [(ss.get(f"{base}_a_{i}_{ver}"), ss.get(f"{base}_b_{i}_{ver}")) for i in range(n)]
    with action(engine) as db:
        s = get_session(db, sid)
        correct_presence(db, session_id=sid, participant_id=pid, intervals=presence_from_local(s, rows))
        ss.pop(f"{base}_n", None)
        ss["_rv_ok"] = "Presence corrected; the earlier times are kept in the history below."


def _presence_corrections(rec: SessionRecord) -> None:
    s = rec.session
    with st.expander("Correct presence times (kept as amendments)", expanded=False):
        if s.status != "ended" or not rec.view.runs:
            st.caption("Presence can be corrected once the session has been run and ended.")
        else:
            people = {p.participant_id: f"{p.first_name} {p.last_name}" for p in rec.view.people}
            pid = st.selectbox("Participant", list(people), key=f"pc_who_{s.id}",
                               format_func=lambda i: people.get(i, "?"))
            person = next(p for p in rec.view.people if p.participant_id == pid)
            hist = rec.presence.get(pid, [])
            ver = len(hist)
            base = _presence_key(s.id, pid)
            current = [(a, b) for a, b in person.intervals]
            n = ss.setdefault(f"{base}_n", len(current))
            start = clock.to_local(s.started_at).replace(tzinfo=None)
            end = clock.to_local(s.ended_at).replace(tzinfo=None)
            st.caption(f"The session ran from {start:%H:%M} to {end:%H:%M} ({start:%Y-%m-%d}). A time within a "
                       "minute of the start or end counts as the start or end.")
            for i in range(n):
                a, b = current[i] if i < len(current) else (s.started_at, s.ended_at)
                c = st.columns(2)
                c[0].datetime_input(f"Arrived ({i + 1})", value=clock.to_local(a).replace(tzinfo=None),
                                    key=f"{base}_a_{i}_{ver}", step=60, format="YYYY-MM-DD")
                c[1].datetime_input(f"Left ({i + 1})", value=clock.to_local(b or s.ended_at).replace(tzinfo=None),
                                    key=f"{base}_b_{i}_{ver}", step=60, format="YYYY-MM-DD")
            c = st.columns([1, 1, 1, 3])
            c[0].button("Add an interval", key=f"{base}_add", on_click=lambda: ss.__setitem__(f"{base}_n", n + 1))
            c[1].button("Remove the last", key=f"{base}_del", disabled=n == 0,
                        on_click=lambda: ss.__setitem__(f"{base}_n", max(0, n - 1)))
            c[2].button("Save correction", key=f"{base}_save", type="primary", on_click=_save_presence,
                        args=(s.id, pid, n, ver), help="No interval at all marks the person absent")
        amended = {pid: h for pid, h in rec.presence.items() if any(not e.current for e in h)}
        if amended:
            st.markdown("**Presence history** (every earlier interval is kept)")
            rows = []
            for pid, hist in amended.items():
                for e in hist:
                    rows.append({"Participant": rec.name(pid), "Interval": _iv(e.arrived_at, e.left_at),
                                 "Recorded": _local(e.recorded_at, "%Y-%m-%d %H:%M:%S"),
                                 "Correction": "yes" if e.amended else "",
                                 "Status": "current" if e.current else f"superseded {_local(e.superseded_at)}"})
            st.dataframe(pd.DataFrame(rows), hide_index=True)


def _timing(rec: SessionRecord) -> None:
    st.header("Time per step")
    if not rec.view.runs:
        st.info("No step was timed.")
    df = pd.DataFrame([{"step": t.title, "Planned": t.planned_minutes, "Actual": t.actual_minutes}
                       for t in rec.step_times])
    long = df.melt(id_vars=["step"], var_name="kind", value_name="minutes")
    st.altair_chart(alt.Chart(long).mark_bar().encode(
        x=alt.X("step:N", title=None, sort=list(df["step"]), axis=alt.Axis(labelAngle=0, labelLimit=200)),
        xOffset=alt.XOffset("kind:N", sort=["Planned", "Actual"]),
        y=alt.Y("minutes:Q", title="Minutes"), color=alt.Color("kind:N", title=None, sort=["Planned", "Actual"]),
        tooltip=["step", "kind", "minutes"]), width="stretch")


def _fidelity(rec: SessionRecord) -> None:
    st.header("Curriculum fidelity")
    rows = []
    for f in rec.fidelity:
        total = len(f.delivered) + len(f.skipped)
        rows.append({"Step": f.title, "Delivered": f"{len(f.delivered)} of {total}",
                     "Skipped": "; ".join(f.skipped) or "—"})
    st.dataframe(pd.DataFrame(rows), hide_index=True)


def _add_note(sid: int) -> None:
    who, step = ss.get(f"an_who_{sid}"), ss.get(f"an_step_{sid}")
    with action(engine) as db:
        add_note(db, session_id=sid, participant_id=who, step=step, text=ss.get(f"an_text_{sid}", ""),
                 tags=ss.get(f"an_tags_{sid}", []))
        ss[f"an_text_{sid}"] = ""
        ss[f"an_tags_{sid}"] = []
        ss["_rv_ok"] = "Note added."


def _amend(note_id: int, ver: int) -> None:
    with action(engine) as db:
        v = amend_note(db, note_id=note_id, text=ss.get(f"am_text_{note_id}_{ver}", ""),
                       tags=ss.get(f"am_tags_{note_id}_{ver}", []))
        ss["_rv_ok"] = "Amendment saved; the earlier text is kept." if v else "Nothing changed."


def _notes(rec: SessionRecord) -> None:
    st.header("Notes")
    sid = rec.session.id
    owners: list[int | None] = [p.participant_id for p in rec.view.people] + [None]
    shown = False
    for owner in owners:
        notes = rec.notes_for(owner)
        if not notes:
            continue
        shown = True
        st.subheader(md_escape(rec.name(owner)))
        for n in notes:
            with st.container(border=True):
                bits = [STEP_TITLES.get(n.step, n.step), f"last written {_local(n.updated_at)}"]
                if n.tags:
                    bits.append("tags: " + ", ".join(n.tags))
                if n.edited_after_session:
                    bits.append("amended after the session")
                st.caption(md_escape(" · ".join(bits)))
                st.text(n.text)
                hist = rec.histories.get(n.note_id)
                if hist:
                    with st.expander(f"Edit history ({len(hist)} versions)"):
                        for i, v in enumerate(hist, 1):
                            tags = v.tags.replace("|", ", ")
                            st.caption(md_escape(f"Version {i} · {_local(v.created_at, '%Y-%m-%d %H:%M:%S')}"
                                                 + (" · after the session" if v.after_session else "")
                                                 + (f" · tags: {tags}" if tags else "")))
                            st.text(v.text)
    if not shown:
        st.caption("No notes.")

    people = {p.participant_id: f"{p.first_name} {p.last_name}" for p in rec.view.people}
    left, right = st.columns(2)
    with left, st.container(border=True):
        st.markdown("**Add a note**")
        st.selectbox("About", [None, *people], key=f"an_who_{sid}",
                      format_func=lambda i: "The whole group" if i is None else people.get(i, "?"))
        st.selectbox("Step", list(STEP_ORDER), key=f"an_step_{sid}", format_func=lambda x: STEP_TITLES[x],
                     index=len(STEP_ORDER) - 1)
        st.text_area("Note", key=f"an_text_{sid}", max_chars=100_000)
        st.multiselect("Tags", list(NOTE_TAGS), key=f"an_tags_{sid}")
        st.button("Add note", key=f"an_save_{sid}", on_click=_add_note, args=(sid,))
    with right, st.container(border=True):
        st.markdown("**Amend a note** (every earlier version is kept with its time)")
        if not rec.view.notes:
            st.caption("No notes to amend.")
        else:
            labels = {n.note_id: f"{rec.name(n.participant_id)} · {STEP_TITLES.get(n.step, n.step)} · "
                                 f"{n.text[:40]}" for n in rec.view.notes}
            nid = st.selectbox("Note", list(labels), key=f"am_pick_{sid}",
                               format_func=lambda i: labels.get(i, "?"))
            note = next(n for n in rec.view.notes if n.note_id == nid)
            st.text_area("Text", value=note.text, key=f"am_text_{nid}_{note.versions}", max_chars=100_000)
            st.multiselect("Tags", list(NOTE_TAGS), default=[t for t in note.tags if t in NOTE_TAGS],
                           key=f"am_tags_{nid}_{note.versions}")
            st.button("Save amendment", key=f"am_save_{sid}", on_click=_amend, args=(nid, note.versions))


def _ratings(rec: SessionRecord) -> None:
    st.header("Ratings")
    if not rec.curriculum.assessment:
        st.caption("This curriculum has no pre/post assessment.")
        return
    if not rec.view.ratings:
        st.info("No ratings were recorded.")
        return
    rows = [{"Participant": r.name, "Pre": r.pre, "Post": r.post, "Change": r.change,
             "Items rated (pre/post)": f"{r.pre_count}/{r.post_count} of {r.items}"} for r in rec.ratings]
    st.dataframe(pd.DataFrame(rows), hide_index=True, column_config={
        "Pre": st.column_config.NumberColumn(format="%.2f"), "Post": st.column_config.NumberColumn(format="%.2f"),
        "Change": st.column_config.NumberColumn(format="%+.2f")})
    st.caption("Score = mean of the items rated; not scored when more than 2 items are missing.")
    pairs = [{"participant": r.name, "phase": ph, "score": v, "change": r.change}
             for r in rec.ratings if r.change is not None for ph, v in (("pre", r.pre), ("post", r.post))]
    if pairs:
        base = alt.Chart(pd.DataFrame(pairs)).encode(
            x=alt.X("phase:N", sort=["pre", "post"], title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("score:Q", title="Score"),
            color=alt.Color("participant:N", title="Participant"),
            tooltip=["participant", "phase", alt.Tooltip("score:Q", format=".2f"),
                     alt.Tooltip("change:Q", format="+.2f")])
        st.altair_chart(base.mark_line(point=True), width="stretch")
    with st.expander("Ratings by item"):
        items = rec.curriculum.assessment
        rows = []
        for p in rec.view.people:
            for it in items:
                pre = rec.view.ratings.get((p.participant_id, it.id, "pre"))
                post = rec.view.ratings.get((p.participant_id, it.id, "post"))
                if pre is not None or post is not None:
                    rows.append({"Participant": rec.name(p.participant_id), "Item": it.prompt, "Pre": pre,
                                 "Post": post})
        st.dataframe(pd.DataFrame(rows), hide_index=True)


def _competency(rec: SessionRecord) -> None:
    st.header("Topic competency (pre → post)")
    if not rec.curriculum.topics or not rec.view.people:
        st.caption("No topics or no participants.")
        return
    if not rec.view.competency:
        st.info("No topic competency was rated.")
    names: dict[int, str] = {}
    seen: set[str] = set()
    for p in rec.view.people:
        n = rec.name(p.participant_id)
        names[p.participant_id] = n if n not in seen else f"{n} ({p.participant_id})"
        seen.add(n)
    grid: dict[str, dict[str, str]] = {}
    for c in rec.competency:
        grid.setdefault(c.topic, {})[names[c.participant_id]] = c.text
    st.dataframe(pd.DataFrame.from_dict(grid, orient="index"))
    st.caption("DSME Record scale: 1 needs instruction · 2 needs review · 3 comprehends key points · "
               "4 demonstrates competency · NC not covered · NA not applicable.")


def _questions(rec: SessionRecord) -> None:
    st.header("Questions")
    qs = rec.view.questions
    if not qs:
        st.caption("No questions.")
        return
    st.dataframe(pd.DataFrame([{"Question": q.text, "Asked by": rec.name(q.participant_id) if q.participant_id
                                else "—", "Status": q.status} for q in qs]), hide_index=True)
    if rec.parked:
        st.markdown(f"**Parked** ({len(rec.parked)}): to answer after the session or in a private talk.")
        for q in rec.parked:
            st.text(f"• {q.text}")


def _goals(rec: SessionRecord) -> None:
    st.header("Goals and follow-up")
    if not rec.view.goals:
        st.caption("No goals recorded.")
        return
    today = clock.today()
    for g in rec.view.goals:
        with st.container(border=True):
            c = st.columns([3, 1])
            with c[0]:
                st.caption(md_escape(f"{rec.name(g.participant_id)} · {g.behaviour} · confidence {g.confidence}/10"
                                     + (f" · follow up on {g.follow_up_date:%Y-%m-%d}" if g.follow_up_date else
                                        " · no follow-up date")))
                st.text(g.text)
            with c[1]:
                goal_follow_up(engine, g.id, g.followed_up_at, g.follow_up_date, today, f"goal_fu_{g.id}")


def _billing(rec: SessionRecord) -> None:
    st.header("Billing units")
    bill = rec.billing
    if bill is None:
        st.info("No face-to-face time was recorded, so there is nothing to bill.")
        return
    st.markdown(f"Billed as **{bill.billed_code}** ({md_escape(CODES[bill.billed_code].label)}); "
                f"face-to-face time {bill.face_to_face_minutes} min; {bill.patients} patient(s) present.")
    df = pd.DataFrame([{"Participant": rec.name(p.participant_id), "Attended": p.participant_id in rec.attended,
                        "Minutes": p.minutes, "Units": p.units} for p in bill.people])
    st.dataframe(df, hide_index=True)
    for w in bill.warnings:
        st.warning(md_escape(w))
    if len(bill.segments) > 1:
        with st.expander("Head-count over the session"):
            st.dataframe(pd.DataFrame([{"From": _local(x.start, "%H:%M:%S"), "To": _local(x.end, "%H:%M:%S"),
                                        "Patients": x.patients, "Minutes": round(x.minutes, 1)}
                                       for x in bill.segments]), hide_index=True)


def _exports(rec: SessionRecord) -> None:
    st.header("Exports")
    sid = rec.session.id

    def pdf_for(pid: int | None):
        def make() -> bytes:
            with session_scope(engine) as db:
                r = session_record(db, sid)
            return session_pdf(r, participant_id=pid)
        return make

    def csv_for(fn):
        def make() -> bytes:
            with session_scope(engine) as db:
                return fn(session_record(db, sid))
        return make

    def zip_all() -> bytes:
        with session_scope(engine) as db:
            return participant_pdfs_zip(session_record(db, sid))

    c = st.columns(3)
    c[0].download_button("Session record (PDF, group)", pdf_for(None), file_name=export_filename(rec, "record", "pdf"),
                         mime="application/pdf", key=f"dl_pdf_{sid}", icon=":material/picture_as_pdf:")
    if rec.view.people:
        people = {p.participant_id: f"{p.first_name} {p.last_name}" for p in rec.view.people}
        pid = c[1].selectbox("Participant copy for the chart", list(people), key=f"dl_who_{sid}",
                             format_func=lambda i: people.get(i, "?"))
        c[1].download_button("Participant record (PDF)", pdf_for(pid),
                             file_name=export_filename(rec, "record", "pdf", pid), mime="application/pdf",
                             key=f"dl_ppdf_{sid}", icon=":material/picture_as_pdf:")
        c[2].download_button("One PDF per participant (zip)", zip_all, file_name=export_filename(rec, "records", "zip"),
                             mime="application/zip", key=f"dl_zip_{sid}", icon=":material/folder_zip:")
    c = st.columns(4)
    for col, (label, fn, kind) in zip(c, (("Attendance CSV", attendance_csv, "attendance"),
                                          ("Notes CSV", notes_csv, "notes"),
                                          ("Ratings CSV", ratings_csv, "ratings"),
                                          ("Goals CSV", goals_csv, "goals")), strict=True):
        col.download_button(label, csv_for(fn), file_name=export_filename(rec, kind, "csv"), mime="text/csv",
                            key=f"dl_{kind}_{sid}", icon=":material/download:")


def _record(sid: int) -> None:
    with session_scope(engine) as db:
        rec = session_record(db, sid)
    if rec is None:
        st.title("Session record")
        st.info("There is no session with that number.")
        st.button("← All sessions", on_click=_back, key="rv_back_missing")
        return
    ok = ss.pop("_rv_ok", None)
    if ok:
        st.success(ok)
    _header(rec)
    _attendance(rec)
    _billing(rec)
    _timing(rec)
    _fidelity(rec)
    _notes(rec)
    _ratings(rec)
    _competency(rec)
    _questions(rec)
    _goals(rec)
    _exports(rec)


# ================================================================ which view

flash_errors()
raw = st.query_params.get("session")
sid = int_param("session")
if raw is not None and sid is None:
    st.title("Review")
    st.info("That link does not name a session.")
    st.button("← All sessions", on_click=_back, key="rv_back_bad")
elif sid is not None:
    _record(sid)
else:
    st.title("Review")
    tabs = st.tabs(["Sessions", "Program overview"], key="rv_tab", on_change="rerun")
    if tabs[0].open is not False:
        with tabs[0]:
            _session_list()
            _billing_export()
    if tabs[1].open:
        with tabs[1]:
            _overview()


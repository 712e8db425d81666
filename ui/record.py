"""The session record on /review?session=ID: attendance (signatures on the sign-in sheet, presence corrections),
billing units, time per step, fidelity, notes with their history (add and amend), ratings, competency, questions,
goals, follow-ups recommended (add, mark done), the instructor's attestation and exports (with the sign-in sheet).
UI only: every figure comes from models.session_record (follow-ups from models.follow_ups) and every change goes
through the models' action functions."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from models import clock
from models.csv_exports import attendance_csv, export_filename, goals_csv, notes_csv, ratings_csv
from models.db import session_scope
from models.enums import Phase, SessionStatus
from models.follow_ups import (
    default_due_date,
    follow_ups_in_session,
    mark_follow_up_done,
    recommend_follow_up,
)
from models.forgotten import confirm_extra_time, withdraw_extra_time
from models.pdf_record import participant_pdfs_zip, session_pdf
from models.rules import (
    CODES,
    COMPETENCY_LEVELS,
    CONFIDENCE_MAX,
    MAX_FOLLOW_UP_NOTE,
    MAX_NAME,
    MAX_REASON,
    SELF_EFFICACY_MAX_MISSING,
)
from models.session_record import SessionRecord, session_record
from models.session_rows import session_day
from ui import downloads, drafts, paper, record_attendance, record_attestation, record_notes
from ui.actions import action, message_slot, placed_messages, succeeded
from ui.live_writes import FOLLOW_UP_KIND
from ui.pages import link
from ui.setup import get_engine
from ui.text import md_escape, plain
from ui.widgets import NAME_COLUMN, goal_follow_up, set_shown

ss = st.session_state


def back() -> None:
    if "session" in st.query_params:
        del st.query_params["session"]


def _header(rec: SessionRecord) -> None:
    s, cur, bill, fac = rec.session, rec.curriculum, rec.billing, rec.view.facilitator
    st.button("← All sessions", on_click=back, key="rv_back", type="tertiary")
    st.title("Session record")
    st.markdown(f"**{md_escape(cur.title)}** · version {md_escape(cur.version)} · session {s.id}")
    code = CODES[s.billing_code].label
    if bill and bill.billed_code != s.billing_code:
        code += f" · the record supports {CODES[bill.billed_code].label}"
    fac_text = (f"{md_escape(fac.name)} ({md_escape(fac.credential) or 'no credential recorded'})" if fac
                else "no facilitator recorded")
    st.markdown(
        f"**Code:** {md_escape(code)}  \n"
        f"**Scheduled:** {clock.fmt_local(s.scheduled_at)} · **started** {clock.fmt_local(s.started_at)} · "
        f"**ended** {clock.fmt_local(s.ended_at)}  \n"
        f"**Setting:** {md_escape(s.setting)} · **Facilitator:** {fac_text}")
    record_attendance.session_times(rec)
    m = st.columns(4)
    m[0].metric("Face-to-face", f"{bill.face_to_face_minutes} min" if bill else "—",
                help=f"Planned: {cur.minutes} min" + (f"; {bill.recorded_minutes} min on the clock, "
                                                      f"{bill.excluded_minutes} min not counted"
                                                      if bill and bill.excluded_minutes else ""))
    m[1].metric("Patients present", bill.patients if bill else "—", help="Caregivers are not counted")
    m[2].metric("On the roster", len(rec.view.people))
    m[3].metric("Units", bill.total_units if bill else "—", help="Summed over participants")
    for o in rec.oddities:
        st.info(md_escape(o))
    if bill and bill.extra_minutes:
        (st.warning if bill.excluded_minutes else st.info)(md_escape(bill.time_note()))
    for t in rec.time_notes:  # how the end was chosen; extra time confirmed or withdrawn
        st.info(md_escape(t))
    if rec.gaps:
        st.warning(md_escape("Documentation incomplete: " + "; ".join(rec.gaps) + "."))
    elif s.status == SessionStatus.ENDED and rec.view.runs:
        st.success("Documentation complete.")
    if s.status != SessionStatus.ENDED:
        link("live", "Open the live view", session=s.id)


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
        rows.append({"Step": plain(f.title), "Delivered": f"{len(f.delivered)} of {total}",
                     "Skipped": "; ".join(plain(x) for x in f.skipped) or "—"})
    st.dataframe(pd.DataFrame(rows), hide_index=True)


def _ratings(rec: SessionRecord) -> None:
    st.header("Ratings")
    if not rec.curriculum.assessment:
        st.caption("This curriculum has no pre/post assessment.")
        return
    if not rec.view.ratings:
        st.info("No ratings were recorded.")
        return
    rows = [{"Participant": plain(r.name), "Pre": r.pre, "Post": r.post, "Change": r.change,
             "Items rated (pre/post)": f"{r.pre_count}/{r.post_count} of {r.items}"} for r in rec.ratings]
    st.dataframe(pd.DataFrame(rows), hide_index=True, column_config=NAME_COLUMN | {
        "Pre": st.column_config.NumberColumn(format="%.2f"), "Post": st.column_config.NumberColumn(format="%.2f"),
        "Change": st.column_config.NumberColumn(format="%+.2f")})
    st.caption(f"Score = mean of the items rated; not scored when more than {SELF_EFFICACY_MAX_MISSING} items "
               "are missing.")
    pairs = [{"participant": plain(r.name), "phase": ph, "score": v, "change": r.change}
             for r in rec.ratings if r.change is not None for ph, v in ((Phase.PRE, r.pre), (Phase.POST, r.post))]
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
                pre = rec.view.ratings.get((p.participant_id, it.id, Phase.PRE))
                post = rec.view.ratings.get((p.participant_id, it.id, Phase.POST))
                if pre is not None or post is not None:
                    rows.append({"Participant": plain(rec.name(p.participant_id)), "Item": it.prompt, "Pre": pre,
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
        n = plain(rec.name(p.participant_id))
        names[p.participant_id] = n if n not in seen else f"{n} ({p.participant_id})"
        seen.add(n)
    grid: dict[str, dict[str, str]] = {}
    for c in rec.competency:
        grid.setdefault(c.topic, {})[names[c.participant_id]] = c.text
    st.dataframe(pd.DataFrame.from_dict(grid, orient="index"))
    st.caption("DSME Record scale: " + " · ".join(COMPETENCY_LEVELS.values()) + ".")


def _questions(rec: SessionRecord) -> None:
    st.header("Questions")
    qs = rec.view.questions
    if not qs:
        st.caption("No questions.")
        return
    st.dataframe(pd.DataFrame([{"Question": plain(q.text),
                                "Asked by": plain(rec.name(q.participant_id)) if q.participant_id else "—",
                                "Status": q.status} for q in qs]), hide_index=True)
    if rec.parked:
        st.markdown(f"**Parked** ({len(rec.parked)}): to answer after the session or in a private talk.")
        for q in rec.parked:
            st.text(f"• {plain(q.text)}")


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
                st.caption(md_escape(rec.name(g.participant_id)) + md_escape(  # the name isolated on its own
                    f" · {g.behaviour} · confidence {g.confidence}/{CONFIDENCE_MAX}"
                    + (f" · follow up on {g.follow_up_date:%Y-%m-%d}" if g.follow_up_date else " · no follow-up date")))
                st.text(plain(g.text))
            with c[1]:
                goal_follow_up(get_engine(), g.id, g.followed_up_at, g.follow_up_date, today, f"goal_fu_{g.id}")


def _mark_follow_up(follow_up_id: int, seen_version: int, key: str) -> None:
    with action(get_engine()) as db:
        mark_follow_up_done(db, follow_up_id=follow_up_id, done=bool(ss.get(key)), seen_version=seen_version)


def _recommend_follow_up(sid: int) -> None:
    k = f"rfu_{sid}"
    with action(get_engine(), place=k) as db:
        recommend_follow_up(db, participant_id=ss.get(f"{k}_who"), session_id=sid, due_date=ss.get(f"{k}_date"),
                            kind=ss.get(f"{k}_kind") or "", note=ss.get(f"{k}_note", ""))
        drafts.used(f"{k}_note", f"{k}_who", f"{k}_date", f"{k}_kind")
        ss[f"{k}_note"] = ""
        succeeded(k, "Follow-up recommended.")


def _follow_up_picks(rec: SessionRecord) -> tuple[dict[str, drafts.Pick], dict]:
    """"Recommend a follow-up"'s person, due date and kind, as ui/drafts.typed keeps them across a reload (widget
    key → Pick), and what each starts with: the first person, the default due date, the first kind."""
    k, day = f"rfu_{rec.session.id}", session_day(rec.session)
    people = {p.participant_id: plain(p.name) for p in rec.view.people}
    picks = {f"{k}_who": drafts.Pick("select", options=tuple(people), show=lambda i: people.get(i, "?")),
             f"{k}_date": drafts.Pick("date", low=day),
             f"{k}_kind": FOLLOW_UP_KIND}
    return picks, {f"{k}_who": next(iter(people), None), f"{k}_date": default_due_date(day),
                   f"{k}_kind": FOLLOW_UP_KIND.options[0]}


def _follow_up(rec: SessionRecord) -> None:
    """Follow-ups recommended in this session (models/follow_ups.py): each marked done at once, and a form to
    recommend another."""
    st.header("Follow-up")
    sid, today = rec.session.id, clock.today()
    with session_scope(get_engine()) as db:
        rows = follow_ups_in_session(db, session_id=sid)
    if not rows:
        st.caption("No follow-up recommended in this session.")
    for f in rows:
        with st.container(border=True):
            c = st.columns([3, 1])
            c[0].caption(md_escape(rec.name(f.participant_id)) + md_escape(  # the name isolated on its own
                f" · {f.describe(today)}"))
            if f.note:
                c[0].text(plain(f.note))
            key = f"fu_done_{f.follow_up_id}"
            ss[key] = f.done_at is not None  # what is stored, also when another screen changed it
            c[1].checkbox("Done", key=key, on_change=_mark_follow_up, args=(f.follow_up_id, f.version, key))
    if not rec.view.people:
        return
    k = f"rfu_{sid}"
    picks, start = _follow_up_picks(rec)
    for key, v in start.items():  # set before they are drawn, so that what ui/drafts.typed put back shows instead
        ss.setdefault(key, v)
    who, due, kind = (picks[f"{k}_{f}"] for f in ("who", "date", "kind"))
    with st.expander("Recommend a follow-up", icon=":material/event_repeat:", key=f"{k}_open", on_change="rerun"):
        placed_messages(k)
        c = st.columns([2, 1, 1])
        c[0].selectbox("Participant", who.options, key=f"{k}_who", format_func=who.show)
        c[1].date_input("Due", min_value=due.low, key=f"{k}_date", format="YYYY-MM-DD")
        c[2].selectbox("Kind", kind.options, key=f"{k}_kind", format_func=kind.show)
        st.text_input("Note (optional)", key=f"{k}_note", help=f"At most {MAX_FOLLOW_UP_NOTE:,} characters.")
        st.button("Recommend the follow-up", key=f"{k}_add", on_click=_recommend_follow_up, args=(sid,),
                  type="primary")


def _billing(rec: SessionRecord) -> None:
    st.header("Billing units")
    bill = rec.billing
    if bill is None:
        st.info("No face-to-face time was recorded, so there is nothing to bill.")
        return
    st.markdown(f"Billed as **{bill.billed_code}** ({md_escape(CODES[bill.billed_code].label)}); "
                f"face-to-face time {bill.face_to_face_minutes} min; {bill.patients} patient(s) present.")
    df = pd.DataFrame([{"Participant": plain(rec.name(p.participant_id)), "Attended": p.participant_id in rec.attended,
                        "Minutes": p.minutes, "Units": p.units} for p in bill.people])
    st.dataframe(df, hide_index=True, column_config=NAME_COLUMN)
    for w in bill.warnings:
        st.warning(md_escape(w))
    _extra_time(rec)
    if len(bill.segments) > 1:
        with st.expander("Head-count over the session"):
            st.dataframe(pd.DataFrame([{"From": clock.fmt_local(x.start, "%H:%M:%S"),
                                        "To": clock.fmt_local(x.end, "%H:%M:%S"),
                                        "Patients": x.patients, "Minutes": round(x.minutes, 1)}
                                       for x in bill.segments]), hide_index=True)


def _confirm_extra(sid: int, minutes: int) -> None:
    with action(get_engine()) as db:
        confirm_extra_time(db, session_id=sid, minutes=minutes, by=ss.get(f"xt_by_{sid}", ""),
                           reason=ss.get(f"xt_why_{sid}", ""))
        drafts.used(f"xt_by_{sid}", f"xt_why_{sid}")
        ss["_rv_ok"] = f"The extra {minutes} minutes are counted; who confirmed it, when and why are on the record."


def _withdraw_extra(sid: int) -> None:
    with action(get_engine()) as db:
        withdraw_extra_time(db, session_id=sid, by=ss.get(f"xt_by_{sid}", ""))
        drafts.used(f"xt_by_{sid}")
        ss["_rv_ok"] = "The confirmation is withdrawn: the extra time is not counted. The record keeps both."


def _extra_time(rec: SessionRecord) -> None:
    """Count, or stop counting, face-to-face time beyond the planned length plus the margin
    (models/forgotten.py): never counted without the educator saying so here."""
    s, bill = rec.session, rec.billing
    if not bill.extra_minutes:
        return
    with st.container(border=True):
        if s.status != SessionStatus.ENDED:
            st.caption("Time beyond the planned length plus the margin can be confirmed once the session has ended.")
            return
        st.text_input("Your name (kept with the decision)", key=f"xt_by_{s.id}",
                      help=f"At most {MAX_NAME} characters.")
        if bill.excluded_minutes:
            st.markdown(f"**{bill.extra_minutes} min** of face-to-face time beyond the planned "
                        f"{bill.cap.planned_minutes} min plus the {bill.cap.margin_minutes}-minute margin are not "
                        "counted. Count them only if the education went on for that time.")
            st.text_area("Why this time was face-to-face education", key=f"xt_why_{s.id}",
                         help=f"At most {MAX_REASON:,} characters.")
            st.button(f"Count the extra {bill.extra_minutes} minutes", key=f"xt_ok_{s.id}", type="primary",
                      on_click=_confirm_extra, args=(s.id, bill.extra_minutes))
        else:
            st.button("Withdraw the confirmation", key=f"xt_undo_{s.id}", on_click=_withdraw_extra, args=(s.id,),
                      help="The extra time is then no longer counted; the confirmation stays on the record.")


def _exports(rec: SessionRecord) -> None:
    st.header("Exports")
    sid = rec.session.id

    def built(fn, **kw):
        def make() -> bytes:
            with session_scope(get_engine()) as db:
                return fn(session_record(db, sid), **kw)
        return make

    pdf, zip_, csv = "application/pdf", "application/zip", "text/csv"
    c = st.columns(4)
    paper.sign_in_sheet_download(rec.session, container=c[3])
    downloads.prepare("Prepare the group record (PDF)", built(session_pdf),
                      file_name=export_filename(rec, "record", "pdf"), mime=pdf, kind="pdf-group",
                      key=f"dl_pdf_{sid}", icon=":material/picture_as_pdf:", container=c[0])
    if rec.view.people:
        people = {p.participant_id: plain(p.name) for p in rec.view.people}
        pid = c[1].selectbox("Participant copy for the chart", list(people), key=f"dl_who_{sid}",
                             format_func=lambda i: people.get(i, "?"))
        downloads.prepare("Prepare this participant's record (PDF)", built(session_pdf, participant_id=pid),
                          file_name=export_filename(rec, "record", "pdf", pid), mime=pdf, kind="pdf-participant",
                          key=f"dl_ppdf_{sid}", icon=":material/picture_as_pdf:", container=c[1])
        downloads.prepare("Prepare one PDF per participant (zip)", built(participant_pdfs_zip),
                          file_name=export_filename(rec, "records", "zip"), mime=zip_, kind="zip-participants",
                          key=f"dl_zip_{sid}", icon=":material/folder_zip:", container=c[2])
    c = st.columns(4)
    for col, (label, fn, kind) in zip(c, (("Prepare the attendance CSV", attendance_csv, "attendance"),
                                          ("Prepare the notes CSV", notes_csv, "notes"),
                                          ("Prepare the ratings CSV", ratings_csv, "ratings"),
                                          ("Prepare the goals CSV", goals_csv, "goals")), strict=True):
        downloads.prepare(label, built(fn), file_name=export_filename(rec, kind, "csv"), mime=csv,
                          kind=f"csv-{kind}", key=f"dl_{kind}_{sid}", icon=":material/download:", container=col)


_TYPED_LABELS = {"an": "the note being added (under “Add a note”)",
                 "rfu": "the follow-up note (under “Recommend a follow-up”)",
                 "xt": "your name or reason for counting the extra time (under Billing units)",
                 "tc": "your name or reason for correcting the start or end (under “Correct the start or end time”)",
                 "at": "the instructor's attestation (under “Instructor's attestation”)"}


_PICKED_LABELS = {"an": "the person, step or tags of the note being added (under “Add a note”)",
                  "rfu": "the person, due date or kind of the follow-up (under “Recommend a follow-up”)",
                  "tc": "the corrected start or end (under “Correct the start or end time”)",
                  "pc": "the person or the presence times being corrected (under “Correct presence times”)",
                  "am": "the tags of an amendment (under “Amend a note”)"}


def _keep_typed(rec: SessionRecord) -> list[str]:
    """Text typed in the record's short fields (and the attestation's, which start from the facilitator's name and
    the standard statement) but not yet recorded comes back after a reload (ui/drafts.typed), and so do the
    person, step and tags of a note being added, the person, date and kind of a follow-up, the corrected start
    and end, the presence being corrected (the person and their intervals, added ones too), and the tags of an
    amendment; returns the widget keys put back in this run."""
    sid, notes = rec.session.id, rec.view.notes  # recorded: what the record holds is never offered back
    picks, starting = {}, record_attestation.starting(rec)
    for more, start in (record_notes.add_note_picks(rec), _follow_up_picks(rec), record_attendance.times_picks(rec),
                        record_attendance.presence_picks(rec), record_notes.amend_tag_picks(rec)):
        picks |= more
        starting |= start
    return drafts.typed(f"gsf-typed-record:{sid}", [f"an_text_{sid}", f"rfu_{sid}_note", f"xt_(by|why)_{sid}",
                                                    f"tc_{sid}_(by|why)", f"at_(name|other|text)_{sid}"],
                        key=f"typed_record_{sid}", verb="recorded", starting=starting, picks=picks,
                        recorded=record_attestation.recorded(rec) | {f"an_text_{sid}": [n.text for n in notes]},
                        label=lambda k: (_PICKED_LABELS if k in picks else _TYPED_LABELS)[k.split("_")[0]])


def show(sid: int) -> None:
    with session_scope(get_engine()) as db:
        rec = session_record(db, sid)
    if rec is None:
        st.title("Session record")
        st.info("There is no session with that number.")
        st.button("← All sessions", on_click=back, key="rv_back_missing")
        return
    put_back = _keep_typed(rec)
    for form in ("tc", "rfu"):  # what was put back into a form in an expander shows, the expander drawn open
        if any(k.startswith(f"{form}_{sid}_") for k in put_back):
            ss[f"{form}_{sid}_open"] = True
    if any(k.startswith("pc_") for k in put_back):  # likewise the presence correction
        ss[f"pc_open_{sid}"] = True
    for k in put_back:  # the note whose amendment tags were put back is the one chosen to amend
        if (nid := record_notes.amended_note(k)) is not None:
            set_shown(f"am_pick_{sid}", nid)
    ok = ss.pop("_rv_ok", None)
    with message_slot():  # drawn with or without the line, so that it moves nothing when it comes or goes
        if ok:
            st.success(ok)
    # each section in a container of its own: what one section shows more or less (a note added, a message, an
    # offer) moves nothing in the sections after it, which the browser would otherwise draw afresh (a click on a
    # moved button is lost, an opened expander closes)
    for section in (_header, record_attendance.attendance, _billing, _timing, _fidelity, record_notes.notes,
                    _ratings, _competency, _questions, _goals, _follow_up,
                    lambda r: record_attestation.section(r, opened=any(k.startswith("at_") for k in put_back)),
                    _exports):
        with st.container():
            section(rec)

"""The session record's attendance: who was in the room and when, presence corrections (kept as amendments),
signatures on the printed roster, and corrections of the session's own start and end."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from models import clock
from models.attendance import correct_presence, record_signature
from models.enums import SessionStatus
from models.errors import Conflict, RuleError
from models.rules import (
    MAX_NAME,
    MAX_REASON,
)
from models.session_record import SessionRecord, presence_from_local
from models.session_times import correct_session_times, correction_text, times_from_local
from models.sessions import get_session
from ui import conflicts, drafts
from ui.actions import action, notice, placed_messages, succeeded
from ui.setup import get_engine
from ui.text import md_escape, plain
from ui.widgets import NAME_COLUMN

ss = st.session_state


def _times_key(sid: int) -> str:
    return f"tc_{sid}"


def _save_times(sid: int, ver: int, shown) -> None:
    """Save the start and end typed on the form against the start and end it showed."""
    base = _times_key(sid)
    _write_times(sid, ss.get(f"{base}_a_{ver}"), ss.get(f"{base}_b_{ver}"), ss.get(f"{base}_why", ""),
                 ss.get(f"{base}_by", ""), shown)


def _write_times(sid: int, start, end, reason: str, by: str, shown) -> None:
    base = _times_key(sid)
    ss[f"{base}_open"] = True  # the form stays open after every attempt, with its message beside it

    def on_conflict(exc: Conflict) -> None:
        conflicts.remember(base, conflicts.Pending(
            "The session's start and end", f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}",
            f"{clock.fmt_local(exc.theirs[0])}–{clock.fmt_local(exc.theirs[1], '%H:%M')}",
            keep_mine=lambda: _write_times(sid, start, end, reason, by, exc.version)))

    with action(get_engine(), on_conflict=on_conflict, place=base) as db:
        if start is None or end is None:
            raise RuleError("Give both the start and the end.")
        started, ended = times_from_local(shown, start, end)
        kept = correct_session_times(db, session_id=sid, started_at=started, ended_at=ended, reason=reason, by=by,
                                     seen=shown)
        conflicts.forget(base)
        if kept is None:
            succeeded(base, "Nothing changed: those are the times stored.")
        else:
            drafts.used(f"{base}_by", f"{base}_why")
            ss[f"{base}_why"] = ""
            succeeded(base, "Start and end corrected; the earlier times are kept in the history below.")


def times_picks(rec: SessionRecord) -> tuple[dict[str, drafts.Pick], dict]:
    """The start and end being corrected, as ui/drafts.typed keeps them across a reload (widget key → Pick), and
    what each starts with: the stored start and end (none before the session has been run and ended)."""
    s = rec.session
    if s.status != SessionStatus.ENDED or not rec.view.runs or s.started_at is None or s.ended_at is None:
        return {}, {}
    start = _stored_times(s, len(rec.time_corrections))
    return dict.fromkeys(start, drafts.Pick("datetime")), start


def _stored_times(s, ver: int) -> dict:
    """The correction form's fields (widget key → value) as they start: the stored start and end, as shown."""
    base = _times_key(s.id)
    return {f"{base}_a_{ver}": clock.to_wall_clock(s.started_at), f"{base}_b_{ver}": clock.to_wall_clock(s.ended_at)}


def session_times(rec: SessionRecord) -> None:
    """The session's own start and end corrected with a reason (models/session_times.py), and every correction."""
    s = rec.session
    base, history = _times_key(s.id), rec.time_corrections
    with st.expander("Correct the start or end time (kept as an amendment)", key=f"{base}_open",
                     on_change="rerun"):
        conflicts.show(base)
        if s.status != SessionStatus.ENDED or not rec.view.runs:
            st.caption("The start and end can be corrected once the session has been run and ended.")
        else:
            ver = len(history)
            shown = (s.started_at, s.ended_at)
            st.caption("Step changes, pauses, arrivals and departures during the session stay where they were "
                       "recorded; what was recorded at the start or the end moves with it. Face-to-face time, and "
                       "the minutes of everyone there from the start or to the end, change by the time moved; "
                       "units follow.")
            # the stored times, set before they are drawn, so that times put back by ui/drafts.typed show instead
            for k, v in _stored_times(s, ver).items():
                ss.setdefault(k, v)
            with st.form(f"{base}_form", border=False):
                c = st.columns(2)
                c[0].datetime_input("Started", key=f"{base}_a_{ver}", step=60, format="YYYY-MM-DD")
                c[1].datetime_input("Ended", key=f"{base}_b_{ver}", step=60, format="YYYY-MM-DD")
                st.text_input("Your name (kept with the correction)", key=f"{base}_by",
                              help=f"At most {MAX_NAME} characters.")
                st.text_area("Why the times are corrected", key=f"{base}_why",
                             help=f"At most {MAX_REASON:,} characters.")
                st.form_submit_button("Save the corrected times", type="primary", on_click=_save_times,
                                      args=(s.id, ver, shown))
            placed_messages(base)
    if history:
        st.markdown("**Start and end corrected** (every earlier value is kept)")
        st.dataframe(pd.DataFrame([{
            "Recorded": clock.fmt_local(c.recorded_at), "By": plain(c.corrected_by or ""), "Change": correction_text(c),
            "Reason": plain(c.reason)} for c in reversed(history)]), hide_index=True, column_config={
            "Change": st.column_config.TextColumn(width="large"), "Reason": st.column_config.TextColumn(width="large")})


def _iv(a, b) -> str:
    return f"{clock.fmt_local(a, '%H:%M')}–{clock.fmt_local(b, '%H:%M') if b else 'now'}"


def attendance(rec: SessionRecord) -> None:
    st.header("Attendance")
    if not rec.view.people:
        st.info("No one is on the roster.")
        return
    rows = []
    for p in rec.view.people:
        hist = rec.presence.get(p.participant_id, [])
        rows.append({
            "Participant": plain(p.name),
            "Caregiver": "yes" if p.caregiver else "",
            "In the room": "; ".join(_iv(a, b) for a, b in p.intervals) or "not present",
            "Attended": "yes" if p.participant_id in rec.attended else "no",
            "Corrected": "yes" if any(not e.current for e in hist) else "",
            "Late": "yes" if p.added_late else "",
            "Signed the roster": clock.fmt_local(p.signed_at, "%H:%M") if p.signed_at else "",
        })
    st.dataframe(pd.DataFrame(rows), hide_index=True,
                 column_config=NAME_COLUMN | {"In the room": st.column_config.TextColumn(width=200)})
    _signatures(rec)
    _presence_corrections(rec)


def _signature_key(sid: int, pid: int) -> str:
    return f"sg_{sid}_{pid}"


def _save_signature(sid: int, pid: int, seen_version: int, name: str) -> None:
    _write_signature(sid, pid, bool(ss.get(_signature_key(sid, pid))), seen_version, name)


def _write_signature(sid: int, pid: int, signed: bool, seen_version: int, name: str) -> None:
    """Record (or withdraw) a patient's signature on the printed roster, against the version this screen showed."""
    key = _signature_key(sid, pid)

    def on_conflict(exc: Conflict) -> None:
        conflicts.remember(key, conflicts.Pending(
            f"{name}'s signature on the roster", "signed" if signed else "not signed",
            f"signed, recorded {clock.fmt_local(exc.theirs)}" if exc.theirs else "not signed",
            keep_mine=lambda: _write_signature(sid, pid, signed, exc.version, name)))

    with action(get_engine(), retry=lambda: _write_signature(sid, pid, signed, seen_version, name),
                on_conflict=on_conflict) as db:
        if not record_signature(db, session_id=sid, participant_id=pid, signed=signed, seen_version=seen_version):
            notice(f"{name}'s signature was already {'recorded' if signed else 'withdrawn'} on another screen; "
                   "nothing was changed.")
        conflicts.forget(key)


def _signatures(rec: SessionRecord) -> None:
    """A tick per patient for the signature on the printed sign-in sheet, saved at once."""
    sid = rec.session.id
    people = sorted(rec.view.people, key=lambda p: (p.last_name.casefold(), p.first_name.casefold()))
    pending = any(conflicts.pending(_signature_key(sid, p.participant_id)) for p in people)
    with st.expander(f"Sign-in sheet: {sum(1 for p in people if p.signed_at)} of {len(people)} signed",
                     expanded=pending):
        st.caption("Tick each patient whose signature is on the printed sign-in sheet (Exports: "
                   "\u201cPrepare the sign-in sheet\u201d). Each tick is saved at once, with its time.")
        for p in people:
            key = _signature_key(sid, p.participant_id)
            conflicts.show(key)
            ss[key] = p.signed_at is not None
            st.checkbox(f"{md_escape(p.name)}: signed the roster", key=key, on_change=_save_signature,
                        args=(sid, p.participant_id, rec.view.version("attendance", p.participant_id), p.name),
                        help=f"Recorded {clock.fmt_local(p.signed_at)}" if p.signed_at else None)


def _presence_key(sid: int, pid: int) -> str:
    return f"pc_{sid}_{pid}"


def _save_presence(sid: int, pid: int, n: int, ver: int, seen_version: int, name: str) -> None:
    """Save a presence correction against the roster entry's version this screen showed."""
    rows = [tuple(ss.get(k) for k in _row_keys(sid, pid, i, ver)) for i in range(n)]
    _write_presence(sid, pid, rows, seen_version, name)


def _write_presence(sid: int, pid: int, rows, seen_version: int, name: str) -> None:
    base = _presence_key(sid, pid)

    def spans(intervals) -> str:
        return "; ".join(_iv(a, b) for a, b in intervals) or "not present"

    def on_conflict(exc: Conflict) -> None:
        conflicts.remember(base, conflicts.Pending(
            f"{name}'s presence", _typed_spans(rows),
            spans(exc.theirs), keep_mine=lambda: _write_presence(sid, pid, rows, exc.version, name)))

    ss[f"pc_open_{sid}"] = True  # the form stays open after every attempt, with its message beside it
    with action(get_engine(), on_conflict=on_conflict, place=f"pc_{sid}") as db:
        s = get_session(db, sid)
        correct_presence(db, session_id=sid, participant_id=pid, intervals=presence_from_local(s, rows),
                         seen_version=seen_version)
        conflicts.forget(base)
        ss.pop(f"{base}_n", None)
        drafts.used(_who_key(sid))  # the person chosen is not offered back after a reload: their times are saved
        succeeded(f"pc_{sid}", "Presence corrected; the earlier times are kept in the history below.")


def _typed_spans(rows) -> str:
    """Intervals as typed on the form (local wall-clock times)."""
    return "; ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in rows if a and b) or "not present"


ROWS_ADDED_KEPT = 4  # intervals added to a person's presence that still come back after a reload


def _who_key(sid: int) -> str:
    return f"pc_who_{sid}"


def _presence_version(rec: SessionRecord, pid: int) -> int:
    """Which presence version of a person the form shows (its fields' keys end with it: a correction saved
    elsewhere draws fresh fields, never the ones typed against the older version)."""
    return len(rec.presence.get(pid, []))


def _row_keys(sid: int, pid: int, i: int, ver: int) -> tuple[str, str]:
    """The arrived and left fields of a person's i-th interval on the form showing presence version `ver`."""
    base = _presence_key(sid, pid)
    return f"{base}_a_{i}_{ver}", f"{base}_b_{i}_{ver}"


def _row_start(s, person, i: int) -> tuple:
    """What a person's i-th interval shows before anything is typed: the stored interval, or for an interval added
    on the form, the session's start and end (as the fields show them: local, to the minute)."""
    a, b = person.intervals[i] if i < len(person.intervals) else (s.started_at, s.ended_at)
    return clock.to_wall_clock(a), clock.to_wall_clock(b or s.ended_at)


def presence_picks(rec: SessionRecord) -> tuple[dict[str, drafts.Pick], dict]:
    """The presence correction being typed, as ui/drafts.typed keeps it across a reload (widget key → Pick), and
    what each field starts with: the person chosen, and each person's intervals, with up to ROWS_ADDED_KEPT added
    ones (an added interval is drawn again after a reload when something was typed into it)."""
    s = rec.session
    if s.status != SessionStatus.ENDED or not rec.view.runs or not rec.view.people:
        return {}, {}
    people = {p.participant_id: plain(p.name) for p in rec.view.people}
    picks = {_who_key(s.id): drafts.Pick("select", options=tuple(people), show=lambda i: people.get(i, "?"))}
    start = {_who_key(s.id): next(iter(people))}
    for p in rec.view.people:
        ver = _presence_version(rec, p.participant_id)
        for i in range(len(p.intervals) + ROWS_ADDED_KEPT):
            for k, v in zip(_row_keys(s.id, p.participant_id, i, ver), _row_start(s, p, i), strict=True):
                picks[k], start[k] = drafts.Pick("datetime"), v
    return picks, start


def _presence_corrections(rec: SessionRecord) -> None:
    s = rec.session
    with st.expander("Correct presence times (kept as amendments)", key=f"pc_open_{s.id}", on_change="rerun"):
        for p in rec.view.people:
            conflicts.show(_presence_key(s.id, p.participant_id))
        if s.status != SessionStatus.ENDED or not rec.view.runs:
            st.caption("Presence can be corrected once the session has been run and ended.")
        else:
            people = {p.participant_id: plain(p.name) for p in rec.view.people}
            pid = st.selectbox("Participant", list(people), key=_who_key(s.id),
                               format_func=lambda i: people.get(i, "?"))
            person = next(p for p in rec.view.people if p.participant_id == pid)
            ver = _presence_version(rec, pid)
            base = _presence_key(s.id, pid)
            n = ss.setdefault(f"{base}_n", len(person.intervals))
            # an added interval that ui/drafts.typed put back after a reload is drawn again, with what it held
            while n < len(person.intervals) + ROWS_ADDED_KEPT and any(k in ss for k in _row_keys(s.id, pid, n, ver)):
                n = ss[f"{base}_n"] = n + 1
            start = clock.to_wall_clock(s.started_at)
            end = clock.to_wall_clock(s.ended_at)
            st.caption(f"The session ran from {start:%H:%M} to {end:%H:%M} ({start:%Y-%m-%d}). A time within a "
                       "minute of the start or end counts as the start or end.")
            for i in range(n):
                ka, kb = _row_keys(s.id, pid, i, ver)
                a, b = _row_start(s, person, i)
                ss.setdefault(ka, a)  # set before drawn: what ui/drafts.typed put back shows instead
                ss.setdefault(kb, b)
                c = st.columns(2)
                c[0].datetime_input(f"Arrived ({i + 1})", key=ka, step=60, format="YYYY-MM-DD")
                c[1].datetime_input(f"Left ({i + 1})", key=kb, step=60, format="YYYY-MM-DD")
            c = st.columns([1, 1, 1, 3])
            c[0].button("Add an interval", key=f"{base}_add", on_click=lambda: ss.__setitem__(f"{base}_n", n + 1))
            c[1].button("Remove the last", key=f"{base}_del", disabled=n == 0,
                        on_click=lambda: ss.__setitem__(f"{base}_n", max(0, n - 1)))
            c[2].button("Save correction", key=f"{base}_save", type="primary", on_click=_save_presence,
                        args=(s.id, pid, n, ver, rec.view.version("attendance", pid), people.get(pid, "?")),
                        help="No interval at all marks the person absent")
        placed_messages(f"pc_{s.id}")
        amended = {pid: h for pid, h in rec.presence.items() if any(not e.current for e in h)}
        if amended:
            st.markdown("**Presence history** (every earlier interval is kept)")
            rows = []
            for pid, hist in amended.items():
                for e in hist:
                    rows.append({"Participant": plain(rec.name(pid)), "Interval": _iv(e.arrived_at, e.left_at),
                                 "Recorded": clock.fmt_local(e.recorded_at, "%Y-%m-%d %H:%M:%S"),
                                 "Correction": "yes" if e.amended else "",
                                 "Status": ("current" if e.current
                                            else f"superseded {clock.fmt_local(e.superseded_at)}")})
            st.dataframe(pd.DataFrame(rows), hide_index=True, column_config=NAME_COLUMN)

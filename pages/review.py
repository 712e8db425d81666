"""Review: the session list (filters, note search, pages) and the program overview; with ?session=ID the
session record (attendance and presence corrections, time per step, fidelity, notes with their history,
ratings, competency, questions, goals, billing units, exports). UI only: every figure comes from models/
(session_list, session_record, reports) and every change goes through its action modules."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from models import clock
from models.csv_exports import billing_csv
from models.db import session_scope
from models.enums import SessionStatus
from models.people import find_participants, get_participant
from models.reports import billing_rows
from models.session_list import PAGE_SIZE, SessionFilter, filter_choices, list_sessions
from ui import downloads, record
from ui.actions import flash_errors
from ui.overview import overview
from ui.pages import page
from ui.setup import int_param, page_setup
from ui.text import plain
from ui.widgets import NO_FIGURE, picker_label, search_box

engine = page_setup("review")
ss = st.session_state


def _local(ts, pattern: str = "%Y-%m-%d %H:%M") -> str:
    return clock.fmt_local(ts, pattern)


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


def _filters() -> SessionFilter | None:
    """The filters, drawn; None when a search field holds what cannot be searched (its reason is shown)."""
    box = st.container(border=True)
    c, d = box.columns([1, 1, 2, 1, 2]), box.columns([2, 2, 1.4, 3])
    pfind = search_box("Find a participant", key="rv_pfind", container=d[0], placeholder="Name or record number")
    with session_scope(engine) as db:
        choices = filter_choices(db)
        found = find_participants(db, text=pfind, limit=30) if pfind is not None else []
        chosen = ss.get("rv_participant")
        if chosen and chosen not in {p.id for p in found}:
            extra = get_participant(db, chosen)
            found = ([extra] if extra else []) + found
    cur_titles = {i: plain(t) for i, t in choices.curricula}
    fac_names = {i: plain(n) for i, n in choices.facilitators}
    people = {p.id: picker_label(p) for p in found}
    c[0].date_input("From", value=None, key="rv_from", format="YYYY-MM-DD", on_change=_reset_page)
    c[1].date_input("To", value=None, key="rv_to", format="YYYY-MM-DD", on_change=_reset_page)
    c[2].selectbox("Curriculum", [None, *cur_titles], key="rv_curriculum", on_change=_reset_page,
                   format_func=lambda i: "All curricula" if i is None else cur_titles.get(i, i))
    c[3].selectbox("Code", [None, *choices.codes], key="rv_code", on_change=_reset_page,
                   format_func=lambda x: "All codes" if x is None else x)
    c[4].selectbox("Facilitator", [None, *fac_names], key="rv_facilitator", on_change=_reset_page,
                   format_func=lambda i: "All facilitators" if i is None else fac_names.get(i, "?"))
    if ss.get("rv_participant") not in people:
        ss["rv_participant"] = None
    d[1].selectbox("Participant", [None, *people], key="rv_participant", on_change=_reset_page,
                   placeholder="Anyone",
                   format_func=lambda i: "Anyone" if i is None else people.get(i, "?"))
    d[2].selectbox("Status", [None, *SessionStatus], key="rv_status", on_change=_reset_page,
                   format_func=lambda x: "Any status" if x is None else x)
    text = search_box("Search notes", key="rv_text", container=d[3], on_change=_reset_page,
                      placeholder="Words in the current text of any note")
    if text is None:
        return None
    return SessionFilter(
        date_from=ss.get("rv_from"), date_to=ss.get("rv_to"), curriculum_id=ss.get("rv_curriculum"),
        code=ss.get("rv_code"), facilitator_id=ss.get("rv_facilitator"), participant_id=ss.get("rv_participant"),
        text=text, status=ss.get("rv_status"),
    )


def _session_list() -> None:
    flt = _filters()
    if flt is None:
        return
    ss.setdefault("rv_page", 0)
    with session_scope(engine) as db:
        listed = list_sessions(db, filters=flt, limit=PAGE_SIZE, offset=ss["rv_page"] * PAGE_SIZE)
    ss["rv_page"] = listed.offset // PAGE_SIZE
    if not listed.total:
        st.info("No sessions match these filters." if flt != SessionFilter() else
                "No sessions yet. Plan one on the Plan page.")
        return
    st.caption(f"{listed.total} session(s) · page {listed.page} of {listed.pages} · newest first · "
               "select a row to open its record")
    ss["rv_row_ids"] = [r.session_id for r in listed.rows]
    df = pd.DataFrame([{
        "Record": f"review?session={r.session_id}",
        "Date": _local(r.scheduled_at),
        "Curriculum": plain(r.curriculum_title),
        "Code": r.code if not r.billed_code or r.billed_code == r.code else f"{r.code} → {r.billed_code}",
        "Facilitator": plain(r.facilitator) or "—",
        "Head-count": r.head_count,
        "Minutes": r.minutes,
        "Units": r.units,
        "Status": r.state,
        "Documentation": r.documentation,
    } for r in listed.rows])
    key = f"rv_table_{ss.get('rv_table_ver', 0)}"
    col = st.column_config
    # Key columns first and every width set, so that at 1366 px (menu open) the whole row fits without scrolling;
    # a long title or list of reasons is cut in its cell and shown whole when the cell is opened.
    st.dataframe(
        df, hide_index=True, key=key, on_select=lambda: _open_selected(key), selection_mode="single-row",
        placeholder=NO_FIGURE,
        column_order=["Record", "Date", "Curriculum", "Code", "Status", "Documentation", "Units", "Head-count",
                      "Minutes", "Facilitator"],
        column_config={
            "Record": col.LinkColumn(display_text="Open", help="Open the record in a new tab", width=56),
            "Date": col.TextColumn(width=120),
            "Curriculum": col.TextColumn(width=130),
            "Code": col.TextColumn(width=62, help="The session's code; → the code the record supports"),
            "Status": col.TextColumn(width=84, help="planned, in progress, ended, or ended without being run"),
            "Documentation": col.TextColumn(
                "Documentation", width=150,
                help="Complete, or incomplete with what is missing (listed in full on the record)"),
            "Units": col.NumberColumn(width=48, help="Billing units summed over participants"),
            "Head-count": col.NumberColumn("Patients", width=64, help="Patients present (caregivers not counted)"),
            "Minutes": col.NumberColumn("Min", width=44, help="Face-to-face minutes (pauses excluded)"),
            "Facilitator": col.TextColumn(width=80),
        },
    )
    c = st.columns([1, 1, 6])
    c[0].button("← Newer", on_click=_turn, args=(-1,), disabled=listed.page <= 1, key="rv_prev")
    c[1].button("Older →", on_click=_turn, args=(1,), disabled=listed.page >= listed.pages, key="rv_next")


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

        downloads.prepare("Prepare the billing CSV", make, file_name=f"billing-{d0}-to-{d1}.csv", mime="text/csv",
                          kind="csv-billing", key="rv_bill_dl", icon=":material/download:")


# ================================================================ which view

flash_errors()
raw = st.query_params.get("session")
sid = int_param("session")
if raw is not None and sid is None:
    st.title(page("review").title)
    st.info("That link does not name a session.")
    st.button("← All sessions", on_click=record.back, key="rv_back_bad")
elif sid is not None:
    record.show(sid)
else:
    st.title(page("review").title)
    tabs = st.tabs(["Sessions", "Program overview"], key="rv_tab", on_change="rerun")
    if tabs[0].open is not False:
        with tabs[0]:
            _session_list()
            _billing_export()
    if tabs[1].open:
        with tabs[1]:
            overview()


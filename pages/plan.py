"""Plan a session: curriculum, code, date and time, facilitator, setting, and the roster."""

from datetime import datetime, time, timedelta

import streamlit as st

from models import clock
from models.db import session_scope
from models.people import (
    create_facilitator,
    create_participant,
    find_participants,
    list_facilitators,
    participants_by_id,
)
from models.rules import CODES, CREDENTIAL_CHOICES, SETTINGS, check_group_size, is_qualified_instructor
from models.sessions import create_session, list_sessions_between
from ui.setup import action, catalog, flash_errors, page_setup
from ui.widgets import md_escape

engine = page_setup("Plan a session")
st.title("Plan a session")
flash_errors()

cat = catalog()
if not cat.curricula:
    st.error("No valid curriculum is available. See the Curricula page for the files that failed.")
    st.page_link("pages/curricula.py", label="Curricula", icon=":material/menu_book:")
    st.stop()

ss = st.session_state
ss.setdefault("plan_roster", [])


def _add_participant() -> None:
    with action(engine) as db:
        p = create_participant(
            db,
            first_name=ss.get("np_first", ""),
            last_name=ss.get("np_last", ""),
            record_number=ss.get("np_record") or None,
            date_of_birth=ss.get("np_dob"),
        )
        ss["plan_roster"] = [*ss["plan_roster"], p.id]
        for k in ("np_first", "np_last", "np_record"):
            ss[k] = ""
        ss["np_dob"] = None
        ss["_flash_ok"] = f"Added {md_escape(p.first_name)} {md_escape(p.last_name)} to the roster."


def _add_facilitator() -> None:
    with action(engine) as db:
        f = create_facilitator(db, name=ss.get("nf_name", ""), credential=", ".join(ss.get("nf_cred", [])))
        ss["plan_facilitator"] = f.id
        ss["nf_name"] = ""
        ss["nf_cred"] = []


def _create() -> None:
    cur = cat.curricula[ss["plan_curriculum"]]
    when = datetime.combine(ss["plan_date"], ss["plan_time"])
    with action(engine) as db:
        s = create_session(
            db,
            curriculum=cur,
            billing_code=ss["plan_code"],
            scheduled_at=clock.from_local(when),
            setting=ss["plan_setting"],
            facilitator_id=ss.get("plan_facilitator"),
            participant_ids=list(ss["plan_roster"]),
        )
        ss["plan_created"] = s.id
        ss["plan_roster"] = []


ok = ss.pop("_flash_ok", None)
if ok:
    st.success(ok)

created = ss.get("plan_created")
if created:
    with st.container(border=True):
        st.success(f"Session {created} is planned.")
        c1, c2, c3 = st.columns(3)
        c1.page_link("pages/live.py", label="Start it: open the live view", icon=":material/play_circle:",
                     query_params={"session": created})
        c2.page_link("pages/projector.py", label="Projector view", icon=":material/cast:",
                     query_params={"session": created})
        if c3.button("Plan another session"):
            ss.pop("plan_created", None)
            st.rerun()

with session_scope(engine) as db:
    facilitators = list_facilitators(db)

left, right = st.columns([3, 2], gap="large")
with left:
    st.subheader("Session")
    ids = sorted(cat.curricula, key=lambda i: cat.curricula[i].title)
    cur_id = st.selectbox("Curriculum", ids, key="plan_curriculum",
                          format_func=lambda i: f"{cat.curricula[i].title} (v{cat.curricula[i].version})")
    cur = cat.curricula[cur_id]
    if ss.get("plan_code") not in cur.codes:
        ss["plan_code"] = cur.codes[0]
    code = st.selectbox("Billing code", cur.codes, format_func=lambda c: CODES[c].label, key="plan_code")
    d1, d2 = st.columns(2)
    d1.date_input("Date", value=clock.now().astimezone().date(), key="plan_date", format="YYYY-MM-DD")
    d2.time_input("Start time", value=time(10, 0), key="plan_time", step=timedelta(minutes=15))
    st.selectbox("Setting", SETTINGS, key="plan_setting", format_func=str.capitalize)
    fac_ids = [f.id for f in facilitators]
    fac_names = {f.id: f"{f.name} ({f.credential or 'no credential'})" for f in facilitators}
    if ss.get("plan_facilitator") not in fac_ids:
        ss["plan_facilitator"] = fac_ids[0] if fac_ids else None
    st.selectbox("Facilitator", fac_ids, format_func=lambda i: fac_names.get(i, "?"), key="plan_facilitator",
                 placeholder="Add a facilitator below")
    chosen = next((f for f in facilitators if f.id == ss.get("plan_facilitator")), None)
    if CODES[code].dsmt and chosen and not is_qualified_instructor(chosen.credential):
        st.warning("Medicare DSMT needs at least one instructor who is an RN, RD or pharmacist.")
    with st.expander("Add a facilitator"):
        with st.form("new_facilitator", clear_on_submit=False, border=False):
            st.text_input("Name", key="nf_name", max_chars=200)
            st.multiselect("Credentials", CREDENTIAL_CHOICES, key="nf_cred")
            st.form_submit_button("Add facilitator", on_click=_add_facilitator)

with right:
    st.subheader("Roster")
    query = st.text_input("Find a participant", key="plan_search", placeholder="Name or record number")
    with session_scope(engine) as db:
        found = find_participants(db, text=query, limit=100)
        selected = participants_by_id(db, list(ss["plan_roster"]))
    options = {p.id: p for p in found} | selected
    labels = {pid: f"{p.first_name} {p.last_name}" + (f" · {p.record_number}" if p.record_number else "")
              for pid, p in options.items()}
    st.multiselect("Participants on the roster", list(options), format_func=lambda i: labels.get(i, str(i)),
                   key="plan_roster", placeholder="Pick known participants")
    n = len(ss["plan_roster"])
    check = check_group_size(code, n)
    if n == 0:
        st.info("No one on the roster yet. You can also add people on the live page as they arrive.")
    elif check.ok:
        st.success(check.message)
    elif check.refused:
        st.error(check.message)
    else:
        st.warning(check.message)
    with st.expander("Add a new participant"):
        with st.form("new_participant", border=False):
            st.text_input("First name", key="np_first", max_chars=200)
            st.text_input("Last name", key="np_last", max_chars=200)
            st.text_input("Record number (optional)", key="np_record", max_chars=100)
            st.date_input("Date of birth (optional)", value=None, key="np_dob", min_value=datetime(1900, 1, 1),
                          format="YYYY-MM-DD")
            st.form_submit_button("Add to roster", on_click=_add_participant)

blocked = n > 0 and check.refused
st.button("Create session", type="primary", on_click=_create, disabled=blocked or not ss.get("plan_facilitator"),
          help="A facilitator is needed" if not ss.get("plan_facilitator") else None)

st.divider()
st.subheader("Planned sessions")
with session_scope(engine) as db:
    start = datetime.combine(clock.now().astimezone().date(), datetime.min.time()).astimezone()
    planned = [s for s in list_sessions_between(db, start=start, end=start + timedelta(days=60)) if s.status != "ended"]
if not planned:
    st.caption("None in the next 60 days.")
for s in planned:
    c1, c2 = st.columns([4, 1])
    c1.text(f"{clock.fmt_local(s.scheduled_at)} · {s.curriculum_title} · {s.billing_code} · {s.status}")
    c2.page_link("pages/live.py", label="Live view", query_params={"session": s.id})

"""Plan a session: curriculum, code, date and time, facilitator, setting, and the roster."""

from datetime import datetime, time, timedelta

import streamlit as st

from models import clock
from models.db import session_scope
from models.enums import SessionStatus
from models.people import (
    create_facilitator,
    create_participant,
    find_participants,
    list_facilitators,
    participants_by_id,
)
from models.rules import (
    CODES,
    CREDENTIAL_CHOICES,
    MAX_NAME,
    MAX_RECORD_NUMBER,
    SETTINGS,
    check_group_size,
    instructor_warning,
)
from models.sessions import create_session, list_sessions_between
from ui.actions import action, flash_errors
from ui.pages import link, page
from ui.setup import catalog, page_setup
from ui.text import md_escape, plain
from ui.widgets import picker_label, search_box

engine = page_setup("plan")
st.title(page("plan").title)
flash_errors()

cat = catalog()
if not cat.curricula:
    st.error("No valid curriculum is available. See the Curricula page for the files that failed.")
    link("curricula")
    st.stop()

ss = st.session_state
ss.setdefault("plan_roster", [])
PLANNED_DAYS = 60  # how far ahead the list of planned sessions looks


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
        link("live", "Start it: open the live view", session=created, container=c1)
        link("projector", session=created, container=c2)
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
                          format_func=lambda i: f"{plain(cat.curricula[i].title)} (v{plain(cat.curricula[i].version)})")
    cur = cat.curricula[cur_id]
    if ss.get("plan_code") not in cur.codes:
        ss["plan_code"] = cur.codes[0]
    code = st.selectbox("Billing code", cur.codes, format_func=lambda c: CODES[c].label, key="plan_code")
    d1, d2 = st.columns(2)
    d1.date_input("Date", value=clock.today(), key="plan_date", format="YYYY-MM-DD")
    d2.time_input("Start time", value=time(10, 0), key="plan_time", step=timedelta(minutes=15))
    st.selectbox("Setting", SETTINGS, key="plan_setting", format_func=str.capitalize)
    fac_ids = [f.id for f in facilitators]
    fac_names = {f.id: f"{plain(f.name)} ({f.credential or 'no credential'})" for f in facilitators}
    if ss.get("plan_facilitator") not in fac_ids:
        ss["plan_facilitator"] = fac_ids[0] if fac_ids else None
    st.selectbox("Facilitator", fac_ids, format_func=lambda i: fac_names.get(i, "?"), key="plan_facilitator",
                 placeholder="Add a facilitator below")
    chosen = next((f for f in facilitators if f.id == ss.get("plan_facilitator")), None)
    instructor = instructor_warning(code, chosen.credential) if chosen else None
    if instructor:
        st.warning(instructor)
    with st.expander("Add a facilitator"):
        with st.form("new_facilitator", clear_on_submit=False, border=False):
            st.text_input("Name", key="nf_name", help=f"At most {MAX_NAME} characters.")
            st.multiselect("Credentials", CREDENTIAL_CHOICES, key="nf_cred")
            st.form_submit_button("Add facilitator", on_click=_add_facilitator)

with right:
    st.subheader("Roster")
    query = search_box("Find a participant", key="plan_search", placeholder="Name or record number")
    with session_scope(engine) as db:
        found = find_participants(db, text=query, limit=100) if query is not None else []
        selected = participants_by_id(db, list(ss["plan_roster"]))
    options = {p.id: p for p in found} | selected
    labels = {pid: picker_label(p) for pid, p in options.items()}
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
            st.text_input("First name", key="np_first", help=f"At most {MAX_NAME} characters.")
            st.text_input("Last name", key="np_last", help=f"At most {MAX_NAME} characters.")
            st.text_input("Record number (optional)", key="np_record", help=f"At most {MAX_RECORD_NUMBER} characters.")
            st.date_input("Date of birth (optional)", value=None, key="np_dob", min_value=datetime(1900, 1, 1),
                          format="YYYY-MM-DD")
            st.form_submit_button("Add to roster", on_click=_add_participant)

blocked = n > 0 and check.refused
st.button("Create session", type="primary", on_click=_create, disabled=blocked or not ss.get("plan_facilitator"),
          help="A facilitator is needed" if not ss.get("plan_facilitator") else None)

st.divider()
st.subheader("Planned sessions")
with session_scope(engine) as db:
    planned = [s for s in list_sessions_between(db, start=clock.day_start(clock.today()),
                                                end=clock.day_start(clock.today() + timedelta(days=PLANNED_DAYS)))
               if s.status != SessionStatus.ENDED]
if not planned:
    st.caption(f"None in the next {PLANNED_DAYS} days.")
for s in planned:
    c1, c2 = st.columns([4, 1])
    c1.text(f"{clock.fmt_local(s.scheduled_at)} · {plain(s.curriculum_title)} · {s.billing_code} · {s.status}")
    link("live", "Live view", session=s.id, container=c2)

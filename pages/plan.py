"""Plan a session: curriculum, code, date and time, facilitator, setting, and the roster; above "Create session",
a warning for each person whose order or Medicare DSMT allowance the session would go beyond, or who has no order
for a DSMT code (models/referrals.py: never a refusal, the educator decides). Once created, the page
shows the session as planned (curriculum, code, when, where, facilitator, roster) with links to its live view and
projector, in place of the form; "Plan another session" brings the form back with the same choices and an empty
roster (a new group), "Plan another for this group" with the roster kept (the next session of a series). The
choices, and the session just created, are kept in the page's link, so a reload or a server restart keeps them."""

from datetime import date, datetime, time, timedelta

import streamlit as st

from models import clock
from models.db import session_scope
from models.enums import SessionStatus
from models.follow_ups import KIND_LABELS, fill_roster_from_follow_ups, follow_up_kind_for_code, follow_ups_due
from models.people import (
    create_facilitator,
    create_participant,
    find_participants,
    list_facilitators,
    participants_by_id,
)
from models.referrals import plan_warnings
from models.rules import (
    CODES,
    CREDENTIAL_CHOICES,
    MAX_NAME,
    MAX_RECORD_NUMBER,
    SETTINGS,
    check_group_size,
    instructor_warning,
)
from models.session_view import load_session_view
from models.sessions import create_session, get_session, list_sessions_between
from ui import drafts, links
from ui.actions import action, flash_errors, message_slot
from ui.pages import link, page
from ui.setup import catalog, page_setup
from ui.text import md_escape, plain
from ui.widgets import picker_label, search_box

DOB_EARLIEST = date(1900, 1, 1)  # the earliest date of birth the form takes

engine = page_setup("plan")
st.title(page("plan").title)
flash_errors()

cat = catalog()
if not cat.curricula:
    st.error("No valid curriculum is available. See the Curricula page for the files that failed.")
    link("curricula")
    st.stop()

ss = st.session_state
# ---------------------------------------------------------------- the choices kept in the page's link
# The form's choices are written into the page's link on every run (ui/links: ?curriculum=…&code=…&date=…&time=…
# &setting=…&facilitator=…&roster=…&follow_ups=…, ids and never names), and a browser session reads them once. A
# session just created is ?created=ID, so that a reload shows it, never the form that would create it twice.


def _read_link() -> None:
    """The choices the page's link holds, into the form, each only if the form can take it (a curriculum in the
    catalog, a person on file; a code or facilitator the form cannot take falls back where the form is drawn)."""
    ss["_plan_link_read"] = True
    q = st.query_params
    if q.get("curriculum") in cat.curricula:
        ss["plan_curriculum"] = q["curriculum"]
    if q.get("code"):
        ss["plan_code"] = q["code"]
    if q.get("setting") in SETTINGS:
        ss["plan_setting"] = q["setting"]
    for k, v in (("plan_date", links.day(q.get("date"))), ("plan_time", links.clock_time(q.get("time"))),
                 ("plan_facilitator", links.one_id(q.get("facilitator")))):
        if v is not None:
            ss[k] = v
    ss["plan_roster"] = links.people(q.get("roster"))
    if (created := links.one_id(q.get("created"))) is not None:
        with session_scope(engine) as db:
            s = get_session(db, created)
            if s is not None and s.status == SessionStatus.PLANNED:
                ss["plan_created"] = s.id
    chosen = links.ids(q.get("follow_ups"))  # only those still due are kept, where the form is drawn
    ss["plan_follow_ups"], ss["plan_fu_shown"] = chosen, list(chosen)


def _write_link() -> None:
    """The form's choices (or the session just created), into the page's link."""
    links.write({k: ss.get(f"plan_{k}") for k in ("curriculum", "code", "date", "time", "setting", "facilitator",
                                                  "roster", "follow_ups", "created")})


if "_plan_link_read" not in ss:
    _read_link()
ss.setdefault("plan_roster", [])
ss.setdefault("plan_date", clock.today())
ss.setdefault("plan_time", time(10, 0))
PLANNED_DAYS = 60  # how far ahead the list of planned sessions looks
# The form's choices outlive a run in which the form is not drawn (while the created session is shown).
FORM_KEYS = ("plan_curriculum", "plan_code", "plan_date", "plan_time", "plan_setting", "plan_facilitator",
             "plan_roster")
for _k in FORM_KEYS:
    if _k in ss:
        ss[_k] = ss[_k]


_ADDED = "_plan_added"  # session state: "Added … to the roster.", shown until the next form is sent


def _forget_added() -> None:
    """The last add's line goes: another form was sent (it says its own), or the roster was changed by hand."""
    ss.pop(_ADDED, None)


def _add_participant() -> None:
    _forget_added()
    with action(engine) as db:
        p = create_participant(
            db,
            first_name=ss.get("np_first", ""),
            last_name=ss.get("np_last", ""),
            record_number=ss.get("np_record") or None,
            date_of_birth=ss.get("np_dob"),
        )
        ss["plan_roster"] = [*ss["plan_roster"], p.id]
        drafts.used("np_dob")  # added: the date of birth chosen is not put back after a reload
        for k in ("np_first", "np_last", "np_record"):
            ss[k] = ""
        ss["np_dob"] = None
        ss[_ADDED] = f"Added {md_escape(p.first_name)} {md_escape(p.last_name)} to the roster."


def _add_facilitator() -> None:
    _forget_added()
    with action(engine) as db:
        f = create_facilitator(db, name=ss.get("nf_name", ""), credential=", ".join(ss.get("nf_cred", [])))
        ss["plan_facilitator"] = f.id
        drafts.used("nf_cred")
        ss["nf_name"] = ""
        ss["nf_cred"] = []


def _create() -> None:
    _forget_added()
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
        _schedule_follow_ups(db, s.id)
        ss["plan_created"] = s.id


# ---------------------------------------------------------------- fill the roster from follow-ups due

FOLLOW_UPS_OFFERED = 200  # follow-ups due offered at most


def _follow_up_people(chosen: list[int]) -> dict[int, int]:
    offered = ss.get("plan_fu_people", {})
    return {fid: offered[fid] for fid in chosen if fid in offered}


def _pick_follow_ups() -> None:
    """A follow-up chosen puts its person on the roster; one unchosen takes off the person it put there."""
    before, now = _follow_up_people(ss.get("plan_fu_shown", [])), _follow_up_people(ss.get("plan_follow_ups", []))
    dropped = {pid for fid, pid in before.items() if fid not in now} - set(now.values())
    roster = [pid for pid in ss["plan_roster"] if pid not in dropped]
    ss["plan_roster"] = roster + [pid for pid in dict.fromkeys(now.values()) if pid not in roster]
    ss["plan_fu_shown"] = list(ss.get("plan_follow_ups", []))


def _schedule_follow_ups(db, sid: int) -> None:
    """Link the follow-ups chosen (of people still on the roster) to the session just created, as scheduled."""
    chosen = [fid for fid, pid in _follow_up_people(ss.get("plan_follow_ups", [])).items() if pid in ss["plan_roster"]]
    if chosen:
        fill_roster_from_follow_ups(db, session_id=sid, follow_up_ids=chosen)
    ss["plan_follow_ups"], ss["plan_fu_shown"] = [], []


def _fill_from_follow_ups(code: str) -> None:
    """Follow-ups due by the session's day, of the kind the code takes (models/follow_ups.py), not yet scheduled:
    choosing one puts the person on the roster, and creating the session schedules the follow-up into it."""
    kind = follow_up_kind_for_code(code)
    with session_scope(engine) as db:
        due = follow_ups_due(db, until=ss["plan_date"], kind=kind, unscheduled=True, limit=FOLLOW_UPS_OFFERED)
    ss["plan_fu_people"] = {f.follow_up_id: f.participant_id for f in due}
    if not due:
        return
    labels = {f.follow_up_id: f"{plain(f.name)} · due {f.due_date:%Y-%m-%d}"
              + (f" · from {f.session_day:%Y-%m-%d}" if f.session_day else "") for f in due}
    for k in ("plan_follow_ups", "plan_fu_shown"):  # a follow-up no longer offered (another code, another day)
        ss[k] = [fid for fid in ss.get(k, []) if fid in labels]
    st.multiselect("Fill the roster from follow-ups due", list(labels), key="plan_follow_ups",
                   format_func=lambda i: labels.get(i, "?"), on_change=_pick_follow_ups,
                   placeholder=f"{KIND_LABELS[kind].capitalize()}s due by {ss['plan_date']:%Y-%m-%d} ({len(due)})",
                   help=f"{KIND_LABELS[kind].capitalize()}s recommended on the live view or a session record, due "
                        "by this session's day and not yet scheduled. Creating the session schedules them into it.")


def _plan_another(same_group: bool) -> None:
    ss.pop("plan_created", None)
    if not same_group:
        ss["plan_roster"] = []


def _created(sid: int) -> None:
    """The session just created, as stored: what, when, where, who leads it and who is on the roster."""
    with session_scope(engine) as db:
        view = load_session_view(db, sid)
    if view is None:  # gone meanwhile
        ss.pop("plan_created", None)
        return
    s, fac = view.session, view.facilitator
    with st.container(border=True, key="plan_created_box"):
        st.success(f"Session {s.id} is planned.")
        st.markdown(f"**{md_escape(s.curriculum_title)}** (v{md_escape(s.curriculum_version)}) · "
                    f"{md_escape(CODES[s.billing_code].label)}  \n"
                    f"**When:** {clock.fmt_local(s.scheduled_at, '%A %Y-%m-%d %H:%M')} · "
                    f"**Setting:** {md_escape(s.setting.capitalize())}  \n"
                    f"**Facilitator:** " + (f"{md_escape(fac.name)} ({md_escape(fac.credential or 'no credential')})"
                                            if fac else "none"))
        names = [md_escape(p.name) for p in view.people]
        st.markdown(f"**Roster ({len(names)}):** " + ", ".join(names) if names else
                    "**Roster:** no one yet. You can add people on the live page as they arrive.")
        c = st.columns(4)
        link("live", "Open live view", session=s.id, container=c[0])
        link("projector", "Open projector", session=s.id, container=c[1])
        c[2].button("Plan another session", key="plan_another", on_click=_plan_another, args=(False,),
                    help="The same curriculum, code, date, time, setting and facilitator, with an empty roster")
        c[3].button("Plan another for this group", key="plan_another_group", on_click=_plan_another, args=(True,),
                    help="The same choices and the same roster, for the next session of a series")


def _planned_sessions() -> None:
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


with message_slot():  # drawn on every run: a line coming or going would move the forms below, closing them
    if ss.get(_ADDED):  # kept across runs: the keeper's run right after an add would otherwise take it away
        st.success(ss[_ADDED])

# What was typed or chosen in the two "Add" forms but not yet added comes back after a reload (ui/drafts.typed):
# the names and record number, the facilitator's credentials and the participant's date of birth.
drafts.typed("gsf-typed-plan", ["nf_name", "np_(first|last|record)"], key="typed_plan",
             picks={"nf_cred": drafts.Pick("tags"),
                    "np_dob": drafts.Pick("date", low=DOB_EARLIEST, high=clock.today())},
             starting={"nf_cred": [], "np_dob": None},
             label=lambda k: "the new facilitator's name or credentials (under “Add a facilitator”)"
             if k.startswith("nf") else
             "the new participant's name, record number or date of birth (under “Add a new participant”)")

created = ss.get("plan_created")
if created:
    _created(created)
    if "plan_created" in ss:
        _write_link()
        _planned_sessions()
        st.stop()

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
    d1.date_input("Date", key="plan_date", format="YYYY-MM-DD")
    d2.time_input("Start time", key="plan_time", step=timedelta(minutes=15))
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
    _fill_from_follow_ups(code)
    query = search_box("Find a participant", key="plan_search", placeholder="Name or record number")
    with session_scope(engine) as db:
        found = find_participants(db, text=query, limit=100) if query is not None else []
        selected = participants_by_id(db, list(ss["plan_roster"]))
    options = {p.id: p for p in found} | selected
    labels = {pid: picker_label(p) for pid, p in options.items()}
    st.multiselect("Participants on the roster", list(options), format_func=lambda i: labels.get(i, str(i)),
                   key="plan_roster", placeholder="Pick known participants",
                   on_change=_forget_added)
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
            st.date_input("Date of birth (optional)", value=None, key="np_dob", min_value=DOB_EARLIEST,
                          max_value=clock.today(), format="YYYY-MM-DD")
            st.form_submit_button("Add to roster", on_click=_add_participant)

if n and ss.get("plan_date") and ss.get("plan_time"):  # the orders and the Medicare allowance: warned, never blocked
    with session_scope(engine) as db:
        order_warnings = plan_warnings(
            db, participant_ids=list(ss["plan_roster"]), billing_code=code, planned_minutes=cur.minutes,
            scheduled_at=clock.from_local(datetime.combine(ss["plan_date"], ss["plan_time"])))
    for w in order_warnings:
        st.warning(md_escape(w), icon=":material/assignment_late:")

blocked = n > 0 and check.refused
st.button("Create session", type="primary", on_click=_create, disabled=blocked or not ss.get("plan_facilitator"),
          help="A facilitator is needed" if not ss.get("plan_facilitator") else None)
_write_link()
_planned_sessions()

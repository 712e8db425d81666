"""Participants: pick a person (search), then their history across sessions, DSMT hours against the
Medicare allowance, the referring practitioner's order beside it (hours ordered, used, planned and left; add an
order, correct the latest), goals and follow-up, latest topic competency and ratings over time. UI only: every
figure comes from models.participant_history and models.referrals. ?participant=ID opens a person directly (a
deep link)."""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from models import clock
from models.db import session_scope
from models.enums import AllowancePeriod, SessionStatus, Training
from models.errors import Conflict
from models.letter import letter_filename, letter_pdf, letter_text, provider_letter
from models.participant_history import ParticipantHistory, participant_history
from models.people import find_participants, get_participant
from models.referrals import (
    create_referral,
    draft_order_text,
    order_status,
    order_text,
    order_topics,
    ordered_hours,
    referrals_of,
    topic_titles,
    update_referral,
)
from models.rules import (
    CONFIDENCE_THRESHOLD,
    DSMT_FOLLOW_UP_HOURS_PER_YEAR,
    MAX_CONTACT,
    MAX_DIAGNOSIS_CODE,
    MAX_NAME,
    MAX_ORDER_HOURS,
    MAX_PRACTICE,
    MAX_TOPIC,
    MAX_TOPICS,
    NPI_DIGITS,
    is_low_confidence,
    unit_hours,
)
from models.tables import Participant, Referral
from ui import conflicts, downloads, drafts
from ui.actions import action, flash_errors, placed_messages, succeeded
from ui.pages import page
from ui.setup import catalog, int_param, page_setup
from ui.text import md_escape, plain
from ui.widgets import NO_FIGURE, goal_follow_up, search_box

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
    # the bars, then the sessions that used the hours, each the page's width: side by side, at 1366 px the table's
    # "Within allowance" and "Beyond" (what the allowance is about) were scrolled out of view
    df = pd.DataFrame([
        {"part": "Group (G0109)", "used": a.group_used, "limit": a.group_limit},
        {"part": "Individual (G0108)", "used": a.individual_used, "limit": a.individual_limit},
    ])
    st.altair_chart(
        (alt.Chart(df).mark_bar(color="#dddddd").encode(y=alt.Y("part:N", title=None),
                                                       x=alt.X("limit:Q", title="Hours"))
         + alt.Chart(df).mark_bar().encode(y="part:N", x="used:Q", tooltip=["part", "used", "limit"])
         ).properties(height=alt.Step(28)),
        width="stretch")
    uses = [{"Date": u.day.isoformat(), "Session": u.session_id, "Code": u.code, "Hours": u.hours,
             "Counted as": f"{u.period} {u.year}" if u.period == AllowancePeriod.FOLLOW_UP else str(u.period),
             "Within allowance": u.counted, "Beyond": u.over, "Time": u.note} for u in a.uses]
    st.dataframe(pd.DataFrame(uses), hide_index=True)

# ---------------------------------------------------------------- referral and order


def _order_fields(base: str) -> dict:
    """What the order form at `base` holds, as create_referral / update_referral take it."""
    return {"practitioner_name": ss.get(f"{base}_name", ""), "practitioner_npi": ss.get(f"{base}_npi", ""),
            "practice": ss.get(f"{base}_practice", ""), "contact": ss.get(f"{base}_contact", ""),
            "order_date": ss.get(f"{base}_date"), "diagnosis_code": ss.get(f"{base}_dx", ""),
            "group_hours": ss.get(f"{base}_group", 0.0), "individual_hours": ss.get(f"{base}_individual", 0.0),
            "topics": list(ss.get(f"{base}_topics", [])), "training": ss.get(f"{base}_training", Training.INITIAL)}


_ORDER_TEXT = {"name": "referring practitioner", "npi": "NPI", "practice": "practice", "contact": "fax or e-mail",
               "dx": "diagnosis code"}  # the order form's text fields (widget key suffix → what it holds)
_ORDER_PICKED = {"date": "order date", "group": "group hours", "individual": "individual hours",
                 "topics": "topics", "training": "training"}  # and its other fields


def _order_picks(base: str, r: Referral | None) -> dict[str, drafts.Pick]:
    """The order form's fields with no text to type into, as ui/drafts keeps them across a reload."""
    hours = drafts.Pick("number", low=0.0, high=float(MAX_ORDER_HOURS))
    return {f"{base}_date": drafts.Pick("date", low=_earliest(r), high=today), f"{base}_group": hours,
            f"{base}_individual": hours, f"{base}_topics": drafts.Pick("tags", show=plain),
            f"{base}_training": drafts.Pick("radio", options=tuple(Training))}


def _earliest(r: Referral | None) -> date:
    """The first day the order date picker takes (an older order keeps its own)."""
    return min(EARLIEST_ORDER, r.order_date) if r else EARLIEST_ORDER


def _order_start(base: str, r: Referral | None) -> dict:
    """What the order form at `base` starts with (widget key → value): empty for a new order, or `r`'s."""
    group, individual = ordered_hours(r) if r else (0.0, 0.0)
    return {f"{base}_name": r.practitioner_name if r else "", f"{base}_npi": (r.practitioner_npi or "") if r else "",
            f"{base}_practice": (r.practice or "") if r else "", f"{base}_contact": (r.contact or "") if r else "",
            f"{base}_date": r.order_date if r else today, f"{base}_dx": (r.diagnosis_code or "") if r else "",
            f"{base}_group": group, f"{base}_individual": individual,
            f"{base}_topics": order_topics(r) if r else [], f"{base}_training": r.training if r else Training.INITIAL}


def _save_new_order(participant_id: int, base: str) -> None:
    ss["ref_new_open"] = True  # the form stays open with its message
    with action(engine, place="ref_new") as db:
        create_referral(db, participant_id=participant_id, **_order_fields(base))
        drafts.used(*(f"{base}_{f}" for f in _ORDER_TEXT))
        ss.update(_order_start(base, None))  # an empty form for the next order
        succeeded("ref_new", "Order saved.")


def _save_edited_order(referral_id: int, version: int) -> None:
    _write_order(referral_id, _order_fields(f"ref_edit_{referral_id}_{version}"), version, version)


def _write_order(referral_id: int, fields: dict, seen_version: int, form_version: int) -> None:
    """Correct the latest order against the version this screen showed (`seen_version`; the form's fields are
    those of `form_version`); a conflict shows both orders."""
    base = f"ref_edit_{referral_id}"
    ss[f"{base}_open"] = True

    def on_conflict(exc: Conflict) -> None:
        conflicts.remember(base, conflicts.Pending(
            "The latest order", draft_order_text(**fields), exc.theirs,
            keep_mine=lambda: _write_order(referral_id, fields, exc.version, form_version)))

    with action(engine, on_conflict=on_conflict, place=base) as db:
        update_referral(db, referral_id=referral_id, seen_version=seen_version, **fields)
        drafts.used(*(f"{base}_{form_version}_{f}" for f in _ORDER_TEXT))
        conflicts.forget(base)
        succeeded(base, "Order saved.")


def _order_form(base: str, r: Referral | None, label: str, on_click, args: tuple) -> None:
    """The order's fields, empty for a new order or filled with `r`'s (set before they are drawn, so that text put
    back after a reload by drafts.typed shows instead)."""
    for k, v in _order_start(base, r).items():
        ss.setdefault(k, v)
    with st.form(f"{base}_form", border=False):
        c = st.columns(2)
        c[0].text_input("Referring practitioner", key=f"{base}_name", help=f"At most {MAX_NAME} characters.")
        c[1].text_input("NPI (optional)", key=f"{base}_npi", help=f"{NPI_DIGITS} digits; the last is a check digit.")
        c[0].text_input("Practice (optional)", key=f"{base}_practice", help=f"At most {MAX_PRACTICE} characters.")
        c[1].text_input("Fax or e-mail (optional)", key=f"{base}_contact",
                        help=f"At most {MAX_CONTACT} characters, as text.")
        c[0].date_input("Order date", key=f"{base}_date", format="YYYY-MM-DD", min_value=_earliest(r), max_value=today)
        c[1].text_input("Diagnosis code (optional)", key=f"{base}_dx",
                        help=f"As written on the order, at most {MAX_DIAGNOSIS_CODE} characters.")
        step = unit_hours(1)
        c[0].number_input("Group hours ordered", min_value=0.0, max_value=float(MAX_ORDER_HOURS), step=step,
                          format="%.1f", key=f"{base}_group")
        c[1].number_input("Individual hours ordered", min_value=0.0, max_value=float(MAX_ORDER_HOURS), step=step,
                          format="%.1f", key=f"{base}_individual")
        st.multiselect("Topics ordered",  # with topics typed here (put back after a reload, say)
                       list(dict.fromkeys([*topic_choices, *(order_topics(r) if r else []), *ss[f"{base}_topics"]])),
                       key=f"{base}_topics", accept_new_options=True, format_func=plain,
                       help=f"The curricula's topics, or type another (at most {MAX_TOPICS} topics of "
                            f"{MAX_TOPIC} characters).")
        st.radio("Training", list(Training), horizontal=True, key=f"{base}_training", format_func=str.capitalize)
        st.form_submit_button(label, type="primary", key=f"{base}_save", on_click=on_click, args=args)


def _referral_section(participant_id: int) -> None:
    with session_scope(engine) as db:
        status = order_status(db, participant_id, history=hist)
        orders = referrals_of(db, participant_id)
    st.subheader("Referral and order")
    r = status.referral
    new, edit = f"ref_new_{participant_id}", f"ref_edit_{r.id}_{r.version}" if r else None
    # what the order forms hold but was not saved (text typed, a date, hours, topics, training) comes back after a
    # reload, its form drawn open (ui/drafts.typed)
    forms = {new: ("Add an order", "ref_new_open")} | ({edit: ("Correct the latest order", f"ref_edit_{r.id}_open")}
                                                     if r else {})
    fields = "(" + "|".join(_ORDER_TEXT) + ")"
    what = _ORDER_TEXT | _ORDER_PICKED
    put_back = drafts.typed(
        f"gsf-typed-orders:{participant_id}", [f"{b}_{fields}" for b in forms], key=f"typed_orders_{participant_id}",
        label=lambda k: next(f"the order's {what[k.removeprefix(b + '_')]} (under “{where}”)"
                             for b, (where, _) in forms.items() if k.startswith(b + "_")),
        verb="saved", starting=_order_start(new, None) | (_order_start(edit, r) if r else {}),
        picks=_order_picks(new, None) | (_order_picks(edit, r) if r else {}))
    for b, (_, opened) in forms.items():
        if any(k.startswith(b + "_") for k in put_back):
            ss[opened] = True
    if r is None:
        st.caption("No order on file. Medicare DSMT needs an order from the treating practitioner stating the hours, "
                   "the topics, and group or individual.")
    else:
        who = [md_escape(r.practitioner_name), f"NPI {md_escape(r.practitioner_npi)}" if r.practitioner_npi
               else "no NPI", md_escape(r.practice) if r.practice else None,
               md_escape(r.contact) if r.contact else None]
        st.markdown(f"**Referred by:** {' · '.join(x for x in who if x)}  \n"
                    f"**Order of** {r.order_date:%Y-%m-%d} · {md_escape(r.training)} training · "
                    + (f"diagnosis {md_escape(r.diagnosis_code)}" if r.diagnosis_code else "no diagnosis code")
                    + f" · a new order is due from {status.expires:%Y-%m-%d}  \n**Topics ordered:** "
                    + ("; ".join(md_escape(t) for t in status.topics) or "none listed"))
        for kind, h in (("Group", status.group), ("Individual", status.individual)):
            m = st.columns(4)
            m[0].metric(f"{kind} hours ordered", f"{h.limit:g}")
            m[1].metric(f"{kind} hours used", f"{h.used:g}", help="DSMT hours billed since the order date")
            m[2].metric(f"{kind} hours planned", f"{h.planned:g}",
                        help="Planned DSMT sessions on the roster after now, at their planned length in full "
                             "30-minute units")
            m[3].metric(f"{kind} hours left", f"{h.left:g}",
                        help=f"{h.over:g} beyond the order" if h.over else "Ordered, less used and planned")
    st.caption("Beside it, the Medicare DSMT allowance now and to come: hours billed, planned and left")
    st.dataframe(pd.DataFrame([{"Allowance": row.label, "Limit": row.hours.limit, "Used": row.hours.used,
                                "Planned": row.hours.planned, "Left": row.hours.left}
                               for row in status.allowance_rows]), hide_index=True,
                 column_config={"Allowance": st.column_config.TextColumn(width="large")})
    for w in status.warnings:
        st.warning(md_escape(w), icon=":material/warning:")
    if len(orders) > 1:
        with st.expander(f"Earlier orders ({len(orders) - 1})"):
            for old in orders[1:]:
                st.text(plain(order_text(old)))
    with st.expander("Add an order", key="ref_new_open", on_change="rerun"):
        _order_form(new, None, "Save the order", _save_new_order, (participant_id, new))
        placed_messages("ref_new")
    if r is not None:
        base = f"ref_edit_{r.id}"
        with st.expander("Correct the latest order", key=f"{base}_open", on_change="rerun",
                         expanded=conflicts.pending(base) is not None):
            conflicts.show(base)
            _order_form(edit, r, "Save the corrected order", _save_edited_order, (r.id, r.version))
            placed_messages(base)


EARLIEST_ORDER = date(2000, 1, 1)  # the order date picker's first day (an older order keeps its own)
topic_choices = topic_titles(catalog().curricula.values())
with st.container():  # a first order saved (or a message) changes what the section draws, and moves nothing after it
    _referral_section(pid)

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
    } for r in reversed(hist.sessions)]), hide_index=True, placeholder=NO_FIGURE,
        column_order=[  # key columns first; all fit at 1366 px
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

# ---------------------------------------------------------------- letter to the referring provider


def _letter_pdf(participant_id: int) -> bytes:
    with session_scope(engine) as db:
        return letter_pdf(provider_letter(db, participant_id))


st.subheader("Letter to the referring provider")
st.caption("From the records, when asked for: the order, sessions attended, topics with competency before teaching "
           "and the latest, outcome measures, goals with their follow-up, recommendations and the educator.")
downloads.prepare("Prepare the letter (PDF)", lambda: _letter_pdf(pid),
                  file_name=letter_filename(hist.participant, clock.today()), mime="application/pdf",
                  kind="pdf-letter", key=f"pp_letter_{pid}", icon=":material/picture_as_pdf:")
letter_box = st.expander("The same letter as plain text, to paste into the EHR", key=f"pp_letter_text_{pid}",
                         on_change="rerun")
if letter_box.open:  # built only when opened
    with session_scope(engine) as db:
        letter_box.code(letter_text(provider_letter(db, pid, history=hist)), language=None, wrap_lines=True)

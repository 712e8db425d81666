"""Courses: the list (name, modules, next session, enrolled, completion), "Plan a course" (from a course file or
modules picked in order; weekly at one local time, or a date a module; setting, facilitator, roster), and a
course (?course=ID): its sessions with links to /live and the record, attendance per module, each participant's
progress (modules, topics and competency, goals, hours beside the order), the pre → post change, enrolment (join
later, leave) and "Arrange a make-up". UI only: every figure comes from models.courses and models.course_progress."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from models import clock
from models.course_progress import (
    CourseProgress,
    ModuleStatus,
    ParticipantDetail,
    course_progress,
    list_courses,
    participant_progress,
)
from models.courses import add_make_up, enrol, leave, make_up_options, plan_course, weekly_dates
from models.curriculum import course_codes
from models.db import session_scope
from models.enums import SessionStatus
from models.people import find_participants, list_facilitators, participants_by_id
from models.rules import CODES, MAX_COURSE_MODULES, MAX_NAME, SETTINGS, check_group_size
from ui import drafts, links
from ui.actions import action, flash_errors, placed_messages, succeeded
from ui.pages import link, page
from ui.setup import catalog, int_param, page_setup
from ui.text import md_escape, plain
from ui.widgets import picker_label, search_box, set_shown

engine = page_setup("courses")
ss = st.session_state
SPEC = page("courses")
PAGE_ROWS = 25  # courses a page of the list shows
STATUS_ORDER = [str(s) for s in ModuleStatus]


def course_link(course_id: int, label: str, *, container=None) -> None:
    (container or st).page_link(SPEC.path, label=label, icon=SPEC.icon, query_params={"course": course_id})


def _hours(h: float) -> str:
    return f"{h:g} h"


# ================================================================ the list


def _course_list() -> None:
    offset = ss.get("courses_offset", 0)
    with session_scope(engine) as db:
        rows, total = list_courses(db, limit=PAGE_ROWS, offset=offset)
    if not total:
        st.info("No course yet. Plan one in the next tab.")
        return
    st.dataframe(pd.DataFrame([{
        "Course": f"courses?course={r.course_id}",
        "Name": plain(r.name),
        "Modules": r.modules,
        "Dates": f"{clock.fmt_local(r.first_at, '%Y-%m-%d')} → {clock.fmt_local(r.last_at, '%Y-%m-%d')}",
        "Next session": clock.fmt_local(r.next_at) if r.next_at else "—",
        "Enrolled": r.enrolled,
        "Completed": f"{r.completed} of {r.ever_enrolled}",
        "Completion": r.completion_rate,
    } for r in rows]), hide_index=True, width="stretch", column_config={
        "Course": st.column_config.LinkColumn(display_text="Open", width=56),
        # every column fits a 1366 px laptop without scrolling sideways; a long name shows whole on hover
        "Name": st.column_config.TextColumn(width=190),
        "Modules": st.column_config.NumberColumn(width=68),
        "Dates": st.column_config.TextColumn(width=166),
        "Next session": st.column_config.TextColumn(width=122),
        "Enrolled": st.column_config.NumberColumn(width=76, help="Enrolled and not left"),
        "Completed": st.column_config.TextColumn(width=88, help="Attended or made up every module, of everyone who "
                                                              "enrolled"),
        "Completion": st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1, width=100),
    })
    c = st.columns([1, 1, 4])
    c[0].button("← Newer", key="courses_newer", disabled=offset == 0,
                on_click=lambda: ss.update(courses_offset=max(0, offset - PAGE_ROWS)))
    c[1].button("Older →", key="courses_older", disabled=offset + PAGE_ROWS >= total,
                on_click=lambda: ss.update(courses_offset=offset + PAGE_ROWS))
    c[2].caption(f"Courses {offset + 1}–{min(total, offset + PAGE_ROWS)} of {total}, the latest last session first")


# ================================================================ planning a course

cat = catalog()


def _apply_template() -> None:
    t = cat.courses.get(ss.get("course_template"))
    if t is None:
        return
    set_shown("course_name", t.name)
    set_shown("course_n", len(t.modules))
    for i, m in enumerate(t.modules):
        set_shown(f"course_module_{i}", m)
    set_shown("course_code", t.code or course_codes([cat.curricula[m] for m in t.modules])[0])
    set_shown("course_first", t.first_date(clock.today()))
    if t.start_time:
        set_shown("course_time", t.start_time)


# "Plan a course"'s choices are kept in the page's link while its tab is open (ui/links: ?tab=plan&template=…
# &modules=…&code=…&first=…&time=…&weekly=0&dates=…&setting=…&facilitator=…&roster=…, ids and never names), and a
# browser session reads them once, with the tab opened. The course name is kept by ui/drafts.typed, as typed.


def _read_plan_link() -> None:
    """The plan form's choices from the page's link, each only if the form can take it."""
    ss["_course_link_read"] = True
    q = st.query_params
    if q.get("tab") != "plan" or "course" in q:
        return
    set_shown("courses_tab", "Plan a course")
    if q.get("template") in cat.courses:
        set_shown("course_template", q["template"])
    modules = [m for m in (q.get("modules") or "").split(",")[:MAX_COURSE_MODULES] if m in cat.curricula]
    if modules:
        set_shown("course_n", len(modules))
        for i, m in enumerate(modules):
            set_shown(f"course_module_{i}", m)
    if q.get("code"):  # checked against the modules' codes where the form is drawn
        set_shown("course_code", q["code"])
    if q.get("setting") in SETTINGS:
        set_shown("course_setting", q["setting"])
    for k, v in (("course_first", links.day(q.get("first"))), ("course_time", links.clock_time(q.get("time"))),
                 ("course_facilitator", links.one_id(q.get("facilitator")))):
        if v is not None:
            set_shown(k, v)
    if q.get("weekly") == "0":
        set_shown("course_weekly", False)
        for i, d in enumerate((q.get("dates") or "").split(",")[:MAX_COURSE_MODULES]):
            if (d := links.day(d)) is not None:
                set_shown(f"course_date_{i}", d)
    set_shown("course_roster", links.people(q.get("roster")))


def _write_plan_link(modules: list[str], dates: list[date] | None) -> None:
    links.write({"tab": "plan", "template": ss.get("course_template"), "modules": modules,
                 "code": ss.get("course_code"), "first": ss.get("course_first"), "time": ss.get("course_time"),
                 "weekly": None if dates is None else "0", "dates": [d for d in dates or [] if d],
                 "setting": ss.get("course_setting"), "facilitator": ss.get("course_facilitator"),
                 "roster": ss.get("course_roster")})


def _create(modules: list[str], dates: list[date] | None) -> None:
    with action(engine, place="course_plan") as db:
        c = plan_course(db, name=ss.get("course_name", ""), modules=[cat.curricula[m] for m in modules],
                        first_date=ss.get("course_first"), dates=dates, start_time=ss["course_time"],
                        setting=ss["course_setting"], facilitator_id=ss.get("course_facilitator"),
                        billing_code=ss["course_code"], participant_ids=list(ss.get("course_roster", [])))
        drafts.used("course_name")
        ss["course_roster"] = []
        st.query_params.from_dict({"course": str(c.id)})  # the course itself, in place of the form's choices


def _plan_form() -> None:
    if not cat.curricula:
        st.error("No valid curriculum is available. See the Curricula page for the files that failed.")
        return
    for key, value in (("course_n", 1), ("course_first", clock.today()), ("course_time", time(10, 0)),
                       ("course_weekly", True), ("course_roster", [])):
        if key not in ss:
            set_shown(key, value)
    drafts.typed("gsf-typed-courses", ["course_name"], key="typed_courses",  # back after a reload
                 label=lambda _: "the course name (under “Plan a course”)", verb="created")
    ids = sorted(cat.curricula, key=lambda i: cat.curricula[i].title)
    with session_scope(engine) as db:
        facilitators = list_facilitators(db)
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.selectbox("Course file", [None, *sorted(cat.courses)], key="course_template", on_change=_apply_template,
                     format_func=lambda t: "Choose the modules myself" if t is None else plain(cat.courses[t].name),
                     help="A course file in the curricula folder's courses/ lists its modules in order")
        st.text_input("Course name", key="course_name", help=f"At most {MAX_NAME} characters.",
                      placeholder="e.g. Living well with diabetes, Tuesday group")
        n = st.number_input("Modules (one session each)", min_value=1, max_value=MAX_COURSE_MODULES, step=1,
                            key="course_n")
        modules = []
        for i in range(int(n)):
            if ss.get(f"course_module_{i}") not in cat.curricula:
                set_shown(f"course_module_{i}", ss.get(f"course_module_{i - 1}", ids[0]))
            modules.append(st.selectbox(f"Module {i + 1}", ids, key=f"course_module_{i}",
                                        format_func=lambda c: plain(cat.curricula[c].title)))
        codes = course_codes([cat.curricula[m] for m in modules])
        if not codes:
            st.error("These modules have no billing code in common; a course is billed under one code.")
            return
        if ss.get("course_code") not in codes:
            set_shown("course_code", codes[0])
        code = st.selectbox("Billing code", codes, key="course_code", format_func=lambda c: CODES[c].label)
        c = st.columns(3)
        c[0].date_input("First session", key="course_first", format="YYYY-MM-DD")
        c[1].time_input("Start time", key="course_time", step=timedelta(minutes=15))
        c[2].checkbox("Weekly", key="course_weekly", help="The same weekday and local time every week")
        if ss["course_weekly"]:
            dates = None
            days = weekly_dates(ss["course_first"], len(modules)) if ss.get("course_first") else []
        else:
            days, proposed = [], weekly_dates(ss.get("course_first") or clock.today(), len(modules))
            for i in range(len(modules)):
                if f"course_date_{i}" not in ss:
                    set_shown(f"course_date_{i}", proposed[i])  # weekly until changed
                days.append(st.date_input(f"Module {i + 1} date", key=f"course_date_{i}", format="YYYY-MM-DD"))
            dates = days
        if days and ss.get("course_time"):
            st.caption("Sessions: " + " · ".join(
                clock.fmt_local(clock.from_local(datetime.combine(d, ss["course_time"])), "%a %Y-%m-%d %H:%M")
                for d in days if d))
        st.selectbox("Setting", SETTINGS, key="course_setting", format_func=str.capitalize)
        fac_ids = [f.id for f in facilitators]
        names = {f.id: f"{plain(f.name)} ({f.credential or 'no credential'})" for f in facilitators}
        if ss.get("course_facilitator") not in fac_ids:
            set_shown("course_facilitator", fac_ids[0] if fac_ids else None)
        st.selectbox("Facilitator", fac_ids, key="course_facilitator", format_func=lambda i: names.get(i, "?"),
                     placeholder="Add a facilitator on the Plan a session page")
    with right:
        st.markdown("**Roster**")
        query = search_box("Find a participant", key="course_search", placeholder="Name or record number")
        with session_scope(engine) as db:
            found = find_participants(db, text=query, limit=100) if query is not None else []
            chosen = participants_by_id(db, list(ss["course_roster"]))
        options = {p.id: p for p in found} | chosen
        st.multiselect("Enrolled from the start", list(options), key="course_roster",
                       format_func=lambda i: picker_label(options[i]) if i in options else str(i),
                       placeholder="Pick participants", help="They are on the roster of every session of the course")
        check = check_group_size(code, len(ss["course_roster"]))
        if ss["course_roster"]:
            (st.success if check.ok else st.error if check.refused else st.warning)(check.message)
    placed_messages("course_plan")
    _write_plan_link(modules, dates)
    st.button("Create course", type="primary", key="course_create", on_click=_create, args=(modules, dates),
              disabled=not ss.get("course_facilitator") or bool(ss["course_roster"]) and check.refused,
              help=None if ss.get("course_facilitator") else "A facilitator is needed")


# ================================================================ one course


def _sessions(p: CourseProgress) -> None:
    st.subheader("Sessions")
    for m in p.modules:
        with st.container(border=True):
            c = st.columns([4, 2, 2, 2])
            c[0].markdown(f"**Module {m.position}** · {md_escape(m.title)}")
            who = (f"{m.present} of {m.rostered} on the roster attended" if m.session_status == SessionStatus.ENDED
                   else f"{m.rostered} on the roster")
            c[0].caption(f"{clock.fmt_local(m.scheduled_at, '%a %Y-%m-%d %H:%M')} · {m.session_status or 'no session'}"
                         f" · {who}")
            if m.session_id is None:
                continue
            if m.session_status != SessionStatus.ENDED:
                link("live", "Live view", session=m.session_id, container=c[1])
            link("review", "Session record", session=m.session_id, container=c[2])


def _attendance_chart(p: CourseProgress) -> None:
    st.subheader("Attendance per module")
    # Each bar is labelled "Module n" and the legend sits under the chart: the chart has half the page, and at
    # 1366 px a module's title beside its bar (or a legend beside the chart) left no room for the bars at all. The
    # title is in the bar's tooltip, and in the list of modules above.
    rows = [{"module": f"Module {m.position}", "title": plain(m.title), "status": str(st_), "participants": n}
            for m in p.modules for st_, n in m.counts.items() if n]
    if not rows:
        st.caption("No one enrolled.")
        return
    modules = [f"Module {m.position}" for m in p.modules]
    st.altair_chart(alt.Chart(pd.DataFrame(rows)).mark_bar().encode(
        y=alt.Y("module:N", title=None, sort=modules, scale=alt.Scale(domain=modules)),
        x=alt.X("participants:Q", title="Enrolled participants", axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.Color("status:N", title=None, sort=STATUS_ORDER,
                        scale=alt.Scale(domain=STATUS_ORDER,
                                        range=["#2e7d32", "#66bb6a", "#90caf9", "#ce93d8", "#ef9a9a"]),
                        legend=alt.Legend(orient="bottom", columns=3)),
        order=alt.Order("status_order:Q"),
        tooltip=["module", "title", "status", "participants"]).transform_calculate(
        status_order=f"indexof({STATUS_ORDER}, datum.status)").properties(height=alt.Step(30)), width="stretch")


def _participants(p: CourseProgress) -> None:
    st.subheader("Participants")
    if not p.participants:
        st.caption("No one enrolled yet.")
        return
    st.dataframe(pd.DataFrame([{
        "Participant": plain(x.name),
        "Joined": clock.fmt_local(x.joined_at, "%Y-%m-%d"),
        "Left": clock.fmt_local(x.left_at, "%Y-%m-%d") if x.left_at else "",
        "Modules done": f"{len(x.attended)} of {len(x.modules)}",
        "Make-ups": sum(1 for v in x.modules if v.make_up),
        "Still missing": ", ".join(f"{v.position} ({v.status})" for v in x.missing) or "complete",
        "Group hours": x.group_hours,
    } for x in p.participants]), hide_index=True, width="stretch", column_config={
        # every column in view at 1366 px with the menu open; a long name or list is shown whole when opened
        "Participant": st.column_config.TextColumn(width=200), "Joined": st.column_config.TextColumn(width=92),
        "Left": st.column_config.TextColumn(width=92), "Modules done": st.column_config.TextColumn(width=108),
        "Make-ups": st.column_config.NumberColumn(width=80),
        "Still missing": st.column_config.TextColumn(width=160, help="Each module not yet attended, and why"),
        "Group hours": st.column_config.NumberColumn(width=96)})


def _changes(p: CourseProgress) -> None:
    st.subheader("Pre → post change")
    rows = [x for x in p.changes if x.participants]
    if not rows:
        st.caption("No participant has a scorable pre and post rating in this course yet.")
        return
    st.dataframe(pd.DataFrame([{
        "Outcome measure": f"{plain(x.measure)}: assessment",
        "Participants": x.participants,
        "Mean pre": round(x.pre, 2),
        "Mean post": round(x.post, 2),
        "Change": round(x.change, 2),
    } for x in rows]), hide_index=True, width="stretch",
        # the figures fit in half the page at 1366 px (menu open): the measure's name is cut in its cell and shown
        # whole when the cell is opened
        column_config={"Outcome measure": st.column_config.TextColumn(width=150),
                       "Participants": st.column_config.NumberColumn("People", width=62,
                                                                     help="Participants with a scorable pre and post"),
                       "Mean pre": st.column_config.NumberColumn("Pre", width=52, help="Mean pre score"),
                       "Mean post": st.column_config.NumberColumn("Post", width=52, help="Mean post score"),
                       "Change": st.column_config.NumberColumn(format="%+.2f", width=66, help="Mean post − mean pre")})
    st.caption("Per participant: the first pre score of the course to the last post score, each the mean of the "
               "items rated (not scored with more than two missing).")


def _detail(d: ParticipantDetail) -> None:
    x = d.progress
    st.markdown(f"**{md_escape(x.name)}** · joined {clock.fmt_local(x.joined_at, '%Y-%m-%d')}"
                + (f" · left {clock.fmt_local(x.left_at, '%Y-%m-%d')}" if x.left_at else "")
                + (" · **course complete**" if x.complete else
                   f" · still missing: {', '.join(f'module {v.position}' for v in x.missing)}"))
    st.dataframe(pd.DataFrame([{
        "Module": f"{v.position}. {plain(v.title)}",
        "Status": str(v.status),
        "Date": clock.fmt_local(v.scheduled_at) if v.scheduled_at else "—",
        "Session": f"review?session={v.session_id}" if v.session_id else None,
        "Where": ("make-up: " + (plain(v.course_name) if v.course_name else "stand-alone session")) if v.make_up
        else "",
        "Hours": v.group_hours + v.individual_hours,
    } for v in x.modules]), hide_index=True, width="stretch", column_config={
        "Session": st.column_config.LinkColumn(display_text="Record", width=64)})
    c = st.columns(2)
    with c[0]:
        st.markdown("**Topics covered and latest competency**")
        if d.topics:
            st.dataframe(pd.DataFrame([{"Topic": plain(t.topic), "Latest level": t.label,
                                        "Rated": f"{t.day:%Y-%m-%d}" if t.day else ""} for t in d.topics]),
                         hide_index=True, width="stretch")
        else:
            st.caption("No module attended yet.")
    with c[1]:
        st.markdown(f"**Goals** · {len(d.goals)} set, {d.goals_followed_up} followed up")
        if d.goals:
            st.dataframe(pd.DataFrame([{
                "Set": f"{g.day:%Y-%m-%d}", "Behaviour": g.behaviour, "Goal": plain(g.text),
                "Confidence": g.confidence,
                "Follow-up": f"{g.follow_up_date:%Y-%m-%d}" if g.follow_up_date else "",
                "Followed up": clock.fmt_local(g.followed_up_at, "%Y-%m-%d") if g.followed_up_at else "no",
            } for g in d.goals]), hide_index=True, width="stretch")
    st.markdown("**Hours**")
    used = f"This course: {_hours(x.group_hours)} group, {_hours(x.individual_hours)} individual (units billed)."
    order = d.order
    if order is None or order.referral is None:
        st.text(used + "\nNo order recorded.")
        return
    r = order.referral
    st.text(used + f"\nOrder of {r.order_date:%Y-%m-%d} ({plain(r.practitioner_name)}): "
            f"group {_hours(order.group.limit)} ordered, {_hours(order.group.used)} used, "
            f"{_hours(order.group.planned)} planned, {_hours(order.group.left)} left; individual "
            f"{_hours(order.individual.limit)} ordered, {_hours(order.individual.used)} used, "
            f"{_hours(order.individual.planned)} planned, {_hours(order.individual.left)} left "
            "(Medicare DSMT hours since the order).")
    for w in order.warnings:
        st.warning(md_escape(w))


def _enrolment(p: CourseProgress) -> None:
    st.subheader("Enrolment")
    cid = p.course.id
    c = st.columns(2, gap="large")
    with c[0]:
        st.markdown("**A participant joins now**")
        query = search_box("Find a participant", key="join_search", placeholder="Name or record number")
        enrolled = {x.participant_id for x in p.participants if x.left_at is None}
        with session_scope(engine) as db:
            found = [q for q in find_participants(db, text=query, limit=100) if q.id not in enrolled] \
                if query is not None else []
        labels = {q.id: picker_label(q) for q in found}
        pick = st.selectbox("Participant", list(labels), key="join_pick", index=None,
                            format_func=lambda i: labels.get(i, str(i)), placeholder="Pick a participant")

        def join() -> None:
            with action(engine, place="join") as db:
                enrol(db, course_id=cid, participant_id=pick)
                succeeded("join", "Enrolled: on the roster of every session of the course still planned.")

        st.button("Enrol", key="join_button", on_click=join, disabled=pick is None)
        placed_messages("join")
    with c[1]:
        st.markdown("**A participant leaves**")
        active = {x.participant_id: x for x in p.participants if x.left_at is None}
        who = st.selectbox("Participant", list(active), key="leave_pick", index=None,
                           format_func=lambda i: plain(active[i].name) if i in active else str(i),
                           placeholder="Pick a participant")

        def go(version: int) -> None:
            with action(engine, place="leave") as db:
                leave(db, course_id=cid, participant_id=who, seen_version=version)
                succeeded("leave", "Left the course: taken off the sessions still planned, kept on the others.")

        st.button("Leaves the course", key="leave_button", on_click=go, disabled=who is None,
                  args=(active[who].version if who in active else 0,))
        placed_messages("leave")


def _make_up(p: CourseProgress) -> None:
    st.subheader("Arrange a make-up")
    missing = {x.participant_id: x for x in p.participants if x.left_at is None and x.missing}
    if not missing:
        st.caption("No enrolled participant is missing a module.")
        return
    who = st.selectbox("Participant", list(missing), key="mu_person", index=None,
                       format_func=lambda i: plain(missing[i].name) if i in missing else str(i),
                       placeholder="Pick a participant missing a module")
    if who not in missing:
        return
    modules = {v.module_id: v for v in missing[who].missing}
    module = st.selectbox("Module", list(modules), key="mu_module",
                          format_func=lambda m: f"{modules[m].position}. {plain(modules[m].title)} "
                                                f"({modules[m].status})" if m in modules else str(m))
    with session_scope(engine) as db:
        options = {o.session_id: o for o in make_up_options(db, module_id=module)}
    if not options:
        st.info("No other session of this module is planned. Plan one (Plan a session, or another course), then "
                "come back here.")
        return
    session = st.selectbox(
        "Session", list(options), key="mu_session",
        format_func=lambda s: (f"{clock.fmt_local(options[s].scheduled_at, '%a %Y-%m-%d %H:%M')} · "
                               f"{plain(options[s].course_name) if options[s].course_name else 'stand-alone'} · "
                               f"{options[s].rostered} on the roster" + (" (full)" if options[s].full else ""))
        if s in options else str(s))

    def arrange() -> None:
        with action(engine, place="make_up") as db:
            add_make_up(db, participant_id=who, module_id=module, session_id=session)
            succeeded("make_up", "Make-up arranged: on that session's roster, counted for the module once attended.")

    st.button("Arrange make-up", key="mu_button", type="primary", on_click=arrange, disabled=session is None)
    placed_messages("make_up")


def _course_page(cid: int) -> None:
    with session_scope(engine) as db:
        p = course_progress(db, cid)
    st.page_link(SPEC.path, label="All courses", icon=":material/arrow_back:")
    if p is None:
        st.info("There is no course with that number.")
        return
    course = p.course
    st.subheader(md_escape(course.name))
    fac = p.facilitator
    st.caption(f"{md_escape(CODES[course.billing_code].label)} · {md_escape(course.setting.capitalize())} · "
               f"facilitator {md_escape(fac.name) if fac else 'none'} · {len(p.modules)} modules")
    m = st.columns(4)
    m[0].metric("Enrolled now", p.active, help=f"Enrolled and not left; {p.enrolled} enrolled in all")
    m[1].metric("Completed", f"{p.completed} of {p.enrolled}",
                help="Attended every module, in this course or as a make-up, of everyone who ever enrolled "
                     "(those who left included)")
    m[2].metric("Completion rate", f"{p.completion_rate:.0%}" if p.completion_rate is not None else "—")
    # short enough for a quarter of a 1366 px laptop screen; the weekday and year in the tooltip
    m[3].metric("Next session", clock.fmt_local(p.next_session[1], "%m-%d %H:%M") if p.next_session else "—",
                help=clock.fmt_local(p.next_session[1], "%A %Y-%m-%d %H:%M") if p.next_session else None)
    _sessions(p)
    left, right = st.columns(2, gap="large")
    with left:
        _attendance_chart(p)
    with right:
        _changes(p)
    _participants(p)
    if p.participants:
        names = {x.participant_id: plain(x.name) for x in p.participants}
        pid = st.selectbox("Progress of", list(names), key="progress_of", format_func=lambda i: names.get(i, str(i)))
        with session_scope(engine) as db:
            detail = participant_progress(db, cid, pid)
        if detail is not None:
            _detail(detail)
    _enrolment(p)
    _make_up(p)


# ================================================================ which view

flash_errors()
raw = st.query_params.get("course")
cid = int_param("course")
if cid is not None:
    st.title(SPEC.title)
    _course_page(cid)
else:
    st.title(SPEC.title)
    if raw is not None:
        st.info("That link does not name a course.")
    if "_course_link_read" not in ss:
        _read_plan_link()
    tabs = st.tabs(["Courses", "Plan a course"], key="courses_tab", on_change="rerun")
    if tabs[0].open is not False:
        links.write({})  # the list: the plan form's choices leave the link (this session still holds them)
        with tabs[0]:
            _course_list()
    if tabs[1].open:
        with tabs[1]:
            _plan_form()

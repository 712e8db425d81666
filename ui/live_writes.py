"""Every write /live makes, as callbacks bound to what the screen showed when it was drawn: each is checked
against the version that screen showed (models/*: seen_version), a conflict is shown with both values
(ui/conflicts.py), a refusal or a busy database becomes a message with what was typed kept (ui/actions.py).

A `LiveWrites` is made on every run of the page (or of one of its fragments) and its bound methods are given
to the widgets as callbacks, so a callback always carries the state of the screen the person acted on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from models import clock
from models.assessments import set_competency, set_rating
from models.attendance import add_to_roster, set_caregiver, set_present
from models.curriculum import Curriculum, checklist_items
from models.enums import FollowUpKind
from models.errors import Conflict
from models.follow_ups import KIND_LABELS, default_due_date, recommend_follow_up
from models.forgotten import given_end
from models.notes import NoteView, latest_version_id, save_live_note
from models.people import create_participant
from models.questions_goals import add_goal, add_question, default_follow_up_date, set_question_status
from models.rules import ADCES7, CONFIDENCE_DEFAULT, CONFIDENCE_MAX, CONFIDENCE_MIN
from models.session_rows import session_day
from models.session_view import SessionView
from models.sessions import end_at_suggested, end_session, go_to_step, set_tick
from ui import conflicts, drafts
from ui.actions import action, notice
from ui.widgets import set_kept

ss = st.session_state


def note_keys(sid: int, pid: int | None, step_key: str) -> tuple[str, str, str]:
    """Widget keys of a note: its text area, its tags, and what this screen last showed of it."""
    who = "group" if pid is None else pid
    return f"note_{sid}_{who}_{step_key}", f"tags_{sid}_{who}_{step_key}", f"seen_{sid}_{who}_{step_key}"


def note_owner(sid: int, step_key: str, nkey: str) -> int | None:
    """Whose note field of that step `nkey` is (note_keys' first key): a participant's id, or None for the group's.
    KeyError for any other key."""
    prefix, suffix = f"note_{sid}_", f"_{step_key}"
    who = nkey.removeprefix(prefix).removesuffix(suffix) if nkey.startswith(prefix) and nkey.endswith(suffix) else ""
    pid = None if who == "group" else int(who) if who.isascii() and who.isdigit() else -1
    if pid == -1 or note_keys(sid, pid, step_key)[0] != nkey:
        raise KeyError(nkey)
    return pid


def note_gen_key(nkey: str) -> str:
    """A note field's generation on the one-component screen (ui/live_screen.py): moved on when the field is to show
    what is stored in place of what was typed there (the other screen's text kept after a conflict, a draft
    restored)."""
    return f"{nkey}_gen"


def note_drafts(sid: int) -> str:
    """The namespace under which this browser keeps /live's note fields until saved (ui/drafts.keeper)."""
    return f"gsf-draft:{sid}"


def live_note(view: SessionView, pid: int | None, step_key: str) -> NoteView | None:
    """The note /live writes for this person (None: the group) and step: the first one (view.notes come in the
    order they were made; a note added on the record later for the same person and step is another)."""
    return live_notes(view).get((pid, step_key))


def live_notes(view: SessionView) -> dict[tuple[int | None, str], NoteView]:
    """The note /live writes (`live_note`) of every (person or None, step) that has one."""
    first: dict[tuple[int | None, str], NoteView] = {}
    for n in view.notes:  # in the order they were made
        first.setdefault((n.participant_id, n.step), n)
    return first


def stored_note(note: NoteView | None) -> tuple[int | None, str, tuple[str, ...]]:
    """What a screen shows of a note and checks its write against: (version, text, tags); (None, "", ()) for none."""
    return (note.version_id, note.text, tuple(note.tags)) if note else (None, "", ())


def live_notes_not_saved(view: SessionView, *, key: str
                         ) -> dict[str, tuple[drafts.Draft, int | None, str, NoteView | None]]:
    """For a session /live no longer writes to (it has ended): the /live notes this browser holds that never reached
    the record (typed, then the session was ended on another screen, or the page reloaded), as widget key →
    (draft, participant or None for the group, step, the note /live writes there or None), each checked against
    that note."""
    sid = view.session.id
    where = {note_keys(sid, pid, s.id)[0]: (pid, s.id)
             for pid in [*(p.participant_id for p in view.people), None] for s in view.curriculum.steps}
    first = live_notes(view)
    notes = {k: first.get(v) for k, v in where.items()}
    unsaved = drafts.keeper(note_drafts(sid), {}, key=key,
                            elsewhere={k: n.text if n else "" for k, n in notes.items()})
    return {k: (d, *where[k], notes[k]) for k, d in unsaved.items()}


def rating_key(sid: int, pid: int, item_id: str, phase: str) -> str:
    return f"rating_{sid}_{pid}_{item_id}_{phase}"


def competency_key(sid: int, pid: int, topic_id: str, phase: str) -> str:
    return f"competency_{sid}_{pid}_{topic_id}_{phase}"


def goal_keys(sid: int, pid: int) -> tuple[str, str, str, str]:
    """Widget keys of one participant's "Set a goal" form: its behaviour, follow-up date, goal and confidence."""
    k = f"goal_{sid}_{pid}"
    return f"{k}_beh", f"{k}_date", f"{k}_text", f"{k}_conf"


def follow_up_keys(sid: int, pid: int) -> tuple[str, str, str]:
    """Widget keys of one participant's "Recommend a follow-up" form: its due date, kind and note."""
    return f"fu_{sid}_{pid}_date", f"fu_{sid}_{pid}_kind", f"fu_{sid}_{pid}_note"


# A follow-up's kind as the forms on /live and on the record offer it, and as ui/drafts keeps it across a reload.
FOLLOW_UP_KIND = drafts.Pick("select", options=tuple(FollowUpKind), show=lambda k: KIND_LABELS[k].capitalize())


def summary_picks(view: SessionView) -> tuple[dict[str, drafts.Pick], dict]:
    """Each person's goal behaviour, follow-up date and confidence, and follow-up due date and kind (the summary
    step's forms), as ui/drafts.typed keeps them across a reload (widget key → Pick), and what each starts with."""
    sid, day = view.session.id, session_day(view.session)
    picks, start = {}, {}
    for p in view.people:
        beh, goal_date, _, conf = goal_keys(sid, p.participant_id)
        due, kind, _ = follow_up_keys(sid, p.participant_id)
        picks |= {beh: drafts.Pick("select", options=ADCES7), goal_date: drafts.Pick("date"),
                  conf: drafts.Pick("integer", low=CONFIDENCE_MIN, high=CONFIDENCE_MAX),
                  due: drafts.Pick("date", low=day),
                  kind: FOLLOW_UP_KIND}
        start |= {beh: ADCES7[0], goal_date: default_follow_up_date(), conf: CONFIDENCE_DEFAULT,
                  due: default_due_date(day), kind: FOLLOW_UP_KIND.options[0]}
    return picks, start


def _with_tags(text: str, tags) -> str:
    return text + (f"\n[tags: {', '.join(tags)}]" if tags else "")


def queue_used_key(sid: int) -> str:
    """True once this screen has added a question or changed one's status: the queue is then drawn open."""
    return f"q_used_{sid}"


def late_open_key(sid: int) -> str:
    """The "Add a late arrival" expander: its widgets are drawn only while it is open (True)."""
    return f"late_open_{sid}"


def goals_open_key(sid: int, pid: int) -> str:
    """A person's "Set a goal or recommend a follow-up" expander on the summary step, likewise."""
    return f"goals_open_{sid}_{pid}"


def projector_options_key(sid: int) -> str:
    """The "Projector options" expander on /live, likewise."""
    return f"projector_opts_{sid}"


def card_key(sid: int, pid: int) -> str:
    """The fragment keys of /live's parts: a person's card (a click on it reruns that card, which also redraws
    the head-count), the people panel."""
    return f"card_{sid}_{pid}"


def presence_key(sid: int, pid: int) -> str:
    """A live card's one presence button, "Left now" or "Arrived now" as the person is in the room or not."""
    return f"presence_{sid}_{pid}"


def people_key(sid: int) -> str:
    return f"people_{sid}"


def whole_page(callback: Callable) -> Callable:
    """`callback`, then a run of the whole page: for a control drawn in a fragment (/live's clock and controls)
    whose change shows elsewhere too (a step change, a start, an end). Streamlit first ends the fragment's run,
    then draws the page."""
    def run(*args, **kwargs) -> None:
        callback(*args, **kwargs)
        st.rerun()

    return run


class LiveWrites:
    def __init__(self, engine: Engine, sid: int, cur: Curriculum, first_names: dict[int, str]) -> None:
        self.engine, self.sid, self.cur, self.first_names = engine, sid, cur, first_names
        self.item_labels = {i.key: i.label for i in checklist_items(cur)}

    # ------------------------------------------------------------ plain actions

    def do(self, fn: Callable, **kw) -> None:
        with action(self.engine) as db:
            fn(db, session_id=self.sid, **kw)

    def jump(self, target: str) -> None:
        self.do(go_to_step, step=target)

    def end(self, flagged: bool, earliest: datetime | None) -> None:
        """End now; or, for a flagged (forgotten) session, at its suggested end or at the time given, with the
        reason (models/forgotten.py). The confirmation stays open when the end is refused."""
        sid = self.sid
        how, reason = ss.get(f"end_how_{sid}"), ss.get(f"end_reason_{sid}", "")
        with action(self.engine) as db:
            if not flagged:
                end_session(db, session_id=sid)
            elif how == "given":
                at = given_end(ss[f"end_at_{sid}"], earliest=earliest, now=clock.now())
                end_session(db, session_id=sid, at=at, reason=reason)
            else:
                end_at_suggested(db, session_id=sid, reason=reason)
            ss.pop(f"confirm_end_{sid}", None)

    # ------------------------------------------------------------ notes

    def _who(self, pid: int | None) -> str:
        return "The group note" if pid is None else f"The note on {self.first_names.get(pid, 'this participant')}"

    def write_note(self, pid: int | None, step_key: str, text: str, tags: list[str], seen_version: int | None
                   ) -> int | None:
        """Save a /live note against the version the screen showed. The version now stored once saved (None: a
        conflict, kept to resolve, or a refusal, said on the page; or nothing to save for a blank new note)."""
        nkey, tkey, seen = note_keys(self.sid, pid, step_key)
        saved = None

        def on_conflict(exc: Conflict) -> None:
            their_text, their_tags = exc.theirs

            def keep_theirs() -> None:
                ss[nkey], ss[tkey] = their_text, list(their_tags)
                ss[seen] = (exc.version, their_text, tuple(their_tags))
                ss[note_gen_key(nkey)] = ss.get(note_gen_key(nkey), 0) + 1

            conflicts.remember(nkey, conflicts.Pending(
                f"{self._who(pid)} in {self.cur.step(step_key).display_title}", _with_tags(text, tags),
                _with_tags(their_text, their_tags),
                keep_mine=lambda: self.write_note(pid, step_key, text, tags, exc.version), keep_theirs=keep_theirs))

        with action(self.engine, retry=lambda: self.write_note(pid, step_key, text, tags, seen_version),
                    on_conflict=on_conflict) as db:
            note = save_live_note(db, session_id=self.sid, participant_id=pid, step=step_key, text=text, tags=tags,
                                  seen_version=seen_version)
            conflicts.forget(nkey)
            saved = latest_version_id(db, note.id) if note else None
        return saved

    def save_note(self, pid: int | None, step_key: str) -> None:
        """A note field was left (or its tags changed): save both against the version the screen showed."""
        nkey, tkey, seen = note_keys(self.sid, pid, step_key)
        shown = ss.get(seen) or (None, "", ())
        self.write_note(pid, step_key, ss.get(nkey, ""), list(ss.get(tkey) or []), shown[0])

    def restore_draft(self, pid: int | None, step_key: str, text: str) -> None:
        nkey, tkey, seen = note_keys(self.sid, pid, step_key)
        ss[nkey] = text
        self.write_note(pid, step_key, text, list(ss.get(tkey) or []), (ss.get(seen) or (None,))[0])

    # ------------------------------------------------------------ ratings and competency

    def save_rating(self, pid: int, item_id: str, phase: str, value: int | None, seen_version: int) -> None:
        key = rating_key(self.sid, pid, item_id, phase)
        prompt = next((i.prompt for i in self.cur.assessment if i.id == item_id), item_id)

        def on_conflict(exc: Conflict) -> None:
            conflicts.remember(key, conflicts.Pending(
                f"{self.first_names.get(pid, 'A participant')}'s {phase} rating for \u201c{prompt}\u201d",
                "" if value is None else str(value), "" if exc.theirs is None else str(exc.theirs),
                keep_mine=lambda: self.save_rating(pid, item_id, phase, value, exc.version)))

        with action(self.engine, retry=lambda: self.save_rating(pid, item_id, phase, value, seen_version),
                    on_conflict=on_conflict) as db:
            set_rating(db, session_id=self.sid, participant_id=pid, item_id=item_id, phase=phase, value=value,
                       seen_version=seen_version)
            conflicts.forget(key)

    def save_grid_edits(self, key: str, phase: str) -> bool:
        """Save the cells changed in this screen's ratings grid (the editor's edited_rows), each against the
        version the grid showed when it was edited; never the rest of the grid. True when there was any."""
        edits = (ss.get(key) or {}).get("edited_rows", {})
        shown = ss.get(f"{key}_shown")
        if not edits or shown is None:
            return False
        row_pids, versions = shown
        for row, cells in edits.items():
            pid = row_pids[int(row)]
            for item_id, value in cells.items():
                if (pid, item_id) in versions:  # an item column
                    number = None if value is None or pd.isna(value) else int(value)
                    self.save_rating(pid, item_id, phase, number, versions[(pid, item_id)])
        return True

    def save_competency(self, pid: int, topic_id: str, phase: str, seen_version: int,
                        level: str | None = None, *, from_widget: bool = True) -> None:
        if from_widget:
            level = ss.get(f"comp_{self.sid}_{pid}_{topic_id}_{phase}")
        key = competency_key(self.sid, pid, topic_id, phase)
        topic = next((t.title for t in self.cur.topics if t.id == topic_id), topic_id)

        def on_conflict(exc: Conflict) -> None:
            conflicts.remember(key, conflicts.Pending(
                f"{self.first_names.get(pid, 'A participant')}'s {phase} competency for \u201c{topic}\u201d",
                level or "", exc.theirs or "",
                keep_mine=lambda: self.save_competency(pid, topic_id, phase, exc.version, level, from_widget=False)))

        with action(self.engine, on_conflict=on_conflict) as db:
            set_competency(db, session_id=self.sid, participant_id=pid, topic_id=topic_id, phase=phase,
                           level=level, seen_version=seen_version)
            conflicts.forget(key)

    # ------------------------------------------------------------ ticks, caregivers, the roster

    def set_tick(self, key: str, seen_version: int) -> None:
        done = bool(ss.get(f"tick_{self.sid}_{key}"))
        with action(self.engine, retry=lambda: self.set_tick(key, seen_version)) as db:
            written = set_tick(db, session_id=self.sid, item_key=key, done=done, seen_version=seen_version)
            if not written.changed:  # another screen had done it already: their tick and its time stay
                notice(f"\u201c{self.item_labels.get(key, key)}\u201d was already "
                       f"{'ticked' if done else 'unticked'} on another screen; nothing was changed.")

    def set_caregiver(self, pid: int, seen_version: int) -> None:
        """The caregiver's box, name or relationship (the card's rerun redraws the head-count's caregivers)."""
        sid = self.sid
        self.do(set_caregiver, participant_id=pid, present=bool(ss.get(f"carer_{sid}_{pid}")),
                name=ss.get(f"carer_name_{sid}_{pid}"), relationship=ss.get(f"carer_rel_{sid}_{pid}"),
                seen_version=seen_version)

    def presence(self, fn: Callable, pid: int) -> None:
        """Arrived now / Left now: the card's own rerun shows it, with the head-count; nothing else changes."""
        self.do(fn, participant_id=pid)

    def never_came(self, pid: int) -> None:
        """Mark absent: the whole people panel (the person's notes go, the head-count changes)."""
        self.do(set_present, participant_id=pid, present=False)
        st.rerun([people_key(self.sid)])

    def set_planned_presence(self, pid: int, key: str) -> None:
        self.do(set_present, participant_id=pid, present=bool(ss.get(key)))

    def add_late(self) -> None:
        pid = ss.get(f"late_pick_{self.sid}")
        if pid:
            self.do(add_to_roster, participant_id=pid)
            ss[f"late_pick_{self.sid}"] = None

    def add_new_late(self) -> None:
        sid = self.sid
        with action(self.engine) as db:
            p = create_participant(db, first_name=ss.get(f"late_first_{sid}", ""),
                                   last_name=ss.get(f"late_last_{sid}", ""))
            add_to_roster(db, session_id=sid, participant_id=p.id)
            set_kept(f"late_first_{sid}", "")
            set_kept(f"late_last_{sid}", "")

    # ------------------------------------------------------------ questions and goals

    def add_question(self) -> None:
        sid = self.sid
        ss[queue_used_key(sid)] = True
        with action(self.engine) as db:
            add_question(db, session_id=sid, text=ss.get(f"q_text_{sid}", ""), participant_id=ss.get(f"q_who_{sid}"))
            ss[f"q_text_{sid}"] = ""
            ss[f"q_who_{sid}"] = None

    def question_status(self, qid: int, new_status: str) -> None:
        ss[queue_used_key(self.sid)] = True
        with action(self.engine) as db:
            set_question_status(db, question_id=qid, status=new_status)

    def add_goal(self, pid: int) -> None:
        beh_key, date_key, text_key, conf_key = goal_keys(self.sid, pid)
        with action(self.engine) as db:
            add_goal(db, session_id=self.sid, participant_id=pid, behaviour=ss.get(beh_key) or "",
                     text=ss.get(text_key, ""), confidence=int(ss.get(conf_key, CONFIDENCE_DEFAULT)),
                     follow_up_date=ss.get(date_key))
            drafts.used(beh_key, date_key, conf_key)  # added: what its form still shows is not kept for a reload
            set_kept(text_key, "")

    def recommend_follow_up(self, pid: int) -> None:
        """The "Recommend a follow-up" form of one participant (follow_up_keys): saved, its note emptied."""
        date_key, kind_key, note_key = follow_up_keys(self.sid, pid)
        with action(self.engine) as db:
            recommend_follow_up(db, participant_id=pid, session_id=self.sid, due_date=ss.get(date_key),
                                kind=ss.get(kind_key) or "", note=ss.get(note_key, ""))
            drafts.used(date_key, kind_key)
            set_kept(note_key, "")
            notice(f"Follow-up recommended for {self.first_names.get(pid, 'this participant')}.")

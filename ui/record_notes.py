"""The session record's notes: each with its history (a tag-only change said as such), a note added after the
session, and amendments checked against the version the screen showed."""

from __future__ import annotations

import streamlit as st

from models import clock
from models.curriculum import STEP_ORDER, STEP_TITLES
from models.enums import SessionStatus
from models.errors import Conflict
from models.notes import NoteView, add_note, amend_note, split_tags
from models.rules import (
    NOTE_TAGS,
)
from models.session_record import SessionRecord
from ui import conflicts, drafts
from ui.actions import action, message_slot
from ui.live_writes import live_notes_not_saved
from ui.setup import get_engine
from ui.text import md_escape, plain
from ui.widgets import set_shown

ss = st.session_state


def _add_note(sid: int) -> None:
    who, step = ss.get(f"an_who_{sid}"), ss.get(f"an_step_{sid}")
    with action(get_engine()) as db:
        add_note(db, session_id=sid, participant_id=who, step=step, text=ss.get(f"an_text_{sid}", ""),
                 tags=ss.get(f"an_tags_{sid}", []))
        drafts.used(f"an_text_{sid}", f"an_who_{sid}", f"an_step_{sid}", f"an_tags_{sid}")
        ss[f"an_text_{sid}"] = ""
        ss[f"an_tags_{sid}"] = []
        ss["_rv_ok"] = "Note added."


def _stored(n: NoteView) -> tuple[int, str, tuple[str, ...]]:
    """What the amendment field shows of a note and checks its save against: (version, text, its note tags)."""
    return n.version_id, n.text, tuple(t for t in n.tags if t in NOTE_TAGS)


def _amend_keys(note_id: int) -> tuple[str, str, str]:
    return f"am_text_{note_id}", f"am_tags_{note_id}", f"am_seen_{note_id}"


def _amend(note_id: int, label: str, seen_version: int | None = None) -> None:
    """Save the amendment against the note version this screen showed (or, after "Keep mine", the version
    stored now). A version written meanwhile on /live or another /review is never replaced unseen."""
    tkey, gkey, seen = _amend_keys(note_id)
    text, tags = ss.get(tkey, ""), list(ss.get(gkey) or [])
    version = seen_version if seen_version is not None else (ss.get(seen) or (None,))[0]

    def on_conflict(exc: Conflict) -> None:
        their_text, their_tags = exc.theirs

        def keep_theirs() -> None:
            set_shown(tkey, their_text)
            set_shown(gkey, list(their_tags))
            ss[seen] = (exc.version, their_text, tuple(their_tags))

        conflicts.remember(tkey, conflicts.Pending(
            label, _with_tags(text, tags), _with_tags(their_text, their_tags),
            keep_mine=lambda: _amend(note_id, label, exc.version), keep_theirs=keep_theirs))

    with action(get_engine(), retry=lambda: _amend(note_id, label, version), on_conflict=on_conflict) as db:
        v = amend_note(db, note_id=note_id, text=text, tags=tags, seen_version=version)
        conflicts.forget(tkey)
        ss["_rv_ok"] = "Amendment saved; the earlier text is kept." if v else "Nothing changed."


def _put_back(sid: int, note_id: int, text: str, stored: tuple) -> None:
    """An amendment typed in this browser but never saved goes back into the amendment field of its note, to be
    read and saved (or changed) there; it is checked against the note as stored now, shown above the field."""
    tkey, gkey, seen = _amend_keys(note_id)
    set_shown(f"am_pick_{sid}", note_id)
    set_shown(tkey, text)
    ss[seen] = stored
    if gkey not in ss:
        set_shown(gkey, list(stored[2]))  # tags chosen for it and put back after the reload (amend_tag_picks) stay


def _unsaved_amendments(rec: SessionRecord, labels: dict[int, str]) -> None:
    """Every note's amendment field is mirrored in this browser (ui/drafts.keeper) until what it holds is saved:
    after a reload or a restart, an amendment that never reached the record is shown here, to put back or
    discard."""
    sid = rec.session.id
    by_key = {_amend_keys(n.note_id)[0]: n for n in rec.view.notes}
    unsaved = drafts.keeper(f"gsf-amend:{sid}", {k: n.text for k, n in by_key.items()}, key=f"amend_drafts_{sid}")
    with message_slot():
        for key, draft in unsaved.items():
            n = by_key[key]
            drafts.offer(draft, f"an amendment to {md_escape(labels.get(n.note_id, 'a note'))},",
                         restore="Put it back", on_restore=_put_back, args=(sid, n.note_id, draft.text, _stored(n)),
                         help="Back into the note's field, to read and save there")


def _put_in_new_note(sid: int, pid: int | None, step: str, text: str) -> None:
    """A /live note that never reached the record, with no note of its person and step to amend: into "Add a
    note", set to that person and step, to be read and added there."""
    for key, value in ((f"an_who_{sid}", pid), (f"an_step_{sid}", step), (f"an_text_{sid}", text)):
        set_shown(key, value)


def _unsaved_live_notes(rec: SessionRecord) -> None:
    """Once the session has ended, /live is read-only: a note typed there that never reached the record (the
    session was ended on another screen meanwhile, or the page was reloaded) is offered here, to put back into its
    note's amendment field (or into "Add a note" when that person and step have no note) and save there."""
    if rec.session.status != SessionStatus.ENDED:
        return  # /live offers its own
    sid = rec.session.id
    unsaved = live_notes_not_saved(rec.view, key=f"live_drafts_{sid}")
    with message_slot():
        for draft, pid, step, n in unsaved.values():
            who = "the whole group" if pid is None else md_escape(rec.name(pid))
            what = f"a note on {who} in {STEP_TITLES.get(step, step)}, on the live page,"
            if n is None:
                drafts.offer(draft, what, restore="Put it back", on_restore=_put_in_new_note,
                             args=(sid, pid, step, draft.text), help="Into “Add a note”, to read and add there")
            else:
                drafts.offer(draft, what, restore="Put it back", on_restore=_put_back,
                             args=(sid, n.note_id, draft.text, _stored(n)),
                             help="Into that note's amendment field, to read and save there")


def _tag_change(before: str, after: str) -> str:
    """A version that changed only the tags: "tags changed: added X; removed Y" (text unchanged)."""
    old, new = split_tags(before), split_tags(after)
    parts = [f"{verb} {', '.join(t)}" for verb, t in (("added", [t for t in new if t not in old]),
                                                     ("removed", [t for t in old if t not in new])) if t]
    return "Text unchanged; tags changed: " + "; ".join(parts)


def _with_tags(text: str, tags) -> str:
    return text + (f"\n[tags: {', '.join(tags)}]" if tags else "")


def _list_notes(rec: SessionRecord) -> None:
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
                bits = [STEP_TITLES.get(n.step, n.step), f"last written {clock.fmt_local(n.updated_at)}"]
                if n.tags:
                    bits.append("tags: " + ", ".join(n.tags))
                if n.edited_after_session:
                    bits.append("amended after the session")
                st.caption(md_escape(" · ".join(bits)))
                st.text(plain(n.text))
                hist = rec.histories.get(n.note_id)
                if hist:
                    with st.expander(f"Edit history ({len(hist)} versions)"):
                        for i, v in enumerate(hist, 1):
                            tags = v.tags.replace("|", ", ")
                            st.caption(md_escape(f"Version {i} · {clock.fmt_local(v.created_at, '%Y-%m-%d %H:%M:%S')}"
                                                 + (" · after the session" if v.after_session else "")
                                                 + (f" · tags: {tags}" if tags else "")))
                            prev = hist[i - 2] if i > 1 else None
                            if prev is not None and prev.text == v.text and prev.tags != v.tags:
                                st.caption(md_escape(_tag_change(prev.tags, v.tags)))  # the text, unchanged
                            else:
                                st.text(plain(v.text))
    if not shown:
        st.caption("No notes.")


def add_note_picks(rec: SessionRecord) -> tuple[dict[str, drafts.Pick], dict]:
    """"Add a note"'s person, step and tags, as ui/drafts.typed keeps them across a reload (widget key → Pick), and
    what each starts with: the whole group, the last step, no tags."""
    sid = rec.session.id
    people = {p.participant_id: plain(p.name) for p in rec.view.people}
    picks = {f"an_who_{sid}": drafts.Pick("select", options=(None, *people),
                                          show=lambda i: "The whole group" if i is None else people.get(i, "?")),
             f"an_step_{sid}": drafts.Pick("select", options=tuple(STEP_ORDER), show=STEP_TITLES.get),
             f"an_tags_{sid}": drafts.Pick("tags")}
    return picks, {f"an_who_{sid}": None, f"an_step_{sid}": STEP_ORDER[-1], f"an_tags_{sid}": []}


def amend_tag_picks(rec: SessionRecord) -> tuple[dict[str, drafts.Pick], dict]:
    """Each note's amendment tags, as ui/drafts.typed keeps them across a reload (widget key → Pick; the text
    beside them is kept by the amendment keeper, _unsaved_amendments), and what each starts with: the note's tags."""
    picks, start = {}, {}
    for n in rec.view.notes:
        gkey = _amend_keys(n.note_id)[1]
        picks[gkey], start[gkey] = drafts.Pick("tags"), list(_stored(n)[2])
    return picks, start


def amended_note(key: str) -> int | None:
    """The note whose amendment tags the widget key `key` holds, or None for any other key."""
    prefix = _amend_keys(0)[1].removesuffix("0")
    return int(key.removeprefix(prefix)) if key.startswith(prefix) and key.removeprefix(prefix).isdigit() else None


def notes(rec: SessionRecord) -> None:
    st.header("Notes")
    sid = rec.session.id
    _unsaved_live_notes(rec)
    with st.container():  # the notes, however many: a note added moves nothing of the forms under them
        _list_notes(rec)

    picks, start = add_note_picks(rec)
    for k, v in start.items():  # set before they are drawn, so that what ui/drafts.typed put back shows instead
        if v is not None and k not in ss:  # a choice of None ("The whole group") is the box's first option
            set_shown(k, v)
    left, right = st.columns(2)
    with left, st.container(border=True):
        st.markdown("**Add a note**")
        who, step = picks[f"an_who_{sid}"], picks[f"an_step_{sid}"]
        st.selectbox("About", who.options, key=f"an_who_{sid}", format_func=who.show)
        st.selectbox("Step", step.options, key=f"an_step_{sid}", format_func=step.show)
        st.text_area("Note", key=f"an_text_{sid}")
        st.multiselect("Tags", list(NOTE_TAGS), key=f"an_tags_{sid}")
        st.button("Add note", key=f"an_save_{sid}", on_click=_add_note, args=(sid,))
    with right, st.container(border=True):
        st.markdown("**Amend a note** (every earlier version is kept with its time)")
        if not rec.view.notes:
            st.caption("No notes to amend.")
        else:
            labels = {n.note_id: f"{plain(rec.name(n.participant_id))} · {STEP_TITLES.get(n.step, n.step)} · "
                                 f"{plain(n.text[:40])}" for n in rec.view.notes}
            _unsaved_amendments(rec, labels)
            nid = st.selectbox("Note", list(labels), key=f"am_pick_{sid}",
                               format_func=lambda i: labels.get(i, "?"))
            note = next(n for n in rec.view.notes if n.note_id == nid)
            tkey, gkey, seen = _amend_keys(nid)
            stored = _stored(note)
            mine, shown = (ss.get(tkey), tuple(ss.get(gkey) or ())), ss.get(seen)
            if conflicts.pending(tkey) is None and (tkey not in ss or shown is None or mine == stored[1:]
                                                    or mine == shown[1:] and stored != shown):
                # show what is stored, unless this screen holds an amendment not saved yet; tags chosen for it
                # before a reload and put back (amend_tag_picks: its tags, and not its text, are in the session)
                tags_put_back = tkey not in ss and gkey in ss
                set_shown(tkey, stored[1])
                ss[seen] = stored
                if not tags_put_back:
                    set_shown(gkey, list(stored[2]))
            conflicts.show(tkey)
            st.text_area("Text", key=tkey)
            st.multiselect("Tags", list(NOTE_TAGS), key=gkey)
            label = f"The note on {rec.name(note.participant_id)} in {STEP_TITLES.get(note.step, note.step)}"
            st.button("Save amendment", key=f"am_save_{sid}", on_click=_amend, args=(nid, label))

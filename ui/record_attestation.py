"""The instructor's attestation on the session record: recorded with its time, never silently replacing another."""

from __future__ import annotations

import streamlit as st

from models import clock
from models.attestation import ATTESTATION_STATEMENT, Attestation, attest_session, attestation
from models.enums import SessionStatus
from models.errors import Conflict
from models.rules import (
    CREDENTIAL_CHOICES,
    MAX_CREDENTIAL,
    MAX_NAME,
    MAX_REASON,
    instructor_warning,
)
from models.session_record import SessionRecord
from ui import conflicts, drafts
from ui.actions import action, placed_messages, succeeded
from ui.setup import get_engine
from ui.text import md_escape, plain

ss = st.session_state


def _attestation_keys(sid: int) -> tuple[str, str, str, str, str]:
    """Conflict/error slot, name, credential choice, credential in own words, text."""
    return tuple(f"at_{k}_{sid}" for k in ("box", "name", "cred", "other", "text"))


def _described(a: Attestation | None) -> str:
    return f"{a.name} ({a.credential}), recorded {clock.fmt_local(a.at)}:\n{a.text}" if a else "(no attestation)"


def _attest(sid: int, seen) -> None:
    _, name_k, cred_k, other_k, text_k = _attestation_keys(sid)
    cred = ss.get(cred_k) or ""
    if cred == "Other":
        cred = (ss.get(other_k) or "").strip() or cred
    _write_attestation(sid, ss.get(name_k) or "", cred, ss.get(text_k) or "", seen)


def _write_attestation(sid: int, name: str, credential: str, text: str, seen) -> None:
    """Record the attestation against the one this screen showed (`seen`: its time, or None); another one recorded
    meanwhile is shown beside this one, and nothing is replaced until the educator chooses."""
    box = _attestation_keys(sid)[0]
    ss[f"{box}_open"] = True  # the form stays open after every attempt, with its message beside it

    def on_conflict(exc: Conflict) -> None:
        conflicts.remember(box, conflicts.Pending(
            "The instructor's attestation", f"{name} ({credential}):\n{text}", _described(exc.theirs),
            keep_mine=lambda: _write_attestation(sid, name, credential, text, exc.version)))

    with action(get_engine(), on_conflict=on_conflict, place=box) as db:
        attest_session(db, session_id=sid, name=name, credential=credential, text=text, seen_attested_at=seen)
        drafts.used(*_attestation_keys(sid)[1:])  # recorded: what the fields hold is not offered after a reload
        conflicts.forget(box)
        succeeded(box, "Attestation recorded with its time; it is printed on the record and every PDF.")


def starting(rec: SessionRecord) -> dict[str, str]:
    """What the form's text fields start with (widget key → value): the facilitator's name and first credential
    (for "in your own words"), and the standard statement."""
    fac = rec.view.facilitator
    first = (fac.credential if fac else "").split(",")[0].strip()
    _, name_k, _, other_k, text_k = _attestation_keys(rec.session.id)
    return {name_k: fac.name if fac else "", other_k: first if first not in CREDENTIAL_CHOICES else "",
            text_k: ATTESTATION_STATEMENT}


def recorded(rec: SessionRecord) -> dict[str, list[str]]:
    """What the record holds from the form's text fields (widget key → texts): the attestation recorded, if any."""
    a = attestation(rec.session)
    if a is None:
        return {}
    _, name_k, _, other_k, text_k = _attestation_keys(rec.session.id)
    return {name_k: [a.name], other_k: [a.credential], text_k: [a.text]}


def section(rec: SessionRecord, *, opened: bool = False) -> None:
    """The attestation recorded, and the form to record (or replace) it; `opened`: what was typed in the form but
    not recorded was put back after a reload (ui/drafts.typed), so the form is drawn open to show it."""
    st.header("Instructor's attestation")
    s, fac = rec.session, rec.view.facilitator
    code = rec.billing.billed_code if rec.billing else s.billing_code
    a = attestation(s)
    box, name_k, cred_k, other_k, text_k = _attestation_keys(s.id)
    conflicts.show(box)
    if a:
        with st.container(border=True):
            st.markdown(f"**Attested by {md_escape(a.name)}** ({md_escape(a.credential)}) · recorded "
                        f"{clock.fmt_local(a.at, '%Y-%m-%d %H:%M:%S')}")
            st.text(plain(a.text))
            warning = instructor_warning(code, a.credential)
            if warning:
                st.warning(md_escape(warning))
            for e in a.earlier:
                st.caption(md_escape(f"Replaced on {clock.fmt_local(e.replaced_at)} by {e.replaced_by}: {e.name} "
                                     f"({e.credential}), recorded {clock.fmt_local(e.at)}: {e.text}"))
    else:
        st.info("Not attested yet: the record's PDFs carry blank lines for the instructor's name, credential, date "
                "and signature.")
    if s.status != SessionStatus.ENDED:
        st.caption("The record can be attested once the session has ended.")
        return
    label = "Replace this attestation (the earlier one stays on the record)" if a else "Attest this record"
    if opened:
        ss[f"{box}_open"] = True
    with st.expander(label, expanded=a is None, key=f"{box}_open", on_change="rerun"):
        start = starting(rec)
        ss.setdefault(name_k, start[name_k])
        if ss.get(other_k) and ss[other_k] != start[other_k]:  # the educator's own words were put back: "Other"
            ss.setdefault(cred_k, "Other")
        ours = [c.strip() for c in (fac.credential if fac else "").split(",")]
        ss.setdefault(cred_k, next((c for c in ours if c in CREDENTIAL_CHOICES), "Other" if ours[0] else None))
        ss.setdefault(other_k, start[other_k] if ss[cred_k] == "Other" else "")
        ss.setdefault(text_k, start[text_k])
        c = st.columns([2, 1, 1])
        c[0].text_input("Instructor's name", key=name_k, max_chars=MAX_NAME)
        c[1].selectbox("Credential", CREDENTIAL_CHOICES, key=cred_k, placeholder="Choose")
        if ss.get(cred_k) == "Other":
            c[2].text_input("Credential, in your own words", key=other_k, max_chars=MAX_CREDENTIAL)
        st.text_area("Attestation", key=text_k, max_chars=MAX_REASON)
        chosen = ss.get(other_k) if ss.get(cred_k) == "Other" else ss.get(cred_k)
        warning = instructor_warning(code, chosen)
        if warning:
            st.warning(md_escape(warning))
        st.button("Record the attestation", key=f"at_save_{s.id}", type="primary", on_click=_attest,
                  args=(s.id, a.at if a else None),
                  help="Recorded with its time; it is printed at the end of the record and every participant copy.")
        placed_messages(box)

"""A forgotten session: noticed, ended at a time that can be defended, and never billed silently.

Educators forget to press End, or to resume after a pause, or to mark someone as having left. The definitions
(the margin, FORGOTTEN_MARGIN_MINUTES, is in models/rules.py):

* Last recorded activity: the latest facilitator write to the session, kept in `group_session.last_activity_at`
  by every write path (a step change, pause or resume, a tick, a note version, a rating or competency cell,
  a presence or caregiver change, a question, a goal, the projector and privacy switches: session_rows.touch
  and session_rows.mark_activity), and never earlier than the session's start or its last clock event.
* Clock event: a step run's start or end, a pause or a resume. The end of a session can never be set before
  the latest one, since the clock's own record is not rewritten.
* Flagged (check_forgotten): a live session with no activity for at least the margin, and either still
  running with more whole minutes of face-to-face time than its planned minutes plus the margin, or paused
  (a pause never resumed: with no activity for the margin, the pause is at least that old).
* Suggested end (suggested_end): when paused, the moment the clock was paused (paused time is never
  face-to-face time, and a forgotten pause ends where it began); otherwise the last recorded activity.
* Ending (models.sessions.end_session): now (End pressed), at the suggested end, or at a time the educator
  gives, between the last clock event and now, with a reason. The step run and a pause still open, and every
  presence still open (someone never marked as having left), are closed at that end; nothing recorded after
  it is removed. The record keeps the end, how it was chosen (models.enums.EndMethod), the reason and when it
  was chosen.
* Time counted (models.billing.TimeCap): face-to-face time beyond the planned minutes plus the margin is not
  counted unless the educator confirms it on the record (confirm_extra_time: the number of extra minutes the
  record showed, who, why; kept with its time). A confirmation can be withdrawn (withdraw_extra_time); the
  confirmation and its withdrawal both stay on the record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from models import clock
from models.billing import time_cap, whole_minutes
from models.enums import EndMethod, SessionStatus
from models.errors import RuleError
from models.loads import load_runs
from models.rules import FORGOTTEN_MARGIN_MINUTES, MAX_NAME, MAX_REASON
from models.session_rows import require_session, touch
from models.tables import GroupSession
from models.timer import RunSpan, running_intervals

MARGIN = timedelta(minutes=FORGOTTEN_MARGIN_MINUTES)

END_HOW = {
    EndMethod.LAST_ACTIVITY: "at the last recorded activity",
    EndMethod.PAUSE_START: "when the clock was paused",
    EndMethod.GIVEN: "at a time the educator gave",
}


def last_clock_event(runs: Sequence[RunSpan]) -> datetime | None:
    """The latest step change, pause or resume: no end may be set before it."""
    times = [t for r in runs for t in (r.started_at, r.ended_at) if t]
    times += [t for r in runs for p in r.pauses for t in p if t]
    return max(times, default=None)


def paused_since(runs: Sequence[RunSpan]) -> datetime | None:
    """When the clock was paused, if a pause is still open on the open step run."""
    for r in runs:
        if r.ended_at is None:
            return next((a for a, b in r.pauses if b is None), None)
    return None


def last_activity(s: GroupSession, runs: Sequence[RunSpan]) -> datetime | None:
    """The last recorded facilitator activity (see the module's docstring)."""
    times = [t for t in (s.last_activity_at, s.started_at, last_clock_event(runs)) if t]
    return max(times, default=None)


def suggested_end(s: GroupSession, runs: Sequence[RunSpan]) -> tuple[datetime, EndMethod]:
    """The end offered by default for a forgotten session: the pause's start when paused, else the last
    recorded activity."""
    paused = paused_since(runs)
    if paused is not None:
        return paused, EndMethod.PAUSE_START
    last = last_activity(s, runs)
    if last is None:
        raise RuleError("This session has not started.")
    return last, EndMethod.LAST_ACTIVITY


@dataclass(frozen=True)
class Forgotten:
    """A live session that looks forgotten, with what the educator needs to end it."""

    session_id: int
    paused: bool
    running_minutes: int  # face-to-face time so far
    planned_minutes: int
    last_activity: datetime
    idle_minutes: int
    suggested_end: datetime
    method: EndMethod  # how the suggested end is chosen
    earliest_end: datetime  # the last clock event
    now: datetime

    @property
    def suggested_option(self) -> str:
        """The default way to end it, as the end confirmation offers it."""
        what = "End when the clock was paused" if self.paused else "End at the last recorded activity"
        return f"{what} ({_hm(self.suggested_end, self.now)})"

    @property
    def message(self) -> str:
        idle = f"no activity since {_hm(self.last_activity, self.now)} ({_duration(self.idle_minutes)} ago)"
        if self.paused:
            return (f"Paused since {_hm(self.suggested_end, self.now)} and never resumed, with {idle}. Was the "
                    "session over?")
        return (f"Still running after {_duration(self.running_minutes)} of face-to-face time, past its planned "
                f"{self.planned_minutes} min plus {FORGOTTEN_MARGIN_MINUTES} min, with {idle}. Was End forgotten?")


def check_forgotten(s: GroupSession, runs: Sequence[RunSpan], now: datetime | None = None) -> Forgotten | None:
    """The flag for one session (see the module's docstring); None when it is not flagged."""
    now = now or clock.now()
    if s.status != SessionStatus.LIVE or not runs:
        return None
    last = last_activity(s, runs)
    if last is None or now - last < MARGIN:
        return None
    cap = time_cap(s)
    running = whole_minutes(running_intervals(runs, now))
    paused = paused_since(runs) is not None
    if not paused and running <= cap.base_minutes:
        return None
    end, method = suggested_end(s, runs)
    return Forgotten(s.id, paused, running, cap.planned_minutes, last, int((now - last).total_seconds() // 60),
                     end, method, last_clock_event(runs) or s.started_at, now)


def forgotten_sessions(db: Session, sessions: Sequence[GroupSession], now: datetime | None = None
                       ) -> dict[int, Forgotten]:
    """The flagged ones among `sessions` (the home page's running sessions), by session id."""
    now = now or clock.now()
    live = [s for s in sessions if s.status == SessionStatus.LIVE]
    runs = load_runs(db, [s.id for s in live])
    out = {}
    for s in live:
        f = check_forgotten(s, runs.get(s.id, []), now)
        if f:
            out[s.id] = f
    return out


def session_runs(db: Session, session_id: int) -> list[RunSpan]:
    return load_runs(db, [session_id]).get(session_id, [])


def given_end(local: datetime, *, earliest: datetime, now: datetime) -> datetime:
    """An end typed as a local wall-clock time (minute precision) as aware UTC; a time within the minute of
    the earliest allowed end (the last clock event) or of now is that moment, as the widget cannot say it."""
    t = clock.from_local(local.replace(tzinfo=None))
    minute = timedelta(minutes=1)
    if earliest - minute < t < earliest:
        return earliest
    if now < t < now + minute:
        return now
    return t


def check_end(s: GroupSession, runs: Sequence[RunSpan], at: datetime, now: datetime) -> None:
    """A chosen end lies between the last clock event and now."""
    earliest = last_clock_event(runs) or s.started_at
    if earliest is None:
        raise RuleError("A session that never started ends now; there is no time to choose.")
    if at > now:
        raise RuleError("The end cannot be later than now.")
    if at < earliest:
        raise RuleError(f"The end cannot be before {clock.fmt_local(earliest)}, the clock's last step change, "
                        "pause or resume.")


def checked_text(text: str | None, *, what: str, limit: int, required: bool) -> str | None:
    text = (text or "").strip()
    if "\x00" in text:
        raise RuleError(f"The {what} contains a NUL character, which cannot be stored; remove it.")
    if len(text) > limit:
        raise RuleError(f"The {what} holds at most {limit:,} characters; this one has {len(text):,}.")
    if required and not text:
        raise RuleError(f"Say {what}.")
    return text or None


# ---------------------------------------------------------------- confirming time beyond the cap


def extra_minutes(s: GroupSession, runs: Sequence[RunSpan], now: datetime | None = None) -> int:
    """Whole minutes of face-to-face time beyond the planned length plus the margin."""
    recorded = whole_minutes(running_intervals(runs, s.ended_at or now or clock.now()))
    return max(0, recorded - time_cap(s).base_minutes)


def confirm_extra_time(db: Session, *, session_id: int, minutes: int, by: str, reason: str) -> GroupSession:
    """Count the `minutes` of face-to-face time beyond the planned length plus the margin that the record
    showed; refused when the session has not ended or the extra time is not that."""
    s = require_session(db, session_id, statuses=(SessionStatus.ENDED,))
    extra = extra_minutes(s, session_runs(db, session_id))
    if not extra:
        raise RuleError("The face-to-face time is within the planned length plus the margin: nothing to confirm.")
    if minutes != extra:
        raise RuleError(f"The time beyond the planned length plus the margin is {extra} min, not {minutes}; "
                        "look at the record again.")
    s.extra_confirmed_by = checked_text(by, what="who confirms", limit=MAX_NAME, required=True)
    s.extra_confirmed_reason = checked_text(reason, what="why this time counts", limit=MAX_REASON, required=True)
    s.extra_confirmed_minutes, s.extra_confirmed_at = extra, clock.now()
    s.extra_withdrawn_at = s.extra_withdrawn_by = None
    db.add(s)
    touch(db, session_id)
    db.flush()
    return s


def withdraw_extra_time(db: Session, *, session_id: int, by: str) -> GroupSession:
    """Stop counting the confirmed extra time; the confirmation stays on the record, marked withdrawn."""
    s = require_session(db, session_id)
    if not is_confirmed(s):
        raise RuleError("No extra time is confirmed on this record.")
    s.extra_withdrawn_by = checked_text(by, what="who withdraws the confirmation", limit=MAX_NAME, required=True)
    s.extra_withdrawn_at = clock.now()
    db.add(s)
    touch(db, session_id)
    db.flush()
    return s


def is_confirmed(s: GroupSession) -> bool:
    """Extra time confirmed and not withdrawn (models.billing.time_cap counts it)."""
    return time_cap(s).confirmed_minutes > 0


# ---------------------------------------------------------------- what the record says


def time_notes(s: GroupSession) -> list[str]:
    """How the end was chosen and what was confirmed or withdrawn, in plain words, for the record and its
    PDF (the minutes excluded or counted are the billing summary's time_note)."""
    out = []
    if s.end_method in END_HOW and s.ended_at:
        text = (f"Ended at {clock.fmt_local(s.ended_at)}, {END_HOW[EndMethod(s.end_method)]}; chosen on "
                f"{clock.fmt_local(s.end_recorded_at)}.")
        out.append(text + (f" Reason: {s.end_reason}" if s.end_reason else ""))
    if s.extra_confirmed_minutes:
        text = (f"{s.extra_confirmed_minutes} min beyond the planned length plus the margin confirmed by "
                f"{s.extra_confirmed_by} on {clock.fmt_local(s.extra_confirmed_at)}. "
                f"Reason: {s.extra_confirmed_reason}")
        if s.extra_withdrawn_at:
            text += (f" Withdrawn by {s.extra_withdrawn_by} on {clock.fmt_local(s.extra_withdrawn_at)}: that time "
                     "is not counted.")
        out.append(text)
    return out


def _hm(ts: datetime, now: datetime) -> str:
    """HH:MM on the same local day as `now`, else with the date."""
    same_day = clock.local_day(ts) == clock.local_day(now)
    return clock.fmt_local(ts, "%H:%M" if same_day else "%Y-%m-%d %H:%M")


def _duration(minutes: int) -> str:
    h, m = divmod(int(minutes), 60)
    return f"{h} h {m:02d} min" if h else f"{m} min"

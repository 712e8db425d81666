"""The states a stored value can be in. StrEnum members are plain strings, so they are stored and compared as
the text they always were ("planned", "live" …)."""

from __future__ import annotations

from enum import StrEnum


class SessionStatus(StrEnum):
    PLANNED = "planned"
    LIVE = "live"
    ENDED = "ended"


class QuestionStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    PARKED = "parked"  # for follow-up after the session or in a private talk


class Phase(StrEnum):
    """When a rating was taken: before the teaching, after it, or at a later follow-up."""

    PRE = "pre"
    POST = "post"
    FOLLOWUP = "followup"


RATING_PHASES = (Phase.PRE, Phase.POST)
COMPETENCY_PHASES = (Phase.PRE, Phase.POST, Phase.FOLLOWUP)
PHASE_ORDER = {p: i for i, p in enumerate(COMPETENCY_PHASES)}


class AllowancePeriod(StrEnum):
    """Which part of the Medicare DSMT allowance a session's hours fall in."""

    INITIAL = "initial"
    FOLLOW_UP = "follow-up"
    OUTSIDE = "outside"  # after the initial training, in its last calendar year: no follow-up hours yet


class EndMethod(StrEnum):
    """How a session's end time was chosen (models/forgotten.py)."""

    NOW = "now"  # End pressed: the session ended then
    LAST_ACTIVITY = "last activity"  # a forgotten session ended at its last recorded facilitator activity
    PAUSE_START = "pause start"  # a forgotten pause: ended when the clock was paused
    GIVEN = "given time"  # a time the educator gave


class ProjectorClock(StrEnum):
    """What the room sees of the clock on the projector."""

    FULL = "full"  # the countdown, with nearly-out and overtime warnings
    CALM = "calm"  # "time for this part", without red overtime warnings
    NONE = "none"


class Training(StrEnum):
    """What a practitioner's order is for (Medicare DSMT)."""

    INITIAL = "initial"
    FOLLOW_UP = "follow-up"


class FollowUpKind(StrEnum):
    GROUP = "group"  # a group follow-up session
    INDIVIDUAL = "individual"
    PHONE = "phone"

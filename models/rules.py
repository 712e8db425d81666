"""Billing and documentation rules from ../shared/domain/rules.md, kept in one place.

A program changes a number here, and every page, export and test follows. No Streamlit here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

UnitRule = Literal["midpoint", "full"]

UNIT_MINUTES = 30

# Field limits: what the inputs accept and the models refuse beyond (with a message naming the limit).
MAX_NAME = 200
MAX_RELATIONSHIP = 100
MAX_RECORD_NUMBER = 100
MAX_CREDENTIAL = 100
MAX_NOTE = 100_000
MAX_QUESTION = 2_000
MAX_GOAL = 2_000
MAX_SEARCH = 200
MAX_REASON = 2_000  # why a session was ended at a chosen time, or why extra time is counted


@dataclass(frozen=True)
class BillingCode:
    code: str
    label: str
    min_patients: int
    max_patients: int
    unit_rule: UnitRule
    is_group: bool
    dsmt: bool  # Medicare DSMT (G0108/G0109): counts toward the DSMT allowance


CODES: dict[str, BillingCode] = {
    c.code: c
    for c in (
        BillingCode("98960", "CPT 98960 self-management education, individual", 1, 1, "midpoint", False, False),
        BillingCode("98961", "CPT 98961 self-management education, group of 2–4", 2, 4, "midpoint", True, False),
        BillingCode("98962", "CPT 98962 self-management education, group of 5–8", 5, 8, "midpoint", True, False),
        BillingCode("G0108", "HCPCS G0108 Medicare DSMT, individual", 1, 1, "full", False, True),
        BillingCode("G0109", "HCPCS G0109 Medicare DSMT, group of 2–20", 2, 20, "full", True, True),
    )
}

# The individual code that takes over when no-shows leave one patient.
INDIVIDUAL_FALLBACK = {"98961": "98960", "98962": "98960", "G0109": "G0108"}

# Credentials that qualify an instructor for Medicare DSMT (rules.md: RD, RN or pharmacist).
QUALIFIED_CREDENTIALS = ("RN", "RD", "RDN", "Pharmacist", "PharmD")
CREDENTIAL_CHOICES = ("RN", "RD", "RDN", "CDCES", "Pharmacist", "PharmD", "NP", "MD", "CHW", "Other")

ADCES7 = (
    "Healthy coping",
    "Healthy eating",
    "Being active",
    "Taking medication",
    "Monitoring",
    "Reducing risk",
    "Problem solving",
)

NOTE_TAGS = (
    "needs follow-up",
    "refer to one-on-one",
    "information overload",
    "distress",
    "misunderstanding to clarify",
)
# Short labels for the tag buttons on a laptop screen (the full tag is stored and shown everywhere else).
TAG_SHORT = {
    "needs follow-up": "follow-up",
    "refer to one-on-one": "refer 1:1",
    "information overload": "overload",
    "distress": "distress",
    "misunderstanding to clarify": "clarify",
}
# Tags that must be followed up after the session.
FOLLOW_UP_TAGS = ("needs follow-up", "refer to one-on-one", "misunderstanding to clarify")

SETTINGS = ("clinic", "community health centre", "telehealth")

# Brief Action Planning: confidence in an action plan runs from 0 to 10; below the threshold the plan is
# problem-solved with the participant.
CONFIDENCE_MIN = 0
CONFIDENCE_MAX = 10
CONFIDENCE_THRESHOLD = 7
CONFIDENCE_DEFAULT = 7
# A goal's follow-up date, unless the educator picks another: this many days after the session day.
GOAL_FOLLOW_UP_DAYS = 30

# A follow-up the educator recommends for a participant (models/follow_ups.py): due this many months after the
# session day unless the educator picks another date; the home page lists those due up to this many days ahead
# (and every one overdue).
FOLLOW_UP_DEFAULT_MONTHS = 3
FOLLOW_UP_AHEAD_DAYS = 14
MAX_FOLLOW_UP_NOTE = 2_000

# The letter to the referring provider as plain text (models/letter.py): lines of at most this many characters.
LETTER_TEXT_WIDTH = 76

# Fidelity: a session is on time when it started within this many minutes of its scheduled time (early or
# late) and its face-to-face time is within this share of the curriculum's planned minutes.
ON_TIME_START_MINUTES = 10
ON_TIME_LENGTH_TOLERANCE = 0.10

# A forgotten session (models/forgotten.py): face-to-face time beyond the planned length plus this margin is
# not counted unless the educator confirms it on the record, and a live session past that length (or paused
# for this long) with no facilitator activity for this long is flagged.
FORGOTTEN_MARGIN_MINUTES = 30

# Courses (models/courses.py): at most this many modules (sessions) in one course; weekly sessions are this many
# days apart, at the same local time.
MAX_COURSE_MODULES = 12
COURSE_INTERVAL_DAYS = 7
# A make-up counts for a course when held from the day the participant joined until this many days after the
# course's last session (and before they left).
MAKE_UP_WINDOW_DAYS = 30

# Stanford Diabetes Self-Efficacy Scale: not scored when more than this many items are missing.
SELF_EFFICACY_MAX_MISSING = 2

# ADA DSME Record topic competency scale.
COMPETENCY_LEVELS = {
    "1": "1 needs instruction",
    "2": "2 needs review",
    "3": "3 comprehends key points",
    "4": "4 demonstrates competency",
    "NC": "NC not covered",
    "NA": "N/A not applicable",
}
RATED_LEVELS = ("1", "2", "3", "4")  # NC and N/A are not a level of competency
COMPETENT_LEVELS = ("3", "4")

# Medicare DSMT allowance.
DSMT_INITIAL_HOURS = 10
DSMT_INITIAL_GROUP_HOURS = 9
DSMT_INITIAL_INDIVIDUAL_HOURS = 1
DSMT_INITIAL_WINDOW_MONTHS = 12
DSMT_FOLLOW_UP_HOURS_PER_YEAR = 2

# A practitioner's referral and order (models/referrals.py). Hours are ordered in steps of one 30-minute unit
# (UNIT_MINUTES), at most this many of each kind (group, individual). The program asks for a new order once one
# is this many months old. An NPI is 10 digits, the last a Luhn check digit over the prefix 80840 and the first
# nine (the NPI standard).
MAX_ORDER_HOURS = 50
ORDER_VALID_MONTHS = 12
MAX_PRACTICE = 200
MAX_CONTACT = 200  # fax number or e-mail address, as text
MAX_DIAGNOSIS_CODE = 20
MAX_TOPIC = 200  # one topic ordered
MAX_TOPICS = 30  # topics on one order
NPI_DIGITS = 10
NPI_PREFIX = "80840"


def unit_hours(units: int) -> float:
    """Hours of time that `units` 30-minute units stand for (the DSMT allowance counts hours)."""
    return units * UNIT_MINUTES / 60


def first_unit_minutes(code: str) -> int:
    """The fewest whole face-to-face minutes that give one unit of `code`."""
    return UNIT_MINUTES if CODES[code].unit_rule == "full" else UNIT_MINUTES // 2 + 1


def is_low_confidence(confidence: int) -> bool:
    """Brief Action Planning: a plan below the threshold is problem-solved with the participant."""
    return confidence < CONFIDENCE_THRESHOLD


def units_for_minutes(code: str, minutes: float) -> int:
    """Units of a 30-minute code for face-to-face minutes.

    CPT 98960–98962: midpoint rule, a unit is attained when its midpoint is passed
    (<16 → 0, 16–45 → 1, 46–75 → 2 …). G0108/G0109: only full 30-minute increments.
    Minutes are whole minutes actually completed (partial minutes are dropped).
    """
    whole = int(minutes) if minutes > 0 else 0
    rule = CODES[code].unit_rule
    if rule == "full":
        return whole // UNIT_MINUTES
    # midpoint: 16 minutes is the first unit, then one more every 30 minutes (46, 76, 106 …)
    half = UNIT_MINUTES // 2
    if whole <= half:
        return 0
    return (whole - half - 1) // UNIT_MINUTES + 1


@dataclass(frozen=True)
class GroupSizeCheck:
    ok: bool
    refused: bool
    message: str
    suggested_code: str | None = None


def check_group_size(code: str, patients: int) -> GroupSizeCheck:
    """Is a head-count of patients (caregivers excluded) inside the code's range?

    `refused` means the code cannot be used for that group at all (too large for any matching
    code, or a group code with nobody); otherwise a suggestion names the code that fits.
    """
    spec = CODES[code]
    if spec.min_patients <= patients <= spec.max_patients:
        return GroupSizeCheck(True, False, f"{patients} patient(s) fits {spec.label}.")
    if patients <= 0:
        return GroupSizeCheck(False, True, "No patients: nothing can be billed.")
    suggestion = suggest_code(code, patients)
    if patients == 1 and spec.is_group:
        alt = INDIVIDUAL_FALLBACK[code]
        return GroupSizeCheck(
            False,
            False,
            f"Only one patient: this is individual education, billed as {alt}, not the group code {code}.",
            alt,
        )
    if suggestion:
        return GroupSizeCheck(
            False,
            False,
            f"{patients} patients is outside {spec.label}; {suggestion} fits this group size.",
            suggestion,
        )
    return GroupSizeCheck(
        False,
        True,
        f"{patients} patients is more than {spec.label} allows ({spec.max_patients} at most). "
        "Split the group into two sessions.",
    )


def suggest_code(code: str, patients: int) -> str | None:
    """The code of the same family (CPT or DSMT) whose range holds `patients`."""
    dsmt = CODES[code].dsmt
    for other in CODES.values():
        if other.dsmt == dsmt and other.min_patients <= patients <= other.max_patients:
            return other.code
    return None


def is_qualified_instructor(credential: str | None) -> bool:
    if not credential:
        return False
    parts = {p.strip().lower() for p in credential.replace("/", ",").split(",")}
    return any(q.lower() in parts for q in QUALIFIED_CREDENTIALS)


def instructor_warning(code: str, credential: str | None) -> str | None:
    """Medicare DSMT needs a qualified instructor (RN, RD or pharmacist); None when the rule is met or does
    not apply to `code`."""
    if CODES[code].dsmt and not is_qualified_instructor(credential):
        return "No qualified instructor credential recorded (Medicare DSMT needs an RN, RD or pharmacist)."
    return None

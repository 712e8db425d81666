"""SQLModel tables. Every change to these goes through an Alembic migration in migrations/."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.enums import QuestionStatus, SessionStatus


def utcnow() -> datetime:
    from models.clock import now

    return now()


class Participant(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    first_name: str = Field(max_length=200)
    last_name: str = Field(max_length=200, index=True)
    record_number: str | None = Field(default=None, max_length=100, index=True)
    date_of_birth: date | None = None
    created_at: datetime = Field(default_factory=utcnow)


class Facilitator(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    credential: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow)


class GroupSession(SQLModel, table=True):
    __tablename__ = "group_session"
    # The session list filters by one of these and pages newest first: each index holds the filter and the
    # date, so a page of a five-year history is read from the index without touching the rows' frozen
    # curriculum copies.
    __table_args__ = (
        Index("ix_group_session_scheduled", "scheduled_at"),
        Index("ix_group_session_curriculum_scheduled", "curriculum_id", "scheduled_at"),
        Index("ix_group_session_code_scheduled", "billing_code", "scheduled_at"),
        Index("ix_group_session_facilitator_scheduled", "facilitator_id", "scheduled_at"),
        Index("ix_group_session_status_scheduled", "status", "scheduled_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    curriculum_id: str = Field(max_length=64)
    curriculum_version: str = Field(max_length=40)
    curriculum_title: str = Field(max_length=2000)
    curriculum_json: str = Field(sa_column=Column(Text, nullable=False))  # frozen copy as delivered
    billing_code: str = Field(max_length=10)
    scheduled_at: datetime
    setting: str = Field(max_length=40)
    facilitator_id: int | None = Field(default=None, foreign_key="facilitator.id")
    status: str = Field(default=SessionStatus.PLANNED, max_length=10)  # models.enums.SessionStatus
    current_step: str | None = Field(default=None, max_length=10)
    show_first_names: bool = False  # projector welcome slide
    privacy_curtain: bool = False  # hides private parts of /live when the laptop is mirrored
    revision: int = 0  # bumped on every change a projector must follow
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    ended_at: datetime | None = None  # the end as recorded: when End was pressed, or the end the educator chose
    # A forgotten session (models/forgotten.py): the planned length frozen with the curriculum copy, the time
    # of the latest facilitator write, how the end was chosen (models.enums.EndMethod), why, and when End was
    # pressed; face-to-face time beyond the planned length plus the margin that the educator confirmed on the
    # record (who, when, why), and when a confirmation was withdrawn.
    planned_minutes: int | None = None
    last_activity_at: datetime | None = None
    end_method: str | None = Field(default=None, max_length=20)
    end_reason: str | None = Field(default=None, max_length=2000)
    end_recorded_at: datetime | None = None
    extra_confirmed_minutes: int | None = None
    extra_confirmed_by: str | None = Field(default=None, max_length=200)
    extra_confirmed_at: datetime | None = None
    extra_confirmed_reason: str | None = Field(default=None, max_length=2000)
    extra_withdrawn_at: datetime | None = None
    extra_withdrawn_by: str | None = Field(default=None, max_length=200)
    # What the room sees (migration 0006): the clock mode (models.enums.ProjectorClock) and the page of a long step.
    projector_clock: str = Field(default="full", max_length=10, sa_column_kwargs={"server_default": "full"})
    projector_page: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # The instructor's typed attestation on the record.
    attested_by: str | None = Field(default=None, max_length=200)
    attested_credential: str | None = Field(default=None, max_length=100)
    attested_at: datetime | None = None
    attestation_text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # The course and module this session delivers, if it is part of a course (migration 0007).
    course_id: int | None = Field(default=None, foreign_key="course.id", index=True)
    course_module_id: int | None = Field(default=None, foreign_key="course_module.id")


class Attendance(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("session_id", "participant_id"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="group_session.id", index=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    present: bool = True  # expected / marked present at roll call
    caregiver_present: bool = False
    added_late: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})  # presence, caregiver, roll call
    caregiver_name: str | None = Field(default=None, max_length=200)  # who came with the patient (not counted)
    caregiver_relationship: str | None = Field(default=None, max_length=100)
    signed_at: datetime | None = None  # the patient's signature on the printed roster was recorded


class PresenceInterval(SQLModel, table=True):
    """A stretch of time a participant was in the room. Corrections never overwrite: the old row gets
    `superseded_at` and the corrected one is added with `amended=True`."""

    __tablename__ = "presence_interval"

    id: int | None = Field(default=None, primary_key=True)
    attendance_id: int = Field(foreign_key="attendance.id", index=True)
    arrived_at: datetime
    left_at: datetime | None = None
    recorded_at: datetime = Field(default_factory=utcnow)
    amended: bool = False
    superseded_at: datetime | None = None


class StepRun(SQLModel, table=True):
    __tablename__ = "step_run"

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="group_session.id", index=True)
    step: str = Field(max_length=10)
    started_at: datetime
    ended_at: datetime | None = None


class Pause(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="group_session.id", index=True)
    step_run_id: int = Field(foreign_key="step_run.id", index=True)
    paused_at: datetime
    resumed_at: datetime | None = None


class ChecklistTick(SQLModel, table=True):
    __tablename__ = "checklist_tick"
    __table_args__ = (UniqueConstraint("session_id", "item_key"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="group_session.id", index=True)
    item_key: str = Field(max_length=200)
    done: bool = True
    ticked_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class Note(SQLModel, table=True):
    """A note about one participant (or the whole group when participant_id is null), tied to a step.
    Its text and tags live in NoteVersion rows; the newest is current, none is ever overwritten."""

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="group_session.id", index=True)
    participant_id: int | None = Field(default=None, foreign_key="participant.id", index=True)
    step: str = Field(max_length=10)
    created_at: datetime = Field(default_factory=utcnow)


class NoteVersion(SQLModel, table=True):
    __tablename__ = "note_version"

    id: int | None = Field(default=None, primary_key=True)
    note_id: int = Field(foreign_key="note.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    tags: str = Field(default="", max_length=500)  # "|"-separated tags from rules.NOTE_TAGS
    created_at: datetime = Field(default_factory=utcnow)
    after_session: bool = False  # an amendment made on /review after the session ended


class Rating(SQLModel, table=True):
    """Pre / post rating of one assessment item by one participant."""

    __table_args__ = (UniqueConstraint("session_id", "participant_id", "item_id", "phase"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="group_session.id", index=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    item_id: str = Field(max_length=64)
    phase: str = Field(max_length=10)  # models.enums.RATING_PHASES
    value: int | None  # None: cleared (the row stays, so its version keeps counting)
    recorded_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class CompetencyRating(SQLModel, table=True):
    """DSME Record topic competency (1–4, NC, NA) of one participant for one teaching topic."""

    __tablename__ = "competency_rating"
    __table_args__ = (UniqueConstraint("session_id", "participant_id", "topic_id", "phase"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="group_session.id", index=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    topic_id: str = Field(max_length=64)
    phase: str = Field(max_length=10)  # models.enums.COMPETENCY_PHASES
    level: str | None = Field(default=None, max_length=4)  # None: cleared (the row stays)
    recorded_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class Question(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="group_session.id", index=True)
    participant_id: int | None = Field(default=None, foreign_key="participant.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default=QuestionStatus.OPEN, max_length=10)  # models.enums.QuestionStatus
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Goal(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="group_session.id", index=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    behaviour: str = Field(max_length=40)
    text: str = Field(sa_column=Column(Text, nullable=False))
    confidence: int
    follow_up_date: date | None = None
    followed_up_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class SessionTimeCorrection(SQLModel, table=True):
    """A correction of a session's own start and/or end, with its reason. The session row holds the corrected
    times; every earlier value stays here, as presence corrections keep theirs."""

    __tablename__ = "session_time_correction"

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="group_session.id", index=True)
    started_before: datetime | None = None
    ended_before: datetime | None = None
    started_after: datetime | None = None
    ended_after: datetime | None = None
    reason: str = Field(sa_column=Column(Text, nullable=False))
    corrected_by: str | None = Field(default=None, max_length=200)
    recorded_at: datetime = Field(default_factory=utcnow)


# ---------------------------------------------------------------- the program loop (migration 0007)


class Referral(SQLModel, table=True):
    """A practitioner's order for one participant. Hours ordered are kept in minutes (30-minute units)."""

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    practitioner_name: str = Field(max_length=200)
    practitioner_npi: str | None = Field(default=None, max_length=20)
    practice: str | None = Field(default=None, max_length=200)
    contact: str | None = Field(default=None, max_length=200)  # fax or e-mail, as text
    order_date: date
    diagnosis_code: str | None = Field(default=None, max_length=20)
    group_minutes_ordered: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    individual_minutes_ordered: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    topics: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))  # "|"-separated
    training: str = Field(default="initial", max_length=10, sa_column_kwargs={"server_default": "initial"})
    created_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class Course(SQLModel, table=True):
    """A named series of sessions for one cohort."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    setting: str = Field(max_length=40)
    facilitator_id: int | None = Field(default=None, foreign_key="facilitator.id")
    billing_code: str = Field(max_length=10)
    created_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class CourseModule(SQLModel, table=True):
    """One module of a course, in order: the curriculum a session of the course delivers."""

    __tablename__ = "course_module"
    __table_args__ = (UniqueConstraint("course_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    course_id: int = Field(foreign_key="course.id", index=True)
    position: int
    curriculum_id: str = Field(max_length=64)
    title: str = Field(max_length=2000)


class CourseEnrolment(SQLModel, table=True):
    __tablename__ = "course_enrolment"
    __table_args__ = (UniqueConstraint("course_id", "participant_id"),)

    id: int | None = Field(default=None, primary_key=True)
    course_id: int = Field(foreign_key="course.id", index=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    joined_at: datetime = Field(default_factory=utcnow)
    left_at: datetime | None = None
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class FollowUp(SQLModel, table=True):
    """A follow-up the educator recommends for a participant."""

    __tablename__ = "follow_up"
    __table_args__ = (Index("ix_follow_up_due", "done_at", "due_date"),)

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    session_id: int | None = Field(default=None, foreign_key="group_session.id")  # where it was recommended
    due_date: date
    kind: str = Field(max_length=20)  # models.enums.FollowUpKind
    note: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    done_at: datetime | None = None
    scheduled_session_id: int | None = Field(default=None, foreign_key="group_session.id")
    created_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})

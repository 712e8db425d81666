"""the program loop: referrals with the practitioner's order, courses of sessions, enrolments, follow-ups

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 04:00:00

- referral: a practitioner's order for one participant (who referred, when, diagnosis code as text, hours of group
  and individual training ordered, in minutes, topics ordered, initial or follow-up training).
- course / course_module / course_enrolment: a named series of sessions for one cohort, its modules (curricula)
  in order, and who is enrolled (joined, left); group_session.course_id and course_module_id say which course and
  module a session delivers (a make-up is simply attending another course's session of the same module).
- follow_up: a follow-up the educator recommends for a participant (date, kind, note), done or scheduled into a
  session.
Every editable row carries a version, as the rows of 0004 do.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sqlmodel.sql.sqltypes.UTCDateTime
TEXT = sqlmodel.sql.sqltypes.AutoString


def _version() -> sa.Column:
    return sa.Column("version", sa.Integer(), nullable=False, server_default="1")


def upgrade() -> None:
    op.create_table(
        "referral",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("participant_id", sa.Integer(), sa.ForeignKey("participant.id"), nullable=False),
        sa.Column("practitioner_name", TEXT(length=200), nullable=False),
        sa.Column("practitioner_npi", TEXT(length=20), nullable=True),
        sa.Column("practice", TEXT(length=200), nullable=True),
        sa.Column("contact", TEXT(length=200), nullable=True),
        sa.Column("order_date", sa.Date(), nullable=False),
        sa.Column("diagnosis_code", TEXT(length=20), nullable=True),
        sa.Column("group_minutes_ordered", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("individual_minutes_ordered", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("topics", sa.Text(), nullable=False, server_default=""),
        sa.Column("training", TEXT(length=10), nullable=False, server_default="initial"),
        sa.Column("created_at", WHEN(), nullable=False),
        _version(),
    )
    op.create_index("ix_referral_participant_id", "referral", ["participant_id"])
    op.create_table(
        "course",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", TEXT(length=200), nullable=False),
        sa.Column("setting", TEXT(length=40), nullable=False),
        sa.Column("facilitator_id", sa.Integer(), sa.ForeignKey("facilitator.id"), nullable=True),
        sa.Column("billing_code", TEXT(length=10), nullable=False),
        sa.Column("created_at", WHEN(), nullable=False),
        _version(),
    )
    op.create_table(
        "course_module",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("course_id", sa.Integer(), sa.ForeignKey("course.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("curriculum_id", TEXT(length=64), nullable=False),
        sa.Column("title", TEXT(length=2000), nullable=False),
        sa.UniqueConstraint("course_id", "position"),
    )
    op.create_index("ix_course_module_course_id", "course_module", ["course_id"])
    op.create_table(
        "course_enrolment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("course_id", sa.Integer(), sa.ForeignKey("course.id"), nullable=False),
        sa.Column("participant_id", sa.Integer(), sa.ForeignKey("participant.id"), nullable=False),
        sa.Column("joined_at", WHEN(), nullable=False),
        sa.Column("left_at", WHEN(), nullable=True),
        _version(),
        sa.UniqueConstraint("course_id", "participant_id"),
    )
    op.create_index("ix_course_enrolment_course_id", "course_enrolment", ["course_id"])
    op.create_index("ix_course_enrolment_participant_id", "course_enrolment", ["participant_id"])
    if op.get_bind().dialect.name == "sqlite":
        # plain ADD COLUMN with an inline REFERENCES: SQLite allows it, and a batch copy of group_session would
        # have to drop a table that other tables reference
        op.execute("ALTER TABLE group_session ADD COLUMN course_id INTEGER REFERENCES course (id)")
        op.execute("ALTER TABLE group_session ADD COLUMN course_module_id INTEGER REFERENCES course_module (id)")
    else:
        op.add_column("group_session", sa.Column("course_id", sa.Integer(), nullable=True))
        op.add_column("group_session", sa.Column("course_module_id", sa.Integer(), nullable=True))
        op.create_foreign_key(None, "group_session", "course", ["course_id"], ["id"])
        op.create_foreign_key(None, "group_session", "course_module", ["course_module_id"], ["id"])
    op.create_index("ix_group_session_course_id", "group_session", ["course_id"])
    op.create_table(
        "follow_up",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("participant_id", sa.Integer(), sa.ForeignKey("participant.id"), nullable=False),
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("group_session.id"), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("kind", TEXT(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("done_at", WHEN(), nullable=True),
        sa.Column("scheduled_session_id", sa.Integer(), sa.ForeignKey("group_session.id"), nullable=True),
        sa.Column("created_at", WHEN(), nullable=False),
        _version(),
    )
    op.create_index("ix_follow_up_participant_id", "follow_up", ["participant_id"])
    op.create_index("ix_follow_up_due", "follow_up", ["done_at", "due_date"])


def downgrade() -> None:
    op.drop_index("ix_follow_up_due", table_name="follow_up")
    op.drop_index("ix_follow_up_participant_id", table_name="follow_up")
    op.drop_table("follow_up")
    op.drop_index("ix_group_session_course_id", table_name="group_session")
    with op.batch_alter_table("group_session") as batch:
        batch.drop_column("course_module_id")
        batch.drop_column("course_id")
    op.drop_index("ix_course_enrolment_participant_id", table_name="course_enrolment")
    op.drop_index("ix_course_enrolment_course_id", table_name="course_enrolment")
    op.drop_table("course_enrolment")
    op.drop_index("ix_course_module_course_id", table_name="course_module")
    op.drop_table("course_module")
    op.drop_table("course")
    op.drop_index("ix_referral_participant_id", table_name="referral")
    op.drop_table("referral")

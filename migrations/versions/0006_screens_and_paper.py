"""screens and paper: projector clock and paging, caregiver details, signed roster, attestation, session times

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 03:00:00

- group_session.projector_clock: what the room sees of the clock (full countdown, a calm "time for this part",
  or none), chosen per session; group_session.projector_page: the page of a long step the facilitator shows.
- attendance.caregiver_name / caregiver_relationship: who came with the patient (never counted in the group);
  attendance.signed_at: when the patient's signature on the printed roster was recorded.
- group_session.attested_*: the instructor's typed attestation on the record (name, credential, text, time).
- session_time_correction: corrections of a session's own start and end, with a reason; like presence
  corrections, every earlier value is kept.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sqlmodel.sql.sqltypes.UTCDateTime
TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("group_session") as batch:
        batch.add_column(sa.Column("projector_clock", TEXT(length=10), nullable=False, server_default="full"))
        batch.add_column(sa.Column("projector_page", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("attested_by", TEXT(length=200), nullable=True))
        batch.add_column(sa.Column("attested_credential", TEXT(length=100), nullable=True))
        batch.add_column(sa.Column("attested_at", WHEN(), nullable=True))
        batch.add_column(sa.Column("attestation_text", sa.Text(), nullable=True))
    with op.batch_alter_table("attendance") as batch:
        batch.add_column(sa.Column("caregiver_name", TEXT(length=200), nullable=True))
        batch.add_column(sa.Column("caregiver_relationship", TEXT(length=100), nullable=True))
        batch.add_column(sa.Column("signed_at", WHEN(), nullable=True))
    op.create_table(
        "session_time_correction",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("group_session.id"), nullable=False),
        sa.Column("started_before", WHEN(), nullable=True),
        sa.Column("ended_before", WHEN(), nullable=True),
        sa.Column("started_after", WHEN(), nullable=True),
        sa.Column("ended_after", WHEN(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("corrected_by", TEXT(length=200), nullable=True),
        sa.Column("recorded_at", WHEN(), nullable=False),
    )
    op.create_index("ix_session_time_correction_session_id", "session_time_correction", ["session_id"])


def downgrade() -> None:
    op.drop_index("ix_session_time_correction_session_id", table_name="session_time_correction")
    op.drop_table("session_time_correction")
    with op.batch_alter_table("attendance") as batch:
        for column in ("signed_at", "caregiver_relationship", "caregiver_name"):
            batch.drop_column(column)
    with op.batch_alter_table("group_session") as batch:
        for column in ("attestation_text", "attested_at", "attested_credential", "attested_by", "projector_page",
                       "projector_clock"):
            batch.drop_column(column)

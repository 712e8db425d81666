"""cell versions: every value two screens can edit carries a version

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 02:20:00

Two screens can hold the same record. Every write now sends the version its screen showed and is refused when
the stored one is newer. Ratings and competency cells are no longer deleted when cleared: the row stays with an
empty value and a higher version, so a screen that saw the cleared cell cannot be mistaken for one that saw an
older value. Attendance rows carry a version for presence, caregiver and roll call.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VERSIONED = ("rating", "competency_rating", "checklist_tick", "attendance")


def upgrade() -> None:
    for table in VERSIONED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("rating") as batch:
        batch.alter_column("value", existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table("competency_rating") as batch:
        batch.alter_column("level", existing_type=sa.String(length=4), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM rating WHERE value IS NULL")
    op.execute("DELETE FROM competency_rating WHERE level IS NULL")
    with op.batch_alter_table("competency_rating") as batch:
        batch.alter_column("level", existing_type=sa.String(length=4), nullable=False)
    with op.batch_alter_table("rating") as batch:
        batch.alter_column("value", existing_type=sa.Integer(), nullable=False)
    for table in VERSIONED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("version")

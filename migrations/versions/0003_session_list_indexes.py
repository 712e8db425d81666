"""session list indexes: filter column with the date

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 17:10:00

The session list filters by curriculum, code, facilitator or status and pages newest first. Indexes on the
filter column alone made the database sort every matching row, reading each row's frozen curriculum copy on
the way; an index on (filter column, scheduled_at) answers a page and its count from the index.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PAIRS = (
    ("curriculum_id", "ix_group_session_curriculum_id", "ix_group_session_curriculum_scheduled"),
    ("billing_code", "ix_group_session_billing_code", "ix_group_session_code_scheduled"),
    ("facilitator_id", "ix_group_session_facilitator_id", "ix_group_session_facilitator_scheduled"),
    ("status", "ix_group_session_status", "ix_group_session_status_scheduled"),
)


def upgrade() -> None:
    for column, old, new in PAIRS:
        op.create_index(new, "group_session", [column, "scheduled_at"])
        op.drop_index(old, table_name="group_session")


def downgrade() -> None:
    for column, old, new in PAIRS:
        op.create_index(old, "group_session", [column])
        op.drop_index(new, table_name="group_session")

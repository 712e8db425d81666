"""forgotten sessions: planned length, last activity, how the end was chosen, confirmed extra time

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 12:00:00

Educators forget to press End (models/forgotten.py). A session now keeps its planned length (frozen with the
curriculum copy, so billing reads it without the copy), the time of the latest facilitator write, how its end
was chosen and why, and the face-to-face time beyond the planned length plus the margin that the educator
confirmed on the record (who, when, why; when withdrawn). Existing sessions get their planned length from
their curriculum copy, and a session still live gets its last activity from what it recorded.
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sqlmodel.sql.sqltypes.UTCDateTime
TEXT = sqlmodel.sql.sqltypes.AutoString
COLUMNS = (
    ("planned_minutes", sa.Integer),
    ("last_activity_at", WHEN),
    ("end_method", lambda: TEXT(length=20)),
    ("end_reason", lambda: TEXT(length=2000)),
    ("end_recorded_at", WHEN),
    ("extra_confirmed_minutes", sa.Integer),
    ("extra_confirmed_by", lambda: TEXT(length=200)),
    ("extra_confirmed_at", WHEN),
    ("extra_confirmed_reason", lambda: TEXT(length=2000)),
    ("extra_withdrawn_at", WHEN),
    ("extra_withdrawn_by", lambda: TEXT(length=200)),
)

# Every timestamp a live session's own writes leave, for its last activity.
ACTIVITY = (
    "SELECT started_at AS t FROM step_run WHERE session_id = group_session.id",
    "SELECT ended_at FROM step_run WHERE session_id = group_session.id",
    "SELECT paused_at FROM pause WHERE session_id = group_session.id",
    "SELECT resumed_at FROM pause WHERE session_id = group_session.id",
    "SELECT ticked_at FROM checklist_tick WHERE session_id = group_session.id",
    "SELECT recorded_at FROM rating WHERE session_id = group_session.id",
    "SELECT recorded_at FROM competency_rating WHERE session_id = group_session.id",
    "SELECT updated_at FROM question WHERE session_id = group_session.id",
    "SELECT created_at FROM goal WHERE session_id = group_session.id",
    "SELECT v.created_at FROM note_version v JOIN note n ON n.id = v.note_id WHERE n.session_id = group_session.id",
    "SELECT i.recorded_at FROM presence_interval i JOIN attendance a ON a.id = i.attendance_id "
    "WHERE a.session_id = group_session.id",
    "SELECT i.left_at FROM presence_interval i JOIN attendance a ON a.id = i.attendance_id "
    "WHERE a.session_id = group_session.id",
)


def upgrade() -> None:
    with op.batch_alter_table("group_session") as batch:
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind(), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, curriculum_json FROM group_session")).all()
    for sid, text in rows:
        minutes = json.loads(text).get("minutes")
        if minutes is not None:
            conn.execute(sa.text("UPDATE group_session SET planned_minutes = :m WHERE id = :id"),
                         {"m": int(minutes), "id": sid})
    conn.execute(sa.text(
        "UPDATE group_session SET last_activity_at = (SELECT MAX(t) FROM ("
        + " UNION ALL ".join(ACTIVITY) + ") AS activity) WHERE status = 'live'"))


def downgrade() -> None:
    with op.batch_alter_table("group_session") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)

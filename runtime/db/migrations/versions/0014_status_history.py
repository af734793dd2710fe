"""the history of status moves: one table for every kind of subject

Every move of a subject through its workflow (runtime/statuses) is a row: which subject (its
workflow's name and its id), from which status to which, who made it in which role, when and
why. The subject's own status column holds the current status.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "status_change",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("subject_type", sa.String(40), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("from_status", sa.String(40), nullable=False),
        sa.Column("to_status", sa.String(40), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("role", sa.String(40), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_status_change_subject", "status_change", ["subject_type", "subject_id", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_status_change_subject", table_name="status_change")
    op.drop_table("status_change")

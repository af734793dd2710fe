"""absence (runtime/absence): a school's cases of relative and long-term absence and of
children enrolled at no school, with the history of every change

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-09
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "absence_case",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("pupil_id", sa.Uuid(), sa.ForeignKey("pupil.id"), nullable=False),
        sa.Column("school_id", sa.Uuid(), sa.ForeignKey("organisation.id")),
        sa.Column("swv_id", sa.Uuid(), sa.ForeignKey("organisation.id")),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("first_absent_on", sa.Date(), nullable=False),
        sa.Column("hours", sa.SmallInteger()),
        sa.Column("reported_on", sa.Date()),
        sa.Column("acting", sa.String(20)),
        sa.Column("acting_text", sa.String(200)),
        sa.Column("agreed", sa.Text()),
        sa.Column("review_on", sa.Date()),
        sa.Column("ended_on", sa.Date()),
        sa.Column("ending", sa.String(20)),
        sa.Column("ending_note", sa.String(500)),
        sa.Column("thuiszitter_told_on", sa.Date()),
        sa.Column("recorded_by", sa.Uuid()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_absence_case_pupil_id", "absence_case", ["pupil_id"])
    op.create_index("ix_absence_case_school", "absence_case", ["school_id", "status"])
    op.create_index("ix_absence_case_swv", "absence_case", ["swv_id", "status"])
    op.create_table(
        "absence_update",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Uuid(), sa.ForeignKey("absence_case.id"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Uuid()),
        sa.Column("by_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(40)),
        sa.Column("changes", sa.JSON(), nullable=False),
    )
    op.create_index("ix_absence_update_case", "absence_update", ["case_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_absence_update_case", table_name="absence_update")
    op.drop_table("absence_update")
    for name in ("ix_absence_case_swv", "ix_absence_case_school", "ix_absence_case_pupil_id"):
        op.drop_index(name, table_name="absence_case")
    op.drop_table("absence_case")

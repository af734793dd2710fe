"""pupil counts (runtime/organisations): the number of pupils of each school location per
year, from DUO's history

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pupil_count",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("school_id", sa.Uuid(), sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("pupils", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(10), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint(
            "school_id", "year", "origin", name="uq_pupil_count_school_year_origin"
        ),
    )
    op.create_index("ix_pupil_count_school_id", "pupil_count", ["school_id"])


def downgrade() -> None:
    op.drop_index("ix_pupil_count_school_id", table_name="pupil_count")
    op.drop_table("pupil_count")

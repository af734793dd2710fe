"""monitoring exports (runtime/monitoring/export_jobs.py): a person's export too large to make
in the request, made by a job: what was asked, its status and progress, its file in the archive

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monitoring_export",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("user_id", sa.Uuid(), sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("audience", sa.String(10), nullable=False),
        sa.Column("overview_id", sa.String(100), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column("format", sa.String(4), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("file_name", sa.String(200), nullable=True),
        sa.Column("problem", sa.String(40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("progressed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_monitoring_export_user_id", "monitoring_export", ["user_id"])
    op.create_index(
        "ix_monitoring_export_organisation_id", "monitoring_export", ["organisation_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_monitoring_export_organisation_id", table_name="monitoring_export")
    op.drop_index("ix_monitoring_export_user_id", table_name="monitoring_export")
    op.drop_table("monitoring_export")

"""monitoring reports (runtime/monitoring): an organisation's periodic report, a PDF and an
XLSX file in the archive

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monitoring_report",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column(
            "organisation_id", sa.Uuid(), sa.ForeignKey("organisation.id"), nullable=False
        ),
        sa.Column("audience", sa.String(10), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column("pdf_sha256", sa.String(64), nullable=False),
        sa.Column("xlsx_sha256", sa.String(64), nullable=False),
        sa.Column("overviews", sa.Integer(), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint(
            "organisation_id", "period_from", "period_to", "language",
            name="uq_monitoring_report_period",
        ),
    )  # fmt: skip
    op.create_index(
        "ix_monitoring_report_organisation_id", "monitoring_report", ["organisation_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_monitoring_report_organisation_id", table_name="monitoring_report")
    op.drop_table("monitoring_report")

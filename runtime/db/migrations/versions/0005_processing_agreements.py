"""processing agreements (verwerkersovereenkomsten)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "processing_agreement",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("bestuur_id", sa.Uuid(), sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("processor_id", sa.Uuid(), sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_processing_agreement_bestuur_id", "processing_agreement", ["bestuur_id"])
    op.create_index(
        "ix_processing_agreement_processor_id", "processing_agreement", ["processor_id"]
    )


def downgrade() -> None:
    op.drop_table("processing_agreement")

"""admissions (runtime/admissions): a registration at each school of the parents' list, with
the dates derived from its events (WPO art. 40), and the alerts sent before its deadlines

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admission",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("transfer_id", sa.Uuid(), sa.ForeignKey("transfer.id"), nullable=False),
        sa.Column("school_id", sa.Uuid(), sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("received_on", sa.Date()),
        sa.Column("decided_on", sa.Date()),
        sa.Column("needs_support", sa.Boolean()),
        sa.Column("exception", sa.String(20)),
        sa.Column("agreed_school_id", sa.Uuid(), sa.ForeignKey("organisation.id")),
        sa.Column("agreed_on", sa.Date()),
        sa.Column("decision_due_on", sa.Date()),
        sa.Column("not_handled_due_on", sa.Date()),
        sa.Column("ten_weeks_on", sa.Date()),
        sa.Column("temporary_from", sa.Date()),
        sa.Column("temporary_flagged_on", sa.Date()),
        sa.Column("explanation", sa.Text()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("transfer_id", "position"),
    )
    op.create_index("ix_admission_transfer_id", "admission", ["transfer_id"])
    op.create_index("ix_admission_school_id", "admission", ["school_id"])
    op.create_index("ix_admission_decision_due_on", "admission", ["decision_due_on"])
    op.create_table(
        "admission_alert",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("admission_id", sa.Uuid(), sa.ForeignKey("admission.id"), nullable=False),
        sa.Column("key", sa.String(120), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("admission_id", "key"),
    )


def downgrade() -> None:
    op.drop_table("admission_alert")
    op.drop_table("admission")

"""monitoring's indexes: a school's transfers started in a period, from it and to it, and its
registrations received in a period (benchmarks/monitoring.py)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_transfer_sending_created", "transfer", ["sending_school_id", "created_at"]),
    ("ix_transfer_receiving_created", "transfer", ["receiving_school_id", "created_at"]),
    ("ix_admission_school_received", "admission", ["school_id", "received_on"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)

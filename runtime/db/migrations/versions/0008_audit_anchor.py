"""the audit chain's recorded heads (anchors); new events are keyed with the audit key

Events written before this migration keep their plain SHA-256 hashes and pupil keys: the BSN is
not stored, so they cannot be re-keyed. ``popo audit verify`` accepts them only before the first
keyed event or anchor, which seals them; ``popo audit pupil`` finds both kinds.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_anchor",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("event_hash", sa.String(64), nullable=False),
        sa.Column("mac", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_anchor_event_id", "audit_anchor", ["event_id"])


def downgrade() -> None:
    op.drop_table("audit_anchor")

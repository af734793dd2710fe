"""per answer of a draft, the revision that last changed it (conflicts between two tabs)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("draft", sa.Column("answer_revisions", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("draft", "answer_revisions")

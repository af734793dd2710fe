"""what an OSO import brought into a draft, and what it did not

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("draft", sa.Column("oso_import", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("draft", "oso_import")

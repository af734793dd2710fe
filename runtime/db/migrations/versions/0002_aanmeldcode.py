"""aanmeldcode on submissions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submission") as batch:
        batch.add_column(sa.Column("aanmeldcode", sa.String(length=20), nullable=True))
        batch.create_unique_constraint("uq_submission_aanmeldcode", ["aanmeldcode"])


def downgrade() -> None:
    with op.batch_alter_table("submission") as batch:
        batch.drop_constraint("uq_submission_aanmeldcode", type_="unique")
        batch.drop_column("aanmeldcode")

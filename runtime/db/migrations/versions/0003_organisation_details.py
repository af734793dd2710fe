"""organisation details from DUO and SWV membership

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COLUMNS = [
    ("swv_source", sa.String(length=20)),
    ("street", sa.String(length=200)),
    ("house_number", sa.String(length=20)),
    ("postcode", sa.String(length=10)),
    ("city", sa.String(length=100)),
    ("municipality_code", sa.String(length=10)),
    ("municipality", sa.String(length=100)),
    ("province", sa.String(length=40)),
    ("denomination", sa.String(length=100)),
    ("phone", sa.String(length=40)),
    ("website", sa.String(length=200)),
]


def upgrade() -> None:
    with op.batch_alter_table("organisation") as batch:
        batch.add_column(sa.Column("swv_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key("fk_organisation_swv", "organisation", ["swv_id"], ["id"])
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
        batch.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("organisation") as batch:
        batch.drop_constraint("fk_organisation_swv", type_="foreignkey")
        batch.drop_column("swv_id")
        for name, _ in COLUMNS:
            batch.drop_column(name)
        batch.drop_column("updated_at")

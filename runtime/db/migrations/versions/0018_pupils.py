"""pupils and their parents or guardians (runtime/pupils): the number encrypted, found by a keyed
hash with a unique index per kind; the current school indexed for the scope rule

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pupil",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("number_kind", sa.String(20), nullable=False),
        sa.Column("number_hash", sa.String(64), nullable=False),
        sa.Column("number_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("key_check", sa.String(16), nullable=False),
        sa.Column("voornamen", sa.String(100), nullable=False),
        sa.Column("roepnaam", sa.String(50)),
        sa.Column("tussenvoegsel", sa.String(20)),
        sa.Column("achternaam", sa.String(100), nullable=False),
        sa.Column("geboortedatum", sa.Date(), nullable=False),
        sa.Column("current_school_id", sa.Uuid(), sa.ForeignKey("organisation.id")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("uq_pupil_number", "pupil", ["number_kind", "number_hash"], unique=True)
    op.create_index("ix_pupil_school_name", "pupil", ["current_school_id", "achternaam"])
    op.create_table(
        "guardian",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("pupil_id", sa.Uuid(), sa.ForeignKey("pupil.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("naam", sa.String(200), nullable=False),
        sa.Column("relatie", sa.String(20), nullable=False),
        sa.Column("gezag", sa.Boolean(), nullable=False),
        sa.Column("telefoon", sa.String(20)),
        sa.Column("email", sa.String(254)),
        sa.Column("address_secret", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_guardian_pupil_id", "guardian", ["pupil_id"])


def downgrade() -> None:
    op.drop_index("ix_guardian_pupil_id", table_name="guardian")
    op.drop_table("guardian")
    op.drop_index("ix_pupil_school_name", table_name="pupil")
    op.drop_index("uq_pupil_number", table_name="pupil")
    op.drop_table("pupil")

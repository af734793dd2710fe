"""placement rounds (runtime/placement): a round of a region's placement policy (its seed,
status, input hash and verifiable log) and every child's placement in it

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "placement_round",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("policy_id", sa.String(100), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("policy_hash", sa.String(64), nullable=False),
        sa.Column("region", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("seed", sa.String(200)),
        sa.Column("seed_given", sa.Boolean(), nullable=False),
        sa.Column("input_hash", sa.String(64)),
        sa.Column("children", sa.Integer(), nullable=False),
        sa.Column("placed", sa.Integer(), nullable=False),
        sa.Column("log", sa.JSON()),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("problem", sa.Text()),
    )
    op.create_index("ix_placement_round_policy", "placement_round", ["policy_id", "policy_version"])
    op.create_table(
        "placement",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("round_id", sa.Uuid(), sa.ForeignKey("placement_round.id"), nullable=False),
        sa.Column("token", sa.String(40), nullable=False),
        sa.Column("transfer_id", sa.Uuid(), sa.ForeignKey("transfer.id"), nullable=False),
        sa.Column("pupil_id", sa.Uuid(), sa.ForeignKey("pupil.id"), nullable=False),
        sa.Column("school_id", sa.Uuid(), sa.ForeignKey("organisation.id")),
        sa.Column("first_choice_id", sa.Uuid(), sa.ForeignKey("organisation.id")),
        sa.Column("choice", sa.Integer()),
        sa.Column("group_id", sa.String(40)),
        sa.Column("number", sa.Integer()),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.UniqueConstraint("round_id", "token", name="uq_placement_round_token"),
    )
    op.create_index("ix_placement_school", "placement", ["school_id", "round_id"])
    op.create_index("ix_placement_first_choice", "placement", ["first_choice_id", "round_id"])
    op.create_index("ix_placement_transfer", "placement", ["transfer_id"])


def downgrade() -> None:
    op.drop_index("ix_placement_transfer", table_name="placement")
    op.drop_index("ix_placement_first_choice", table_name="placement")
    op.drop_index("ix_placement_school", table_name="placement")
    op.drop_table("placement")
    op.drop_index("ix_placement_round_policy", table_name="placement_round")
    op.drop_table("placement_round")

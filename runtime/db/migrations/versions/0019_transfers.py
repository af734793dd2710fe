"""transfers (runtime/transfers): the transfer with its pupil, schools, procedure, status and
version; the schools in order of preference; the timeline's events; the parents' links;
drafts and submissions linked to their pupil and transfer

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_LINKED = ("draft", "submission")


def upgrade() -> None:
    op.create_table(
        "transfer",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("reference", sa.String(20), nullable=False, unique=True),
        sa.Column("pupil_id", sa.Uuid(), sa.ForeignKey("pupil.id"), nullable=False),
        sa.Column("sending_school_id", sa.Uuid(), sa.ForeignKey("organisation.id")),
        sa.Column("receiving_school_id", sa.Uuid(), sa.ForeignKey("organisation.id")),
        sa.Column("procedure_id", sa.String(100), nullable=False),
        sa.Column("procedure_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("reason_note", sa.Text()),
        sa.Column("started_by_party", sa.String(20), nullable=False),
        sa.Column("started_by", sa.Uuid()),
        sa.Column("desired_date", sa.Date()),
        sa.Column("enrolled_on", sa.Date()),
        sa.Column("deregistered_on", sa.Date()),
        sa.Column("due_on", sa.Date()),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_transfer_sending", "transfer", ["sending_school_id", "updated_at"])
    op.create_index("ix_transfer_receiving", "transfer", ["receiving_school_id", "updated_at"])
    op.create_index("ix_transfer_pupil", "transfer", ["pupil_id"])
    op.create_table(
        "transfer_choice",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("transfer_id", sa.Uuid(), sa.ForeignKey("transfer.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Uuid(), sa.ForeignKey("organisation.id"), nullable=False),
    )
    op.create_index("ix_transfer_choice_transfer_id", "transfer_choice", ["transfer_id"])
    op.create_table(
        "transfer_event",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("transfer_id", sa.Uuid(), sa.ForeignKey("transfer.id"), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(100)),
        sa.Column("actor_id", sa.Uuid()),
        sa.Column("actor_name", sa.String(200), nullable=False),
        sa.Column("party", sa.String(20)),
        sa.Column("role", sa.String(40)),
        sa.Column("organisation_id", sa.Uuid(), sa.ForeignKey("organisation.id")),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("visible_to", sa.String(100), nullable=False),
        sa.Column("detail", sa.Text()),
    )
    op.create_index("ix_transfer_event_transfer", "transfer_event", ["transfer_id", "id"])
    op.create_table(
        "parent_access",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("transfer_id", sa.Uuid(), sa.ForeignKey("transfer.id"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("guardian_id", sa.Uuid(), sa.ForeignKey("guardian.id")),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column("created_by", sa.Uuid()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("last_used_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_parent_access_transfer_id", "parent_access", ["transfer_id"])
    for table in _LINKED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("pupil_id", sa.Uuid(), nullable=True))
            batch.add_column(sa.Column("transfer_id", sa.Uuid(), nullable=True))
            batch.create_foreign_key(f"fk_{table}_pupil_id", "pupil", ["pupil_id"], ["id"])
            batch.create_foreign_key(f"fk_{table}_transfer_id", "transfer", ["transfer_id"], ["id"])
            batch.create_index(f"ix_{table}_transfer_id", ["transfer_id"])


def downgrade() -> None:
    for table in _LINKED:
        with op.batch_alter_table(table) as batch:
            batch.drop_index(f"ix_{table}_transfer_id")
            batch.drop_constraint(f"fk_{table}_transfer_id", type_="foreignkey")
            batch.drop_constraint(f"fk_{table}_pupil_id", type_="foreignkey")
            batch.drop_column("transfer_id")
            batch.drop_column("pupil_id")
    op.drop_index("ix_parent_access_transfer_id", table_name="parent_access")
    op.drop_table("parent_access")
    op.drop_index("ix_transfer_event_transfer", table_name="transfer_event")
    op.drop_table("transfer_event")
    op.drop_index("ix_transfer_choice_transfer_id", table_name="transfer_choice")
    op.drop_table("transfer_choice")
    op.drop_index("ix_transfer_pupil", table_name="transfer")
    op.drop_index("ix_transfer_receiving", table_name="transfer")
    op.drop_index("ix_transfer_sending", table_name="transfer")
    op.drop_table("transfer")

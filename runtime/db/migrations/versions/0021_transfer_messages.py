"""transfer messages (runtime/transfers/messages.py): a thread per transfer between the schools
and with the parents, each message addressed to a party and role; its attachments; who read it

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transfer_message",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("transfer_id", sa.Uuid(), sa.ForeignKey("transfer.id"), nullable=False),
        sa.Column("author_id", sa.Uuid()),
        sa.Column("author_access_id", sa.Uuid(), sa.ForeignKey("parent_access.id")),
        sa.Column("author_name", sa.String(200), nullable=False),
        sa.Column("author_party", sa.String(20), nullable=False),
        sa.Column("author_role", sa.String(40)),
        sa.Column("author_organisation_id", sa.Uuid(), sa.ForeignKey("organisation.id")),
        sa.Column("to_party", sa.String(20), nullable=False),
        sa.Column("to_role", sa.String(40)),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_transfer_message_transfer", "transfer_message", ["transfer_id", "created_at"]
    )
    op.create_table(
        "message_attachment",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("message_id", sa.Uuid(), sa.ForeignKey("transfer_message.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_message_attachment_message_id", "message_attachment", ["message_id"])
    op.create_table(
        "message_read",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("message_id", sa.Uuid(), sa.ForeignKey("transfer_message.id"), nullable=False),
        sa.Column("account_id", sa.Uuid()),
        sa.Column("parent_access_id", sa.Uuid(), sa.ForeignKey("parent_access.id")),
        sa.Column("reader_name", sa.String(200), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("message_id", "account_id", name="uq_message_read_account"),
        sa.UniqueConstraint("message_id", "parent_access_id", name="uq_message_read_access"),
    )
    op.create_index("ix_message_read_message_id", "message_read", ["message_id"])


def downgrade() -> None:
    op.drop_index("ix_message_read_message_id", table_name="message_read")
    op.drop_table("message_read")
    op.drop_index("ix_message_attachment_message_id", table_name="message_attachment")
    op.drop_table("message_attachment")
    op.drop_index("ix_transfer_message_transfer", table_name="transfer_message")
    op.drop_table("transfer_message")

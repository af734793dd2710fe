"""1Loket (runtime/support): the support requests of schools to their samenwerkingsverband,
their timeline, the parents' links and decisions (voor gezien, reports shared or withheld), and
each SWV's desk (its own terms and decision numbers)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "support_request",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("reference", sa.String(20), nullable=False, unique=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("procedure_id", sa.String(100), nullable=False),
        sa.Column("procedure_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Uuid(), sa.ForeignKey("pupil.id"), nullable=False),
        sa.Column("school_id", sa.Uuid(), sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("swv_id", sa.Uuid(), sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("receiving_school_id", sa.Uuid(), sa.ForeignKey("organisation.id")),
        sa.Column("transfer_id", sa.Uuid(), sa.ForeignKey("transfer.id")),
        sa.Column("draft_id", sa.Uuid(), sa.ForeignKey("draft.id")),
        sa.Column("submission_id", sa.Uuid(), sa.ForeignKey("submission.id")),
        sa.Column("started_by", sa.Uuid()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True)),
        sa.Column("completed_on", sa.Date()),
        sa.Column("suspended_on", sa.Date()),
        sa.Column("suspended_days", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date()),
        sa.Column("meeting_on", sa.Date()),
        sa.Column("decided_on", sa.Date()),
        sa.Column("decision", sa.String(20)),
        sa.Column("decision_number", sa.String(40)),
        sa.Column("granted_content", sa.Text()),
        sa.Column("granted_scope", sa.Text()),
        sa.Column("starts_on", sa.Date()),
        sa.Column("ends_on", sa.Date()),
        sa.Column("tlv_kind", sa.String(10)),
        sa.Column("tlv_category", sa.String(10)),
        sa.Column("reasons", sa.Text()),
        sa.Column("purge_on", sa.Date()),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("swv_id", "decision_number", name="uq_support_decision_number"),
    )
    for column in ("pupil_id", "receiving_school_id", "transfer_id", "draft_id"):
        op.create_index(f"ix_support_request_{column}", "support_request", [column])
    op.create_index("ix_support_request_school", "support_request", ["school_id", "updated_at"])
    op.create_index("ix_support_request_swv", "support_request", ["swv_id", "submitted_at"])
    op.create_index("ix_support_request_purge", "support_request", ["purge_on"])
    op.create_table(
        "support_event",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.Uuid(), sa.ForeignKey("support_request.id"), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("actor_id", sa.Uuid()),
        sa.Column("actor_name", sa.String(200), nullable=False),
        sa.Column("party", sa.String(20)),
        sa.Column("role", sa.String(40)),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_support_event_request", "support_event", ["request_id", "id"])
    op.create_table(
        "support_parent_link",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("request_id", sa.Uuid(), sa.ForeignKey("support_request.id"), nullable=False),
        sa.Column("guardian_id", sa.Uuid(), sa.ForeignKey("guardian.id"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column("created_by", sa.Uuid()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("last_used_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_support_parent_link_request_id", "support_parent_link", ["request_id"])
    op.create_table(
        "support_parents_record",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.Uuid(), sa.ForeignKey("support_request.id"), nullable=False),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("report", sa.String(64)),
        sa.Column("guardian_id", sa.Uuid(), sa.ForeignKey("guardian.id"), nullable=False),
        sa.Column("link_id", sa.Uuid(), sa.ForeignKey("support_parent_link.id"), nullable=False),
        sa.Column("wording", sa.Text(), nullable=False),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_support_parents_record_request", "support_parents_record", ["request_id", "id"]
    )
    op.create_table(
        "support_desk",
        sa.Column("swv_id", sa.Uuid(), sa.ForeignKey("organisation.id"), primary_key=True),
        sa.Column("decision_weeks", sa.JSON(), nullable=False),
        sa.Column("number_year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("support_desk")
    op.drop_index("ix_support_parents_record_request", "support_parents_record")
    op.drop_table("support_parents_record")
    op.drop_index("ix_support_parent_link_request_id", "support_parent_link")
    op.drop_table("support_parent_link")
    op.drop_index("ix_support_event_request", "support_event")
    op.drop_table("support_event")
    for name in ("purge", "swv", "school"):
        op.drop_index(f"ix_support_request_{name}", "support_request")
    for column in ("pupil_id", "receiving_school_id", "transfer_id", "draft_id"):
        op.drop_index(f"ix_support_request_{column}", "support_request")
    op.drop_table("support_request")

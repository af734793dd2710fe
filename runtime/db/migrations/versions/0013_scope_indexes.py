"""indexes for the scope rule: lists and counts of drafts and submissions per organisation

The scope rule (runtime/access/scope.py) is a condition on an organisation id that every list,
count and fetch of pupil data carries; these indexes serve it and the lists' status and date
filters and orders, and the rule's subqueries for a board's or an SWV's schools.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_organisation_parent_id", "organisation", ["parent_id"]),
    ("ix_organisation_swv_id", "organisation", ["swv_id"]),
    ("ix_draft_organisation_status_updated", "draft", ["organisation_id", "status", "updated_at"]),
    ("ix_draft_organisation_created", "draft", ["organisation_id", "created_at"]),
    ("ix_submission_organisation_submitted", "submission", ["organisation_id", "submitted_at"]),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)

"""aanmeldcodes and consent (runtime/consent): codes kept only as a keyed hash, the entries
counted for the limits, the receiving schools' requests and the parents' decisions; the plain
code column of submissions goes (codes made before are void: the school renews them)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registration_code",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("submission_id", sa.Uuid(), sa.ForeignKey("submission.id"), nullable=False),
        sa.Column("pupil_id", sa.Uuid(), sa.ForeignKey("pupil.id")),
        sa.Column("organisation_id", sa.Uuid(), sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("lookup", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Uuid()),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True)),
        sa.Column("withdrawn_by", sa.Uuid()),
        sa.Column("renewed_to_id", sa.Uuid(), sa.ForeignKey("registration_code.id")),
        sa.Column("locked_at", sa.DateTime(timezone=True)),
    )
    for column in ("submission_id", "pupil_id", "organisation_id"):
        op.create_index(f"ix_registration_code_{column}", "registration_code", [column])
    op.create_table(
        "code_attempt",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Uuid()),
        sa.Column("school_id", sa.Uuid(), sa.ForeignKey("organisation.id")),
        sa.Column("address", sa.String(64)),
        sa.Column("code_id", sa.Uuid(), sa.ForeignKey("registration_code.id")),
        sa.Column("matched", sa.Boolean(), nullable=False),
        sa.Column("refused", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_code_attempt_at", "code_attempt", ["at"])
    op.create_index("ix_code_attempt_school", "code_attempt", ["school_id", "at"])
    op.create_index("ix_code_attempt_user", "code_attempt", ["user_id", "at"])
    op.create_index("ix_code_attempt_address", "code_attempt", ["address", "at"])
    op.create_index("ix_code_attempt_code", "code_attempt", ["code_id", "matched"])
    op.create_table(
        "consent_request",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("reference", sa.String(20), nullable=False, unique=True),
        sa.Column("school_id", sa.Uuid(), sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("requested_by", sa.Uuid()),
        sa.Column("requested_by_name", sa.String(200), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lapses_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(200)),
        sa.Column("code_id", sa.Uuid(), sa.ForeignKey("registration_code.id")),
        sa.Column("pupil_id", sa.Uuid(), sa.ForeignKey("pupil.id")),
    )
    op.create_index("ix_consent_request_school", "consent_request", ["school_id", "requested_at"])
    op.create_index("ix_consent_request_code_id", "consent_request", ["code_id"])
    op.create_index("ix_consent_request_pupil_id", "consent_request", ["pupil_id"])
    op.create_table(
        "consent_record",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.Uuid(), sa.ForeignKey("consent_request.id"), nullable=False),
        sa.Column("decision", sa.String(12), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("guardian_id", sa.Uuid(), sa.ForeignKey("guardian.id")),
        sa.Column("guardian_name", sa.String(200), nullable=False),
        sa.Column("gezag", sa.Boolean(), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("access_id", sa.Uuid(), sa.ForeignKey("parent_access.id")),
        sa.Column("recorded_by", sa.Uuid()),
        sa.Column("recorded_by_name", sa.String(200)),
        sa.Column("wording_version", sa.String(20), nullable=False),
        sa.Column("wording_language", sa.String(5), nullable=False),
        sa.Column("wording_text", sa.Text(), nullable=False),
        sa.Column("paper_filename", sa.String(255)),
        sa.Column("paper_media_type", sa.String(120)),
        sa.Column("paper_size", sa.Integer()),
        sa.Column("paper_sha256", sa.String(64)),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_consent_record_request", "consent_record", ["request_id", "id"])
    with op.batch_alter_table("submission") as batch:
        batch.drop_constraint("uq_submission_aanmeldcode", type_="unique")
        batch.drop_column("aanmeldcode")


def downgrade() -> None:
    with op.batch_alter_table("submission") as batch:
        batch.add_column(sa.Column("aanmeldcode", sa.String(length=20), nullable=True))
        batch.create_unique_constraint("uq_submission_aanmeldcode", ["aanmeldcode"])
    op.drop_table("consent_record")
    op.drop_table("consent_request")
    op.drop_table("code_attempt")
    op.drop_table("registration_code")

"""the audit log is chained after the request: an event is written in the request's
transaction without its place on the chain (``seq``, ``previous_hash`` and ``hash`` empty),
and the chainer (runtime/audit, the job ``audit_chain``) gives it one, in order; no request
holds the chain's lock any more. The events so far keep their place: ``seq`` is their id.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

UNCHAINED = sa.text("seq IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("audit_event") as table:
        table.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        table.alter_column("previous_hash", existing_type=sa.String(64), nullable=True)
        table.alter_column("hash", existing_type=sa.String(64), nullable=True)
    op.execute("UPDATE audit_event SET seq = id")
    op.create_index("ix_audit_event_seq", "audit_event", ["seq"], unique=True)
    op.create_index(
        "ix_audit_event_unchained",
        "audit_event",
        ["id"],
        sqlite_where=UNCHAINED,
        postgresql_where=UNCHAINED,
    )


def downgrade() -> None:
    # an event not chained yet would have no hash to go back to: refuse, chain first
    bind = op.get_bind()
    waiting = bind.execute(sa.text("SELECT count(*) FROM audit_event WHERE seq IS NULL")).scalar()
    if waiting:
        raise RuntimeError(
            f"{waiting} audit events are not chained yet: run `popo audit chain` first"
        )
    op.drop_index("ix_audit_event_unchained", table_name="audit_event")
    op.drop_index("ix_audit_event_seq", table_name="audit_event")
    with op.batch_alter_table("audit_event") as table:
        table.alter_column("hash", existing_type=sa.String(64), nullable=False)
        table.alter_column("previous_hash", existing_type=sa.String(64), nullable=False)
        table.drop_column("seq")

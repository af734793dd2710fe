"""the tables of the job library: procrastinate's schema on PostgreSQL, huey's on SQLite

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# procrastinate's objects, for the downgrade (its schema as of procrastinate 3.10)
PROCRASTINATE_TABLES = (
    "procrastinate_events",
    "procrastinate_periodic_defers",
    "procrastinate_jobs",
    "procrastinate_workers",
)
PROCRASTINATE_TYPES = (
    "procrastinate_job_event_type",
    "procrastinate_job_status",
    "procrastinate_job_to_defer_v1",
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from runtime.jobs.pg import schema

        # straight to psycopg without parameters: the schema's '%' are not placeholders
        with bind.connection.dbapi_connection.cursor() as cursor:  # type: ignore[union-attr]
            cursor.execute(schema())
        return
    # huey's SqliteStorage tables, column for column (tests/runtime/test_jobs.py guards them)
    op.create_table(
        "kv",
        sa.Column("queue", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("queue", "key"),
    )
    op.create_table(
        "schedule",
        sa.Column("id", sa.Integer(), nullable=False, primary_key=True),
        sa.Column("queue", sa.Text(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("timestamp", sa.Float(), nullable=False),
    )
    op.create_index("schedule_queue_timestamp", "schedule", ["queue", "timestamp"])
    op.create_table(
        "task",
        sa.Column("id", sa.Integer(), nullable=False, primary_key=True),
        sa.Column("queue", sa.Text(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("priority", sa.Float(), nullable=False, server_default=sa.text("0.0")),
    )
    op.execute("CREATE INDEX task_queue_priority_id ON task (queue, priority DESC, id)")
    op.create_table(
        "counter",
        sa.Column("queue", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.PrimaryKeyConstraint("queue", "key"),
    )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table in PROCRASTINATE_TABLES:
            op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
        for name in PROCRASTINATE_TYPES:
            op.execute(f"DROP TYPE IF EXISTS {name} CASCADE")
        op.execute(
            "DO $$ DECLARE f record; BEGIN FOR f IN SELECT oid::regprocedure AS sig FROM pg_proc "
            "WHERE proname LIKE 'procrastinate%' LOOP EXECUTE 'DROP FUNCTION ' || f.sig || "
            "' CASCADE'; END LOOP; END $$"
        )
        return
    for table in ("counter", "task", "schedule", "kv"):
        op.drop_table(table)

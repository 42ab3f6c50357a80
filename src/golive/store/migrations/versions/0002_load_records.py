"""Load records: one row per request of a load test (raw, for re-analysis and charts).

Revision ID: 0002
Revises: 0001
Create Date: 2025-02-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

# Written out, not imported from golive.store.models: a migration is a frozen record.
_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "load_requests",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("concurrency", sa.Integer(), nullable=True),
        sa.Column("rate", sa.Float(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("t_sched_us", sa.BigInteger(), nullable=False),
        sa.Column("t_send_us", sa.BigInteger(), nullable=False),
        sa.Column("t_end_us", sa.BigInteger(), nullable=False),
        sa.Column("ttft_ms", sa.Float(), nullable=True),
        sa.Column("ttft_from_schedule_ms", sa.Float(), nullable=True),
        sa.Column("e2e_ms", sa.Float(), nullable=True),
        sa.Column("chunks", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=True),
        sa.Column("token_source", sa.String(16), nullable=False),
        sa.Column("error_mode", sa.String(32), nullable=True),
        sa.Column("warmup", sa.Boolean(), nullable=False),
        sa.Column("prompt_index", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name="fk_load_requests_run_id_runs", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_load_requests"),
    )
    op.create_index("ix_load_requests_run_id_level", "load_requests", ["run_id", "level"])


def downgrade() -> None:
    op.drop_index("ix_load_requests_run_id_level", table_name="load_requests")
    op.drop_table("load_requests")

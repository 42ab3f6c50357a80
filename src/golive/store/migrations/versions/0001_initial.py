"""Initial schema: runs, observations and case results.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

# Written out rather than imported from golive.store.models: a migration is a frozen record
# of the schema at its revision, and must not change when the models do.
_JSON = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", _TS, nullable=False),
        sa.Column("finished_at", _TS, nullable=True),
        sa.Column("heartbeat_at", _TS, nullable=False),
        sa.Column("verdict", sa.String(8), nullable=True),
        sa.Column("config_json", _JSON, nullable=True),
        sa.Column("target_json", _JSON, nullable=True),
        sa.Column("git_commit", sa.String(64), nullable=True),
        sa.Column("git_branch", sa.String(255), nullable=True),
        sa.Column("config_hash", sa.String(64), nullable=True),
        sa.Column("suite_hash", sa.String(64), nullable=True),
        sa.Column("summary_json", _JSON, nullable=True),
        sa.Column("total_requests", sa.Integer(), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("hostname", sa.String(255), nullable=True),
        sa.Column("golive_version", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_runs"),
    )
    op.create_table(
        "observations",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("sample", sa.Integer(), nullable=False),
        sa.Column("capability", sa.String(), nullable=True),
        sa.Column("input_json", _JSON, nullable=True),
        sa.Column("output", sa.Text(), nullable=False),
        sa.Column("error_mode", sa.String(32), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("error_status", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("t_sched_ns", sa.BigInteger(), nullable=False),
        sa.Column("t_send_ns", sa.BigInteger(), nullable=False),
        sa.Column("t_end_ns", sa.BigInteger(), nullable=True),
        sa.Column("ttft_ms", sa.Float(), nullable=True),
        sa.Column("e2e_ms", sa.Float(), nullable=True),
        sa.Column("chunk_times_json", _JSON, nullable=True),
        sa.Column("finish_reason", sa.String(64), nullable=True),
        sa.Column("prompt_tokens", sa.Integer(), nullable=True),
        sa.Column("completion_tokens", sa.Integer(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("findings_json", _JSON, nullable=True),
        sa.Column("scores_json", _JSON, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name="fk_observations_run_id_runs", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_observations"),
    )
    op.create_index("ix_observations_run_id_case_id", "observations", ["run_id", "case_id"])
    op.create_table(
        "case_results",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("capability", sa.String(), nullable=True),
        sa.Column("samples", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("case_scores_json", _JSON, nullable=True),
        sa.Column("case_findings_json", _JSON, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name="fk_case_results_run_id_runs", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_case_results"),
    )
    op.create_index("ix_case_results_run_id_case_id", "case_results", ["run_id", "case_id"])


def downgrade() -> None:
    op.drop_index("ix_case_results_run_id_case_id", table_name="case_results")
    op.drop_table("case_results")
    op.drop_index("ix_observations_run_id_case_id", table_name="observations")
    op.drop_table("observations")
    op.drop_table("runs")

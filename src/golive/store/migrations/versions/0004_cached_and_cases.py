"""Cache replays and the case as run: ``observations.cached``, ``case_results.case_json``.

``cached`` marks a sample replayed from the response cache (its times are another run's, so
latency comparisons leave it out); ``case_json`` is the case as run (reference, tags, variant
lineage), so a stored run rebuilds exactly. Existing rows: not cached, no case.

Revision ID: 0004
Revises: 0003
Create Date: 2025-04-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

# Written out, not imported from golive.store.models: a migration is a frozen record.
_JSON = sa.JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


def upgrade() -> None:
    # A server default fills the rows already there (and SQLite's ADD COLUMN needs one for
    # NOT NULL); batch mode keeps SQLite on ALTER TABLE ADD COLUMN without a table copy.
    with op.batch_alter_table("observations") as batch:
        batch.add_column(
            sa.Column("cached", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("case_results") as batch:
        batch.add_column(sa.Column("case_json", _JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_results") as batch:
        batch.drop_column("case_json")
    with op.batch_alter_table("observations") as batch:
        batch.drop_column("cached")

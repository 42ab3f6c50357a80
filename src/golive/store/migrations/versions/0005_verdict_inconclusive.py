"""``runs.verdict`` holds ``inconclusive`` (12 characters): widened from 8 to 16.

SQLite does not enforce a VARCHAR length; PostgreSQL does, and would refuse the new verdict.
Existing rows keep their values.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def _enforces_length() -> bool:
    # SQLite ignores the length, and altering a column there copies the whole table: skip it.
    return op.get_bind().dialect.name != "sqlite"


def upgrade() -> None:
    if _enforces_length():
        op.alter_column(
            "runs",
            "verdict",
            existing_type=sa.String(8),
            type_=sa.String(16),
            existing_nullable=True,
        )


def downgrade() -> None:
    # An inconclusive verdict does not fit the old width: it is stored as its closest
    # older meaning, no-go (the run did not pass).
    op.execute("UPDATE runs SET verdict = 'no-go' WHERE verdict = 'inconclusive'")
    if _enforces_length():
        op.alter_column(
            "runs",
            "verdict",
            existing_type=sa.String(16),
            type_=sa.String(8),
            existing_nullable=True,
        )

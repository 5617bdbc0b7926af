"""harvest sources name the requesting official and the case number of their transfers

A source that harvests into a partner institution pulls files as transfers under an
agreement; each transfer records who asked and under which case or document number.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for column in ("official", "case_no"):
        op.add_column(
            "harvest_sources",
            sa.Column(column, sa.String(length=100), nullable=False, server_default=""),
        )


def downgrade() -> None:
    with op.batch_alter_table("harvest_sources") as batch:
        batch.drop_column("case_no")
        batch.drop_column("official")

"""indexes for listing live datasets in each order without reading them all

A listing without a query (the catalogue page, the front page, CKAN's package_search without
q) walks one of these until its page is full.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 16:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_datasets_live_updated", "datasets", ["deleted_at", "updated_at", "id"])
    op.create_index("ix_datasets_live_created", "datasets", ["deleted_at", "created_at", "id"])
    op.create_index("ix_datasets_live_title", "datasets", ["deleted_at", "title"])
    op.create_index(
        "ix_datasets_live_popular", "datasets", ["deleted_at", sa.text("(view_count + 3 * download_count)")]
    )


def downgrade() -> None:
    for name in ("popular", "title", "created", "updated"):
        op.drop_index(f"ix_datasets_live_{name}", table_name="datasets")

"""indexes for listing live datasets in each order without reading them all

A listing without a query (the catalogue page, the front page, CKAN's package_search without
q) walks one of these until its page is full.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 16:30:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # partial (live rows only): an index led by deleted_at drew SQLite's "id IN (…) AND deleted_at
    # IS NULL" away from the primary key
    live = sa.text("deleted_at IS NULL")
    where: dict[str, Any] = {"sqlite_where": live, "postgresql_where": live}
    op.create_index("ix_datasets_live_updated", "datasets", ["updated_at", "id"], **where)
    op.create_index("ix_datasets_live_created", "datasets", ["created_at", "id"], **where)
    op.create_index("ix_datasets_live_title", "datasets", ["title", sa.text("id DESC")], **where)
    op.create_index(
        "ix_datasets_live_popular", "datasets", [sa.text("(view_count + 3 * download_count)")], **where
    )


def downgrade() -> None:
    for name in ("popular", "title", "created", "updated"):
        op.drop_index(f"ix_datasets_live_{name}", table_name="datasets")

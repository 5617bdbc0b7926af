"""search index and searches that found nothing

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=64), nullable=False),
        sa.Column("field", sa.String(length=20), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_search_terms_dataset_id_datasets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_terms")),
    )
    op.create_index("ix_search_terms_term_dataset", "search_terms", ["term", "dataset_id"], unique=False)
    op.create_index(op.f("ix_search_terms_dataset_id"), "search_terms", ["dataset_id"], unique=False)
    op.create_table(
        "search_misses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("query", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_misses")),
        sa.UniqueConstraint("query", name=op.f("uq_search_misses_query")),
    )


def downgrade() -> None:
    op.drop_table("search_misses")
    op.drop_index(op.f("ix_search_terms_dataset_id"), table_name="search_terms")
    op.drop_index("ix_search_terms_term_dataset", table_name="search_terms")
    op.drop_table("search_terms")

"""search index: one posting per term and dataset, a vocabulary, and facet profiles

The index is rebuilt, not converted: after this migration run ``hubcity search reindex``
(``make run`` does it when the index is empty).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_search_terms_term_dataset", table_name="search_terms")
    op.drop_index(op.f("ix_search_terms_dataset_id"), table_name="search_terms")
    op.drop_table("search_terms")
    op.create_table(
        "search_terms",
        sa.Column("term", sa.String(length=64), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("fields", sa.String(length=100), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_search_terms_dataset_id_datasets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("term", "dataset_id", name=op.f("pk_search_terms")),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_search_terms_dataset_id"), "search_terms", ["dataset_id"], unique=False)
    op.create_table(
        "search_vocab",
        sa.Column("term", sa.String(length=64), nullable=False),
        sa.Column("df", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("term", name=op.f("pk_search_vocab")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "search_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visibility", sa.String(length=20), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("theme", sa.String(length=40), nullable=False),
        sa.Column("licence", sa.String(length=40), nullable=False),
        sa.Column("update_cycle", sa.String(length=20), nullable=False),
        sa.Column("district", sa.String(length=20), nullable=False),
        sa.Column("formats", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_profiles")),
        sa.UniqueConstraint(
            "visibility",
            "owner_org_id",
            "theme",
            "licence",
            "update_cycle",
            "district",
            "formats",
            name=op.f("uq_search_profiles_visibility"),
        ),
    )
    op.create_table(
        "search_docs",
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_search_docs_dataset_id_datasets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dataset_id", name=op.f("pk_search_docs")),
    )
    op.create_index(op.f("ix_search_docs_profile_id"), "search_docs", ["profile_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_search_docs_profile_id"), table_name="search_docs")
    op.drop_table("search_docs")
    op.drop_table("search_profiles")
    op.drop_table("search_vocab")
    op.drop_index(op.f("ix_search_terms_dataset_id"), table_name="search_terms")
    op.drop_table("search_terms")
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

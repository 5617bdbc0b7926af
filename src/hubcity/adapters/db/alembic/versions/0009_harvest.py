"""harvesting: sources, runs, per-dataset change log, upstream objects

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "harvest_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("schedule_hours", sa.Integer(), nullable=False),
        sa.Column("fetch_files", sa.Boolean(), nullable=False),
        sa.Column("filter_org", sa.String(length=100), nullable=False),
        sa.Column("filter_q", sa.String(length=500), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_harvest_sources_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harvest_sources")),
        sa.UniqueConstraint("name", name=op.f("uq_harvest_sources_name")),
    )
    op.create_index(op.f("ix_harvest_sources_org_id"), "harvest_sources", ["org_id"], unique=False)

    op.create_table(
        "harvest_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("message_en", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["harvest_sources.id"],
            name=op.f("fk_harvest_runs_source_id_harvest_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harvest_runs")),
    )
    op.create_index(op.f("ix_harvest_runs_source_id"), "harvest_runs", ["source_id"], unique=False)
    op.create_index(op.f("ix_harvest_runs_state"), "harvest_runs", ["state"], unique=False)

    op.create_table(
        "harvest_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("identifier", sa.String(length=500), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("dataset_name", sa.String(length=100), nullable=True),
        sa.Column("diff", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("message_en", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["harvest_runs.id"],
            name=op.f("fk_harvest_changes_run_id_harvest_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harvest_changes")),
    )
    op.create_index(op.f("ix_harvest_changes_run_id"), "harvest_changes", ["run_id"], unique=False)

    op.create_table(
        "harvest_objects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("identifier", sa.String(length=500), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=True),
        sa.Column("upstream_url", sa.String(length=1000), nullable=False),
        sa.Column("upstream_modified", sa.String(length=64), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("harvested_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_harvest_objects_dataset_id_datasets"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["harvest_sources.id"],
            name=op.f("fk_harvest_objects_source_id_harvest_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harvest_objects")),
        sa.UniqueConstraint("source_id", "identifier", name=op.f("uq_harvest_objects_source_id")),
    )
    op.create_index(op.f("ix_harvest_objects_source_id"), "harvest_objects", ["source_id"], unique=False)
    op.create_index(op.f("ix_harvest_objects_dataset_id"), "harvest_objects", ["dataset_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_harvest_objects_dataset_id"), table_name="harvest_objects")
    op.drop_index(op.f("ix_harvest_objects_source_id"), table_name="harvest_objects")
    op.drop_table("harvest_objects")
    op.drop_index(op.f("ix_harvest_changes_run_id"), table_name="harvest_changes")
    op.drop_table("harvest_changes")
    op.drop_index(op.f("ix_harvest_runs_state"), table_name="harvest_runs")
    op.drop_index(op.f("ix_harvest_runs_source_id"), table_name="harvest_runs")
    op.drop_table("harvest_runs")
    op.drop_index(op.f("ix_harvest_sources_org_id"), table_name="harvest_sources")
    op.drop_table("harvest_sources")

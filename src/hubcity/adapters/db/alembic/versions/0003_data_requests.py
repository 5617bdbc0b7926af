"""citizens' data requests and their history; API calls counted per dataset

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("datasets", sa.Column("api_call_count", sa.Integer(), server_default="0", nullable=False))

    op.create_table(
        "data_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("requester_name", sa.String(length=100), nullable=False),
        sa.Column("requester_email", sa.String(length=320), nullable=False),
        sa.Column("suggested_org_id", sa.Integer(), nullable=True),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_data_requests_dataset_id_datasets"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_data_requests_org_id_orgs"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["suggested_org_id"],
            ["orgs.id"],
            name=op.f("fk_data_requests_suggested_org_id_orgs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_requests")),
    )
    op.create_index(op.f("ix_data_requests_org_id"), "data_requests", ["org_id"], unique=False)
    op.create_index(op.f("ix_data_requests_status"), "data_requests", ["status"], unique=False)
    op.create_index(op.f("ix_data_requests_due_on"), "data_requests", ["due_on"], unique=False)
    op.create_index(op.f("ix_data_requests_created_at"), "data_requests", ["created_at"], unique=False)

    op.create_table(
        "data_request_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=True),
        sa.Column("by_name", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_data_request_events_dataset_id_datasets"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_data_request_events_org_id_orgs"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["data_requests.id"],
            name=op.f("fk_data_request_events_request_id_data_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_request_events")),
    )
    op.create_index(
        op.f("ix_data_request_events_request_id"), "data_request_events", ["request_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_data_request_events_request_id"), table_name="data_request_events")
    op.drop_table("data_request_events")
    op.drop_index(op.f("ix_data_requests_created_at"), table_name="data_requests")
    op.drop_index(op.f("ix_data_requests_due_on"), table_name="data_requests")
    op.drop_index(op.f("ix_data_requests_status"), table_name="data_requests")
    op.drop_index(op.f("ix_data_requests_org_id"), table_name="data_requests")
    op.drop_table("data_requests")
    op.drop_column("datasets", "api_call_count")  # SQLite 3.35+ drops a column in place

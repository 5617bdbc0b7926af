"""data-sharing agreements with partner institutions, their datasets and transfer records

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("partner_org_id", sa.Integer(), nullable=False),
        sa.Column("city_org_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("delete_after_days", sa.Integer(), nullable=False),
        sa.Column("no_onward_transfer", sa.Boolean(), nullable=False),
        sa.Column("contacts", sa.JSON(), nullable=False),
        sa.Column("ended_early_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=False),
        sa.Column("shared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_org_id"], ["orgs.id"], name=op.f("fk_agreements_partner_org_id_orgs")
        ),
        sa.ForeignKeyConstraint(["city_org_id"], ["orgs.id"], name=op.f("fk_agreements_city_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreements")),
    )
    for col in ("partner_org_id", "city_org_id", "ends_on"):
        op.create_index(op.f(f"ix_agreements_{col}"), "agreements", [col], unique=False)

    op.create_table(
        "agreement_datasets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_agreement_datasets_agreement_id_agreements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_agreement_datasets_dataset_id_datasets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_datasets")),
        sa.UniqueConstraint("agreement_id", "dataset_id", name=op.f("uq_agreement_datasets_agreement_id")),
    )
    for col in ("agreement_id", "dataset_id"):
        op.create_index(op.f(f"ix_agreement_datasets_{col}"), "agreement_datasets", [col], unique=False)

    op.create_table(
        "agreement_transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=True),
        sa.Column("dataset_name", sa.String(length=100), nullable=False),
        sa.Column("resource_name", sa.String(length=100), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=True),
        sa.Column("job_id", sa.String(length=36), nullable=True),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("official", sa.String(length=100), nullable=False),
        sa.Column("case_no", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_agreement_transfers_agreement_id_agreements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_transfers")),
    )
    for col in ("agreement_id", "at"):
        op.create_index(op.f(f"ix_agreement_transfers_{col}"), "agreement_transfers", [col], unique=False)


def downgrade() -> None:
    op.drop_table("agreement_transfers")
    op.drop_table("agreement_datasets")
    op.drop_table("agreements")

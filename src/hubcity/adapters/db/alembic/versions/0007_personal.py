"""personal data: a dataset's legal basis for holding unique identifiers

Findings of the personal-data detector and the owners' decisions live in each version's
``columns`` JSON (``personal``), so no table is needed for them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("datasets", sa.Column("legal_basis", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("datasets") as batch:
        batch.drop_column("legal_basis")

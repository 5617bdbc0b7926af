"""an evidence pack may be shared by link

A shared pack opens for anyone with its link who may read every table it pins, as a shared
dashboard does; the others still find no such pack.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "evidence_packs", sa.Column("shared", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    with op.batch_alter_table("evidence_packs") as batch:
        batch.drop_column("shared")

"""a harvest source may hold the upstream portal's API key, sealed

With a key, a CKAN source also harvests the datasets that portal keeps private to the key's
holder; they arrive restricted to the source's organisation. The key is stored encrypted
(AES-GCM under a key derived from the secret key) and never shown again.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 19:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("harvest_sources", sa.Column("api_key_sealed", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("harvest_sources") as batch:
        batch.drop_column("api_key_sealed")

"""Providers get an address: where in-person appointments happen.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("providers") as batch:
        batch.add_column(sa.Column("address", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("providers") as batch:
        batch.drop_column("address")

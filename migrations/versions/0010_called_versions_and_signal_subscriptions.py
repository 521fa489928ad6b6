"""call activities pinned to the called versions at deploy; the deployer's options for foreign diagrams;
subscriptions to signals as well as messages

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 00:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("process_definitions") as table:
        for name in ("called_versions", "deploy_options"):
            table.add_column(
                sa.Column(name, sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"))
            )
    with op.batch_alter_table("message_subscriptions") as table:
        table.add_column(sa.Column("kind", sa.String(10), nullable=False, server_default="message"))


def downgrade() -> None:
    with op.batch_alter_table("message_subscriptions") as table:
        table.drop_column("kind")
    with op.batch_alter_table("process_definitions") as table:
        table.drop_column("deploy_options")
        table.drop_column("called_versions")

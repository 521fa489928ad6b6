"""message subscriptions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 07:53:46.814650
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
        "message_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("message_name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_message_subscriptions_instance_id_process_instances"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_subscriptions")),
    )
    with op.batch_alter_table("message_subscriptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_message_subscriptions_instance_id"), ["instance_id"], unique=False)
        batch_op.create_index("ix_message_subscriptions_name", ["message_name", "instance_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("message_subscriptions", schema=None) as batch_op:
        batch_op.drop_index("ix_message_subscriptions_name")
        batch_op.drop_index(batch_op.f("ix_message_subscriptions_instance_id"))

    op.drop_table("message_subscriptions")

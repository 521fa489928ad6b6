"""a unit's move to another contract waits for a second person: the unit a pending change is about

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 00:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pending_changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_pending_changes_unit_id_equipment_units"), "equipment_units", ["unit_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_pending_changes_unit_id"), ["unit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pending_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_changes_unit_id"))
        batch_op.drop_constraint(batch_op.f("fk_pending_changes_unit_id_equipment_units"), type_="foreignkey")
        batch_op.drop_column("unit_id")

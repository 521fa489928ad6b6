"""contracts say how often inspections and phone follow-ups are due (R21, R27)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 04:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("inspection_every", sa.String(length=20), server_default="P3M", nullable=False))
        batch_op.add_column(sa.Column("follow_up_every", sa.String(length=20), server_default="P3M", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_column("follow_up_every")
        batch_op.drop_column("inspection_every")

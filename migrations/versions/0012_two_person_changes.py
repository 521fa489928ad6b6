"""money and contract terms move with two people: pending changes, and the ledger entry an
approved deduction made

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 00:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "pending_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("values", JSON, nullable=False),
        sa.Column("previous", JSON, nullable=False),
        sa.Column("asked_by_id", sa.Integer(), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["asked_by_id"], ["users.id"], name=op.f("fk_pending_changes_asked_by_id_users")),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contracts.id"], name=op.f("fk_pending_changes_contract_id_contracts")
        ),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_pending_changes_decided_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_changes")),
    )
    with op.batch_alter_table("pending_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pending_changes_contract_id"), ["contract_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pending_changes_decision"), ["decision"], unique=False)
    with op.batch_alter_table("deposit_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("change_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_deposit_entries_change_id_pending_changes"), "pending_changes", ["change_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("deposit_entries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_deposit_entries_change_id_pending_changes"), type_="foreignkey")
        batch_op.drop_column("change_id")
    with op.batch_alter_table("pending_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_changes_decision"))
        batch_op.drop_index(batch_op.f("ix_pending_changes_contract_id"))
    op.drop_table("pending_changes")

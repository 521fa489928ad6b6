"""delivery and acceptance: deliveries, their checks and replacements, the signed form

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 04:11:35.064610
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("contact_name", sa.String(length=100), nullable=True),
        sa.Column("contact_phone", sa.String(length=40), nullable=True),
        sa.Column("agreed_on", sa.Date(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("installed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("accepted_on", sa.Date(), nullable=True),
        sa.Column("acceptor_name", sa.String(length=100), nullable=True),
        sa.Column("acceptor_signature", sa.LargeBinary(), nullable=True),
        sa.Column("head_name", sa.String(length=100), nullable=True),
        sa.Column("head_signature", sa.LargeBinary(), nullable=True),
        sa.Column("opinion", sa.Text(), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_deliveries_customer_id_customers")),
        sa.ForeignKeyConstraint(
            ["instance_id"], ["process_instances.id"], name=op.f("fk_deliveries_instance_id_process_instances")
        ),
        sa.ForeignKeyConstraint(["signed_by_id"], ["users.id"], name=op.f("fk_deliveries_signed_by_id_users")),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["equipment_units.id"], name=op.f("fk_deliveries_unit_id_equipment_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("instance_id", name=op.f("uq_deliveries_instance_id")),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deliveries_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_deliveries_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "delivery_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column(
            "findings", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["by_id"], ["users.id"], name=op.f("fk_delivery_checks_by_id_users")),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["deliveries.id"],
            name=op.f("fk_delivery_checks_delivery_id_deliveries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_checks")),
    )
    with op.batch_alter_table("delivery_checks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delivery_checks_delivery_id"), ["delivery_id"], unique=False)

    op.create_table(
        "delivery_replacements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column(
            "problems", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("witness", sa.String(length=100), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_note", sa.Text(), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["deliveries.id"],
            name=op.f("fk_delivery_replacements_delivery_id_deliveries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_delivery_replacements_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_replacements")),
    )
    with op.batch_alter_table("delivery_replacements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delivery_replacements_delivery_id"), ["delivery_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("delivery_replacements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_replacements_delivery_id"))

    op.drop_table("delivery_replacements")
    with op.batch_alter_table("delivery_checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_checks_delivery_id"))

    op.drop_table("delivery_checks")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deliveries_unit_id"))
        batch_op.drop_index(batch_op.f("ix_deliveries_customer_id"))

    op.drop_table("deliveries")

"""the service network (branches and the customers each serves), training records, returns

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 04:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "branches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("group_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], name=op.f("fk_branches_group_id_groups")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_branches")),
        sa.UniqueConstraint("code", name=op.f("uq_branches_code")),
        sa.UniqueConstraint("group_id", name=op.f("uq_branches_group_id")),
    )
    op.create_table(
        "branch_customers",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_branch_customers_branch_id_branches"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_branch_customers_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_branch_customers")),
    )
    with op.batch_alter_table("branch_customers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_branch_customers_branch_id"), ["branch_id"], unique=False)
    op.create_table(
        "training_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("topics", JSON, nullable=False),
        sa.Column("trainer", sa.String(length=64), nullable=True),
        sa.Column("planned_on", sa.Date(), nullable=True),
        sa.Column("held_on", sa.Date(), nullable=True),
        sa.Column("attendees", JSON, nullable=False),
        sa.Column("materials", JSON, nullable=False),
        sa.Column("signer_name", sa.String(length=100), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signature_png", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_training_records_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_training_records_instance_id_process_instances"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["equipment_units.id"], name=op.f("fk_training_records_unit_id_equipment_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_records")),
        sa.UniqueConstraint("instance_id", name=op.f("uq_training_records_instance_id")),
    )
    with op.batch_alter_table("training_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_training_records_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_training_records_unit_id"), ["unit_id"], unique=False)
    op.create_table(
        "return_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("wanted", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("refund_amount", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("refund_asked_by_id", sa.Integer(), nullable=True),
        sa.Column("refund_approved_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["branch_id"], ["branches.id"], name=op.f("fk_return_cases_branch_id_branches")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_return_cases_customer_id_customers")),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_return_cases_instance_id_process_instances"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["refund_approved_by_id"], ["users.id"], name=op.f("fk_return_cases_refund_approved_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["refund_asked_by_id"], ["users.id"], name=op.f("fk_return_cases_refund_asked_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["equipment_units.id"], name=op.f("fk_return_cases_unit_id_equipment_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_cases")),
        sa.UniqueConstraint("instance_id", name=op.f("uq_return_cases_instance_id")),
    )
    with op.batch_alter_table("return_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_return_cases_branch_id"), ["branch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_return_cases_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_return_cases_unit_id"), ["unit_id"], unique=False)


def downgrade() -> None:
    op.drop_table("return_cases")
    op.drop_table("training_records")
    op.drop_table("branch_customers")
    op.drop_table("branches")

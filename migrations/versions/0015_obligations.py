"""the recurring promises: kinds with their rules as data, obligations per subject, their periods

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 04:12:17.757191
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "obligation_kinds",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("rule", JSON, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_obligation_kinds")),
    )
    op.create_table(
        "obligations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject_key", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("anchor_on", sa.Date(), nullable=False),
        sa.Column("every", sa.String(length=20), nullable=False),
        sa.Column("window_ends_on", sa.Date(), nullable=True),
        sa.Column("next_starts_on", sa.Date(), nullable=True),
        sa.Column("next_opens_on", sa.Date(), nullable=True),
        sa.Column("current_period_id", sa.Integer(), nullable=True),
        sa.Column("last_met_on", sa.Date(), nullable=True),
        sa.Column("last_met_instance_id", sa.Integer(), nullable=True),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_obligations_customer_id_customers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["kind"], ["obligation_kinds.code"], name=op.f("fk_obligations_kind_obligation_kinds")),
        sa.ForeignKeyConstraint(
            ["last_met_instance_id"],
            ["process_instances.id"],
            name=op.f("fk_obligations_last_met_instance_id_process_instances"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["equipment_units.id"], name=op.f("fk_obligations_unit_id_equipment_units"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_obligations")),
        sa.UniqueConstraint("kind", "subject_key", name=op.f("uq_obligations_kind")),
    )
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_obligations_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index("ix_obligations_next_opens_on", ["next_opens_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_obligations_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "obligation_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("obligation_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("work_on", sa.Date(), nullable=False),
        sa.Column("work_started", sa.Boolean(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_instance_id", sa.Integer(), nullable=True),
        sa.Column("met_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("met_instance_id", sa.Integer(), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated_to", sa.String(length=64), nullable=True),
        sa.Column("escalation_instance_id", sa.Integer(), nullable=True),
        sa.Column("open_error", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["escalation_instance_id"],
            ["process_instances.id"],
            name=op.f("fk_obligation_periods_escalation_instance_id_process_instances"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["met_instance_id"],
            ["process_instances.id"],
            name=op.f("fk_obligation_periods_met_instance_id_process_instances"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["obligation_id"],
            ["obligations.id"],
            name=op.f("fk_obligation_periods_obligation_id_obligations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["opened_instance_id"],
            ["process_instances.id"],
            name=op.f("fk_obligation_periods_opened_instance_id_process_instances"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_obligation_periods")),
        sa.UniqueConstraint("obligation_id", "starts_on", name=op.f("uq_obligation_periods_obligation_id")),
    )
    with op.batch_alter_table("obligation_periods", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_obligation_periods_obligation_id"), ["obligation_id"], unique=False)
        batch_op.create_index("ix_obligation_periods_status_due", ["status", "due_at"], unique=False)
        batch_op.create_index("ix_obligation_periods_work", ["work_started", "work_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("obligation_periods", schema=None) as batch_op:
        batch_op.drop_index("ix_obligation_periods_work")
        batch_op.drop_index("ix_obligation_periods_status_due")
        batch_op.drop_index(batch_op.f("ix_obligation_periods_obligation_id"))

    op.drop_table("obligation_periods")
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_obligations_unit_id"))
        batch_op.drop_index("ix_obligations_next_opens_on")
        batch_op.drop_index(batch_op.f("ix_obligations_customer_id"))

    op.drop_table("obligations")
    op.drop_table("obligation_kinds")

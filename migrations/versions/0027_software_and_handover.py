"""Software kept per unit, software upgrades and campaigns, handovers at the warranty's end

Revision ID: 0027
Revises: 0021
Create Date: 2026-12-02 07:44:15.067839
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "software_campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("software_name", sa.String(length=100), nullable=False),
        sa.Column("target_version", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_software_campaigns_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["model_id"], ["equipment_models.id"], name=op.f("fk_software_campaigns_model_id_equipment_models")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_software_campaigns")),
    )
    with op.batch_alter_table("software_campaigns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_software_campaigns_model_id"), ["model_id"], unique=False)

    op.create_table(
        "handovers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("warranty_end", sa.Date(), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("open_requests", JSON, nullable=False),
        sa.Column("condition", sa.String(length=20), nullable=True),
        sa.Column("state_notes", sa.Text(), nullable=True),
        sa.Column("documents", sa.Text(), nullable=True),
        sa.Column("software", JSON, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signer_name", sa.String(length=100), nullable=True),
        sa.Column("customer_opinion", sa.Text(), nullable=True),
        sa.Column("signature_png", sa.LargeBinary(), nullable=True),
        sa.Column("handed_over_on", sa.Date(), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_handovers_customer_id_customers")),
        sa.ForeignKeyConstraint(
            ["instance_id"], ["process_instances.id"], name=op.f("fk_handovers_instance_id_process_instances")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["equipment_units.id"], name=op.f("fk_handovers_unit_id_equipment_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handovers")),
        sa.UniqueConstraint("instance_id", name=op.f("uq_handovers_instance_id")),
    )
    with op.batch_alter_table("handovers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handovers_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_handovers_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "software_upgrades",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("software_name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=True),
        sa.Column("version_before", sa.String(length=60), nullable=True),
        sa.Column("target_version", sa.String(length=60), nullable=False),
        sa.Column("version_after", sa.String(length=60), nullable=True),
        sa.Column("window_starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("window_ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("agreed_with", sa.String(length=100), nullable=True),
        sa.Column("engineer_id", sa.Integer(), nullable=True),
        sa.Column("performed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("test_passed", sa.Boolean(), nullable=True),
        sa.Column("test_notes", sa.Text(), nullable=True),
        sa.Column("rolled_back_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("restored_version", sa.String(length=60), nullable=True),
        sa.Column("rollback_notes", sa.Text(), nullable=True),
        sa.Column("signer_name", sa.String(length=100), nullable=True),
        sa.Column("customer_opinion", sa.Text(), nullable=True),
        sa.Column("signature_png", sa.LargeBinary(), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["software_campaigns.id"], name=op.f("fk_software_upgrades_campaign_id_software_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_software_upgrades_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(["engineer_id"], ["users.id"], name=op.f("fk_software_upgrades_engineer_id_users")),
        sa.ForeignKeyConstraint(
            ["instance_id"], ["process_instances.id"], name=op.f("fk_software_upgrades_instance_id_process_instances")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["equipment_units.id"], name=op.f("fk_software_upgrades_unit_id_equipment_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_software_upgrades")),
        sa.UniqueConstraint("instance_id", name=op.f("uq_software_upgrades_instance_id")),
    )
    with op.batch_alter_table("software_upgrades", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_software_upgrades_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_software_upgrades_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_software_upgrades_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "unit_software",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=60), nullable=False),
        sa.Column("installed_on", sa.Date(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_unit_software_instance_id_process_instances"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["equipment_units.id"],
            name=op.f("fk_unit_software_unit_id_equipment_units"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_software")),
    )
    with op.batch_alter_table("unit_software", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unit_software_unit_id"), ["unit_id"], unique=False)
        batch_op.create_index("ix_unit_software_unit_name", ["unit_id", "name"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("unit_software", schema=None) as batch_op:
        batch_op.drop_index("ix_unit_software_unit_name")
        batch_op.drop_index(batch_op.f("ix_unit_software_unit_id"))

    op.drop_table("unit_software")
    with op.batch_alter_table("software_upgrades", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_software_upgrades_unit_id"))
        batch_op.drop_index(batch_op.f("ix_software_upgrades_customer_id"))
        batch_op.drop_index(batch_op.f("ix_software_upgrades_campaign_id"))

    op.drop_table("software_upgrades")
    with op.batch_alter_table("handovers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handovers_unit_id"))
        batch_op.drop_index(batch_op.f("ix_handovers_customer_id"))

    op.drop_table("handovers")
    with op.batch_alter_table("software_campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_software_campaigns_model_id"))

    op.drop_table("software_campaigns")

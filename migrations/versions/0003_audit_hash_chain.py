"""audit hash chain

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 08:01:17.936778
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain_seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_audit_events_chain_seq"), ["chain_seq"])
    _chain_existing_events()


def _chain_existing_events() -> None:
    """Link the events written before the chain existed, in id order, and create the head.
    The tables are described as they are at this revision, not by today's models."""
    from types import SimpleNamespace

    from app.bpm.audit import GENESIS, event_digest
    from app.bpm.models.base import UtcDateTime

    json_type = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    events = sa.table(
        "audit_events",
        sa.column("id", sa.Integer()),
        sa.column("at", UtcDateTime()),
        *(sa.column(name, sa.String()) for name in ("actor_name", "action", "task_id", "element_id")),
        sa.column("instance_id", sa.Integer()),
        *(sa.column(name, json_type) for name in ("data_before", "data_after", "details")),
        sa.column("chain_seq", sa.Integer()),
        sa.column("prev_hash", sa.String()),
        sa.column("hash", sa.String()),
    )
    connection = op.get_bind()
    seq, last = 0, GENESIS
    for row in connection.execute(sa.select(events).order_by(events.c.id)).mappings().all():
        seq += 1
        digest = event_digest(last, seq, SimpleNamespace(**dict(row)))  # type: ignore[arg-type]
        connection.execute(
            events.update().where(events.c.id == row["id"]).values(chain_seq=seq, prev_hash=last, hash=digest)
        )
        last = digest
    head = sa.table(
        "audit_chain_head",
        sa.column("id", sa.Integer()),
        sa.column("seq", sa.Integer()),
        sa.column("hash", sa.String()),
    )
    connection.execute(head.insert().values(id=1, seq=seq, hash=last))


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_events_chain_seq"), type_="unique")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("chain_seq")

    op.drop_table("audit_chain_head")

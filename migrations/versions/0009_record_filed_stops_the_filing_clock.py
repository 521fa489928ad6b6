"""the filing clock stops when the record is filed (record_filed), not when the filing task is
done: a record returned to the engineer as incomplete keeps the 5-day clock running

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 22:45:00
"""

from __future__ import annotations

import copy
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLES = ("contracts", "service_requests")


def _moved(policy: Any, old: str, new: str) -> Any:
    """The policy with `old` replaced by `new` in its clocks' stop lists (None: no change)."""
    if not isinstance(policy, dict) or not isinstance(policy.get("clocks"), list):
        return None
    changed = copy.deepcopy(policy)
    hit = False
    for clock in changed["clocks"]:
        stops = clock.get("stop") if isinstance(clock, dict) else None
        if isinstance(stops, list) and old in stops:
            clock["stop"] = [new if s == old else s for s in stops]
            hit = True
    return changed if hit else None


def _rewrite(old: str, new: str) -> None:
    bind = op.get_bind()
    for name in TABLES:
        table = sa.table(name, sa.column("id", sa.Integer()), sa.column("sla_policy", sa.JSON()))
        for row in bind.execute(sa.select(table.c.id, table.c.sla_policy)).all():
            policy = _moved(row.sla_policy, old, new)
            if policy is not None:
                bind.execute(table.update().where(table.c.id == row.id).values(sla_policy=policy))


def upgrade() -> None:
    _rewrite("file_service_record", "record_filed")


def downgrade() -> None:
    _rewrite("record_filed", "file_service_record")

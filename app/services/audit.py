"""Writing audit events; always in the caller's transaction (P4)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.models import AuditEvent, User

SYSTEM_ACTOR = "system"


def record(
    session: Session,
    action: str,
    actor: User | None,
    at: datetime,
    *,
    instance_id: int | None = None,
    task_id: str | None = None,
    element_id: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        at=at,
        instance_id=instance_id,
        actor_id=actor.id if actor else None,
        actor_name=actor.username if actor else SYSTEM_ACTOR,
        action=action,
        task_id=task_id,
        element_id=element_id,
        data_before=before,
        data_after=after,
        details=details,
    )
    session.add(event)
    return event


def data_diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields that changed: their old values and their new values."""
    keys = {k for k in before.keys() | after.keys() if before.get(k, _MISSING) != after.get(k, _MISSING)}
    return (
        {k: before[k] for k in sorted(keys) if k in before},
        {k: after[k] for k in sorted(keys) if k in after},
    )


_MISSING = object()

"""Firing due timers (P5). Several workers may run: each claims timers with
`FOR UPDATE SKIP LOCKED` on PostgreSQL, so a timer fires once; SQLite has one writer at a time."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.engine import EngineError, ProcessRun
from app.models import ProcessInstance, ProcessTimer, utcnow

from . import audit, definitions
from .runs import save_run

log = logging.getLogger(__name__)
BATCH = 100


@dataclass
class FireReport:
    fired: int = 0
    instances: int = 0
    failed: int = 0
    conflicts: int = 0


def fire_due(
    session: Session, now: datetime | None = None, batch: int = BATCH, max_batches: int | None = None
) -> FireReport:
    """Fire every timer due at or before `now`, one instance per transaction."""
    now = now or utcnow()
    report = FireReport()
    batches = 0
    skip: set[int] = set()
    while max_batches is None or batches < max_batches:
        batches += 1
        instance_id = _claim_next_instance(session, now, skip)
        if instance_id is None:
            session.rollback()
            break
        outcome = _fire_instance(session, instance_id, now)
        if outcome is None:
            skip.add(instance_id)
            report.conflicts += 1
        elif outcome < 0:
            skip.add(instance_id)
            report.failed += 1
        else:
            report.fired += outcome
            report.instances += 1
    return report


def _claim_next_instance(session: Session, now: datetime, skip: set[int]) -> int | None:
    query = (
        select(ProcessTimer.instance_id)
        .where(ProcessTimer.status == "waiting", ProcessTimer.due_at <= now)
        .order_by(ProcessTimer.due_at)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if skip:
        query = query.where(ProcessTimer.instance_id.not_in(skip))
    return session.scalars(query).first()


def _fire_instance(session: Session, instance_id: int, now: datetime) -> int | None:
    """Fire the instance's due timers; the number fired, None on a conflict, -1 on failure."""
    instance = session.scalars(
        select(ProcessInstance).where(ProcessInstance.id == instance_id).with_for_update(of=ProcessInstance)
    ).first()
    due = list(
        session.scalars(
            select(ProcessTimer)
            .where(
                ProcessTimer.instance_id == instance_id, ProcessTimer.status == "waiting", ProcessTimer.due_at <= now
            )
            .with_for_update()
        )
    )
    if instance is None or not due:
        session.rollback()
        return 0
    loaded = definitions.loaded(instance.definition)
    try:
        run = ProcessRun.load(loaded.model, instance.state)
        fired = run.fire_due_timers(now)
    except EngineError as err:
        session.rollback()
        log.error("timers of instance %s failed: %s", instance_id, err)
        _mark_failed(session, instance_id, now, str(err))
        return -1
    for row in due:
        row.status = "fired"
        row.fired_at = now
        audit.record(
            session,
            "timer_fired",
            None,
            now,
            instance_id=instance_id,
            task_id=row.task_id,
            element_id=row.element_id,
            details={"due_at": row.due_at.isoformat(), "fired": row.element_id in fired},
        )
    save_run(session, instance, run, loaded, now, None)
    try:
        session.commit()
    except StaleDataError:
        session.rollback()
        return None
    return len(due)


def _mark_failed(session: Session, instance_id: int, now: datetime, message: str) -> None:
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        return
    instance.status = "error"
    instance.error = message
    audit.record(session, "instance_failed", None, now, instance_id=instance_id, details={"error": message})
    session.commit()

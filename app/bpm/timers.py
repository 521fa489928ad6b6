"""Firing due timers (P5).

Several workers may run: each claims a batch of due timers with `FOR UPDATE SKIP LOCKED` on
PostgreSQL (SQLite has one writer at a time), fires them instance by instance inside one
transaction, with a savepoint per instance so that one failing instance does not hold back the
others, and commits the batch at once. A timer's row is marked fired in the same transaction as
the engine step it caused, so a worker killed mid-way leaves it waiting for the next pass, and
no timer fires twice.

A fault in one instance, whether the engine's (a script error) or its process's own code (a
plugin hook), marks that instance `error` with the reason and rolls back only its savepoint:
the rest of the batch goes on, and the instance's timers are claimed again only after an admin
retries it (`instances.retry`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.bpm import definitions
from app.bpm.engine import EngineError, ProcessRun
from app.bpm.instances import mark_failed
from app.bpm.models import InstanceStatus, ProcessInstance, ProcessTimer, TimerStatus, utcnow
from app.bpm.runs import StepWrites, save_run

log = logging.getLogger(__name__)
BATCH = 50


@dataclass
class FireReport:
    fired: int = 0
    instances: int = 0
    failed: int = 0
    conflicts: int = 0


def fire_due(
    session: Session,
    now: datetime | None = None,
    batch: int = BATCH,
    max_batches: int | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> FireReport:
    """Fire every timer due at or before `now`, a batch of instances per transaction; each
    instance is taken once in a pass (the engine fires a cycle's missed repetitions then).
    `should_stop` is asked before each instance: once it says yes, what was fired is committed
    and the rest of the batch stays waiting for the next pass (a worker's SIGTERM)."""
    now = now or utcnow()
    report = FireReport()
    skip: set[int] = set()
    batches = 0
    while (max_batches is None or batches < max_batches) and not should_stop():
        batches += 1
        claimed = _claim_batch(session, now, skip, batch)
        if not claimed:
            session.rollback()
            break
        fired = failed = 0
        done = []
        for instance_id in claimed:
            if should_stop():
                break
            done.append(instance_id)
            outcome = _fire_instance(session, instance_id, now)
            skip.add(instance_id)  # once a pass: what it left due waits for the next pass
            if outcome < 0:
                failed += 1
            else:
                fired += outcome
        try:
            session.commit()
        except StaleDataError:  # a web request changed one of them meanwhile: next pass
            session.rollback()
            skip.update(claimed)
            report.conflicts += len(done)
            continue
        report.fired += fired
        report.instances += len(done) - failed
        report.failed += failed
        session.expunge_all()  # a long pass must not grow the identity map batch after batch
    return report


def _claim_batch(session: Session, now: datetime, skip: set[int], batch: int) -> list[int]:
    running = select(ProcessInstance.id).where(ProcessInstance.status == InstanceStatus.RUNNING)
    query = (
        select(ProcessTimer.instance_id)
        .where(
            ProcessTimer.status == TimerStatus.WAITING,
            ProcessTimer.due_at <= now,
            ProcessTimer.instance_id.in_(running),
        )
        .order_by(ProcessTimer.due_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    if skip:
        query = query.where(ProcessTimer.instance_id.not_in(skip))
    return sorted(set(session.scalars(query)))  # one lock order for every worker: no deadlocks


def _fire_instance(session: Session, instance_id: int, now: datetime) -> int:
    """Fire one instance's due timers inside a savepoint; the number fired, -1 on failure."""
    savepoint = session.begin_nested()
    instance = session.scalars(
        select(ProcessInstance).where(ProcessInstance.id == instance_id).with_for_update(of=ProcessInstance)
    ).first()
    due = list(
        session.scalars(
            select(ProcessTimer)
            .where(
                ProcessTimer.instance_id == instance_id,
                ProcessTimer.status == "waiting",
                ProcessTimer.due_at <= now,
            )
            .with_for_update()
        )
    )
    if instance is None or instance.status != InstanceStatus.RUNNING or not due:
        savepoint.commit()
        return 0
    loaded = definitions.loaded(instance.definition)
    try:
        run = ProcessRun.load(loaded.model, instance.state)
        previous = run.open_work().without(timers=[(row.task_id, row.due_at) for row in due])
        fired = run.fire_due_timers(now)
    except EngineError as err:
        savepoint.rollback()
        log.error("timers of instance %s failed: %s", instance_id, err)
        mark_failed(session, instance_id, now, str(err))
        return -1
    writes = StepWrites(instance)
    for row in due:
        row.status = TimerStatus.FIRED
        row.fired_at = now
        writes.record(
            "timer_fired",
            None,
            now,
            instance_id=instance_id,
            task_id=row.task_id,
            element_id=row.element_id,
            details={"due_at": row.due_at.isoformat(), "fired": row.element_id in fired},
        )
    try:
        save_run(session, instance, run, loaded, now, None, previous, writes)
        writes.apply(session)
    except StaleDataError:
        raise  # someone else saved it meanwhile: the whole batch is retried
    except Exception as err:
        savepoint.rollback()
        session.expire(instance)
        log.exception("timers of instance %s failed in the process's own code", instance_id)
        mark_failed(session, instance_id, now, f"{type(err).__name__}: {err}")
        return -1
    savepoint.commit()
    return len(due)

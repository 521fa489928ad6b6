"""Signals between instances (P5): a signal one instance throws reaches every running instance
waiting for it, in the thrower's transaction. Receivers that throw signals in turn are
delivered breadth first, up to a bound, so two processes signalling each other cannot loop."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bpm import definitions
from app.bpm.engine import EngineError, ProcessRun
from app.bpm.errors import ProcessFailed
from app.bpm.instances import mark_failed
from app.bpm.models import InstanceStatus, MessageSubscription, ProcessInstance, User
from app.bpm.runs import StepWrites, save_run

log = logging.getLogger(__name__)

MAX_DELIVERIES = 1000  # instances one thrown signal (and what it sets off) may reach in a transaction


def broadcast(session: Session, names: list[str], now: datetime, actor: User | None, origin: int) -> int:
    """Deliver each signal to the instances subscribed to it; returns how many took one."""
    queue, delivered = list(names), 0
    while queue:
        name = queue.pop(0)
        waiting = select(MessageSubscription.instance_id).where(
            MessageSubscription.kind == "signal", MessageSubscription.message_name == name
        )
        targets = session.scalars(
            select(ProcessInstance)
            .where(
                ProcessInstance.id.in_(waiting),
                ProcessInstance.id != origin,
                ProcessInstance.status == InstanceStatus.RUNNING,
            )
            .order_by(ProcessInstance.id)
            .with_for_update(of=ProcessInstance)
        ).all()
        for instance in targets:
            delivered += 1
            if delivered > MAX_DELIVERIES:
                raise ProcessFailed(
                    "error.engine", detail=f"signal {name} would reach more than {MAX_DELIVERIES} instances"
                )
            _deliver(session, instance, name, now, actor, queue)
    return delivered


def _deliver(
    session: Session, instance: ProcessInstance, name: str, now: datetime, actor: User | None, queue: list[str]
) -> None:
    loaded = definitions.loaded(instance.definition)
    savepoint = session.begin_nested()
    try:
        run = ProcessRun.load(loaded.model, instance.state)
        run.deliver_signal(name, now=now)
        writes = StepWrites(instance)
        writes.collect = queue
        writes.record("signal_received", actor, now, instance_id=instance.id, details={"signal": name})
        save_run(session, instance, run, loaded, now, actor, writes=writes)
        writes.apply(session)
    except EngineError as err:
        savepoint.rollback()
        session.expire(instance)
        mark_failed(session, instance.id, now, str(err), {"signal": name})
        return
    savepoint.commit()
    log.debug("instance %s took signal %s", instance.id, name)

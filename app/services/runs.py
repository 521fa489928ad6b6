"""Keeping the human-task, timer and message-subscription tables in step with the engine
after every step."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, lazyload

from app.domain.durations import parse_duration
from app.engine import OpenWork, ProcessRun
from app.models import HumanTask, MessageSubscription, ProcessInstance, ProcessTimer, User

from . import audit, extensions
from .definitions import LoadedDefinition


def save_run(
    session: Session,
    instance: ProcessInstance,
    run: ProcessRun,
    definition: LoadedDefinition,
    now: datetime,
    actor: User | None,
    previous: OpenWork | None = None,
) -> list[HumanTask]:
    """Store the run's state on the instance and refresh its open tasks, timers and message
    subscriptions; returns the open tasks. Nothing is flushed here: the caller's commit
    writes it all at once.

    `previous` is the engine's open work when the caller loaded it, less what the caller
    settled itself: the tables held exactly that, so the changes are written without first
    reading the rows back (two queries fewer on every step). Without it the rows are read."""
    with session.no_autoflush:
        snapshot = run.snapshot()
        instance.state = run.dump()
        instance.data = snapshot.data
        if snapshot.status == "completed" and instance.status != "completed":
            instance.status = "completed"
            instance.ended_at = now
            audit.record(session, "instance_completed", actor, now, instance_id=instance.id)
        open_tasks = _sync_tasks(session, instance, snapshot.ready_tasks, definition, now, previous)
        _assign_from_data(session, open_tasks, definition, snapshot.data)
        if definition.model.has_timers:
            _sync_timers(session, instance, snapshot.timers, previous)
        if definition.model.has_messages:
            _sync_subscriptions(session, instance, snapshot.waiting_messages)
        extension = extensions.for_process(instance.process_id)
        extension.after_step(session, instance, snapshot.engine_steps, snapshot.data, now, actor)
        return open_tasks


def _sync_tasks(
    session: Session,
    instance: ProcessInstance,
    ready: list[Any],
    definition: LoadedDefinition,
    now: datetime,
    previous: OpenWork | None,
) -> list[HumanTask]:
    ready_ids = {t.task_id for t in ready}
    if previous is not None:
        if gone := previous.task_ids - ready_ids:  # cancelled by this step (a boundary event, say)
            session.execute(
                update(HumanTask)
                .where(HumanTask.id.in_(gone), HumanTask.status == "ready")
                .values(status="cancelled", completed_at=now)
                .execution_options(synchronize_session=False)
            )
        kept = previous.task_ids & ready_ids
        query = select(HumanTask).where(HumanTask.id.in_(kept)).options(lazyload("*"))
        open_rows = {row.id: row for row in session.scalars(query)} if kept else {}
    else:
        query = (
            select(HumanTask)
            .where(HumanTask.instance_id == instance.id, HumanTask.status == "ready")
            .options(lazyload("*"))
        )
        open_rows = {row.id: row for row in session.scalars(query)}
        for task_id, row in open_rows.items():
            if task_id not in ready_ids and row.status == "ready":  # (completed in this transaction)
                row.status = "cancelled"
                row.completed_at = now
    still_open = [row for task_id, row in open_rows.items() if task_id in ready_ids and row.status == "ready"]
    for task in ready:
        if task.task_id in open_rows:
            continue
        info = definition.model.user_tasks[task.element_id]
        due_in = parse_duration(info.due_in)
        row = HumanTask(
            id=task.task_id,
            instance_id=instance.id,
            element_id=task.element_id,
            title=info.title,
            candidate_group=info.lane,
            form=info.form,
            status="ready",
            created_at=now,
            due_at=now + due_in if due_in else None,
        )
        session.add(row)
        still_open.append(row)
    return still_open


def _assign_from_data(
    session: Session, open_tasks: list[HumanTask], definition: LoadedDefinition, data: dict[str, Any]
) -> None:
    """New tasks whose diagram names an `assigneeFrom` field go to that user, when the user
    exists and may work in the task's lane."""
    for row in open_tasks:
        info = definition.model.user_tasks.get(row.element_id)
        if row.assignee_id is not None or info is None or not info.assignee_from:
            continue
        username = data.get(info.assignee_from)
        if not isinstance(username, str):
            continue
        user = session.scalars(select(User).where(User.username == username)).first()
        if user is not None and (row.candidate_group is None or row.candidate_group in user.group_ids):
            row.assignee = user


def _sync_timers(session: Session, instance: ProcessInstance, timers: list[Any], previous: OpenWork | None) -> None:
    current = {(t.task_id, t.due_at): t for t in timers}
    waiting: set[tuple[str, datetime]]
    if previous is not None:
        waiting = set(previous.timers)
        if gone := {task_id for task_id, _ in waiting - current.keys()}:
            session.execute(
                update(ProcessTimer)
                .where(
                    ProcessTimer.instance_id == instance.id,
                    ProcessTimer.task_id.in_(gone),
                    ProcessTimer.status == "waiting",
                )
                .values(status="cancelled")
                .execution_options(synchronize_session=False)
            )
    else:
        rows = session.scalars(
            select(ProcessTimer).where(ProcessTimer.instance_id == instance.id, ProcessTimer.status == "waiting")
        )
        waiting = set()
        for row in rows:
            key = (row.task_id, row.due_at)
            if key not in current and row.status == "waiting":  # (fired in this transaction)
                row.status = "cancelled"
            else:
                waiting.add(key)
    for key, timer in current.items():
        if key not in waiting:
            session.add(
                ProcessTimer(
                    instance_id=instance.id,
                    task_id=timer.task_id,
                    element_id=timer.element_id,
                    due_at=timer.due_at,
                    status="waiting",
                )
            )


def _sync_subscriptions(session: Session, instance: ProcessInstance, waiting: list[str]) -> None:
    rows = session.scalars(select(MessageSubscription).where(MessageSubscription.instance_id == instance.id)).all()
    have = {row.message_name for row in rows}
    for row in rows:
        if row.message_name not in waiting:
            session.delete(row)
    for name in sorted(set(waiting) - have):
        session.add(MessageSubscription(instance_id=instance.id, message_name=name))

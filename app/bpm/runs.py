"""Keeping the human-task, timer and message-subscription tables in step with the engine
after every step."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Unpack, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session, lazyload, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from app.bpm import audit
from app.bpm.db import DATA_LIMIT_KEY, DEFAULT_DATA_LIMIT
from app.bpm.definitions import LoadedDefinition
from app.bpm.durations import parse_duration
from app.bpm.engine import OpenWork, ProcessRun
from app.bpm.errors import DataTooLarge
from app.bpm.models import (
    AuditEvent,
    Group,
    HumanTask,
    InstanceStatus,
    MessageSubscription,
    ProcessInstance,
    ProcessTimer,
    User,
)
from app.bpm.plugins import StepContext, plugin_for, registry_of
from app.bpm.policies import works_in
from app.i18n import DEFAULT_LOCALE


@dataclass
class StepWrites:
    """The rows one engine step changes, written with a few plain statements instead of the
    ORM's unit of work, which cost more than the statements themselves on this hot path (every
    start, completion and timer). The objects in the session are kept as if they had been
    loaded after the write. The instance row is the optimistic lock: the write fails with
    StaleDataError when another writer saved the instance since it was loaded."""

    instance: ProcessInstance
    expected_version: int = field(init=False)
    completed: list[tuple[HumanTask, dict[str, Any]]] = field(default_factory=list)
    new_tasks: list[HumanTask] = field(default_factory=list)
    new_timers: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    # Signals the step threw, delivered once its rows are written; into `collect` instead when
    # the step is itself a delivery of signals (which goes on breadth first, bounded).
    signals: list[str] = field(default_factory=list)
    collect: list[str] | None = None
    _thrower: tuple[User | None, datetime] | None = None

    def __post_init__(self) -> None:
        self.expected_version = self.instance.row_version

    def set_instance(self, **values: Any) -> None:
        """New values of the instance's state, data, status or end; written by `apply`."""
        for key, value in values.items():
            set_committed_value(self.instance, key, value)

    def complete_task(self, task: HumanTask, user: User, now: datetime) -> None:
        values = {"status": "completed", "completed_at": now, "completed_by_id": user.id, "assignee_id": user.id}
        self.completed.append((task, values | {"draft": None}))
        for key, value in values.items():
            set_committed_value(task, key, value)
        set_committed_value(task, "draft", None)
        set_committed_value(task, "assignee", user)

    def record(
        self, action: str, actor: User | None, at: datetime, **fields: Unpack[audit.EventFields]
    ) -> dict[str, Any]:
        """An audit event written with the step (see `audit.event_values`)."""
        values = audit.event_values(action, actor, at, **fields)
        self.events.append(values)
        return values

    def throw(self, signals: list[str], actor: User | None, now: datetime) -> None:
        if signals:
            self.signals.extend(signals)
            self._thrower = (actor, now)

    def apply(self, session: Session) -> None:
        """Write the rows. Objects the caller changed through the ORM are written at its commit,
        after these (their audit events, if any, come after the step's own)."""
        with session.no_autoflush:
            self._write(session)
        if self.signals and self.collect is not None:
            self.collect.extend(self.signals)
        elif self.signals and self._thrower is not None:
            from app.bpm.signals import broadcast  # signals deliver through save_run, in this module

            broadcast(session, self.signals, self._thrower[1], self._thrower[0], origin=self.instance.id)

    def _write(self, session: Session) -> None:
        version = self.expected_version + 1
        values = {
            f"new_{name}": getattr(self.instance, name) for name in ("state", "data", "status", "ended_at", "error")
        }
        saved = session.execute(
            _SAVE_INSTANCE,
            values | {"instance_id": self.instance.id, "expected_version": self.expected_version, "version": version},
        )
        if saved.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleDataError(f"process instance {self.instance.id} was saved by someone else meanwhile")
        for task, task_values in self.completed:
            session.execute(_COMPLETE_TASK, {f"new_{k}": v for k, v in task_values.items()} | {"task_id": task.id})
        for statement, rows in (
            (_INSERT_TASKS, [_task_columns(row) for row in self.new_tasks]),
            (_INSERT_TIMERS, self.new_timers),
            (_INSERT_EVENTS, self.events),
        ):
            if rows:
                session.execute(statement, rows)  # one statement for all the rows
        set_committed_value(self.instance, "row_version", version)
        for row in self.new_tasks:  # now rows of the table: into the session without an INSERT
            assignee = row.assignee
            make_transient_to_detached(row)
            session.add(row)
            for name in ("draft", "completed_at", "completed_by_id"):
                set_committed_value(row, name, None)
            set_committed_value(row, "instance", self.instance)
            set_committed_value(row, "assignee", assignee)


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


# Built once: building a statement and its cache key costs more than SQLite running it.
_instances, _tasks = _table(ProcessInstance), _table(HumanTask)
_SAVE_INSTANCE = (
    update(_instances)
    .where(_instances.c.id == bindparam("instance_id"), _instances.c.row_version == bindparam("expected_version"))
    .values(
        state=bindparam("new_state", type_=_instances.c.state.type),
        data=bindparam("new_data", type_=_instances.c.data.type),
        status=bindparam("new_status"),
        ended_at=bindparam("new_ended_at", type_=_instances.c.ended_at.type),
        error=bindparam("new_error"),
        row_version=bindparam("version"),
    )
)
_COMPLETE_TASK = (
    update(_tasks)
    .where(_tasks.c.id == bindparam("task_id"))
    .values(
        status=bindparam("new_status"),
        completed_at=bindparam("new_completed_at", type_=_tasks.c.completed_at.type),
        completed_by_id=bindparam("new_completed_by_id"),
        assignee_id=bindparam("new_assignee_id"),
        draft=bindparam("new_draft", type_=_tasks.c.draft.type),
    )
)
_INSERT_TASKS = insert(_tasks)
_INSERT_TIMERS = insert(_table(ProcessTimer))
_INSERT_EVENTS = insert(_table(AuditEvent))


def _task_columns(row: HumanTask) -> dict[str, Any]:
    return {
        "id": row.id,
        "instance_id": row.instance_id,
        "element_id": row.element_id,
        "title": row.title,
        "candidate_group": row.candidate_group,
        "form": row.form,
        "status": row.status,
        "assignee_id": row.assignee.id if row.assignee is not None else row.assignee_id,
        "created_at": row.created_at,
        "due_at": row.due_at,
    }


def save_run(
    session: Session,
    instance: ProcessInstance,
    run: ProcessRun,
    definition: LoadedDefinition,
    now: datetime,
    actor: User | None,
    previous: OpenWork | None = None,
    writes: StepWrites | None = None,
    locale: str = DEFAULT_LOCALE,
) -> list[HumanTask]:
    """Store the run's state on the instance and refresh its open tasks, timers and message
    subscriptions; returns the open tasks. The instance, task and timer rows are written here
    (see `StepWrites`), or by the caller when it passes `writes` to add its own rows first.

    `previous` is the engine's open work when the caller loaded it, less what the caller
    settled itself: the tables held exactly that, so the changes are written without first
    reading the rows back (two queries fewer on every step). Without it the rows are read.

    An instance the engine can take no further (nothing to do, wait for or be sent) is marked
    `error` with where it stopped. Signals the step threw reach every instance waiting for
    them when the step's rows are written (`StepWrites.apply`)."""
    own_writes = writes is None
    step = writes if writes is not None else StepWrites(instance)
    with session.no_autoflush:
        snapshot = run.snapshot()
        check_data_size(session, snapshot.data)
        step.set_instance(state=run.dump(), data=snapshot.data)
        just_completed = snapshot.status == "completed" and instance.status != "completed"
        if just_completed:
            step.set_instance(status="completed", ended_at=now)
            step.record("instance_completed", actor, now, instance_id=instance.id)
        elif snapshot.stalled_at and instance.status == InstanceStatus.RUNNING:
            reason = f"the process cannot go on: nothing to do or wait for at {', '.join(snapshot.stalled_at)}"
            step.set_instance(status=InstanceStatus.ERROR, error=reason)
            step.record("instance_failed", None, now, instance_id=instance.id, details={"error": reason})
        open_tasks = _sync_tasks(session, instance, snapshot.ready_tasks, definition, now, previous, step)
        _assign_from_data(session, open_tasks, definition, snapshot.data)
        if definition.model.has_timers:
            _sync_timers(session, instance, snapshot.timers, previous, step)
        if definition.model.has_messages or snapshot.waiting_signals:
            _sync_subscriptions(session, instance, snapshot.waiting_messages, snapshot.waiting_signals)
        context = StepContext(
            session, instance, actor, now, locale, snapshot.data, passed=frozenset(snapshot.engine_steps)
        )
        plugin_for(session, instance.process_id).after_step(context)
        if just_completed:
            registry_of(session).instance_completed(context)
        step.throw(run.thrown_signals(), actor, now)
    if own_writes:
        step.apply(session)
    return open_tasks


def check_data_size(session: Session, data: dict[str, Any]) -> None:
    """DataTooLarge (413) when the data, as stored (JSON, UTF-8), is over the app's limit
    (`Config.max_instance_data_bytes`): raised before anything of the step is written."""
    limit = int(session.info.get(DATA_LIMIT_KEY, DEFAULT_DATA_LIMIT))
    size = len(json.dumps(data, ensure_ascii=False, default=str).encode())
    if size > limit:
        raise DataTooLarge("error.data_too_large", size=size // 1024 + 1, max=limit // 1024)


def _sync_tasks(
    session: Session,
    instance: ProcessInstance,
    ready: list[Any],
    definition: LoadedDefinition,
    now: datetime,
    previous: OpenWork | None,
    step: StepWrites,
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
    known_groups: set[str] | None = None
    for task in ready:
        if task.task_id in open_rows:
            continue
        info = definition.model.user_tasks[task.element_id]
        due_in = parse_duration(info.due_in)
        group = info.lane
        if info.group_from:
            named = instance.data.get(info.group_from)  # the step's data (set before the tasks)
            if isinstance(named, str) and named:
                if known_groups is None:
                    known_groups = set(session.scalars(select(Group.id)))
                group = named if named in known_groups else group
        due_at = _instant(instance.data.get(info.due_from)) if info.due_from else None
        row = HumanTask(
            id=task.task_id,
            instance_id=instance.id,
            element_id=task.element_id,
            title=info.title,
            candidate_group=group,
            form=info.form,
            status="ready",
            assignee_id=None,
            created_at=now,
            due_at=due_at or (now + due_in if due_in else None),
        )
        step.new_tasks.append(row)
        still_open.append(row)
    return still_open


def _instant(value: Any) -> datetime | None:
    """An instant kept in the data (ISO 8601 with its offset), for `dueFrom`; None otherwise."""
    if not isinstance(value, str):
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


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
        if user is not None and (row.candidate_group is None or works_in(user, row.candidate_group)):
            row.assignee = user


def _sync_timers(
    session: Session, instance: ProcessInstance, timers: list[Any], previous: OpenWork | None, step: StepWrites
) -> None:
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
            step.new_timers.append(
                {
                    "instance_id": instance.id,
                    "task_id": timer.task_id,
                    "element_id": timer.element_id,
                    "due_at": timer.due_at,
                    "status": "waiting",
                    "fired_at": None,
                }
            )


def _sync_subscriptions(session: Session, instance: ProcessInstance, messages: list[str], signals: list[str]) -> None:
    rows = session.scalars(select(MessageSubscription).where(MessageSubscription.instance_id == instance.id)).all()
    waiting = {("message", name) for name in messages} | {("signal", name) for name in signals}
    have = {(row.kind, row.message_name) for row in rows}
    for row in rows:
        if (row.kind, row.message_name) not in waiting:
            session.delete(row)
    for kind, name in sorted(waiting - have):
        session.add(MessageSubscription(instance_id=instance.id, message_name=name, kind=kind))

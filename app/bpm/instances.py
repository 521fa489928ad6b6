"""Starting process instances and reading them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, String, cast, or_, select
from sqlalchemy.orm import Session

from app.bpm import audit, definitions
from app.bpm.engine import RESERVED_NAMES, EngineError, OpenWork, ProcessRun
from app.bpm.errors import Conflict, Forbidden, NotFound, ProcessFailed, ServiceError
from app.bpm.models import (
    AuditEvent,
    HumanTask,
    InstanceStatus,
    MessageSubscription,
    ProcessInstance,
    ProcessTimer,
    TimerStatus,
    User,
    utcnow,
)
from app.bpm.plugins import StepContext, WorkContext, plugin_for
from app.bpm.policies import can_retry, can_start, can_view_instance, can_view_task, sees_every_instance, works_in
from app.bpm.runs import StepWrites, save_run


def check_data_keys(data: dict[str, Any]) -> None:
    """Task data becomes script globals: refuse keys that would shadow the script helpers."""
    bad = sorted(k for k in data if not isinstance(k, str) or k.startswith("_") or k in RESERVED_NAMES)
    if bad:
        raise ServiceError("error.reserved_fields", fields=", ".join(map(str, bad)))


def start_instance(
    session: Session,
    user: User,
    process_id: str,
    data: dict[str, Any] | None = None,
    business_key: str | None = None,
    now: datetime | None = None,
) -> ProcessInstance:
    if plugin_for(session, process_id).intake_endpoint:
        raise ServiceError("error.use_intake", process_id=process_id)
    instance = begin_instance(session, user, process_id, data, business_key, now)
    session.commit()
    return instance


def begin_instance(
    session: Session,
    user: User | None,
    process_id: str,
    data: dict[str, Any] | None = None,
    business_key: str | None = None,
    now: datetime | None = None,
) -> ProcessInstance:
    """`start_instance` without the commit, for services that store more in the same
    transaction (a service request and its clocks). `user` None: started by the calendar (a
    module's scheduled pass), by nobody; its first task waits in its lane for whoever takes it."""
    definition_row = definitions.latest(session, process_id)
    definition = definitions.loaded(definition_row)
    if user is not None and not can_start(user, definition.lanes):
        raise Forbidden("error.forbidden")
    data = dict(data or {})
    check_data_keys(data)
    now = now or utcnow()
    try:
        run = ProcessRun.start(definition.model, data, now=now)
    except EngineError as err:
        raise ProcessFailed("error.engine", detail=str(err)) from None
    instance = ProcessInstance(
        definition_id=definition_row.id,
        process_id=definition_row.process_id,
        business_key=business_key,
        status="running",
        state={},
        data={},
        started_by_id=user.id if user is not None else None,
        started_at=now,
    )
    session.add(instance)
    session.flush()
    writes = StepWrites(instance)
    writes.record(
        "instance_started",
        user,
        now,
        instance_id=instance.id,
        after=data or None,
        details={"version": definition_row.version, "business_key": business_key},
    )
    first_tasks = save_run(session, instance, run, definition, now, user, OpenWork.none(), writes)
    if user is not None:
        _assign_first_task_to_starter(first_tasks, user)  # before the rows are written
    writes.apply(session)
    return instance


def _assign_first_task_to_starter(first: list[HumanTask], user: User) -> None:
    """The person who starts a process usually does its first task (e.g. the register form)."""
    if len(first) == 1 and works_in(user, first[0].candidate_group):
        first[0].assignee = user


def may_view(user: User, instance: ProcessInstance) -> bool:
    return can_view_instance(user, definitions.loaded(instance.definition).lanes, instance.started_by_id)


def get_instance(session: Session, user: User, instance_id: int) -> ProcessInstance:
    instance = session.get(ProcessInstance, instance_id)
    if instance is None or not may_view(user, instance):
        # Someone else's instance looks the same as no instance: ids are not an oracle.
        raise NotFound("error.not_found")
    return instance


def visible_instances(session: Session, user: User, query: Select[ProcessInstance]) -> list[ProcessInstance]:
    """The instances a query finds that the user may see (the rule of `get_instance`)."""
    return [instance for instance in session.scalars(query) if may_view(user, instance)]


def visible_ids(session: Session, user: User, instance_ids: Iterable[int]) -> set[int]:
    """Which of these instances the user may see, in one query (a business object's list
    filtered by its instances: the unit's inspections, its follow-ups)."""
    wanted = set(instance_ids)
    if not wanted:
        return set()
    query = select(ProcessInstance).where(ProcessInstance.id.in_(wanted))
    return {instance.id for instance in visible_instances(session, user, query)}


def work_context(
    session: Session, user: User, instance: ProcessInstance, locale: str, element_id: str | None = None
) -> WorkContext | None:
    """The case behind an instance as its process's plugin describes it, for the step at
    `element_id` (a task) or for the instance as a whole."""
    context = StepContext(session, instance, user, utcnow(), locale, dict(instance.data), element_id=element_id)
    return plugin_for(session, instance.process_id).context_of(context)


def mark_failed(
    session: Session, instance_id: int, now: datetime, message: str, details: dict[str, Any] | None = None
) -> None:
    """Stop an instance with its reason shown on its page (a timer or a message it could not
    take). What it was given stays in the audit event, so nothing is lost."""
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        return
    instance.status = InstanceStatus.ERROR
    instance.error = message[:2000]
    event = {"error": message[:2000], **(details or {})}
    audit.record(session, "instance_failed", None, now, instance_id=instance_id, details=event)


def retry(session: Session, user: User, instance_id: int, now: datetime | None = None) -> ProcessInstance:
    """Put an instance that failed (a faulty hook, a script error in a timer) back to
    running once the cause is fixed: its waiting timers fire at the worker's next pass."""
    instance = get_instance(session, user, instance_id)
    if not can_retry(user):
        raise Forbidden("error.forbidden")
    if instance.status != InstanceStatus.ERROR:
        raise Conflict("error.not_failed")
    error, instance.status, instance.error = instance.error, InstanceStatus.RUNNING, None
    audit.record(session, "instance_retried", user, now or utcnow(), instance_id=instance.id, details={"error": error})
    session.commit()
    return instance


@dataclass(frozen=True)
class InstanceView:
    instance: ProcessInstance
    open_tasks: list[HumanTask]
    history: list[AuditEvent]
    openable: set[str]  # the open tasks this viewer may open (the others are listed, not linked)


def instance_view(session: Session, user: User, instance_id: int) -> InstanceView:
    instance = get_instance(session, user, instance_id)
    tasks = open_tasks(session, instance.id)
    openable = {t.id for t in tasks if can_view_task(user, t)}
    return InstanceView(instance, tasks, history(session, instance.id), openable)


@dataclass(frozen=True)
class Waiting:
    """What a running instance waits for besides its open tasks: messages and signals by name,
    timers by element and due time (an integrator's view; the page shows the same)."""

    messages: list[str]
    signals: list[str]
    timers: list[tuple[str, datetime]]


def waiting_for(session: Session, instance_id: int) -> Waiting:
    subscriptions = session.execute(
        select(MessageSubscription.kind, MessageSubscription.message_name)
        .where(MessageSubscription.instance_id == instance_id)
        .order_by(MessageSubscription.message_name)
    ).all()
    timers = session.execute(
        select(ProcessTimer.element_id, ProcessTimer.due_at)
        .where(ProcessTimer.instance_id == instance_id, ProcessTimer.status == TimerStatus.WAITING)
        .order_by(ProcessTimer.due_at)
    ).all()
    return Waiting(
        messages=[name for kind, name in subscriptions if kind == "message"],
        signals=[name for kind, name in subscriptions if kind == "signal"],
        timers=[(element_id, due_at) for element_id, due_at in timers],
    )


def open_tasks(session: Session, instance_id: int) -> list[HumanTask]:
    return list(
        session.scalars(
            select(HumanTask)
            .where(HumanTask.instance_id == instance_id, HumanTask.status == "ready")
            .order_by(HumanTask.created_at, HumanTask.id)
        )
    )


@dataclass(frozen=True)
class HistoryFilter:
    """Which events of an instance to show: one person's, one kind, one task (element id),
    a time window."""

    actor: str | None = None
    action: str | None = None
    element_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    @property
    def active(self) -> bool:
        return any((self.actor, self.action, self.element_id, self.since, self.until))


def history(session: Session, instance_id: int, only: HistoryFilter | None = None) -> list[AuditEvent]:
    """The instance's audit events, oldest first, optionally filtered."""
    query = select(AuditEvent).where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.id)
    only = only or HistoryFilter()
    if only.actor:
        query = query.where(AuditEvent.actor_name == only.actor)
    if only.action:
        query = query.where(AuditEvent.action == only.action)
    if only.element_id:
        query = query.where(AuditEvent.element_id == only.element_id)
    if only.since:
        query = query.where(AuditEvent.at >= only.since)
    if only.until:
        query = query.where(AuditEvent.at < only.until)
    return list(session.scalars(query))


def instance_history(
    session: Session, user: User, instance_id: int, only: HistoryFilter | None = None
) -> list[AuditEvent]:
    """`history` for a user allowed to see the instance (exports, the API)."""
    get_instance(session, user, instance_id)
    return history(session, instance_id, only)


@dataclass(frozen=True)
class DiagramMarks:
    """What the instance's diagram shows: the user tasks done (with how long each took, in
    seconds), the ones open now, and the timers waiting."""

    done: dict[str, list[float]]
    active: list[str]
    waiting: list[str]


def diagram_xml(session: Session, user: User, instance_id: int) -> str:
    """The diagram of the version the instance runs on."""
    return get_instance(session, user, instance_id).definition.bpmn_xml


def diagram_marks(session: Session, instance: ProcessInstance) -> DiagramMarks:
    """For an instance already checked with `get_instance` / `instance_view`."""
    rows = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)).all()
    done: dict[str, list[float]] = {}
    for row in rows:
        if row.status == "completed" and row.completed_at is not None:
            done.setdefault(row.element_id, []).append((row.completed_at - row.created_at).total_seconds())
    timers = session.scalars(
        select(ProcessTimer.element_id).where(ProcessTimer.instance_id == instance.id, ProcessTimer.status == "waiting")
    ).all()
    return DiagramMarks(
        done=done,
        active=sorted({row.element_id for row in rows if row.status == "ready"}),
        waiting=sorted(set(timers)),
    )


def list_instances(session: Session, user: User, limit: int = 100) -> list[ProcessInstance]:
    """Instances the user started or works on (all for admins, auditors and owners)."""
    query = select(ProcessInstance).order_by(ProcessInstance.id.desc()).limit(limit)
    return list(session.scalars(_visible_to(query, user)))


def _visible_to(query: Any, user: User) -> Any:
    if sees_every_instance(user):
        return query
    mine = select(HumanTask.instance_id).where(
        (HumanTask.assignee_id == user.id)
        | (HumanTask.completed_by_id == user.id)
        | HumanTask.candidate_group.in_(user.group_ids)
    )
    return query.where((ProcessInstance.started_by_id == user.id) | ProcessInstance.id.in_(mine))


SEARCH_LIMIT = 500
STATUSES = tuple(InstanceStatus)


@dataclass(frozen=True)
class InstanceSearch:
    """Business-data search (issue 4): `text` matches the business key (a serial number, say)
    or any value in the instance's data (a customer's name, a case number...)."""

    text: str | None = None
    process_id: str | None = None
    status: str | None = None
    started_from: datetime | None = None
    started_to: datetime | None = None


def search_instances(session: Session, user: User, search: InstanceSearch) -> list[ProcessInstance]:
    query = select(ProcessInstance).order_by(ProcessInstance.id.desc()).limit(SEARCH_LIMIT)
    query = _visible_to(query, user)
    if search.text:
        needle = search.text.strip()[:100]
        escaped = json.dumps(needle)[1:-1]  # rows written before data was stored unescaped
        patterns = {f"%{needle}%", f"%{escaped}%"}
        as_text = cast(ProcessInstance.data, String)
        query = query.where(
            or_(
                ProcessInstance.business_key.ilike(f"%{needle}%"),
                *[as_text.ilike(pattern) for pattern in patterns],
            )
        )
    if search.process_id:
        query = query.where(ProcessInstance.process_id == search.process_id)
    if search.status in STATUSES:
        query = query.where(ProcessInstance.status == search.status)
    if search.started_from:
        query = query.where(ProcessInstance.started_at >= search.started_from)
    if search.started_to:
        query = query.where(ProcessInstance.started_at < search.started_to)
    return list(session.scalars(query))


def search_history(session: Session, user: User, search: InstanceSearch) -> list[AuditEvent]:
    """Every event of the instances a search finds, for one export."""
    ids = [i.id for i in search_instances(session, user, search)]
    if not ids:
        return []
    query = select(AuditEvent).where(AuditEvent.instance_id.in_(ids)).order_by(AuditEvent.instance_id, AuditEvent.id)
    return list(session.scalars(query))

"""Messages from outside (customer replies, parts arrived) delivered to waiting instances (P5).
Routing is ours: the instances subscribed to the message's name, whose business data match
every key of the correlation (`process_instance_id` and `business_key` match those columns)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.bpm import definitions
from app.bpm.definitions import LoadedDefinition
from app.bpm.engine import EngineError, NoMatchingEvent, ProcessRun
from app.bpm.errors import Conflict, Forbidden, NotFound, ProcessFailed, ServiceError
from app.bpm.instances import begin_instance, check_data_keys, mark_failed
from app.bpm.models import MessageSubscription, ProcessInstance, User, utcnow
from app.bpm.plugins import plugin_for
from app.bpm.policies import can_send_message, can_view_instance
from app.bpm.runs import StepWrites, save_run

log = logging.getLogger(__name__)


def _matches(key: str, value: Any) -> ColumnElement[bool]:
    """`data[key] == value` in SQL, typed by the value (JSON on SQLite, JSONB on PostgreSQL)."""
    field = ProcessInstance.data[key]
    typed: Any
    if isinstance(value, bool):
        typed = field.as_boolean()
    elif isinstance(value, int):
        typed = field.as_integer()
    elif isinstance(value, float):
        typed = field.as_float()
    elif isinstance(value, str):
        typed = field.as_string()
    else:
        raise ServiceError("error.bad_request", field=key)
    condition: ColumnElement[bool] = typed == value
    return condition


def _candidates(session: Session, name: str, correlation: dict[str, Any]) -> list[ProcessInstance]:
    waiting = select(MessageSubscription.instance_id).where(MessageSubscription.message_name == name)
    query = select(ProcessInstance).where(ProcessInstance.status == "running", ProcessInstance.id.in_(waiting))
    for key, value in correlation.items():
        if key == "process_instance_id":
            if not isinstance(value, int) or isinstance(value, bool):
                raise ServiceError("error.bad_request", field=key)
            query = query.where(ProcessInstance.id == value)
        elif key == "business_key":
            query = query.where(ProcessInstance.business_key == str(value))
        else:
            query = query.where(_matches(key, value))
    return list(session.scalars(query.order_by(ProcessInstance.id)))


@dataclass(frozen=True)
class Delivery:
    """The instances a message moved on, and those whose own code failed on it (marked
    `error` with the reason; the message is kept in their audit trail)."""

    reached: list[int]
    failed: list[int]
    started: list[int] = field(default_factory=list)  # instances the message started (a message start event)


def deliver(
    session: Session,
    actor: User | None,
    name: str,
    correlation: dict[str, Any],
    payload: dict[str, Any],
    now: datetime | None = None,
) -> Delivery:
    """Deliver to every matching instance that waits for `name` and that the sender may send
    to (`can_send_message`: an integration account, or a member of the lane that waits). When
    the sender may send to none of them, a reader of one (an auditor) is refused; an instance
    the sender may not even see is passed over as if it did not wait. `actor` None is
    the product itself (its own code delivering a message), which may send anywhere.
    A correlation is required: no message goes to every waiting instance. Each instance takes
    it in a savepoint of its own, so a fault in one process's code stops only that instance.
    When no instance waits for it, the message starts every process whose start event it is
    (its payload becomes the new instance's data; `business_key` in the correlation, its key),
    when the sender may start it."""
    now = now or utcnow()
    check_data_keys(payload)
    if not correlation and not _started_by(session, name):
        raise ServiceError("error.correlation_required")
    reached: list[int] = []
    failed: list[int] = []
    refused = False
    for instance in _candidates(session, name, correlation) if correlation else []:
        loaded = definitions.loaded(instance.definition)
        run = ProcessRun.load(loaded.model, instance.state)
        if actor is not None and not can_send_message(actor, run.message_lanes(name)):
            # a reader is told no; someone else's instance looks the same as no instance
            refused = refused or can_view_instance(actor, loaded.lanes, instance.started_by_id)
            continue
        try:
            run.deliver_message(name, payload, correlation, now=now)
        except NoMatchingEvent:
            continue
        except EngineError as err:
            session.rollback()
            raise ProcessFailed("error.engine", detail=str(err)) from None
        if _take(session, instance, run, loaded, name, correlation, payload, actor, now):
            reached.append(instance.id)
        else:
            failed.append(instance.id)
    started = (
        []
        if reached or failed or refused or actor is None
        else _start(session, actor, _started_by(session, name), name, correlation, payload, now)
    )
    if not reached and not failed and not started:
        session.rollback()
        raise Forbidden("error.forbidden") if refused else NotFound("error.not_waiting")
    try:
        session.commit()
    except StaleDataError:
        session.rollback()
        raise Conflict("error.conflict") from None
    return Delivery(reached, failed, started)


def _started_by(session: Session, name: str) -> list[str]:
    """The processes (latest versions) a message of this name starts."""
    return [
        row.process_id
        for row in definitions.list_latest(session)
        if name in definitions.loaded(row).model.message_starts
        and not plugin_for(session, row.process_id).intake_endpoint
    ]


def _start(
    session: Session,
    actor: User,
    process_ids: list[str],
    name: str,
    correlation: dict[str, Any],
    payload: dict[str, Any],
    now: datetime,
) -> list[int]:
    started = []
    key = correlation.get("business_key")
    for process_id in process_ids:
        instance = begin_instance(session, actor, process_id, {}, str(key) if key is not None else None, now)
        loaded = definitions.loaded(instance.definition)
        run = ProcessRun.load(loaded.model, instance.state)
        try:
            run.deliver_message(name, payload, correlation, now=now)
        except (EngineError, NoMatchingEvent) as err:
            session.rollback()
            raise ProcessFailed("error.engine", detail=str(err)) from None
        if not _take(session, instance, run, loaded, name, correlation, payload, actor, now):
            session.rollback()
            raise ProcessFailed("error.engine", detail=instance.error or name)
        started.append(instance.id)
    return started


def _take(
    session: Session,
    instance: ProcessInstance,
    run: ProcessRun,
    loaded: LoadedDefinition,
    name: str,
    correlation: dict[str, Any],
    payload: dict[str, Any],
    actor: User | None,
    now: datetime,
) -> bool:
    """Save the instance after the engine took the message; False when the process's own code
    failed on it (the instance is then marked `error`)."""
    savepoint = session.begin_nested()
    writes = StepWrites(instance)
    details = {"message": name, "correlation": correlation}
    writes.record("message_received", actor, now, instance_id=instance.id, after=payload, details=details)
    try:
        save_run(session, instance, run, loaded, now, actor, writes=writes)
        writes.apply(session)
    except StaleDataError:
        session.rollback()
        raise Conflict("error.conflict") from None
    except Exception as err:
        savepoint.rollback()
        session.expire(instance)
        log.exception("instance %s failed taking message %s", instance.id, name)
        mark_failed(session, instance.id, now, f"{type(err).__name__}: {err}", {**details, "payload": payload})
        return False
    savepoint.commit()
    return True

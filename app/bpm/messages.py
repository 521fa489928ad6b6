"""Messages from outside (customer replies, parts arrived) delivered to waiting instances (P5).
Routing is ours: the instances subscribed to the message's name, whose business data match
every key of the correlation (`process_instance_id` and `business_key` match those columns)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.bpm import definitions
from app.bpm.definitions import LoadedDefinition
from app.bpm.engine import EngineError, NoMatchingEvent, ProcessRun
from app.bpm.errors import Conflict, Forbidden, NotFound, ProcessFailed, ServiceError
from app.bpm.instances import check_data_keys, mark_failed
from app.bpm.models import MessageSubscription, ProcessInstance, User, utcnow
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
    it in a savepoint of its own, so a fault in one process's code stops only that instance."""
    now = now or utcnow()
    if not correlation:
        raise ServiceError("error.correlation_required")
    check_data_keys(payload)
    reached: list[int] = []
    failed: list[int] = []
    refused = False
    for instance in _candidates(session, name, correlation):
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
    if not reached and not failed:
        session.rollback()
        raise Forbidden("error.forbidden") if refused else NotFound("error.not_waiting")
    try:
        session.commit()
    except StaleDataError:
        session.rollback()
        raise Conflict("error.conflict") from None
    return Delivery(reached, failed)


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

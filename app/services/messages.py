"""Messages from outside (customer replies, parts arrived) delivered to waiting instances (P5).
Routing is ours: the instances subscribed to the message's name, whose business data match
every key of the correlation (`process_instance_id` and `business_key` match those columns)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.engine import EngineError, NoMatchingEvent, ProcessRun
from app.models import MessageSubscription, ProcessInstance, User, utcnow

from . import definitions
from .errors import Conflict, NotFound, ProcessFailed, ServiceError
from .instances import check_data_keys
from .permissions import can_view_instance
from .runs import StepWrites, save_run


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


def deliver(
    session: Session,
    actor: User | None,
    name: str,
    correlation: dict[str, Any],
    payload: dict[str, Any],
    now: datetime | None = None,
) -> list[int]:
    """Deliver to every matching instance that waits for `name` and that the sender may see;
    the ids it reached. A correlation is required: no message goes to every waiting instance."""
    now = now or utcnow()
    if not correlation:
        raise ServiceError("error.correlation_required")
    check_data_keys(payload)
    reached: list[int] = []
    for instance in _candidates(session, name, correlation):
        loaded = definitions.loaded(instance.definition)
        if actor is not None and not can_view_instance(actor, loaded.lanes, instance.started_by_id):
            continue  # someone else's instance looks the same as no instance
        run = ProcessRun.load(loaded.model, instance.state)
        try:
            run.deliver_message(name, payload, correlation, now=now)
        except NoMatchingEvent:
            continue
        except EngineError as err:
            session.rollback()
            raise ProcessFailed("error.engine", detail=str(err)) from None
        writes = StepWrites(instance)
        writes.record(
            "message_received",
            actor,
            now,
            instance_id=instance.id,
            after=payload,
            details={"message": name, "correlation": correlation},
        )
        try:
            save_run(session, instance, run, loaded, now, actor, writes=writes)
            writes.apply(session)
        except StaleDataError:
            session.rollback()
            raise Conflict("error.conflict") from None
        reached.append(instance.id)
    if not reached:
        session.rollback()
        raise NotFound("error.not_waiting")
    try:
        session.commit()
    except StaleDataError:
        session.rollback()
        raise Conflict("error.conflict") from None
    return reached

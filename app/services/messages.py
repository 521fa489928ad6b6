"""Messages from outside (customer replies, parts arrived) delivered to waiting instances (P5).
Routing is ours: an instance waits for a message by name, and the correlation's keys must
match its business data (or `process_instance_id` / `business_key`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.engine import EngineError, NoMatchingEvent, ProcessRun
from app.models import ProcessInstance, User, utcnow

from . import audit, definitions
from .errors import Conflict, NotFound, ProcessFailed
from .instances import check_data_keys
from .runs import save_run


def _candidates(session: Session, correlation: dict[str, Any]) -> list[ProcessInstance]:
    query = select(ProcessInstance).where(ProcessInstance.status == "running")
    if "process_instance_id" in correlation:
        query = query.where(ProcessInstance.id == int(correlation["process_instance_id"]))
    if "business_key" in correlation:
        query = query.where(ProcessInstance.business_key == str(correlation["business_key"]))
    rest = {k: v for k, v in correlation.items() if k not in ("process_instance_id", "business_key")}
    found = session.scalars(query.order_by(ProcessInstance.id).limit(1000)).all()
    return [i for i in found if all(i.data.get(k) == v for k, v in rest.items())]


def deliver(
    session: Session,
    actor: User | None,
    name: str,
    correlation: dict[str, Any],
    payload: dict[str, Any],
    now: datetime | None = None,
) -> list[int]:
    """Deliver to every matching instance that waits for `name`; the ids it reached."""
    now = now or utcnow()
    check_data_keys(payload)
    reached: list[int] = []
    for instance in _candidates(session, correlation):
        loaded = definitions.loaded(instance.definition)
        run = ProcessRun.load(loaded.model, instance.state)
        try:
            run.deliver_message(name, payload, correlation, now=now)
        except NoMatchingEvent:
            continue
        except EngineError as err:
            session.rollback()
            raise ProcessFailed("error.engine", detail=str(err)) from None
        audit.record(
            session,
            "message_received",
            actor,
            now,
            instance_id=instance.id,
            after=payload,
            details={"message": name, "correlation": correlation},
        )
        save_run(session, instance, run, loaded, now, actor)
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

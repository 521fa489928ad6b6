"""A unit's final acceptance (终验, R3, R23): the day its warranty, maintenance period and
spare-parts promise start counting from (rules/warranty.py). Set once, with an audit event;
a unit already accepted is never accepted again."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.aftersales.archive.models import EquipmentUnit
from app.bpm import audit
from app.bpm.errors import Conflict, NotFound
from app.bpm.models import User

ALREADY_ACCEPTED = "error.unit_already_accepted"


def check_not_accepted(unit: EquipmentUnit) -> None:
    if unit.accepted_on is not None:
        raise Conflict(ALREADY_ACCEPTED, serial=unit.serial, accepted_on=unit.accepted_on.isoformat())


def accept_unit(
    session: Session,
    user: User | None,
    unit_id: int,
    accepted_on: date,
    now: datetime,
    instance_id: int | None = None,
) -> EquipmentUnit:
    """Set the unit's `accepted_on` inside the caller's transaction (nothing is committed here).
    The row is locked first, so two acceptances of one unit cannot both pass the check."""
    query = (
        select(EquipmentUnit)
        .where(EquipmentUnit.id == unit_id)
        .with_for_update(of=EquipmentUnit)
        .execution_options(populate_existing=True)
    )
    unit = session.scalars(query).unique().first()
    if unit is None:
        raise NotFound("error.unit_not_found")
    check_not_accepted(unit)
    if unit.delivered_on is None:
        unit.delivered_on = accepted_on
    if unit.installed_on is None:
        unit.installed_on = accepted_on
    unit.accepted_on = accepted_on
    audit.record(
        session,
        "unit_accepted",
        user,
        now,
        instance_id=instance_id,
        after={"accepted_on": accepted_on.isoformat()},
        details={"unit": unit.serial, "unit_id": unit.id},
    )
    return unit

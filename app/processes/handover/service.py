"""The handover at the end of the defect liability period (缺陷责任期结束，并且修缮任务完成时，签订
移交手续): the unit's warranty end, the requests still open on it (read through the protocol in
app/aftersales/service_requests.py: no process imports another), the handover of an instance,
its paper form, and the handovers' part of a unit's history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.aftersales.archive.models import EquipmentUnit
from app.aftersales.archive.service import UnitSection
from app.aftersales.rules.warranty import coverage
from app.aftersales.service_requests import OpenRequest, open_requests_of
from app.bpm.errors import NotFound
from app.bpm.forms.signature import NotASignature, clean_png
from app.bpm.instances import get_instance, visible_ids
from app.bpm.models import User
from app.processes.handover.models import Handover

HANDOVER_PROCESS = "handover"
DEFAULT_WARRANTY_YEARS = 2


def warranty_end(unit: EquipmentUnit) -> date | None:
    """The last day of the unit's warranty (the defect liability period): the contract's years
    from final acceptance (2 without a contract, as the obligations count them)."""
    years = unit.contract.warranty_years if unit.contract else DEFAULT_WARRANTY_YEARS
    return coverage(unit.accepted_on, years).warranty_end


def open_requests(session: Session, unit_id: int) -> list[OpenRequest]:
    return open_requests_of(session, unit_id)


def request_rows(found: list[OpenRequest]) -> list[dict[str, Any]]:
    return [{"id": r.id, "number": r.number, "status": r.status, "description": r.description[:200]} for r in found]


def handover_for_instance(session: Session, instance_id: int) -> Handover | None:
    return session.scalars(select(Handover).where(Handover.instance_id == instance_id)).first()


def open_handover(session: Session, instance_id: int, unit: EquipmentUnit) -> Handover:
    found = handover_for_instance(session, instance_id)
    if found is None:
        found = Handover(instance_id=instance_id, unit_id=unit.id, customer_id=unit.customer_id, status="checking")
        session.add(found)
    found.unit_id, found.customer_id = unit.id, unit.customer_id
    found.unit = unit
    found.warranty_end = warranty_end(unit)
    return found


def units_for_handover(session: Session, unit_id: int | None) -> list[EquipmentUnit]:
    """The unit named (the calendar's), or every finally accepted unit, by serial."""
    query = select(EquipmentUnit).where(EquipmentUnit.accepted_on.is_not(None)).order_by(EquipmentUnit.serial)
    if unit_id is not None:
        query = query.where(EquipmentUnit.id == unit_id)
    return list(session.scalars(query.limit(2000)).unique())


def get_handover(session: Session, user: User, instance_id: int) -> Handover:
    get_instance(session, user, instance_id)  # who may not see the instance gets 404
    found = handover_for_instance(session, instance_id)
    if found is None:
        raise NotFound("error.not_found")
    return found


@dataclass(frozen=True)
class HandoverSheet:
    handover: Handover
    signature: bytes | None


def handover_sheet(session: Session, user: User, instance_id: int) -> HandoverSheet:
    """The handover form on paper: only once the unit's state is recorded."""
    found = get_handover(session, user, instance_id)
    if found.recorded_at is None:
        raise NotFound("error.not_found")
    signature = None
    if found.signature_png:
        try:
            signature = clean_png(found.signature_png)
        except NotASignature:
            signature = None
    return HandoverSheet(found, signature)


def dump(found: Handover) -> dict[str, Any]:
    def at(value: Any) -> str | None:
        return value.isoformat() if value else None

    return {
        "process_instance_id": found.instance_id,
        "unit_id": found.unit_id,
        "serial": found.unit.serial,
        "customer_id": found.customer_id,
        "warranty_end": at(found.warranty_end),
        "checked_at": at(found.checked_at),
        "open_requests": found.open_requests,
        "condition": found.condition,
        "state_notes": found.state_notes,
        "documents": found.documents,
        "software": found.software,
        "signer_name": found.signer_name,
        "handed_over_on": at(found.handed_over_on),
        "signed_at": at(found.signed_at),
        "status": found.status,
    }


def unit_section(session: Session, user: User, unit: EquipmentUnit) -> UnitSection:
    query = select(Handover).where(Handover.unit_id == unit.id).order_by(Handover.id.desc()).limit(20)
    found = list(session.scalars(query).unique())
    visible = visible_ids(session, user, [h.instance_id for h in found])
    rows = [h for h in found if h.instance_id in visible]
    return UnitSection(
        name=HANDOVER_PROCESS,
        template="handover/_unit_section.html",
        values={"handovers": rows},
        api={"handovers": [dump(h) for h in rows]},
    )

"""Reading the customer and equipment archive (R1–R3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.domain.warranty import Coverage, coverage
from app.models import (
    Customer,
    EquipmentModel,
    EquipmentUnit,
    Loan,
    PartMovement,
    ProcessInstance,
    ServiceRecord,
    ServiceRequest,
    User,
    utcnow,
)

from .errors import NotFound

SEARCH_LIMIT = 200


@dataclass(frozen=True)
class UnitView:
    unit: EquipmentUnit
    coverage: Coverage
    in_warranty: bool


def _view(unit: EquipmentUnit, today: date) -> UnitView:
    years = unit.contract.warranty_years if unit.contract else 0
    maintenance = unit.contract.maintenance_years if unit.contract else 0
    covered = coverage(unit.accepted_on, years, maintenance)
    return UnitView(unit, covered, covered.in_warranty(today))


def search_equipment(
    session: Session, user: User, text: str | None = None, customer_id: int | None = None, today: date | None = None
) -> list[UnitView]:
    """Units by serial, model or customer name (any part of them), newest serials first."""
    today = today or utcnow().date()
    query = (
        select(EquipmentUnit)
        .join(EquipmentUnit.model)
        .join(EquipmentUnit.customer)
        .order_by(Customer.name, EquipmentUnit.serial)
        .limit(SEARCH_LIMIT)
    )
    if text:
        pattern = f"%{text.strip()}%"
        query = query.where(
            or_(
                EquipmentUnit.serial.ilike(pattern),
                EquipmentModel.name.ilike(pattern),
                EquipmentModel.code.ilike(pattern),
                Customer.name.ilike(pattern),
            )
        )
    if customer_id is not None:
        query = query.where(EquipmentUnit.customer_id == customer_id)
    return [_view(unit, today) for unit in session.scalars(query).unique()]


@dataclass(frozen=True)
class UnitHistory:
    """Everything filed under one unit (R2): its process instances, service requests with
    their records, the parts put into it and the loaners lent while it was away."""

    view: UnitView
    instances: list[ProcessInstance]
    requests: list[ServiceRequest]
    records: dict[int, ServiceRecord]  # by request id
    parts: list[PartMovement]
    loans: list[Loan]


def unit_history(session: Session, user: User, unit_id: int, today: date | None = None) -> UnitHistory:
    """A unit with the process instances filed under its serial (business key)."""
    unit = session.get(EquipmentUnit, unit_id)
    if unit is None:
        raise NotFound("error.not_found")
    instances = session.scalars(
        select(ProcessInstance).where(ProcessInstance.business_key == unit.serial).order_by(ProcessInstance.id.desc())
    ).all()
    requests = session.scalars(
        select(ServiceRequest).where(ServiceRequest.unit_id == unit.id).order_by(ServiceRequest.id.desc())
    ).all()
    request_ids = [r.id for r in requests]
    records = session.scalars(select(ServiceRecord).where(ServiceRecord.request_id.in_(request_ids))).all()
    parts = session.scalars(
        select(PartMovement).where(PartMovement.unit_id == unit.id).order_by(PartMovement.id.desc())
    ).all()
    loans = session.scalars(select(Loan).where(Loan.request_id.in_(request_ids)).order_by(Loan.id.desc())).all()
    return UnitHistory(
        _view(unit, today or utcnow().date()),
        list(instances),
        list(requests),
        {r.request_id: r for r in records},
        list(parts),
        list(loans),
    )


def list_customers(session: Session, user: User) -> list[Customer]:
    return list(session.scalars(select(Customer).order_by(Customer.is_key.desc(), Customer.name)))

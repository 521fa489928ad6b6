"""The spare parts warehouse and the loaner pool (R3, R11)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.aftersales.archive.models import ContractPartPrice
from app.aftersales.policies import can_keep_stock, can_use_parts
from app.aftersales.warehouse.models import LoanerUnit, PartMovement, SparePart
from app.bpm import audit
from app.bpm.errors import Conflict, Forbidden, NotFound, ServiceError
from app.bpm.models import User, utcnow
from app.bpm.unit_of_work import transactional

MAX_QUANTITY = 1000


def _check_quantity(quantity: int) -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
        raise ServiceError("error.bad_quantity", max=MAX_QUANTITY)


def _part(session: Session, code: str) -> SparePart:
    part = session.scalars(select(SparePart).where(SparePart.code == code).with_for_update()).first()
    if part is None:
        raise NotFound("error.part_not_found")
    return part


def charge_for(session: Session, part: SparePart, quantity: int, in_warranty: bool, contract_id: int | None) -> Decimal:
    """In warranty nothing is charged. After it, parts at cost only, no labour, and never
    above the contract's price for that part (R3, R9)."""
    if in_warranty:
        return Decimal("0.00")
    price = part.unit_cost
    if contract_id is not None:
        contract_price = session.scalars(
            select(ContractPartPrice.price).where(
                ContractPartPrice.contract_id == contract_id, ContractPartPrice.part_id == part.id
            )
        ).first()
        if contract_price is not None:
            price = min(price, contract_price)
    return (price * quantity).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Destination:
    """Where parts go out to (or come back from): a repair of a unit under a contract. The
    warehouse keeps the request's id on the movement without knowing what a request is."""

    request_id: int
    unit_id: int
    contract_id: int | None
    in_warranty: bool
    label: str  # shown in the audit trail (the request number)
    instance_id: int | None


def issue(session: Session, user: User, to: Destination, code: str, quantity: int, now: datetime) -> PartMovement:
    """Parts from stock to a repair; they appear on the request, its record and the unit."""
    if not can_use_parts(user):
        raise Forbidden("error.forbidden")
    _check_quantity(quantity)
    part = _part(session, code)
    if part.on_hand < quantity:
        raise Conflict("error.out_of_stock", part=part.name, on_hand=part.on_hand)
    return _move(session, user, to, part, -quantity, now)


def take_back(session: Session, user: User, to: Destination, code: str, quantity: int, now: datetime) -> PartMovement:
    """Unused parts back to stock; no more than were issued to the same destination."""
    if not can_use_parts(user):
        raise Forbidden("error.forbidden")
    _check_quantity(quantity)
    part = _part(session, code)
    issued = -(
        session.scalar(
            select(func.coalesce(func.sum(PartMovement.quantity), 0)).where(
                PartMovement.request_id == to.request_id, PartMovement.part_id == part.id
            )
        )
        or 0
    )
    if quantity > issued:
        raise Conflict("error.nothing_to_return", part=part.name)
    return _move(session, user, to, part, quantity, now)


@transactional
def receive_part(
    session: Session, user: User, code: str, quantity: int, note: str | None = None, now: datetime | None = None
) -> PartMovement:
    """Replenish stock (a delivery into the warehouse)."""
    if not can_keep_stock(user):
        raise Forbidden("error.forbidden")
    _check_quantity(quantity)
    now = now or utcnow()
    part = _part(session, code)
    part.on_hand += quantity
    movement = PartMovement(
        part_id=part.id, kind="receive", quantity=quantity, at=now, by_id=user.id, note=(note or "")[:300] or None
    )
    session.add(movement)
    audit.record(session, "part_received", user, now, details={"part": part.code, "quantity": quantity})
    session.commit()
    return movement


def _move(session: Session, user: User, to: Destination, part: SparePart, change: int, now: datetime) -> PartMovement:
    """Stock changes by `change` (negative: issued, positive: returned); the charge follows
    the same sign. Recorded, audited, committed."""
    kind, action = ("issue", "part_issued") if change < 0 else ("return", "part_returned")
    part.on_hand += change
    charge = charge_for(session, part, abs(change), to.in_warranty, to.contract_id)
    movement = PartMovement(
        part_id=part.id,
        kind=kind,
        quantity=change,
        request_id=to.request_id,
        unit_id=to.unit_id,
        charge=charge if change < 0 else -charge,
        at=now,
        by_id=user.id,
    )
    session.add(movement)
    details = {"request": to.label, "part": part.code, "quantity": abs(change)}
    audit.record(session, action, user, now, instance_id=to.instance_id, details=details)
    session.commit()
    return movement


def list_parts(session: Session) -> list[SparePart]:
    return list(session.scalars(select(SparePart).order_by(SparePart.kind, SparePart.code)))


def recent_movements(session: Session, limit: int = 100) -> list[PartMovement]:
    return list(session.scalars(select(PartMovement).order_by(PartMovement.id.desc()).limit(limit)))


def list_loaners(session: Session) -> list[LoanerUnit]:
    return list(session.scalars(select(LoanerUnit).order_by(LoanerUnit.serial)))

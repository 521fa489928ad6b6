"""The spare parts warehouse, the loaner pool and the warranty deposit ledger (R3, R10, R11)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import (
    Contract,
    ContractPartPrice,
    DepositEntry,
    LoanerUnit,
    PartMovement,
    ServiceRequest,
    SparePart,
    User,
    utcnow,
)

from . import audit
from .errors import Conflict, Forbidden, NotFound, ServiceError
from .service_requests import get_request

MAX_QUANTITY = 1000
STOCK_KEEPERS = {"after_sales", "office", "admins"}
PART_USERS = STOCK_KEEPERS | {"engineers"}


def _check_quantity(quantity: int) -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
        raise ServiceError("error.bad_quantity", max=MAX_QUANTITY)


def _part(session: Session, code: str) -> SparePart:
    part = session.scalars(select(SparePart).where(SparePart.code == code).with_for_update()).first()
    if part is None:
        raise NotFound("error.part_not_found")
    return part


def charge_for(session: Session, request: ServiceRequest, part: SparePart, quantity: int) -> Decimal:
    """In warranty nothing is charged. After it, parts at cost only, no labour, and never
    above the contract's price for that part (R3, R9)."""
    if request.in_warranty:
        return Decimal("0.00")
    price = part.unit_cost
    if request.contract_id is not None:
        contract_price = session.scalars(
            select(ContractPartPrice.price).where(
                ContractPartPrice.contract_id == request.contract_id, ContractPartPrice.part_id == part.id
            )
        ).first()
        if contract_price is not None:
            price = min(price, contract_price)
    return (price * quantity).quantize(Decimal("0.01"))


def issue_part(
    session: Session, user: User, request_id: int, code: str, quantity: int, now: datetime | None = None
) -> PartMovement:
    """Parts from stock to a repair; they appear on the request, its record and the unit."""
    now = now or utcnow()
    request = get_request(session, user, request_id)
    if not PART_USERS & user.group_ids:
        raise Forbidden("error.forbidden")
    if request.status in ("closed", "declined"):
        raise Conflict("error.request_closed")
    _check_quantity(quantity)
    part = _part(session, code)
    if part.on_hand < quantity:
        raise Conflict("error.out_of_stock", part=part.name, on_hand=part.on_hand)
    return _move(session, user, request, part, -quantity, now)


def return_part(
    session: Session, user: User, request_id: int, code: str, quantity: int, now: datetime | None = None
) -> PartMovement:
    """Unused parts back to stock; no more than were issued to the request."""
    now = now or utcnow()
    request = get_request(session, user, request_id)
    if not PART_USERS & user.group_ids:
        raise Forbidden("error.forbidden")
    _check_quantity(quantity)
    part = _part(session, code)
    issued = -(
        session.scalar(
            select(func.coalesce(func.sum(PartMovement.quantity), 0)).where(
                PartMovement.request_id == request.id, PartMovement.part_id == part.id
            )
        )
        or 0
    )
    if quantity > issued:
        raise Conflict("error.nothing_to_return", part=part.name)
    return _move(session, user, request, part, quantity, now)


def receive_part(
    session: Session, user: User, code: str, quantity: int, note: str | None = None, now: datetime | None = None
) -> PartMovement:
    """Replenish stock (a delivery into the warehouse)."""
    if not STOCK_KEEPERS & user.group_ids:
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


def _move(
    session: Session, user: User, request: ServiceRequest, part: SparePart, change: int, now: datetime
) -> PartMovement:
    """Stock changes by `change` for a request (negative: issued to it, positive: returned);
    the charge follows the same sign. Recorded, audited, committed."""
    kind, action = ("issue", "part_issued") if change < 0 else ("return", "part_returned")
    part.on_hand += change
    charge = charge_for(session, request, part, abs(change))
    movement = PartMovement(
        part_id=part.id,
        kind=kind,
        quantity=change,
        request_id=request.id,
        unit_id=request.unit_id,
        charge=charge if change < 0 else -charge,
        at=now,
        by_id=user.id,
    )
    session.add(movement)
    details = {"request": request.number, "part": part.code, "quantity": abs(change)}
    audit.record(session, action, user, now, instance_id=request.instance_id, details=details)
    session.commit()
    return movement


def list_parts(session: Session) -> list[SparePart]:
    return list(session.scalars(select(SparePart).order_by(SparePart.kind, SparePart.code)))


def recent_movements(session: Session, limit: int = 100) -> list[PartMovement]:
    return list(session.scalars(select(PartMovement).order_by(PartMovement.id.desc()).limit(limit)))


def list_loaners(session: Session) -> list[LoanerUnit]:
    return list(session.scalars(select(LoanerUnit).order_by(LoanerUnit.serial)))


@dataclass(frozen=True)
class DepositLedger:
    contract: Contract
    entries: list[DepositEntry]
    balance: Decimal


def deposit_ledger(session: Session, user: User, contract_id: int) -> DepositLedger:
    """The contract's deposit and every deduction (R10); readable by staff who handle
    contracts and repairs."""
    if not ({"after_sales", "sales", "office", "admins", "auditors"} & user.group_ids):
        raise Forbidden("error.forbidden")
    contract = session.get(Contract, contract_id)
    if contract is None:
        raise NotFound("error.not_found")
    entries = list(
        session.scalars(select(DepositEntry).where(DepositEntry.contract_id == contract.id).order_by(DepositEntry.id))
    )
    balance = contract.deposit_amount + sum((e.amount for e in entries), Decimal("0"))
    return DepositLedger(contract, entries, balance)

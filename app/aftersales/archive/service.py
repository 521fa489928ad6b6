"""Reading the customer and equipment archive (R1–R3), and a contract's deposit ledger (R10)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.aftersales.approvals import service as approvals
from app.aftersales.approvals.models import APPROVED, PENDING, PendingChange
from app.aftersales.approvals.service import ChangeView
from app.aftersales.archive import terms
from app.aftersales.archive.cadence import cadence_label
from app.aftersales.archive.models import Contract, Customer, DepositEntry, EquipmentModel, EquipmentUnit
from app.aftersales.policies import can_read_contract_terms
from app.aftersales.rules.warranty import Coverage, coverage
from app.aftersales.warehouse.models import PartMovement
from app.bpm.errors import Forbidden, NotFound
from app.bpm.instances import visible_instances
from app.bpm.models import ProcessInstance, User, utcnow

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


def get_unit(session: Session, unit_id: int, today: date | None = None) -> UnitView:
    unit = session.get(EquipmentUnit, unit_id)
    if unit is None:
        raise NotFound("error.not_found")
    return _view(unit, today or utcnow().date())


@dataclass(frozen=True)
class UnitSection:
    """What one process files under a unit (the repair process: its service requests with
    their records and loans), already limited to what the reader may see: a page template of
    the process's own with its values, and the same facts for the API."""

    name: str
    template: str
    values: dict[str, Any]
    api: dict[str, Any] = field(default_factory=dict)


# A process's contribution to a unit's history: (session, reader, unit) -> its section.
UnitSectionSource = Callable[[Session, User, EquipmentUnit], UnitSection]


@dataclass(frozen=True)
class UnitHistory:
    """Everything filed under one unit (R2) that the reader may see: the process instances
    filed under its serial, the parts put into it, and each process's own section."""

    view: UnitView
    instances: list[ProcessInstance]
    parts: list[PartMovement]
    sections: list[UnitSection]
    may_read_terms: bool = False  # the unit's contract page (deposit, prices) is the reader's to open


def unit_history(
    session: Session,
    user: User,
    unit_id: int,
    sources: Sequence[UnitSectionSource] = (),
    today: date | None = None,
) -> UnitHistory:
    """A unit with the instances filed under its serial (business key) that the user may see."""
    view = get_unit(session, unit_id, today)
    unit = view.unit
    instances = visible_instances(
        session,
        user,
        select(ProcessInstance).where(ProcessInstance.business_key == unit.serial).order_by(ProcessInstance.id.desc()),
    )
    parts = session.scalars(
        select(PartMovement).where(PartMovement.unit_id == unit.id).order_by(PartMovement.id.desc())
    ).all()
    sections = [source(session, user, unit) for source in sources]
    may_read_terms = unit.contract is not None and can_read_contract_terms(user, unit.contract)
    return UnitHistory(view, instances, list(parts), sections, may_read_terms)


def unit_changes(session: Session, user: User, unit_id: int, locale: str) -> list[ChangeView]:
    """The moves of the unit to another contract waiting for a second person."""
    return [approvals.view_of(session, user, change, locale) for change in approvals.pending_of_unit(session, unit_id)]


def list_customers(session: Session, user: User) -> list[Customer]:
    return list(session.scalars(select(Customer).order_by(Customer.is_key.desc(), Customer.name)))


@dataclass(frozen=True)
class LedgerLine:
    """One line of the deposit ledger: approved (counted in the balance) or pending (asked,
    waiting for a second person), with who asked and who approved, and when."""

    at: datetime
    amount: Decimal
    reason: str
    request_id: int | None
    status: str  # approved | pending
    asked_by: User | None
    asked_at: datetime | None
    approved_by: User | None
    approved_at: datetime | None


@dataclass(frozen=True)
class DepositLedger:
    contract: Contract
    entries: list[LedgerLine]
    balance: Decimal  # approved entries only
    pending: Decimal  # the deductions waiting for approval


def contracts_with_terms(session: Session, user: User) -> list[Contract]:
    """Contracts with their terms (deposit, warranty, SLA policy) that the user may read;
    Forbidden for one who may read none of them."""
    contracts = list(session.scalars(select(Contract).order_by(Contract.number)))
    readable = [contract for contract in contracts if can_read_contract_terms(user, contract)]
    if contracts and not readable:
        raise Forbidden("error.forbidden")
    return readable


def _contract_for_terms(session: Session, user: User, contract_id: int) -> Contract:
    contract = session.get(Contract, contract_id)
    if contract is None:
        raise NotFound("error.not_found")
    if not can_read_contract_terms(user, contract):
        raise Forbidden("error.forbidden")
    return contract


def _approved_line(entry: DepositEntry) -> LedgerLine:
    change = entry.change
    if change is None:  # entered before deductions needed a second person
        by = entry.by
        return LedgerLine(entry.at, entry.amount, entry.reason, entry.request_id, APPROVED, by, entry.at, None, None)
    return LedgerLine(
        entry.at,
        entry.amount,
        entry.reason,
        entry.request_id,
        APPROVED,
        change.asked_by,
        change.asked_at,
        change.decided_by,
        change.decided_at,
    )


def _pending_line(change: PendingChange) -> LedgerLine:
    request_id = change.values.get("request_id")
    amount = -Decimal(change.values["amount"])
    return LedgerLine(
        change.asked_at, amount, change.summary, request_id, PENDING, change.asked_by, change.asked_at, None, None
    )


def deposit_ledger(session: Session, user: User, contract_id: int) -> DepositLedger:
    """The contract's deposit and every deduction (R10), approved and pending, for those who
    may read its terms; the balance counts the approved ones."""
    contract = _contract_for_terms(session, user, contract_id)
    entries = session.scalars(
        select(DepositEntry).where(DepositEntry.contract_id == contract.id).order_by(DepositEntry.id)
    )
    pending = session.scalars(
        select(PendingChange)
        .where(
            PendingChange.contract_id == contract.id,
            PendingChange.kind == terms.DEDUCTION,
            PendingChange.decision == PENDING,
        )
        .order_by(PendingChange.id)
    )
    lines = [_approved_line(e) for e in entries] + [_pending_line(c) for c in pending]
    return DepositLedger(
        contract, lines, terms.balance(session, contract), terms.pending_deductions(session, contract.id)
    )


@dataclass(frozen=True)
class ContractTerms:
    """A contract's page: its terms, its ledger, and the term changes waiting for approval;
    `cadences`: how often inspections and follow-ups fall due, as people read it (每 3 个月)."""

    ledger: DepositLedger
    prices: dict[str, str]
    pending: list[ChangeView]
    cadences: dict[str, str] = field(default_factory=dict)


def contract_terms(session: Session, user: User, contract_id: int, locale: str) -> ContractTerms:
    ledger = deposit_ledger(session, user, contract_id)
    waiting = [approvals.view_of(session, user, c, locale) for c in approvals.pending_of(session, contract_id)]
    contract = ledger.contract
    cadences = {name: cadence_label(getattr(contract, name), locale) for name in terms.CADENCES}
    return ContractTerms(ledger, terms.prices_of(session, contract_id), waiting, cadences)


def contract_with_terms(session: Session, user: User, contract_id: int) -> Contract:
    """One contract with its terms, for those who may read them (404, 403)."""
    return _contract_for_terms(session, user, contract_id)

"""A contract's money and terms (R3, R10) as the two-person rule handles them: the terms as
plain values, their bounds, the deposit's balance, and what an approved change does (the
apply functions of `app.aftersales.approvals.kinds`).

Terms: warranty and maintenance years, the deposit, the SLA policy, the part prices and how
often inspections and follow-ups fall due (ISO 8601 periods, `cadence`). A
deduction from the deposit, an edit of these on an existing contract, or moving an existing
unit to another contract (whose terms it would then have), is asked by one person and counts
only once another of a different group approved it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.aftersales.approvals.models import PENDING, PendingChange
from app.aftersales.archive.cadence import CadenceError, cadence_label, parse_cadence
from app.aftersales.archive.models import Contract, ContractPartPrice, DepositEntry, EquipmentUnit
from app.aftersales.warehouse.models import SparePart
from app.bpm.errors import Conflict, NotFound
from app.i18n import translate

CADENCES = ("inspection_every", "follow_up_every")
TERMS = ("warranty_years", "maintenance_years", "deposit_amount", "sla_policy", "part_prices", *CADENCES)
WARRANTY_YEARS = (1, 10)
MAINTENANCE_YEARS = (1, 10)
DEPOSIT_MAX = Decimal("10000000")
PART_PRICE_MAX = Decimal("1000000")
DEDUCTION, CONTRACT_TERMS, UNIT_CONTRACT = "deposit_deduction", "contract_terms", "unit_contract"
CENT = Decimal("0.01")


def money(value: Decimal) -> str:
    return str(value.quantize(CENT))


def prices_of(session: Session, contract_id: int | None) -> dict[str, str]:
    """The contract's part prices by part code."""
    if contract_id is None:
        return {}
    rows = session.execute(
        select(SparePart.code, ContractPartPrice.price)
        .join(SparePart, SparePart.id == ContractPartPrice.part_id)
        .where(ContractPartPrice.contract_id == contract_id)
        .order_by(SparePart.code)
    )
    return {code: money(price) for code, price in rows}


def terms_of(session: Session, contract: Contract) -> dict[str, Any]:
    """The terms as JSON values, the shape a change proposes and the audit trail keeps."""
    return {
        "warranty_years": contract.warranty_years,
        "maintenance_years": contract.maintenance_years,
        "deposit_amount": money(contract.deposit_amount),
        "sla_policy": contract.sla_policy,
        "part_prices": prices_of(session, contract.id),
        "inspection_every": contract.inspection_every,
        "follow_up_every": contract.follow_up_every,
    }


def terms_in_bounds(terms: dict[str, Any]) -> bool:
    """What a contract can hold: warranty 1–10 years, maintenance 1–10 years, a deposit from 0
    to 10 million, part prices from 0 to 1 million, cadences from a month to two years (the
    forms check the same on the field)."""
    low, high = WARRANTY_YEARS
    if "warranty_years" in terms and not low <= int(terms["warranty_years"]) <= high:
        return False
    low, high = MAINTENANCE_YEARS
    if "maintenance_years" in terms and not low <= int(terms["maintenance_years"]) <= high:
        return False
    if "deposit_amount" in terms and not 0 <= Decimal(terms["deposit_amount"]) <= DEPOSIT_MAX:
        return False
    try:
        for name in CADENCES:
            if name in terms:
                parse_cadence(terms[name])
    except CadenceError:
        return False
    prices = terms.get("part_prices") or {}
    return all(0 <= Decimal(price) <= PART_PRICE_MAX for price in prices.values())


# the deposit ---------------------------------------------------------------------------------
def deducted(session: Session, contract_id: int) -> Decimal:
    """The sum of the ledger's entries (deductions are negative)."""
    amounts = session.scalars(select(DepositEntry.amount).where(DepositEntry.contract_id == contract_id))
    return sum(amounts, Decimal("0"))


def balance(session: Session, contract: Contract) -> Decimal:
    """The deposit less the approved deductions."""
    return contract.deposit_amount + deducted(session, contract.id)


def pending_deductions(session: Session, contract_id: int) -> Decimal:
    """The deductions asked and not yet decided."""
    changes = session.scalars(
        select(PendingChange).where(
            PendingChange.contract_id == contract_id,
            PendingChange.kind == DEDUCTION,
            PendingChange.decision == PENDING,
        )
    )
    return sum((Decimal(change.values["amount"]) for change in changes), Decimal("0"))


def available(session: Session, contract: Contract) -> Decimal:
    """What a new deduction may take: the balance less the deductions still waiting."""
    return balance(session, contract) - pending_deductions(session, contract.id)


def _locked(session: Session, contract_id: int) -> Contract:
    """The contract, locked until the transaction ends (PostgreSQL): two approvals touching
    one contract's money run one after the other."""
    contract = session.scalars(
        select(Contract)
        .where(Contract.id == contract_id)
        .with_for_update(of=Contract)
        .execution_options(populate_existing=True)
    ).first()
    if contract is None:
        raise NotFound("error.not_found")
    return contract


# what an approved change does ------------------------------------------------------------------
def apply_deduction(session: Session, change: PendingChange, now: datetime) -> None:
    """Enter the deduction in the ledger, if the balance still covers it."""
    contract = _locked(session, change.contract_id)
    amount = Decimal(change.values["amount"])
    left = balance(session, contract)
    if amount > left:
        raise Conflict("error.deduction_exceeds_balance", balance=money(left))
    session.add(
        DepositEntry(
            contract_id=contract.id,
            at=now,
            amount=-amount,
            reason=change.summary,
            request_id=change.values.get("request_id"),
            by_id=change.asked_by_id,
            change_id=change.id,
        )
    )


def replace_prices(session: Session, contract: Contract, prices: dict[int, Decimal]) -> None:
    existing = {
        row.part_id: row
        for row in session.scalars(select(ContractPartPrice).where(ContractPartPrice.contract_id == contract.id))
    }
    for part_id, row in existing.items():
        if part_id not in prices:
            session.delete(row)
    for part_id, price in prices.items():
        if part_id in existing:
            existing[part_id].price = price
        else:
            session.add(ContractPartPrice(contract_id=contract.id, part_id=part_id, price=price))
    session.flush()


def apply_terms(session: Session, change: PendingChange, now: datetime) -> None:
    """Set the asked terms, if the contract still has the terms the change was asked from."""
    contract = _locked(session, change.contract_id)
    current = terms_of(session, contract)
    values = change.values
    if any(current.get(name) != change.previous.get(name) for name in values) or not terms_in_bounds(values):
        raise Conflict("error.terms_changed")
    if "deposit_amount" in values:
        deposit = Decimal(values["deposit_amount"])
        if deposit + deducted(session, contract.id) < 0:
            raise Conflict("error.deposit_below_deductions", deducted=money(-deducted(session, contract.id)))
        contract.deposit_amount = deposit
    if "warranty_years" in values:
        contract.warranty_years = int(values["warranty_years"])
    if "maintenance_years" in values:
        contract.maintenance_years = int(values["maintenance_years"])
    if "sla_policy" in values:
        contract.sla_policy = values["sla_policy"]
    for name in CADENCES:
        if name in values:
            setattr(contract, name, values[name])
    if "part_prices" in values:
        codes = values["part_prices"]
        parts = {p.code: p.id for p in session.scalars(select(SparePart).where(SparePart.code.in_(list(codes))))}
        if set(parts) != set(codes):
            raise Conflict("error.terms_changed")
        replace_prices(session, contract, {parts[code]: Decimal(price) for code, price in codes.items()})


def apply_unit_contract(session: Session, change: PendingChange, now: datetime) -> None:
    """Put the unit on the asked contract (or none), if it is still on the contract the change
    was asked from and the asked one is still its customer's."""
    unit = session.scalars(
        select(EquipmentUnit)
        .where(EquipmentUnit.id == change.unit_id)
        .with_for_update(of=EquipmentUnit)
        .execution_options(populate_existing=True)
    ).first()
    if unit is None:
        raise NotFound("error.not_found")
    wanted = change.values.get("contract_id")
    target = session.get(Contract, wanted) if wanted is not None else None
    moved = unit.contract_id != change.previous.get("contract_id")
    if moved or (wanted is not None and (target is None or target.customer_id != unit.customer_id)):
        raise Conflict("error.unit_contract_changed")
    unit.contract_id = wanted


# what an approver reads ----------------------------------------------------------------------
@dataclass(frozen=True)
class DiffRow:
    """One field of a change: its label, the old value (None: a fact, not a diff) and the new."""

    label: str
    old: str | None
    new: str


def _shown(name: str, value: Any, locale: str = "zh_CN") -> str:
    if value is None:
        return "—"
    if name in CADENCES:
        return cadence_label(value, locale)
    if name == "sla_policy":
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def terms_rows(change: PendingChange, locale: str) -> list[DiffRow]:
    """Field by field, old → new; part prices one row per part."""
    rows = []
    for name in TERMS:
        if name not in change.values:
            continue
        if name == "part_prices":
            old, new = change.previous.get(name) or {}, change.values[name] or {}
            for code in sorted(old.keys() | new.keys()):
                if old.get(code) != new.get(code):
                    label = translate("change.field.part_price", locale, code=code)
                    rows.append(DiffRow(label, _shown(name, old.get(code)), _shown(name, new.get(code))))
            continue
        label = translate(f"change.field.{name}", locale)
        shown_old = _shown(name, change.previous.get(name), locale)
        rows.append(DiffRow(label, shown_old, _shown(name, change.values[name], locale)))
    return rows


def deduction_rows(change: PendingChange, locale: str) -> list[DiffRow]:
    """What backs a deduction: the team the customer hired, its invoice, the amount, the request."""
    values = change.values
    facts = [
        ("change.field.request", values.get("request_number")),
        ("change.field.team", values.get("team")),
        ("change.field.invoice_number", values.get("invoice_number")),
        ("change.field.amount", f"-{values['amount']}"),
    ]
    return [DiffRow(translate(key, locale), None, str(value)) for key, value in facts if value]


def unit_contract_rows(change: PendingChange, locale: str) -> list[DiffRow]:
    """The unit, and the contract it is on → the one it would move to."""
    old, new = change.previous.get("contract_number"), change.values.get("contract_number")
    return [
        DiffRow(translate("change.field.unit", locale), None, str(change.values.get("serial"))),
        DiffRow(translate("change.field.contract", locale), _shown("contract", old), _shown("contract", new)),
    ]

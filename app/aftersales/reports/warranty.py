"""Warranty figures (`GET /reports/warranty?on=`, R3): every unit of the archive on one office
date, counted by the rules of `app.aftersales.rules.warranty` (periods from final acceptance,
in the contract's whole years; a unit without a contract has none).

- in warranty: accepted and `on` ≤ warranty end (the last day covered);
- out of warranty: accepted and `on` after the warranty end;
- not yet accepted: no final acceptance, so no period has started (neither of the above);
- in the maintenance period: accepted and `on` ≤ maintenance end;
- ending within 90 days (the call list for sales): in warranty and the warranty end at most
  90 days after `on` (a warranty ending exactly on `on` + 90 days is on the list; one that
  ended yesterday is out of warranty and not)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.aftersales.archive.models import Contract, Customer, EquipmentModel, EquipmentUnit
from app.aftersales.rules.warranty import coverage

CALL_WINDOW_DAYS = 90
STATUSES = ("in_warranty", "out_of_warranty", "not_accepted", "in_maintenance", "ending_soon")
LIST_LIMIT = 2000  # the longest list of units a page or the call list shows


@dataclass(frozen=True)
class WarrantyUnit:
    unit_id: int
    serial: str
    model: str
    customer_id: int
    customer: str
    contract: str | None
    accepted_on: date | None
    warranty_end: date | None
    maintenance_end: date | None

    def statuses(self, on: date) -> frozenset[str]:
        found = set()
        if self.accepted_on is None or self.warranty_end is None:
            found.add("not_accepted")
        elif on <= self.warranty_end:
            found.add("in_warranty")
            if self.warranty_end <= on + timedelta(days=CALL_WINDOW_DAYS):
                found.add("ending_soon")
        else:
            found.add("out_of_warranty")
        if self.maintenance_end is not None and self.accepted_on is not None and on <= self.maintenance_end:
            found.add("in_maintenance")
        return frozenset(found)


@dataclass(frozen=True)
class WarrantyFigures:
    on: date
    units: int
    counts: dict[str, int]
    call_list: tuple[WarrantyUnit, ...]  # ending soonest first
    call_list_total: int


def _units(session: Session) -> list[WarrantyUnit]:
    rows = session.execute(
        select(
            EquipmentUnit.id,
            EquipmentUnit.serial,
            EquipmentModel.name,
            Customer.id,
            Customer.name,
            Contract.number,
            EquipmentUnit.accepted_on,
            Contract.warranty_years,
            Contract.maintenance_years,
        )
        .join(EquipmentModel, EquipmentUnit.model_id == EquipmentModel.id)
        .join(Customer, EquipmentUnit.customer_id == Customer.id)
        .outerjoin(Contract, EquipmentUnit.contract_id == Contract.id)
        .order_by(EquipmentUnit.id)
    ).all()
    found = []
    for unit_id, serial, model, customer_id, customer, number, accepted, years, maintenance in rows:
        covered = coverage(accepted, years or 0, maintenance or 0)
        found.append(
            WarrantyUnit(
                unit_id,
                serial,
                model,
                customer_id,
                customer,
                number,
                accepted,
                covered.warranty_end,
                covered.maintenance_end,
            )
        )
    return found


def warranty_figures(session: Session, on: date) -> WarrantyFigures:
    units = _units(session)
    counts = dict.fromkeys(STATUSES, 0)
    ending = []
    for unit in units:
        statuses = unit.statuses(on)
        for status in statuses:
            counts[status] += 1
        if "ending_soon" in statuses:
            ending.append(unit)
    ending.sort(key=lambda u: (u.warranty_end or date.max, u.customer, u.serial))
    return WarrantyFigures(on, len(units), counts, tuple(ending[:LIST_LIMIT]), len(ending))


def units_with(session: Session, on: date, status: str) -> tuple[list[WarrantyUnit], int]:
    """The units behind one count (a dashboard bar), at most LIST_LIMIT, and how many there are."""
    chosen = [u for u in _units(session) if status in u.statuses(on)]
    return chosen[:LIST_LIMIT], len(chosen)


def unit_json(unit: WarrantyUnit, on: date) -> dict[str, object]:
    return {
        "unit_id": unit.unit_id,
        "serial": unit.serial,
        "model": unit.model,
        "customer_id": unit.customer_id,
        "customer": unit.customer,
        "contract": unit.contract,
        "accepted_on": unit.accepted_on.isoformat() if unit.accepted_on else None,
        "warranty_end": unit.warranty_end.isoformat() if unit.warranty_end else None,
        "days_left": (unit.warranty_end - on).days if unit.warranty_end else None,
    }


def figures_json(figures: WarrantyFigures) -> dict[str, object]:
    return {
        "on": figures.on.isoformat(),
        "units": figures.units,
        "in_warranty": figures.counts["in_warranty"],
        "out_of_warranty": figures.counts["out_of_warranty"],
        "not_accepted": figures.counts["not_accepted"],
        "in_maintenance": figures.counts["in_maintenance"],
        "ending_within_90_days": figures.counts["ending_soon"],
        "call_list": [unit_json(u, figures.on) for u in figures.call_list],
        "call_list_total": figures.call_list_total,
    }

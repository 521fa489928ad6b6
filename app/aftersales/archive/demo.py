"""Demo customers, contracts and equipment (in and out of warranty) for `seed-demo`."""

from __future__ import annotations

from copy import deepcopy
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.aftersales.archive.models import (
    Contact,
    Contract,
    ContractPartPrice,
    Customer,
    CustomerDepartment,
    EquipmentModel,
    EquipmentUnit,
    UnitSoftware,
)
from app.aftersales.rules.sla import SEED_POLICY
from app.aftersales.rules.warranty import add_years
from app.aftersales.warehouse.models import LoanerUnit, SparePart

MODELS = [
    ("MFP-C3000", "彩色数码复合机 C3000", "copier", 3, "Shouhou OEM"),
    ("MFP-C2000", "彩色数码复合机 C2000", "copier", 2, "Shouhou OEM"),
    ("LP-800", "黑白激光打印机 LP-800", "printer", 1, "Shouhou OEM"),
    ("FX-GATE", "现场门禁控制器 FX-GATE", "field_equipment", 2, "Shouhou OEM"),
]

CUSTOMERS = [
    ("C-0001", "市第一人民医院", "hospital", True, "市中心健康路 1 号", ["信息科", "门诊部", "财务科"]),
    ("C-0002", "区政务服务中心", "government", False, "新区政务大道 88 号", ["综合窗口", "办公室"]),
    ("C-0003", "实验中学", "school", False, "学府路 12 号", ["教务处"]),
]

CONTRACTS = [
    ("HT-2022-017", "C-0001", date(2022, 3, 1), 2, Decimal("50000.00")),
    ("HT-2023-045", "C-0002", date(2023, 6, 15), 6, Decimal("80000.00")),
    ("HT-2025-003", "C-0003", date(2025, 2, 20), 2, Decimal("20000.00")),
]

# serial, model, customer, department, contract, location, accepted_on
UNITS = [
    ("SN-C3000-0001", "MFP-C3000", "C-0001", "信息科", "HT-2022-017", "门诊楼 3 层信息科", date(2022, 4, 10)),
    ("SN-C2000-0002", "MFP-C2000", "C-0001", "门诊部", "HT-2022-017", "门诊楼 1 层挂号处", date(2022, 4, 10)),
    ("SN-LP800-0003", "LP-800", "C-0001", "财务科", "HT-2022-017", "行政楼 2 层", date(2022, 4, 12)),
    ("SN-C3000-0004", "MFP-C3000", "C-0002", "综合窗口", "HT-2023-045", "一楼大厅 5 号窗口", date(2023, 7, 1)),
    ("SN-GATE-0005", "FX-GATE", "C-0002", "办公室", "HT-2023-045", "东门", date(2023, 7, 3)),
    ("SN-LP800-0006", "LP-800", "C-0003", "教务处", "HT-2025-003", "教学楼 A 座 201", date(2025, 3, 5)),
]


# code, name, kind, unit cost, on hand, minimum
PARTS = [
    ("TONER-C3000-K", "C3000 黑色碳粉", "consumable", Decimal("380.00"), 20, 5),
    ("DRUM-C3000", "C3000 感光鼓组件", "spare_part", Decimal("1200.00"), 4, 2),
    ("FUSER-C2000", "C2000 定影组件", "spare_part", Decimal("950.00"), 3, 2),
    ("ROLLER-LP800", "LP-800 搓纸轮", "spare_part", Decimal("45.00"), 30, 10),
    ("BOARD-GATE", "FX-GATE 主控板（整机模块）", "module", Decimal("2600.00"), 2, 1),
]
# contract, part, price: paid service never charges more than the contract's price (R3)
CONTRACT_PRICES = [
    ("HT-2022-017", "DRUM-C3000", Decimal("1100.00")),
    ("HT-2022-017", "TONER-C3000-K", Decimal("400.00")),
]
# serial, model: the loaner pool (备用设备)
LOANERS = [("LOAN-C3000-01", "MFP-C3000"), ("LOAN-C2000-01", "MFP-C2000"), ("LOAN-LP800-01", "LP-800")]


def seed_archive(session: Session) -> int:
    """Idempotent: adds what is missing; returns the number of units."""
    models = {m.code: m for m in session.scalars(select(EquipmentModel))}
    for code, name, kind, level, maker in MODELS:
        if code not in models:
            models[code] = EquipmentModel(code=code, name=name, kind=kind, spec_level=level, manufacturer=maker)
            session.add(models[code])
    customers = {c.code: c for c in session.scalars(select(Customer))}
    departments: dict[tuple[str, str], CustomerDepartment] = {}
    for code, name, category, is_key, address, depts in CUSTOMERS:
        customer = customers.get(code)
        if customer is None:
            customer = Customer(code=code, name=name, category=category, is_key=is_key, address=address)
            customer.departments = [CustomerDepartment(name=d) for d in depts]
            customer.contacts = [Contact(name=f"{depts[0]}联系人", title="主任", phone="0000-0000000")]
            session.add(customer)
            customers[code] = customer
        for dept in customer.departments:
            departments[(code, dept.name)] = dept
    contracts = {c.number: c for c in session.scalars(select(Contract))}
    for number, customer_code, signed, years, deposit in CONTRACTS:
        if number not in contracts:
            contracts[number] = Contract(
                number=number,
                customer=customers[customer_code],
                signed_on=signed,
                warranty_years=years,
                maintenance_years=2,
                deposit_amount=deposit,
                sla_policy=deepcopy(SEED_POLICY),
            )
            session.add(contracts[number])
    serials = set(session.scalars(select(EquipmentUnit.serial)))
    for serial, model, customer_code, dept_name, contract, location, accepted in UNITS:
        if serial in serials:
            continue
        session.add(
            EquipmentUnit(
                serial=serial,
                model=models[model],
                customer=customers[customer_code],
                department=departments[(customer_code, dept_name)],
                contract=contracts[contract],
                location=location,
                delivered_on=accepted.replace(day=1),
                installed_on=accepted,
                accepted_on=accepted,
            )
        )
    _seed_warehouse(session, models, contracts)
    session.commit()
    return len(UNITS)


def _seed_warehouse(session: Session, models: dict[str, EquipmentModel], contracts: dict[str, Contract]) -> None:
    parts = {p.code: p for p in session.scalars(select(SparePart))}
    for code, name, kind, cost, on_hand, minimum in PARTS:
        if code not in parts:
            parts[code] = SparePart(code=code, name=name, kind=kind, unit_cost=cost, on_hand=on_hand, minimum=minimum)
            session.add(parts[code])
    session.flush()
    priced = {
        (row[0], row[1]) for row in session.execute(select(ContractPartPrice.contract_id, ContractPartPrice.part_id))
    }
    for number, code, price in CONTRACT_PRICES:
        contract, part = contracts[number], parts[code]
        if (contract.id, part.id) not in priced:
            session.add(ContractPartPrice(contract_id=contract.id, part_id=part.id, price=price))
    loaners = set(session.scalars(select(LoanerUnit.serial)))
    for serial, model in LOANERS:
        if serial not in loaners:
            session.add(LoanerUnit(serial=serial, model=models[model]))


# serial: (software, version, installed on): what the demo units run (维护期内软件维护)
SOFTWARE = {
    "SN-C3000-0001": [("设备固件", "3.1.0", date(2022, 4, 10)), ("扫描驱动", "2.4", date(2022, 4, 10))],
    "SN-C2000-0002": [("设备固件", "2.8.5", date(2022, 4, 10))],
    "SN-LP800-0003": [("打印机固件", "1.6.2", date(2022, 4, 12))],
    "SN-C3000-0004": [("设备固件", "3.2.1", date(2023, 7, 1)), ("扫描驱动", "2.6", date(2023, 7, 1))],
    "SN-GATE-0005": [("门禁控制程序", "5.0.3", date(2023, 7, 3))],
    "SN-LP800-0006": [("打印机固件", "1.8.0", date(2025, 3, 5))],
}
NEAR_END_SERIAL = "SN-LP800-0007"
NEAR_END_DAYS = 45  # its warranty ends this many days after the demo is seeded: it owes a handover


def seed_software(session: Session, today: date | None = None) -> None:
    """Idempotent: the demo units' software, and one unit whose warranty ends within 60 days of
    the day the demo is seeded (the handover obligation opens for it at once)."""
    units = {u.serial: u for u in session.scalars(select(EquipmentUnit))}
    software = dict(SOFTWARE)
    if NEAR_END_SERIAL not in units and "SN-LP800-0006" in units:
        model = units["SN-LP800-0006"]
        contract = model.contract
        today = today or date.today()
        years = contract.warranty_years if contract else 2
        accepted = add_years(today + timedelta(days=NEAR_END_DAYS + 1), -years)
        near = EquipmentUnit(
            serial=NEAR_END_SERIAL,
            model=model.model,
            customer=model.customer,
            department=model.department,
            contract=contract,
            location="图书馆 1 层",
            delivered_on=accepted - timedelta(days=14),
            installed_on=accepted - timedelta(days=7),
            accepted_on=accepted,
        )
        session.add(near)
        session.flush()
        units[NEAR_END_SERIAL] = near
        software[NEAR_END_SERIAL] = [("打印机固件", "1.8.0", accepted)]
    recorded = {unit_id for unit_id in session.scalars(select(UnitSoftware.unit_id))}
    for serial, entries in software.items():
        unit = units.get(serial)
        if unit is None or unit.id in recorded:
            continue
        for name, version, on in entries:
            session.add(UnitSoftware(unit_id=unit.id, name=name, version=version, installed_on=on))
    session.commit()

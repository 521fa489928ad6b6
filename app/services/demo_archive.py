"""Demo customers, contracts and equipment (in and out of warranty) for `seed-demo`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Contact, Contract, Customer, CustomerDepartment, EquipmentModel, EquipmentUnit

# The seed's commitment (R6): respond in 1 h, on site in 2 h, repaired in 24 h, a loaner
# within 48 h when not fixed 8 h into the repair, the service record filed within 5 days.
SEED_SLA = {
    "calendar": "24x7",
    "response_minutes": 60,
    "arrival_minutes": 120,
    "resolution_minutes": 1440,
    "loaner_after_minutes": 480,
    "loaner_minutes": 2880,
    "record_filing_days": 5,
}

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
                sla_policy=dict(SEED_SLA),
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
    session.commit()
    return len(UNITS)

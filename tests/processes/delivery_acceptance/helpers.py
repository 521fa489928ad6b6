"""What the delivery tests share: fresh units waiting for delivery, starting and walking an
instance over the JSON API, and a drawn signature in miniature."""

from __future__ import annotations

import base64
import itertools
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.aftersales.archive.models import Contract, EquipmentModel, EquipmentUnit
from harness.http_client import call

API = "/api/v1"
PROCESS = "delivery_acceptance"
# A 1×1 PNG: what the signature canvas sends, in miniature
SIGNATURE = (
    "data:image/png;base64,"
    + base64.b64encode(
        bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000b4944415478da636000020000050001e9fadcd80000000049454e44ae426082"
        )
    ).decode()
)
_serials = itertools.count(1)


def new_unit(session: Session, contract_number: str = "HT-2023-045", tag: str = "T") -> tuple[int, int, str]:
    """A unit just sold on the contract, not yet delivered or accepted (committed): id, customer id, serial."""
    contract = session.scalars(select(Contract).where(Contract.number == contract_number)).one()
    model = session.scalars(select(EquipmentModel).order_by(EquipmentModel.id)).first()
    assert model is not None
    serial = f"DA-{tag}-{next(_serials):04d}"
    unit = EquipmentUnit(
        serial=serial, model=model, customer_id=contract.customer_id, contract=contract, location="机房"
    )
    session.add(unit)
    session.commit()
    return unit.id, unit.customer_id, serial


def start(base: str, token: str, unit_id: int, customer_id: int, serial: str) -> tuple[int, Any]:
    body = {"process_id": PROCESS, "data": {"customer_id": customer_id, "unit_id": unit_id}, "business_key": serial}
    return call(base, "POST", f"{API}/process-instances", body, token=token)


def open_tasks(base: str, token: str, instance_id: int) -> list[dict[str, Any]]:
    status, found = call(base, "GET", f"{API}/tasks?process_instance_id={instance_id}", token=token)
    assert status == 200, found
    return list(found)


def task_of(base: str, token: str, instance_id: int, name: str) -> dict[str, Any]:
    found = [t for t in open_tasks(base, token, instance_id) if t["name"] == name]
    assert len(found) == 1, (name, [t["name"] for t in open_tasks(base, token, instance_id)])
    return found[0]


def complete(base: str, token: str, instance_id: int, name: str, data: dict[str, Any]) -> tuple[int, Any]:
    task = task_of(base, token, instance_id, name)
    return call(base, "POST", f"{API}/tasks/{task['id']}/complete", {"data": data}, token=token)


def done(base: str, token: str, instance_id: int, name: str, data: dict[str, Any]) -> None:
    status, body = complete(base, token, instance_id, name, data)
    assert status == 200, body


CONTACT = {"contact_name": "采购科张科长", "contact_phone": "0759-2222333", "agreed_date": "2026-12-10"}
DELIVERED = {"delivered_at": "2026-12-10T09:30:00+08:00", "documents_provided": True}
INTACT = {"packaging_intact": True}
GOODS_OK = {"packing_list_number": "ZX-001", "quantity_ok": True, "quality_ok": True, "undamaged": True}
INSTALLED = {"hardware_tested": True, "software_tested": True, "installation_notes": "安装调试完成，软硬件测试正常"}
SIGNED = {
    "acceptance_opinion": "设备运行正常，同意验收",
    "acceptor_name": "李验收",
    "acceptor_signature": SIGNATURE,
    "head_name": "王院长",
    "head_signature": SIGNATURE,
}

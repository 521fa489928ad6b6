"""Customer training (R28) over real HTTP: planned by hand (customer, topics, trainer, date),
held and signed by the customer's representative, its record a PDF and a section of the
unit's history; and started by the calendar with its customer already set."""

from __future__ import annotations

import base64
from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.aftersales.archive.models import Customer, EquipmentUnit
from app.bpm import instances, tasks
from app.bpm.db import db
from app.bpm.errors import FormRejected
from app.bpm.forms.signature import DATA_URL_PREFIX
from app.processes.training.models import TrainingRecord
from harness.apps import user
from harness.http_client import call, login
from harness.pdf import pdf_images, pdf_text
from harness.servers import LiveServer
from harness.web_client import WebClient
from tests.bpm.test_signature import canvas

API = "/api/v1"
SIGNATURE = DATA_URL_PREFIX + base64.b64encode(canvas()).decode()
RECORD = {
    "held_on": "2026-12-10",
    "attendees": "张三，信息科\n李四, 门诊部\n",
    "materials": "操作手册 https://example.com/manual.pdf\n故障速查卡",
    "signer_name": "王主任",
    "customer_signature": SIGNATURE,
}


@pytest.fixture(scope="module")
def base(live_server: LiveServer) -> str:
    return live_server.url


def ids(app: Flask) -> tuple[int, int]:
    with app.app_context():
        session = db.session()
        customer = session.scalars(select(Customer.id).where(Customer.code == "C-0002")).one()
        unit = session.scalars(select(EquipmentUnit.id).where(EquipmentUnit.serial == "SN-C3000-0004")).one()
        return int(customer), int(unit)


def task_of(base: str, token: str, instance_id: int) -> dict[str, Any] | None:
    _, found = call(base, "GET", f"{API}/tasks?process_instance_id={instance_id}", token=token)
    return found[0] if found else None


def complete(base: str, token: str, task: dict[str, Any], data: dict[str, Any]) -> tuple[int, Any]:
    return call(base, "POST", f"{API}/tasks/{task['id']}/complete", {"data": data}, token=token)


def test_planned_held_signed_printed_and_in_the_units_history(base: str, app: Flask) -> None:
    customer_id, unit_id = ids(app)
    desk, trainer, other = login(base, "after_sales1"), login(base, "engineers1"), login(base, "engineers2")
    status, started = call(base, "POST", f"{API}/process-instances", {"process_id": "training"}, token=desk)
    assert status == 201, started
    instance_id = int(started["id"])
    plan = task_of(base, desk, instance_id)
    assert plan is not None and plan["name"] == "plan_training"
    wrong = {"topics": ["operation"], "trainer": "sales1", "planned_on": "2026-12-10", "unit_serial": "SN-LP800-0006"}
    status, body = complete(base, desk, plan, wrong | {"customer": str(customer_id)})
    assert status in (400, 422) and set(body["errors"]) == {"trainer", "unit_serial"}  # not an engineer; not theirs
    status, body = complete(
        base, desk, plan, {"topics": ["operation"], "trainer": "engineers1", "planned_on": "2026-12-10"}
    )
    assert status in (400, 422) and "customer" in body["errors"]  # by hand: the customer must be chosen
    chosen = {
        "customer": str(customer_id),
        "unit_serial": "SN-C3000-0004",
        "topics": ["operation", "basic_faults", "common_fixes"],
        "trainer": "engineers1",
        "planned_on": "2026-12-10",
    }
    status, body = complete(base, desk, plan, chosen)
    assert status == 200, body
    held = task_of(base, trainer, instance_id)
    assert held is not None and held["name"] == "hold_training"
    assert task_of(base, other, instance_id) is None  # the chosen trainer's, not every engineer's
    status, body = complete(base, trainer, held, RECORD | {"attendees": "张三"})
    assert status in (400, 422) and "attendees" in body["errors"]  # name, department
    status, body = complete(base, trainer, held, RECORD | {"customer_signature": DATA_URL_PREFIX + "bm90IGEgcG5n"})
    assert status in (400, 422) and "customer_signature" in body["errors"]
    status, body = complete(base, trainer, held, RECORD)
    assert status == 200, body
    status, instance = call(base, "GET", f"{API}/process-instances/{instance_id}", token=desk)
    assert instance["status"] == "completed"
    assert instance["data"]["customer_id"] == customer_id and instance["data"]["unit_id"] == unit_id
    assert instance["data"]["attendee_list"] == [
        {"name": "张三", "department": "信息科"},
        {"name": "李四", "department": "门诊部"},
    ]
    assert not str(instance["data"]["customer_signature"]).startswith("data:")  # the PNG is in its table
    with app.app_context():
        record = db.session().scalars(select(TrainingRecord).where(TrainingRecord.instance_id == instance_id)).one()
        assert record.held_on == date(2026, 12, 10) and record.signature_png
        assert record.materials[0] == {"name": "操作手册", "link": "https://example.com/manual.pdf"}

    web = WebClient(base)
    web.login("after_sales1")
    with web.opener.open(f"{base}/instances/{instance_id}/training.pdf", timeout=60) as response:
        assert response.headers["Content-Type"] == "application/pdf"
        pdf = response.read()
    text = pdf_text(pdf)
    for words in (
        "客户培训记录",
        "区政务服务中心",
        "识别初级故障及必要的恢复方法",
        "张三",
        "门诊部",
        "王主任",
        "操作手册",
    ):
        assert words in text
    assert len(pdf_images(pdf)) >= 1  # the signature
    outsider = WebClient(base)
    outsider.login("sales1")
    assert outsider.get(f"/instances/{instance_id}/training.pdf")[0] == 404

    status, unit = call(base, "GET", f"{API}/equipment/{unit_id}", token=desk)
    assert status == 200
    assert [t["instance_id"] for t in unit["trainings"]] == [instance_id]
    assert unit["trainings"][0]["attendees"] == 2 and unit["trainings"][0]["signed"] is True
    status, page = web.get(f"/equipment/{unit_id}")
    assert status == 200 and 'id="unit-trainings"' in page and "常见故障排除方法" in page


def test_the_calendar_starts_it_for_its_customer(session: Session) -> None:
    customer_id = session.scalars(select(Customer.id).where(Customer.code == "C-0002")).one()
    obligation = {"kind": "training", "period_id": 1, "due_on": "2026-06-30", "period": "2026-01-01/2026-06-30"}
    instance = instances.begin_instance(
        session, None, "training", {"customer_id": customer_id, "obligation": obligation}
    )
    session.commit()  # (what the calendar's pass does; here it releases the test's savepoint)
    assert instance.started_by_id is None
    [plan] = instances.open_tasks(session, instance.id)
    desk = user(session, "after_sales1")
    view = tasks.task_view(session, desk, plan.id)
    assert [value for value, _ in view.choices["customer"]] == [str(customer_id)]  # its customer only
    with pytest.raises(FormRejected):
        tasks.complete(
            session, desk, plan.id, {"topics": ["operation"], "trainer": "nobody", "planned_on": "2026-05-01"}, "zh_CN"
        )
    chosen = {"topics": ["operation", "common_fixes"], "trainer": "engineers2", "planned_on": "2026-05-01"}
    tasks.complete(session, desk, plan.id, chosen, "zh_CN")  # no customer field: the calendar's
    session.refresh(instance)
    assert instance.data["customer_id"] == customer_id and instance.data["obligation"] == obligation
    [held] = instances.open_tasks(session, instance.id)
    assert held.element_id == "hold_training" and held.assignee_id == user(session, "engineers2").id
    tasks.complete(session, user(session, "engineers2"), held.id, RECORD, "zh_CN")
    session.refresh(instance)
    assert instance.status == "completed"

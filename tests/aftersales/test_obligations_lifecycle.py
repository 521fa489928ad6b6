"""The seed's recurring promises on the real processes (issues 14 and 15), over HTTP: a unit the
sales system records as accepted is bound to its inspections and phone follow-ups; moving time
with `flask timers fire-due --now` starts an inspection and a follow-up for it; an inspection
whose sheet the customer would not sign (否) does not meet the promise, one filed does, whoever
started it; a phone follow-up meets its own; a key customer's visit meets the yearly visit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from app.bpm.case_facts import office_tz
from harness.http_client import call, login
from harness.servers import LiveServer
from tests.processes.inspection.test_walks import SIGNATURE, complete, fill

API = "/api/v1"


@pytest.fixture(scope="module")
def base(live_server: LiveServer) -> str:
    return live_server.url


def fire_now(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["timers", "fire-due", "--now", datetime.now(UTC).isoformat()])
    assert result.exit_code == 0, result.output
    return result.output


def promises(base: str, **query: Any) -> dict[str, dict[str, Any]]:
    """The current (and overdue) promises, by kind, as `GET /obligations` lists them."""
    args = "&".join(f"{k}={v}" for k, v in query.items())
    status, rows = call(base, "GET", f"{API}/obligations?{args}", token=login(base, "after_sales_leads1"))
    assert status == 200, rows
    return {row["kind"]: row for row in rows}


def a_sold_unit(base: str, serial: str) -> dict[str, Any]:
    """What the sales system records: a contract of C-0003 and a unit accepted today."""
    sales = login(base, "sales1")
    _, customers = call(base, "GET", f"{API}/customers", token=sales)
    customer_id = next(c["id"] for c in customers if c["code"] == "C-0003")
    contract = {
        "number": f"HT-{serial}",
        "customer_id": customer_id,
        "inspection_every": "P3M",
        "warranty_years": 2,
        "deposit": "0",
    }
    status, created = call(base, "POST", f"{API}/contracts", contract, token=sales)
    assert status == 201, created
    today = datetime.now(office_tz()).date().isoformat()
    unit = {"serial": serial, "model": "LP-800", "customer_id": customer_id, "contract_id": created["id"]}
    status, body = call(
        base, "POST", f"{API}/equipment", unit | {"accepted_on": today, "location": "图书馆"}, token=sales
    )
    assert status == 201, body
    return dict(body)


def test_a_sold_units_inspection_is_met_only_by_a_filed_sheet(app: Flask, base: str) -> None:
    unit = a_sold_unit(base, "SN-LIFE-0001")
    assert "obligations:" in fire_now(app)
    due = promises(base, unit_id=unit["id"])
    assert {"inspection", "phone_follow_up"} <= due.keys()
    inspection = due["inspection"]
    assert inspection["status"] == "due" and inspection["opened_instance_id"] and inspection["last_met_at"] is None
    calendar_one = inspection["opened_instance_id"]

    desk, engineer = login(base, "after_sales1"), login(base, "engineers1")
    planned = (datetime.now(office_tz()).date() + timedelta(days=1)).isoformat()
    assert (
        complete(base, desk, calendar_one, "schedule_inspection", {"engineer": "engineers1", "planned_on": planned})[0]
        == 200
    )
    assert fill(base, engineer, calendar_one, {})[0] == 200
    assert complete(base, engineer, calendar_one, "perform_inspection", {"findings": "运行正常"})[0] == 200
    refused = {"customer_signed": False, "refusal_reason": "负责人不在"}
    assert complete(base, engineer, calendar_one, "sign_feedback_sheet", refused)[0] == 200
    _, state = call(base, "GET", f"{API}/process-instances/{calendar_one}", token=desk)
    assert state["status"] == "completed"
    assert promises(base, unit_id=unit["id"])["inspection"]["status"] == "due"  # 否: not filed, not met

    status, started = call(base, "POST", f"{API}/process-instances", {"process_id": "inspection"}, token=desk)
    assert status == 201, started
    by_hand = int(started["id"])
    schedule = {"unit": unit["serial"], "engineer": "engineers1", "planned_on": planned}
    assert complete(base, desk, by_hand, "schedule_inspection", schedule)[0] == 200
    assert fill(base, engineer, by_hand, {})[0] == 200
    assert complete(base, engineer, by_hand, "perform_inspection", {"findings": "运行正常"})[0] == 200
    sign = {"customer_signed": True, "signer_name": "图书馆刘馆长", "customer_signature": SIGNATURE}
    assert complete(base, engineer, by_hand, "sign_feedback_sheet", sign)[0] == 200
    filed = {"sheet_complete": True, "archive_number": "XJ-LIFE-001"}
    assert complete(base, desk, by_hand, "file_feedback_sheet", filed)[0] == 200
    met = promises(base, unit_id=unit["id"])["inspection"]
    assert met["status"] == "met" and met["evidence_instance_id"] == by_hand and met["last_met_at"]

    follow_up = promises(base, unit_id=unit["id"])["phone_follow_up"]
    assert follow_up["status"] == "due" and follow_up["opened_instance_id"]
    opened = follow_up["opened_instance_id"]
    assert complete(base, desk, opened, "plan_follow_up", {"mode": "phone"})[0] == 200  # the calendar's unit
    calm = {"contact_name": "刘馆长", "running_status": "运行正常", "quality_problem": False}
    assert complete(base, desk, opened, "phone_follow_up", calm)[0] == 200
    done = promises(base, unit_id=unit["id"])["phone_follow_up"]
    assert done["status"] == "met" and done["evidence_instance_id"] == opened


def test_a_key_customers_visit_meets_the_yearly_visit(app: Flask, base: str) -> None:
    fire_now(app)
    _, customers = call(base, "GET", f"{API}/customers", token=login(base, "after_sales1"))
    key = next(c for c in customers if c["code"] == "C-0001")
    visit_promise = promises(base, customer_id=key["id"], kind="key_customer_visit")["key_customer_visit"]
    assert visit_promise["status"] == "due" and visit_promise["unit_id"] is None
    assert visit_promise["opened_instance_id"] is None  # the visit is opened a month before it is due

    desk = login(base, "after_sales1")
    _, started = call(base, "POST", f"{API}/process-instances", {"process_id": "follow_up"}, token=desk)
    instance_id = int(started["id"])
    assert complete(base, desk, instance_id, "plan_follow_up", {"mode": "visit", "customer": "C-0001"})[0] == 200
    finding = {"department": "信息科", "model": "彩色数码复合机 C3000", "text": "运行稳定"}
    assert call(base, "POST", f"{API}/follow-ups/{instance_id}/findings", finding, token=desk)[0] == 201
    visit = {
        "visited_on": datetime.now(office_tz()).date().isoformat(),
        "visitors": "售后服务部1",
        "met_persons": "王主任",
    }
    assert complete(base, desk, instance_id, "record_visit", {**visit, "summary": "满意"})[0] == 200
    met = promises(base, customer_id=key["id"], kind="key_customer_visit")["key_customer_visit"]
    assert met["status"] == "met" and met["evidence_instance_id"] == instance_id


def test_a_key_customer_unvisited_for_13_months_is_escalated_to_the_leads(app: Flask, base: str) -> None:
    sales = login(base, "sales1")
    customer = {
        "name": "新区人民医院",
        "category": "hospital",
        "key_customer": True,
        "departments": [{"name": "设备科"}],
    }
    status, created = call(base, "POST", f"{API}/customers", customer, token=sales)
    assert status == 201, created
    fire_now(app)  # bound today
    bound = promises(base, customer_id=created["id"], kind="key_customer_visit")["key_customer_visit"]
    assert bound["status"] == "due"

    later = datetime.now(UTC) + timedelta(days=396)  # 13 months without a visit
    result = app.test_cli_runner().invoke(args=["timers", "fire-due", "--now", later.isoformat()])
    assert result.exit_code == 0, result.output
    overdue = promises(base, customer_id=created["id"], kind="key_customer_visit")["key_customer_visit"]
    assert overdue["status"] == "overdue" and overdue["escalation_instance_id"]
    leads = login(base, "after_sales_leads1")
    status, tasks = call(
        base, "GET", f"{API}/tasks?process_instance_id={overdue['escalation_instance_id']}", token=leads
    )
    assert status == 200 and [(t["name"], t["group"]) for t in tasks] == [("handle_overdue_leads", "after_sales_leads")]

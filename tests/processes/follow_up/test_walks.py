"""The follow-up process over real HTTP (R19, R21): a phone follow-up with no problem; one
that finds a quality problem and opens a service request whose arrival clock is due within
24 h; a key-customer visit with its findings, the year's report drafted from the visits,
edited, refused to its own writer and approved by another lead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from app.bpm.db import db
from app.bpm.users import ensure_user
from app.demo import DEMO_PASSWORD
from harness.http_client import call, login
from harness.servers import LiveServer
from harness.web_client import WebClient

API = "/api/v1"


@pytest.fixture(scope="module")
def base(app: Flask, live_server: LiveServer) -> str:
    with app.app_context():  # a second after-sales lead, to approve what the first wrote
        session = db.session()
        from app.bpm.models import Group

        ensure_user(
            session, "after_sales_leads2", "售后主管2", DEMO_PASSWORD, [session.get(Group, "after_sales_leads")]
        )
        session.commit()
    return live_server.url


def task_of(base: str, token: str, instance_id: int, name: str) -> dict[str, Any]:
    status, tasks = call(base, "GET", f"{API}/tasks?process_instance_id={instance_id}", token=token)
    found = [t for t in tasks if t["name"] == name]
    assert status == 200 and found, f"{name} not among {[t['name'] for t in tasks]}"
    return dict(found[0])


def complete(base: str, token: str, instance_id: int, name: str, data: dict[str, Any]) -> tuple[int, Any]:
    task = task_of(base, token, instance_id, name)
    return call(base, "POST", f"{API}/tasks/{task['id']}/complete", {"data": data}, token=token)


def started(base: str, token: str, plan: dict[str, Any]) -> int:
    status, body = call(base, "POST", f"{API}/process-instances", {"process_id": "follow_up"}, token=token)
    assert status == 201, body
    instance_id = int(body["id"])
    status, body = complete(base, token, instance_id, "plan_follow_up", plan)
    assert status == 200, body
    return instance_id


def test_phone_follow_up_without_and_with_a_quality_problem(base: str) -> None:
    desk = login(base, "after_sales1")
    status, body = call(base, "POST", f"{API}/process-instances", {"process_id": "follow_up"}, token=desk)
    instance_id = int(body["id"])
    status, body = complete(base, desk, instance_id, "plan_follow_up", {"mode": "phone", "customer": "C-0002"})
    assert status == 400 and "unit" in body["errors"]  # a phone follow-up is about one unit
    status, body = complete(
        base, desk, instance_id, "plan_follow_up", {"mode": "phone", "customer": "C-0002", "unit": "SN-C3000-0001"}
    )
    assert status == 400 and "unit" in body["errors"]  # not that customer's unit
    plan = {"mode": "phone", "customer": "C-0002", "unit": "SN-C3000-0004"}
    assert complete(base, desk, instance_id, "plan_follow_up", plan)[0] == 200
    calm = {"contact_name": "李主任", "running_status": "运行正常", "quality_problem": False}
    assert complete(base, desk, instance_id, "phone_follow_up", calm)[0] == 200
    _, state = call(base, "GET", f"{API}/process-instances/{instance_id}", token=desk)
    assert state["status"] == "completed" and state["data"]["mode"] == "phone"
    assert state["data"]["customer_id"] and state["data"]["unit_id"]  # what the obligations read
    _, follow_up = call(base, "GET", f"{API}/follow-ups/{instance_id}", token=desk)
    assert follow_up["status"] == "done" and follow_up["service_request"] is None

    instance_id = started(base, desk, plan)
    status, body = complete(base, desk, instance_id, "phone_follow_up", {**calm, "quality_problem": True})
    assert status == 400 and "problem_description" in body["errors"]
    before = datetime.now(UTC)
    problem = {**calm, "running_status": "频繁卡纸", "quality_problem": True, "problem_description": "每天卡纸十余次"}
    assert complete(base, desk, instance_id, "phone_follow_up", problem)[0] == 200
    _, follow_up = call(base, "GET", f"{API}/follow-ups/{instance_id}", token=desk)
    number = follow_up["service_request"]["number"]
    _, request = call(base, "GET", f"{API}/service-requests/{follow_up['service_request']['id']}", token=desk)
    assert request["number"] == number and request["channel"] == "phone" and request["description"] == "每天卡纸十余次"
    arrival = next(c for c in request["sla"] if c["name"] == "arrival")
    assert datetime.fromisoformat(arrival["due_at"]) <= before + timedelta(hours=24, minutes=1)
    _, unit = call(base, "GET", f"{API}/equipment/{follow_up['unit_id']}", token=desk)
    assert number in [f["service_request"]["number"] for f in unit["follow_ups"] if f["service_request"]]
    web = WebClient(base)
    web.login("after_sales1")
    status, page = web.get(f"/instances/{instance_id}")
    assert status == 200 and number in page  # the request's number shown with the follow-up


def test_visit_record_and_the_yearly_report_approved_by_another_lead(base: str) -> None:
    desk = login(base, "after_sales1")
    instance_id = started(base, desk, {"mode": "visit", "customer": "C-0001"})
    visit = {"visited_on": "2026-11-20", "visitors": "售后服务部1、工程师1", "met_persons": "信息科王主任"}
    status, body = complete(base, desk, instance_id, "record_visit", visit)
    assert status == 400 and "summary" in body["errors"]  # no finding yet
    bad = {"department": "不存在的部门", "model": "彩色数码复合机 C3000", "text": "x"}
    status, body = call(base, "POST", f"{API}/follow-ups/{instance_id}/findings", bad, token=desk)
    assert status == 400 and "department" in body["errors"]
    for department, model, text in (
        ("信息科", "彩色数码复合机 C3000", "扫描速度慢，希望升级固件"),
        ("门诊部", "彩色数码复合机 C2000", "耗材更换及时，满意"),
    ):
        finding = {"department": department, "model": model, "text": text}
        assert call(base, "POST", f"{API}/follow-ups/{instance_id}/findings", finding, token=desk)[0] == 201
    assert complete(base, desk, instance_id, "record_visit", {**visit, "summary": "总体满意"})[0] == 200
    _, state = call(base, "GET", f"{API}/process-instances/{instance_id}", token=desk)
    assert state["status"] == "completed" and state["data"]["mode"] == "visit" and state["data"]["customer_id"]

    status, body = call(base, "POST", f"{API}/visit-reports", {"customer_id": 999999, "year": 2026}, token=desk)
    assert status == 400 and "customer_id" in body["errors"]
    _, customers = call(base, "GET", f"{API}/customers", token=desk)
    customer_id = next(c["id"] for c in customers if c["code"] == "C-0001")
    status, report = call(base, "POST", f"{API}/visit-reports", {"customer_id": customer_id, "year": 2026}, token=desk)
    assert status == 201, report
    body_text = report["body"]
    assert report["status"] == "draft" and report["written_by"] == "after_sales1"
    assert "2026-11-20" in body_text and "售后服务部1、工程师1" in body_text and "信息科王主任" in body_text
    assert body_text.index("【信息科】") < body_text.index("扫描速度慢") < body_text.index("【门诊部】")
    assert call(base, "POST", f"{API}/visit-reports/{report['id']}/approve", token=desk)[0] == 403  # not a lead

    lead = login(base, "after_sales_leads1")
    edited = body_text + "\n建议：安排固件升级。"
    status, report = call(base, "PATCH", f"{API}/visit-reports/{report['id']}", {"body": edited}, token=lead)
    assert status == 200 and report["written_by"] == "after_sales_leads1"
    status, body = call(base, "POST", f"{API}/visit-reports/{report['id']}/approve", token=lead)
    assert status == 403  # the writer may not approve what they wrote
    other = login(base, "after_sales_leads2")
    status, report = call(base, "POST", f"{API}/visit-reports/{report['id']}/approve", token=other)
    assert status == 200 and report["status"] == "approved" and report["approved_by"] == "after_sales_leads2"
    assert report["approved_at"] and report["body"].endswith("安排固件升级。")
    status, _ = call(base, "PATCH", f"{API}/visit-reports/{report['id']}", {"body": "改"}, token=desk)
    assert status == 409  # approved: it no longer changes
    status, _ = call(base, "POST", f"{API}/visit-reports", {"customer_id": customer_id, "year": 2026}, token=desk)
    assert status == 409

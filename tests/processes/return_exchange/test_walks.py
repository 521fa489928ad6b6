"""Returns and exchanges over real HTTP (R29, R30): registered at the branch that serves the
customer, whose group alone gets the branch's tasks; every way through the diagram (check 否
→ refused and sent back; replace; refund waiting for a second person of another group, 否 and
是) and a late check escalating to the leads when the timers fire past the deadline."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app.aftersales.archive.models import EquipmentUnit
from app.bpm import timers
from app.bpm.db import db
from app.bpm.models import AuditEvent, User
from app.bpm.users import ensure_group, ensure_user
from app.processes.return_exchange.models import ReturnCase
from harness.http_client import call, login
from harness.servers import LiveServer
from harness.web_client import WebClient

API = "/api/v1"
EAST_UNIT, WEST_UNIT = "SN-C3000-0004", "SN-LP800-0006"  # customers served by the east / west branch
CHECK_OK = {"condition": "as_new", "accessories_complete": True, "check_ok": True, "check_notes": "外观完好"}


@pytest.fixture(scope="module")
def base(live_server: LiveServer) -> str:
    return live_server.url


@pytest.fixture(scope="module")
def tokens(base: str) -> dict[str, str]:
    names = ("branch_east1", "branch_west1", "local_team1", "after_sales1", "office1", "after_sales_leads1")
    return {name: login(base, name) for name in names}


def unit_id(app: Flask, serial: str) -> int:
    with app.app_context():
        return int(db.session().scalars(select(EquipmentUnit.id).where(EquipmentUnit.serial == serial)).one())


def register(base: str, token: str, unit: int, wanted: str = "exchange") -> tuple[int, dict[str, Any]]:
    return call(
        base, "POST", f"{API}/return-exchanges", {"unit_id": unit, "wanted": wanted, "reason": "打印偏色"}, token=token
    )


def tasks_of(base: str, token: str, instance_id: int) -> list[str]:
    status, found = call(base, "GET", f"{API}/tasks?process_instance_id={instance_id}", token=token)
    assert status == 200, found
    return [t["name"] for t in found]


def complete(base: str, token: str, instance_id: int, name: str, data: dict[str, Any]) -> tuple[int, Any]:
    _, found = call(base, "GET", f"{API}/tasks?process_instance_id={instance_id}", token=token)
    task = next(t for t in found if t["name"] == name)
    return call(base, "POST", f"{API}/tasks/{task['id']}/complete", {"data": data}, token=token)


def done(base: str, token: str, instance_id: int, name: str, data: dict[str, Any]) -> None:
    status, body = complete(base, token, instance_id, name, data)
    assert status == 200, body


def status_of(base: str, token: str, instance_id: int) -> str:
    status, body = call(base, "GET", f"{API}/process-instances/{instance_id}", token=token)
    assert status == 200, body
    return str(body["status"])


def case_status(app: Flask, instance_id: int) -> str:
    with app.app_context():
        return db.session().scalars(select(ReturnCase.status).where(ReturnCase.instance_id == instance_id)).one()


def to_head_office(base: str, tokens: dict[str, str], unit: int) -> int:
    status, created = register(base, tokens["branch_east1"], unit)
    assert status == 201, created
    instance_id = int(created["process_instance_id"])
    done(base, tokens["branch_east1"], instance_id, "check_at_branch", CHECK_OK)
    done(base, tokens["branch_east1"], instance_id, "send_to_head_office", {"shipped_on": "2026-12-03"})
    assert tasks_of(base, tokens["after_sales1"], instance_id) == ["decide_at_head_office"]
    return instance_id


def test_the_branch_that_serves_the_customer_gets_the_check_and_no_other(
    base: str, tokens: dict[str, str], app: Flask
) -> None:
    status, created = register(base, tokens["branch_east1"], unit_id(app, EAST_UNIT))
    assert status == 201, created
    assert created["branch_group"] == "branch_east" and created["branch"] == "东区办事处"
    instance_id = int(created["process_instance_id"])
    assert tasks_of(base, tokens["branch_east1"], instance_id) == ["check_at_branch"]
    assert tasks_of(base, tokens["branch_west1"], instance_id) == []  # another branch: not in its worklist
    assert tasks_of(base, tokens["local_team1"], instance_id) == []
    status, worklist = call(base, "GET", f"{API}/tasks", token=tokens["branch_west1"])
    assert instance_id not in [t.get("process_instance_id") for t in worklist]
    # the west branch neither registers the east branch's customers nor completes its tasks
    status, refused = register(base, tokens["branch_west1"], unit_id(app, EAST_UNIT))
    assert status in (400, 422) and "unit" in refused["errors"]
    status, created_west = register(base, tokens["branch_west1"], unit_id(app, WEST_UNIT))
    assert status == 201 and created_west["branch_group"] == "branch_west"
    west_id = int(created_west["process_instance_id"])
    assert tasks_of(base, tokens["branch_west1"], west_id) == ["check_at_branch"]
    assert tasks_of(base, tokens["branch_east1"], west_id) == []


def test_check_no_refuses_with_the_reason_and_sends_it_back(base: str, tokens: dict[str, str], app: Flask) -> None:
    status, created = register(base, tokens["branch_east1"], unit_id(app, EAST_UNIT), wanted="return")
    instance_id = int(created["process_instance_id"])
    failed = {"condition": "damaged", "accessories_complete": False, "check_ok": False}
    status, body = complete(base, tokens["branch_east1"], instance_id, "check_at_branch", failed)
    assert status in (400, 422) and "refuse_reason" in body["errors"]  # 否 needs its reason
    done(
        base, tokens["branch_east1"], instance_id, "check_at_branch", failed | {"refuse_reason": "外壳摔裂，非质量问题"}
    )
    assert tasks_of(base, tokens["branch_east1"], instance_id) == ["return_to_customer"]
    assert tasks_of(base, tokens["branch_west1"], instance_id) == []
    done(base, tokens["branch_east1"], instance_id, "return_to_customer", {"returned_on": "2026-12-04"})
    assert status_of(base, tokens["branch_east1"], instance_id) == "completed"
    assert case_status(app, instance_id) == "refused"
    # the unit's history: its returns, as the API and the unit's page show them
    unit = unit_id(app, EAST_UNIT)
    status, history = call(base, "GET", f"{API}/equipment/{unit}", token=tokens["after_sales1"])
    assert status == 200
    mine = next(r for r in history["returns"] if r["instance_id"] == instance_id)
    assert (mine["status"], mine["wanted"], mine["branch"]) == ("refused", "return", "BO-EAST")
    web = WebClient(base)
    web.login("after_sales1")
    status, page = web.get(f"/equipment/{unit}")
    assert status == 200 and 'id="unit-returns"' in page and "已拒绝并退回客户" in page


def test_head_office_replaces(base: str, tokens: dict[str, str], app: Flask) -> None:
    instance_id = to_head_office(base, tokens, unit_id(app, EAST_UNIT))
    done(base, tokens["after_sales1"], instance_id, "decide_at_head_office", {"decision": "replace"})
    done(
        base,
        tokens["after_sales1"],
        instance_id,
        "ship_replacement",
        {"replacement_serial": "SN-C3000-0099", "shipped_on": "2026-12-05"},
    )
    assert status_of(base, tokens["after_sales1"], instance_id) == "completed"
    assert case_status(app, instance_id) == "replaced"


def test_a_refund_waits_for_another_group_then_is_approved(base: str, tokens: dict[str, str], app: Flask) -> None:
    instance_id = to_head_office(base, tokens, unit_id(app, EAST_UNIT))
    status, body = complete(base, tokens["after_sales1"], instance_id, "decide_at_head_office", {"decision": "refund"})
    assert status in (400, 422) and "refund_amount" in body["errors"]
    done(
        base,
        tokens["after_sales1"],
        instance_id,
        "decide_at_head_office",
        {"decision": "refund", "refund_amount": 3200},
    )
    assert case_status(app, instance_id) == "refund_pending"
    assert tasks_of(base, tokens["after_sales1"], instance_id) == []  # the asker cannot approve it
    # 否: head office decides again, on a new clock
    status, body = complete(base, tokens["office1"], instance_id, "approve_refund", {"refund_approved": False})
    assert status in (400, 422) and "approval_comment" in body["errors"]
    done(
        base,
        tokens["office1"],
        instance_id,
        "approve_refund",
        {"refund_approved": False, "approval_comment": "金额偏高"},
    )
    assert tasks_of(base, tokens["after_sales1"], instance_id) == ["decide_at_head_office"]
    done(
        base,
        tokens["after_sales1"],
        instance_id,
        "decide_at_head_office",
        {"decision": "refund", "refund_amount": 2800},
    )
    done(base, tokens["office1"], instance_id, "approve_refund", {"refund_approved": True})
    assert status_of(base, tokens["office1"], instance_id) == "completed"
    assert case_status(app, instance_id) == "refunded"
    with app.app_context():
        session = db.session()
        case = session.scalars(select(ReturnCase).where(ReturnCase.instance_id == instance_id)).one()
        asked, approved = session.get(User, case.refund_asked_by_id), session.get(User, case.refund_approved_by_id)
        assert (asked.username, approved.username, str(case.refund_amount)) == ("after_sales1", "office1", "2800.00")
        trail = session.scalars(
            select(AuditEvent).where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.id)
        ).all()
        by_action = {(e.action, e.actor_name) for e in trail}
        assert ("return_refund_pending", "after_sales1") in by_action and ("return_refunded", "office1") in by_action


def test_one_who_shares_the_askers_group_may_not_approve(base: str, tokens: dict[str, str], app: Flask) -> None:
    with app.app_context():
        session = db.session()
        groups = [ensure_group(session, g, g, g) for g in ("after_sales", "office")]
        ensure_user(session, "refund_both1", "售后兼办公室", "shouhou-demo", groups)
        session.commit()
    both = login(base, "refund_both1")
    instance_id = to_head_office(base, tokens, unit_id(app, EAST_UNIT))
    done(base, both, instance_id, "decide_at_head_office", {"decision": "refund", "refund_amount": 100})
    for token in (both, tokens["office1"]):  # the asker; an approver whose group the asker holds
        status, body = complete(base, token, instance_id, "approve_refund", {"refund_approved": True})
        assert status in (400, 422) and "refund_approved" in body["errors"], body
    assert case_status(app, instance_id) == "refund_pending"


def test_a_late_check_and_a_late_decision_escalate_to_the_leads(base: str, tokens: dict[str, str], app: Flask) -> None:
    status, created = register(base, tokens["branch_east1"], unit_id(app, EAST_UNIT))
    assert status == 201, created
    instance_id = int(created["process_instance_id"])
    due = datetime.fromisoformat(created["check_due_at"])
    assert due.hour == 17 and due.minute == 30  # the end of the 2nd working day
    with app.app_context():
        timers.fire_due(db.session(), due - timedelta(minutes=1))
    assert tasks_of(base, tokens["after_sales_leads1"], instance_id) == []  # not late yet
    with app.app_context():
        timers.fire_due(db.session(), due + timedelta(minutes=1))
    assert "chase_branch_check" in tasks_of(base, tokens["after_sales_leads1"], instance_id)
    assert tasks_of(base, tokens["branch_east1"], instance_id) == ["check_at_branch"]  # still the branch's
    done(base, tokens["after_sales_leads1"], instance_id, "chase_branch_check", {"chase_notes": "已电话催办东区办事处"})
    done(base, tokens["branch_east1"], instance_id, "check_at_branch", CHECK_OK)
    done(base, tokens["branch_east1"], instance_id, "send_to_head_office", {"shipped_on": "2026-12-03"})
    _, instance = call(base, "GET", f"{API}/process-instances/{instance_id}", token=tokens["after_sales1"])
    decision_due = datetime.fromisoformat(instance["data"]["decision_due_at"])
    with app.app_context():
        timers.fire_due(db.session(), decision_due + timedelta(minutes=1))
    assert "chase_decision" in tasks_of(base, tokens["after_sales_leads1"], instance_id)

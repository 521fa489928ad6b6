"""Delivery and acceptance (R23–R26) over real HTTP, every branch: packaging refused →
replacement → recheck; a shortage → on-site record → replacement late → escalation when the
timers fire past the deadline; the acceptance test's 否 back to commissioning; a missing
signature refused with nothing lost; the signed form accepts the unit once (warranty from that
day); a unit accepted is never accepted twice."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.aftersales.archive.models import EquipmentUnit
from app.bpm import history_text, timers
from app.bpm.models import AuditEvent, ProcessInstance, utcnow
from harness.http_client import call, login
from harness.pdf import pdf_images, pdf_text
from harness.servers import LiveServer
from harness.web_client import WebClient

from .helpers import (
    API,
    CONTACT,
    DELIVERED,
    GOODS_OK,
    INSTALLED,
    INTACT,
    PROCESS,
    SIGNED,
    complete,
    done,
    new_unit,
    open_tasks,
    start,
    task_of,
)


@pytest.fixture(scope="module")
def base(live_server: LiveServer) -> str:
    return live_server.url


def accepted_on(session: Session, unit_id: int) -> object:
    session.expire_all()
    found = session.scalars(select(EquipmentUnit.accepted_on).where(EquipmentUnit.id == unit_id)).one()
    session.rollback()  # SQLite: no read transaction left open under the server's writes
    return found


def test_packaging_refused_replaced_rechecked_then_accepted_once(base: str, committed_session: Session) -> None:
    unit_id, customer_id, serial = new_unit(committed_session)  # a 6-year contract
    desk, installer = login(base, "after_sales1"), login(base, "installation1")
    status, instance = start(base, desk, unit_id, customer_id, serial)  # as the sales system calls it
    assert status == 201, instance
    iid = instance["id"]
    assert [t["name"] for t in instance["open_tasks"]] == ["contact_purchaser"]
    done(base, desk, iid, "contact_purchaser", {"unit_id": unit_id, **CONTACT})
    done(base, desk, iid, "deliver_goods", DELIVERED)
    # opened packaging: the purchaser refuses the goods (R24) → the on-site record and the replacement
    refused = {"packaging_intact": False, "packaging_findings": "外箱封条已被拆开", "customer_decision": "refuse"}
    status, body = complete(base, desk, iid, "check_packaging", {"packaging_intact": False})
    assert status == 400 and {"packaging_findings", "customer_decision"} <= set(
        body["errors"]
    )  # why, and what they decided
    done(base, desk, iid, "check_packaging", refused)
    assert [t["name"] for t in open_tasks(base, desk, iid)] == ["record_on_site"]
    status, shown = call(base, "GET", f"{API}/tasks/{task_of(base, desk, iid, 'record_on_site')['id']}", token=desk)
    assert status == 200 and shown["data"]["site_record"] == "外箱封条已被拆开"  # from the packaging findings
    past = {"problems": ["packaging_opened"], "site_record": "外包装封条拆开，拒收", "witness": "张科长"}
    status, body = complete(base, desk, iid, "record_on_site", {**past, "replacement_due": "2020-01-01T10:00:00+08:00"})
    assert status == 400 and "replacement_due" in body["errors"]  # a deadline lies ahead
    due = (utcnow() + timedelta(days=3)).isoformat()
    done(base, desk, iid, "record_on_site", {**past, "replacement_due": due})
    done(
        base,
        desk,
        iid,
        "replace_goods",
        {"replaced_at": utcnow().isoformat(), "replacement_note": "整机更换，原包装新品"},
    )
    assert accepted_on(committed_session, unit_id) is None  # a failed check never accepts
    # the recheck: packaging, then quantity and quality against the packing list (R23)
    done(base, desk, iid, "check_packaging", INTACT)
    done(base, desk, iid, "check_goods", GOODS_OK)
    # R26: everything tested before the acceptance test; its 否 goes back to commissioning
    status, body = complete(base, installer, iid, "install_and_commission", {**INSTALLED, "software_tested": False})
    assert status == 400 and "software_tested" in body["errors"]
    done(base, installer, iid, "install_and_commission", INSTALLED)
    status, body = complete(base, installer, iid, "acceptance_test", {"test_passed": False, "test_report": "打印测试"})
    assert status == 400 and "test_failures" in body["errors"]
    done(
        base,
        installer,
        iid,
        "acceptance_test",
        {"test_passed": False, "test_report": "联网测试", "test_failures": "无法联网"},
    )
    assert [t["name"] for t in open_tasks(base, installer, iid)] == ["install_and_commission"]
    assert accepted_on(committed_session, unit_id) is None
    status, task = call(
        base, "GET", f"{API}/tasks/{task_of(base, installer, iid, 'install_and_commission')['id']}", token=installer
    )
    assert status == 200 and "无法联网" in str(task["case"])  # why it came back
    done(base, installer, iid, "install_and_commission", {**INSTALLED, "installation_notes": "更换网卡后联网正常"})
    done(base, installer, iid, "acceptance_test", {"test_passed": True, "test_report": "全部测试通过"})
    # the acceptance form needs both drawn signatures: one missing is refused, nothing lost
    status, body = complete(
        base, installer, iid, "sign_acceptance", {**SIGNED, "head_signature": "data:image/png;base64,AAAA"}
    )
    assert status == 400 and set(body["errors"]) == {"head_signature"}
    sign_task = task_of(base, installer, iid, "sign_acceptance")  # still open
    assert accepted_on(committed_session, unit_id) is None
    status, body = call(base, "POST", f"{API}/tasks/{sign_task['id']}/complete", {"data": SIGNED}, token=installer)
    assert status == 200, body
    # the end: accepted today (the office's day), the 6-year warranty counted from it (R3)
    status, instance = call(base, "GET", f"{API}/process-instances/{iid}", token=desk)
    assert status == 200 and instance["status"] == "completed"
    status, unit = call(base, "GET", f"{API}/equipment/{unit_id}", token=desk)
    assert status == 200
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).date()
    assert unit["accepted_on"] == today.isoformat()
    assert unit["warranty_end"] == (today.replace(year=today.year + 6) - timedelta(days=1)).isoformat()
    assert unit["in_warranty"] is True
    assert unit["spare_parts_until"] == (today.replace(year=today.year + 9) - timedelta(days=1)).isoformat()
    status, events = call(base, "GET", f"{API}/process-instances/{iid}/history", token=desk)
    assert status == 200 and "unit_accepted" in [e["action"] for e in events]  # the archive's audit event
    [delivery] = unit["deliveries"]
    assert delivery["status"] == "accepted" and delivery["signed"] is True
    assert [(c["kind"], c["passed"]) for c in delivery["checks"]] == [
        ("packaging", False),
        ("packaging", True),
        ("goods", True),
    ]
    assert delivery["checks"][0]["findings"]["customer_decision"] == "refuse"
    assert delivery["replacements"][0]["problems"] == ["packaging_opened"] and delivery["replacements"][0]["done_at"]
    assert (delivery["acceptor"], delivery["unit_head"]) == ("李验收", "王院长")
    # the signatures and the form, for whoever may see the delivery
    web = WebClient(base)
    web.login("after_sales1")
    status, page = web.get(f"/equipment/{unit_id}")
    assert status == 200 and 'id="unit-deliveries"' in page and "王院长" in page
    assert 'id="start-delivery-for-unit"' not in page  # accepted: no new delivery
    status, page = web.get(f"/instances/{iid}")
    assert status == 200 and f"/deliveries/{delivery['id']}/acceptance.pdf" in page  # the form from the instance
    # the readable history: signatures as signed, the acceptance day by its name, no bare unit number
    history = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page[page.index('id="history"') :]))
    assert "deliveries/" not in history and "验收人签字 : 已签字" in history and "单位负责人签字 : 已签字" in history
    assert "accepted_on" not in history and f"验收日期（质保期起算） : {today.isoformat()}" in history
    assert "交付设备" not in history
    for signer in ("acceptor", "head"):
        status, _png = web.get(f"/deliveries/{delivery['id']}/signatures/{signer}.png")
        assert status == 200
    status, _page = web.get(f"/deliveries/{delivery['id']}/signatures/nobody.png")
    assert status == 404
    with web.opener.open(f"{base}/deliveries/{delivery['id']}/acceptance.pdf", timeout=60) as response:
        pdf, headers = response.read(), response.headers
    assert headers["Content-Type"] == "application/pdf" and pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    for shown in (
        "验收单",
        "验收人",
        "单位负责人",
        "李验收",
        "王院长",
        serial,
        today.isoformat(),
        unit["warranty_end"],
    ):
        assert shown in text, shown
    assert len(pdf_images(pdf)) == 2  # both drawn signatures, embedded
    assert text.count("\f") == 1  # one page, its footer on it
    other = WebClient(base)
    other.login("qc1")  # who may not see the delivery sees neither its signatures nor its form
    assert other.get(f"/deliveries/{delivery['id']}/signatures/head.png")[0] == 404
    assert other.get(f"/deliveries/{delivery['id']}/acceptance.pdf")[0] == 404
    # accepted once: a second delivery of the unit is refused, with the reason
    status, body = start(base, desk, unit_id, customer_id, serial)
    assert status == 409 and serial in body["error"]["message"] and "验收" in body["error"]["message"]


def test_shortage_recorded_replacement_late_escalated(base: str, committed_session: Session) -> None:
    unit_id, customer_id, serial = new_unit(committed_session, "HT-2025-003")
    desk, lead = login(base, "after_sales1"), login(base, "after_sales_leads1")
    status, instance = start(base, desk, unit_id, customer_id, serial)
    assert status == 201, instance
    iid = instance["id"]
    done(base, desk, iid, "contact_purchaser", {"unit_id": unit_id, **CONTACT})
    done(base, desk, iid, "deliver_goods", DELIVERED)
    done(base, desk, iid, "check_packaging", INTACT)
    short = {**GOODS_OK, "quantity_ok": False}
    status, body = complete(base, desk, iid, "check_goods", short)
    assert status == 400 and "goods_findings" in body["errors"]  # what is short, in writing
    done(base, desk, iid, "check_goods", {**short, "goods_findings": "装箱单 3 件，实到 2 件"})
    assert [t["name"] for t in open_tasks(base, desk, iid)] == ["record_on_site"]  # R25
    # the on-site record starts from what the goods check found
    status, shown = call(base, "GET", f"{API}/tasks/{task_of(base, desk, iid, 'record_on_site')['id']}", token=desk)
    assert status == 200 and shown["data"]["site_record"] == "装箱单 3 件，实到 2 件"
    assert shown["data"]["problems"] == ["shortage"]
    due = utcnow() + timedelta(days=2)
    record = {"problems": ["shortage"], "site_record": "缺电源适配器 1 个", "witness": "张科长"}
    done(base, desk, iid, "record_on_site", {**record, "replacement_due": due.isoformat()})
    [replace] = open_tasks(base, desk, iid)
    assert replace["name"] == "replace_goods"  # the task is due by the replacement deadline (dueFrom)
    assert datetime.fromisoformat(replace["due_at"]) == due == datetime.fromisoformat(replace["deadline_at"])
    web = WebClient(base)
    web.login("after_sales1")
    status, page = web.get(f"/tasks/{replace['id']}")
    assert status == 200 and due.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M") in page
    timers.fire_due(committed_session, now=due - timedelta(minutes=1))  # not yet late
    assert "escalate_replacement" not in [t["name"] for t in open_tasks(base, lead, iid)]
    timers.fire_due(committed_session, now=due + timedelta(minutes=1))  # the deadline passed
    names = sorted(t["name"] for t in open_tasks(base, lead, iid))
    assert names == ["escalate_replacement", "replace_goods"]  # escalated; the replacement still owed
    done(base, lead, iid, "escalate_replacement", {"reason": "厂家缺货", "action_taken": "督促厂家加急发货"})
    done(
        base,
        desk,
        iid,
        "replace_goods",
        {"replaced_at": utcnow().isoformat(), "replacement_note": "补发电源适配器 1 个"},
    )
    assert [t["name"] for t in open_tasks(base, desk, iid)] == ["check_packaging"]  # checked again
    status, unit = call(base, "GET", f"{API}/equipment/{unit_id}", token=desk)
    assert status == 200 and unit["accepted_on"] is None and unit["warranty_end"] is None
    [replacement] = unit["deliveries"][0]["replacements"]
    assert replacement["escalated"] is True and replacement["problems"] == ["shortage"]
    assert replacement["done_at"] and replacement["late"] is False  # done (now) before its deadline


def test_started_by_hand_the_first_task_picks_a_unit_not_yet_accepted(base: str, committed_session: Session) -> None:
    unit_id, _customer_id, serial = new_unit(committed_session)
    accepted = committed_session.scalars(select(EquipmentUnit.id).where(EquipmentUnit.accepted_on.is_not(None))).first()
    committed_session.rollback()
    assert accepted is not None
    desk = login(base, "after_sales1")
    status, instance = call(base, "POST", f"{API}/process-instances", {"process_id": PROCESS, "data": {}}, token=desk)
    assert status == 201, instance
    iid = instance["id"]
    task = task_of(base, desk, iid, "contact_purchaser")
    status, shown = call(base, "GET", f"{API}/tasks/{task['id']}", token=desk)
    assert status == 200
    offered = shown["form"]["schema"]["properties"]["unit_id"]
    assert unit_id in [int(v) for v in offered["enum"]] and str(accepted) not in [str(v) for v in offered["enum"]]
    assert any(serial in label for label in offered["x-enumNames"])
    status, body = complete(base, desk, iid, "contact_purchaser", {"unit_id": accepted, **CONTACT})
    assert status == 400 and "已于" in body["errors"]["unit_id"][0]  # accepted once, never again
    done(base, desk, iid, "contact_purchaser", {"unit_id": unit_id, **CONTACT})
    # the history leaves out the chosen unit's bare key (its label is the plugin's, per case)
    row = committed_session.get(ProcessInstance, iid)
    assert row is not None
    text = history_text.DataText(row.definition, "zh_CN", ZoneInfo("Asia/Shanghai"))
    event = AuditEvent(data_before={}, data_after={"unit_id": str(unit_id), "contact_name": "张科长"})
    assert [(c.label, c.new) for c in text.changes(event)] == [("采购方联系人", "张科长")]
    committed_session.rollback()
    status, current = call(base, "GET", f"{API}/process-instances/{iid}", token=desk)
    assert status == 200 and current["data"]["customer_id"] == _customer_id  # the data carries both ids
    assert current["data"]["unit_id"] == unit_id
    # the same unit cannot be in two deliveries at once
    status, body = start(base, desk, unit_id, _customer_id, serial)
    assert status == 409 and serial in body["error"]["message"]
    status, found = call(base, "GET", f"{API}/process-instances?process_id={PROCESS}&q={serial}", token=desk)
    assert status == 200 and len(found) == 1  # the refused start left nothing behind


def test_a_delivery_started_from_the_units_page(base: str, committed_session: Session) -> None:
    unit_id, customer_id, serial = new_unit(committed_session)
    web = WebClient(base)
    web.login("installation1")  # installation staff may start it too; the first task is after-sales'
    status, page = web.get(f"/equipment/{unit_id}")
    assert status == 200 and 'id="start-delivery-for-unit"' in page
    status, page = web.post("/deliveries", {"unit_id": str(unit_id)}, csrf_from=f"/equipment/{unit_id}")
    assert status == 200 and "流程已发起" in page and "到货前联系采购方" in page
    desk = login(base, "after_sales1")
    status, found = call(base, "GET", f"{API}/process-instances?process_id={PROCESS}&q={serial}", token=desk)
    assert status == 200 and len(found) == 1 and found[0]["business_key"] == serial
    status, instance = call(base, "GET", f"{API}/process-instances/{found[0]['id']}", token=desk)
    assert instance["data"] == {"customer_id": customer_id, "unit_id": unit_id}
    assert [t["name"] for t in instance["open_tasks"]] == ["contact_purchaser"]
    status, page = web.get(f"/equipment/{unit_id}")
    assert 'id="start-delivery-for-unit"' not in page  # one delivery at a time
    status, page = web.post("/deliveries", {"unit_id": str(unit_id)}, csrf_from=f"/equipment/{unit_id}")
    assert status == 200 and "已有一个进行中的交货验收" in page  # refused, said on the unit's page

"""The customer and equipment archive over real HTTP (R1–R3)."""

from __future__ import annotations

import html
import json
import re
from datetime import date, datetime, time
from urllib.parse import quote

import pytest
from sqlalchemy.orm import Session

from app.aftersales.archive.models import EquipmentUnit
from app.aftersales.rules.sla import Calendar, Span
from harness.http_client import call, login
from harness.servers import LiveServer
from harness.web_client import WebClient

API = "/api/v1"


@pytest.fixture(scope="module")
def base(live_server: LiveServer) -> str:
    return live_server.url


def test_equipment_lists_units_in_and_out_of_warranty(base: str) -> None:
    status, units = call(base, "GET", f"{API}/equipment", token=login(base, "engineers1"))
    assert status == 200 and len(units) == 7  # with the unit whose warranty ends soon (its handover due)
    by_serial = {u["serial"]: u for u in units}
    assert by_serial["SN-C3000-0001"]["warranty_end"] == "2024-04-09"  # 2 years from 2022-04-10
    assert by_serial["SN-C3000-0001"]["in_warranty"] is False
    assert by_serial["SN-C3000-0004"]["warranty_end"] == "2029-06-30"  # a 6-year contract
    assert by_serial["SN-C3000-0004"]["in_warranty"] is True
    assert {"id", "serial", "model", "customer", "warranty_end"} <= by_serial["SN-LP800-0006"].keys()


@pytest.mark.parametrize(("query", "expected"), [("C3000", 2), ("第一人民医院", 3), ("sn-gate", 1), ("nothing", 0)])
def test_equipment_search_by_serial_model_or_customer(base: str, query: str, expected: int) -> None:
    status, units = call(base, "GET", f"{API}/equipment?q={quote(query)}", token=login(base, "sales1"))
    assert status == 200 and len(units) == expected


def test_unit_page_and_customers_page(base: str) -> None:
    token = login(base, "after_sales1")
    _, units = call(base, "GET", f"{API}/equipment?q=SN-GATE", token=token)
    web = WebClient(base)
    web.login("after_sales1")
    status, page = web.get(f"/equipment/{units[0]['id']}")
    assert status == 200 and "FX-GATE" in page and "2029-07-02" in page
    status, page = web.get("/customers")
    assert status == 200 and page.index("市第一人民医院") < page.index("区政务服务中心")  # key customers first
    assert call(base, "GET", f"{API}/equipment/999999", token=token)[0] == 404


def _unit_form(web: WebClient, unit_id: int) -> dict[str, str]:
    """The edit form's current values, as the browser would post them back."""
    _, page = web.get(f"/equipment/{unit_id}/edit")
    values = dict(re.findall(r'<input id="input-(\w+)" name="\w+"\s+type="[^"]+"\s+value="([^"]*)"', page))
    for name in ("model_id", "customer_id", "department_id", "contract_id"):
        chosen = re.search(rf'<select id="input-{name}".*?<option value="([^"]*)" selected', page, re.S)
        values[name] = chosen.group(1) if chosen else ""
    return values


def test_archive_editing_with_checks_on_the_field(base: str) -> None:
    web = WebClient(base)
    web.login("after_sales1")
    fields = {
        "code": "C-0100",
        "name": "港务局",
        "category": "government",
        "is_key": "true",
        "departments": "信息中心\n调度室",
    }
    status, page = web.post("/customers/new", fields, csrf_from="/customers/new")
    assert status == 200 and "已保存" in page and "信息中心、调度室" in page
    status, page = web.post("/customers/new", {**fields, "name": "重复"}, csrf_from="/customers/new")
    assert status == 400 and "“C-0100”已存在" in page and 'value="重复"' in page  # nothing lost
    token = login(base, "after_sales1")
    _, units = call(base, "GET", f"{API}/equipment?q=SN-LP800-0006", token=token)
    unit_id = units[0]["id"]
    values = _unit_form(web, unit_id)
    assert values["serial"] == "SN-LP800-0006" and values["accepted_on"] == "2025-03-05"
    # a department of another customer is refused on that field
    _, page = web.get(f"/equipment/{unit_id}/edit")
    other = re.search(r'<option value="(\d+)">市第一人民医院 · 信息科', page)
    assert other is not None
    status, page = web.post(
        f"/equipment/{unit_id}/edit",
        {**values, "department_id": other.group(1)},
        csrf_from=f"/equipment/{unit_id}/edit",
    )
    assert status == 400 and "不属于所选客户" in page
    status, page = web.post(
        f"/equipment/{unit_id}/edit", {**values, "delivered_on": "2026-01-01"}, csrf_from=f"/equipment/{unit_id}/edit"
    )
    assert status == 400 and "日期顺序" in page
    status, page = web.post(
        f"/equipment/{unit_id}/edit", {**values, "location": "教学楼 B 座 101"}, csrf_from=f"/equipment/{unit_id}/edit"
    )
    assert status == 200 and "教学楼 B 座 101" in page
    # qc has no business editing the archive
    qc = WebClient(base)
    qc.login("qc1")
    assert qc.post("/customers/new", fields, csrf_from="/customers/new")[0] == 403


def test_contract_sla_policy_is_checked_and_applies_to_new_requests(base: str) -> None:
    web = WebClient(base)
    web.login("office1")
    status, page = web.get("/contracts")
    assert status == 200 and "HT-2025-003" in page
    target = re.findall(r"/contracts/(\d+)/edit", page)[-1]  # HT-2025-003, the school's
    _, form = web.get(f"/contracts/{target}/edit")
    values = dict(re.findall(r'<input id="input-(\w+)" name="\w+"\s+type="[^"]+"\s+value="([^"]*)"', form))
    values["customer_id"] = re.search(
        r'<select id="input-customer_id".*?<option value="([^"]*)" selected', form, re.S
    ).group(1)  # type: ignore[union-attr]
    bad = {**values, "sla_policy": '{"calendar": "lunar", "clocks": []}'}
    status, page = web.post(f"/contracts/{target}/edit", bad, csrf_from=f"/contracts/{target}/edit")
    assert status == 400 and "calendar: &#39;lunar&#39; is not one of" in page
    stall = {  # one-second working days: 166 h of work took 18.9 s per fault report, PT1666H overflowed
        "calendar": "working_hours",
        "working_hours": {"start": "08:30:00", "end": "08:30:01"},
        "clocks": [{"name": "response", "target": "PT166H", "stop": ["remote_support"]}],
    }
    status, page = web.post(
        f"/contracts/{target}/edit", {**values, "sla_policy": json.dumps(stall)}, csrf_from=f"/contracts/{target}/edit"
    )
    assert status == 400 and "a working day must be at least 1 hour long" in page
    stall = {"calendar": "24x7", "clocks": [{"name": "response", "target": "P120D", "stop": ["remote_support"]}]}
    status, page = web.post(
        f"/contracts/{target}/edit", {**values, "sla_policy": json.dumps(stall)}, csrf_from=f"/contracts/{target}/edit"
    )
    assert status == 400 and "is longer than 90 days" in page
    status, page = web.post(
        f"/contracts/{target}/edit", {**values, "sla_policy": "{oops"}, csrf_from=f"/contracts/{target}/edit"
    )
    assert status == 400 and "不是有效的 JSON" in page
    bad_prices = {**values, "sla_policy": "{}", "part_prices": "ROLLER-LP800 = 40\nNO-SUCH-PART = 1"}
    status, page = web.post(f"/contracts/{target}/edit", bad_prices, csrf_from=f"/contracts/{target}/edit")
    assert status == 400 and "第 2 行" in page
    values["part_prices"] = "ROLLER-LP800 = 40"
    policy = {
        "calendar": "working_hours",
        "working_hours": {"start": "09:00", "end": "17:00"},
        "clocks": [
            {"name": name, "target": "PT2H", "stop": ["remote_support"]}
            for name in ("response", "arrival", "resolution", "loaner", "record_filing")
        ],
    }
    status, page = web.post(
        f"/contracts/{target}/edit", {**values, "sla_policy": json.dumps(policy)}, csrf_from=f"/contracts/{target}/edit"
    )
    # asked, not yet in force: the contract page shows the change field by field, old → new
    assert status == 200 and "已保存" in page and "待审批的变更" in page
    assert "配件价格 ROLLER-LP800" in page and "<ins>40.00</ins>" in page and "working_hours" in page
    assert "工作时间" not in page and 'id="approve-' not in page  # office1 asked: no approve button for them
    change_id = re.search(r'id="change-(\d+)"', page).group(1)  # type: ignore[union-attr]
    assert "ROLLER-LP800 = 40.00" not in web.get(f"/contracts/{target}/edit")[1]
    assert web.post(f"/changes/{change_id}/approve", {}, csrf_from="/contracts")[0] == 403  # not their own
    admin = WebClient(base)
    admin.login("admins1")
    status, page = admin.get("/changes")
    assert status == 200 and f'id="approve-{change_id}"' in page and "HT-2025-003" in page
    status, page = admin.post(f"/changes/{change_id}/approve", {}, csrf_from="/changes")
    assert status == 200 and "已批准，变更已生效" in page
    status, page = web.get(f"/contracts/{target}")
    assert status == 200 and "工作时间" in page and "待审批的变更" not in page
    edit_page = web.get(f"/contracts/{target}/edit")[1]
    assert "ROLLER-LP800 = 40.00" in edit_page
    token = login(base, "after_sales1")
    _, units = call(base, "GET", f"{API}/equipment?q=SN-LP800-0006", token=token)
    status, created = call(
        base,
        "POST",
        f"{API}/service-requests",
        {"equipment_id": units[0]["id"], "channel": "phone", "description": "夜间报修"},
        token=token,
    )
    assert status == 201
    response = next(c for c in created["sla"] if c["name"] == "response")
    reported = datetime.fromisoformat(created["reported_at"])
    hours = Calendar("working_hours", "Asia/Shanghai", time(9, 0), time(17, 0))
    assert datetime.fromisoformat(response["due_at"]) == hours.add(reported, Span(0, 7200))  # working time only


def test_letters_and_replies_are_numbered_and_filed_per_unit(base: str) -> None:
    """R4: each incoming letter and its reply numbered and filed under the unit."""
    token = login(base, "after_sales1")
    _, units = call(base, "GET", f"{API}/equipment?q=SN-GATE-0005", token=token)
    unit_id = units[0]["id"]
    web = WebClient(base)
    web.login("after_sales1")
    letter = {
        "direction": "incoming",
        "channel": "letter",
        "correspondent": "区政务服务中心办公室",
        "subject": "门禁故障",
    }
    status, page = web.post(f"/equipment/{unit_id}/correspondence", letter, csrf_from=f"/equipment/{unit_id}")
    assert status == 200 and re.search(r"LH\d{4}-\d{5}", page)
    incoming = re.search(r'<option value="(\d+)">(LH\d{4}-\d{5}) · 门禁故障', page)
    assert incoming is not None
    reply = {
        "direction": "outgoing",
        "channel": "email",
        "correspondent": "区政务服务中心",
        "subject": "复：门禁故障",
        "reply_to": incoming.group(1),
    }
    status, page = web.post(
        f"/equipment/{unit_id}/correspondence", {**reply, "subject": ""}, csrf_from=f"/equipment/{unit_id}"
    )
    assert status == 400 and "此项为必填项" in page
    status, page = web.post(f"/equipment/{unit_id}/correspondence", reply, csrf_from=f"/equipment/{unit_id}")
    assert status == 200 and re.search(r"FH\d{4}-\d{5}", page)
    status, body = call(base, "GET", f"{API}/equipment/{unit_id}", token=token)
    assert [c["direction"] for c in body["correspondence"]] == ["outgoing", "incoming"]
    assert {"service_requests", "parts"} <= body.keys()


def test_contract_terms_pages_are_for_those_who_read_terms(base: str) -> None:
    """Deposits, prices and SLA policies: the web pages refuse QC as the API does, by the one
    policy `can_read_contract_terms`."""
    qc = WebClient(base)
    qc.login("qc1")
    sales = WebClient(base)
    sales.login("sales1")
    status, page = sales.get("/contracts")
    assert status == 200 and "HT-2025-003" in page
    contract_id = re.findall(r"/contracts/(\d+)/deposit", page)[0]
    assert sales.get(f"/contracts/{contract_id}/deposit")[0] == 200
    assert qc.get("/contracts")[0] == 403
    assert qc.get(f"/contracts/{contract_id}/deposit")[0] == 403
    assert call(base, "GET", f"{API}/contracts/{contract_id}/deposit", token=login(base, "qc1"))[0] == 403


def _contract_form(web: WebClient, contract_id: str) -> dict[str, str]:
    _, form = web.get(f"/contracts/{contract_id}/edit")
    values = dict(re.findall(r'<input id="input-(\w+)" name="\w+"\s+type="[^"]+"\s+value="([^"]*)"', form))
    for name in ("sla_policy", "part_prices"):
        found = re.search(rf'<textarea id="input-{name}"[^>]*>(.*?)</textarea>', form, re.S)
        values[name] = html.unescape(found.group(1)) if found else ""
    chosen = re.search(r'<select id="input-customer_id".*?<option value="([^"]*)" selected', form, re.S)
    values["customer_id"] = chosen.group(1) if chosen else ""
    return values


def test_contract_terms_need_a_second_person_and_a_rejection_changes_nothing(base: str) -> None:
    """The finding: sales1 raised a warranty to 20 years and set part prices to 0, in force at
    once. Now 20 years is out of bounds, and 10 years with a price of 0 waits for approval: the
    unit stays out of warranty, and the office's rejection (with a reason) changes nothing."""
    sales = WebClient(base)
    sales.login("sales1")
    _, page = sales.get("/contracts")
    target = re.findall(r"/contracts/(\d+)/edit", page)[0]  # HT-2022-017: its units are out of warranty
    values = _contract_form(sales, target)
    assert values["warranty_years"] == "2"
    status, page = sales.post(
        f"/contracts/{target}/edit", {**values, "warranty_years": "20"}, csrf_from=f"/contracts/{target}/edit"
    )
    assert status == 400 and "数值应在 1 到 10 之间" in page and 'value="20"' in page  # on the field, nothing lost
    status, page = sales.post(
        f"/contracts/{target}/edit",
        {**values, "warranty_years": "10", "part_prices": "TONER-C3000-K = 0"},
        csrf_from=f"/contracts/{target}/edit",
    )
    assert status == 200 and "待审批的变更" in page and "<del>2</del>" in page and "<ins>10</ins>" in page
    token = login(base, "sales1")
    _, units = call(base, "GET", f"{API}/equipment?q=SN-C3000-0001", token=token)
    assert units[0]["in_warranty"] is False  # not in force before approval
    status, again = sales.post(
        f"/contracts/{target}/edit", {**values, "warranty_years": "6"}, csrf_from=f"/contracts/{target}/edit"
    )
    assert status == 400 and "已有待审批的条款变更" in again  # one waiting terms change per contract
    office = login(base, "office1")
    status, waiting = call(base, "GET", f"{API}/changes", token=office)
    change = next(c for c in waiting if c["contract_id"] == int(target))
    assert status == 200 and change["asked_by"] == "sales1" and change["may_decide"] is True
    assert change["values"] == {"warranty_years": 10, "part_prices": {"TONER-C3000-K": "0.00"}}
    assert call(base, "POST", f"{API}/changes/{change['id']}/approve", {}, token=token)[0] == 403  # the asker
    status, body = call(base, "POST", f"{API}/changes/{change['id']}/reject", {}, token=office)
    assert status == 400 and "reason" in body["errors"]  # a rejection says why
    status, body = call(base, "POST", f"{API}/changes/{change['id']}/reject", {"reason": "无合同依据"}, token=office)
    assert status == 200 and body["decision"] == "rejected" and body["decided_by"] == "office1"
    assert call(base, "POST", f"{API}/changes/{change['id']}/approve", {}, token=login(base, "admins1"))[0] == 409
    assert _contract_form(sales, target)["warranty_years"] == "2"
    _, units = call(base, "GET", f"{API}/equipment?q=SN-C3000-0001", token=token)
    assert units[0]["in_warranty"] is False
    assert call(base, "GET", f"{API}/changes", token=token)[0] == 403  # sales approves nothing


def test_far_future_dates_are_refused_on_entry_and_a_stored_one_breaks_no_page(
    base: str, committed_session: Session
) -> None:
    """Issue 12: one unit accepted on 9999-06-01 made /equipment, the customer's page and the
    intake search answer 500 for everyone (`year 10001 is out of range`)."""
    web = WebClient(base)
    web.login("after_sales1")
    token = login(base, "after_sales1")
    _, units = call(base, "GET", f"{API}/equipment?q=SN-GATE-0005", token=token)
    unit_id = units[0]["id"]
    values = _unit_form(web, unit_id)
    for bad in ("9999-06-01", "1899-12-31"):
        status, page = web.post(
            f"/equipment/{unit_id}/edit", {**values, "accepted_on": bad}, csrf_from=f"/equipment/{unit_id}/edit"
        )
        assert status == 400 and "日期应在 2000 年到 2100 年之间" in page
    unit = committed_session.get(EquipmentUnit, unit_id)
    assert unit is not None
    kept = unit.accepted_on
    unit.accepted_on = date(9999, 6, 1)  # a row stored before the check
    committed_session.commit()
    try:
        status, listed = call(base, "GET", f"{API}/equipment", token=token)
        assert status == 200
        assert next(u for u in listed if u["id"] == unit_id)["warranty_end"] == "9999-12-31"
        assert call(base, "GET", f"{API}/equipment/{unit_id}", token=token)[0] == 200
        for path in ("/equipment", f"/equipment/{unit_id}"):
            status, page = web.get(path)
            assert status == 200 and "9999-12-31" in page, path
        status, page = web.get(f"/customers/{units[0]['customer']['id']}")
        assert status == 200 and "SN-GATE-0005" in page
        status, page = web.get("/service-requests/new?q=SN-GATE-0005")
        assert status == 200 and "SN-GATE-0005" in page
    finally:
        unit.accepted_on = kept
        committed_session.commit()


def test_a_units_move_to_another_contract_waits_on_its_page_and_with_the_approvers(base: str) -> None:
    """A generous contract entered by one person no longer reaches an existing unit by a
    one-person edit: the move waits, shown on the unit's page and in the approvers' list."""
    sales = WebClient(base)
    sales.login("sales1")
    token = login(base, "sales1")
    _, units = call(base, "GET", f"{API}/equipment?q=SN-C2000-0002", token=token)
    unit_id = units[0]["id"]
    values = _unit_form(sales, unit_id)
    _, page = sales.get(f"/equipment/{unit_id}/edit")
    other = re.search(r'<option value="(\d+)"[^>]*>HT-2022-017', page)
    assert other is not None and values["contract_id"] == other.group(1)
    status, page = sales.post(
        "/contracts/new",
        {**_contract_form(sales, values["contract_id"]), "number": "HT-2026-300", "warranty_years": "10"},
        csrf_from="/contracts/new",
    )
    assert status == 200 and "HT-2026-300" in page  # a new contract: one person, in force
    _, page = sales.get(f"/equipment/{unit_id}/edit")
    generous = re.search(r'<option value="(\d+)"[^>]*>HT-2026-300', page)
    assert generous is not None
    edit = f"/equipment/{unit_id}/edit"
    status, page = sales.post(edit, {**values, "contract_id": generous.group(1)}, csrf_from=edit)
    assert status == 200 and "待审批的变更" in page and "设备合同变更" in page
    assert "<del>HT-2022-017</del>" in page and "<ins>HT-2026-300</ins>" in page
    assert _unit_form(sales, unit_id)["contract_id"] == values["contract_id"]  # not in force
    assert call(base, "GET", f"{API}/equipment?q=SN-C2000-0002", token=token)[1][0]["in_warranty"] is False
    office = WebClient(base)
    office.login("office1")
    status, page = office.get("/changes")
    assert status == 200 and "设备合同变更" in page and "SN-C2000-0002" in page
    status, waiting = call(base, "GET", f"{API}/changes", token=login(base, "office1"))
    change = next(c for c in waiting if c["kind"] == "unit_contract")
    assert change["asked_by"] == "sales1" and change["values"]["serial"] == "SN-C2000-0002"
    reason = {"reason": "设备不在新合同范围内"}
    status, body = call(base, "POST", f"{API}/changes/{change['id']}/reject", reason, token=login(base, "office1"))
    assert status == 200 and body["decision"] == "rejected"
    status, page = sales.get(f"/equipment/{unit_id}")
    assert status == 200 and "待审批的变更" not in page and "HT-2022-017" in page

"""The archive written through the JSON API (R1–R3, API.md "Archive writes"): the sales system
creates what it sold, operators correct it; the same checks as the edit pages, refusals per
field in the caller's language, and money and terms waiting for a second person."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.aftersales.archive import editing, writes
from app.aftersales.archive.cadence import CadenceError, parse_cadence
from app.aftersales.archive.models import Customer
from app.aftersales.rules.recurrence import Every
from app.bpm.errors import FormRejected
from app.bpm.models import AuditEvent
from harness.apps import user
from harness.http_client import call, login
from harness.servers import LiveServer
from harness.web_client import WebClient

API = "/api/v1"
OFFICE = ZoneInfo("Asia/Shanghai")
TODAY = datetime.now(OFFICE).date()


@pytest.fixture(scope="module")
def base(live_server: LiveServer) -> str:
    return live_server.url


@dataclass(frozen=True)
class Event:
    actor_name: str | None
    data_before: dict[str, Any] | None
    data_after: dict[str, Any] | None


def events(session: Session, action: str, **details: Any) -> list[Event]:
    """The audit events of `action` on the row the details name (the read ends its
    transaction: on SQLite an open one would hold the live server's writes back)."""
    found = session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
    matching = [
        Event(e.actor_name, e.data_before, e.data_after)
        for e in found
        if all((e.details or {}).get(k) == v for k, v in details.items())
    ]
    session.rollback()
    return matching


def demo(base: str, token: str) -> dict[str, Any]:
    """Ids of the demo archive: customers by code, contracts by number (from their units)."""
    _, customers = call(base, "GET", f"{API}/customers", token=token)
    _, units = call(base, "GET", f"{API}/equipment", token=token)
    contracts = {u["contract"]: u["contract_id"] for u in units}
    return {"customers": {c["code"]: c["id"] for c in customers}, "contracts": contracts}


def sold(base: str, token: str, tag: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A customer, its contract and a unit on it, created as the sales system would."""
    status, customer = call(
        base,
        "POST",
        f"{API}/customers",
        {
            "name": f"港口医院{tag}",
            "category": "hospital",
            "key_customer": True,
            "departments": [{"name": "信息科"}, {"name": "设备科"}],
            "contacts": [{"name": "王工", "phone": "0759-1234567", "email": "wang@example.cn", "department": "设备科"}],
        },
        token=token,
    )
    assert status == 201, customer
    contract_body = {
        "number": f"HT-API-{tag}",
        "customer_id": customer["id"],
        "warranty_years": 6,
        "deposit": "30000.50",
        "inspection_every": "p6m",
    }
    status, contract = call(base, "POST", f"{API}/contracts", contract_body, token=token)
    assert status == 201, contract
    unit_body = {
        "serial": f"SN-API-{tag}",
        "model": "LP-800",
        "customer_id": customer["id"],
        "department": "设备科",
        "location": "门诊楼 2 层",
        "delivered_on": "2026-11-02",
        "installed_on": "2026-11-03",
        "accepted_on": None,
        "contract_id": contract["id"],
    }
    status, unit = call(base, "POST", f"{API}/equipment", unit_body, token=token)
    assert status == 201, unit
    return customer, contract, unit


def test_a_customer_its_contract_and_unit_are_created_over_http(base: str, committed_session: Session) -> None:
    token = login(base, "sales1")
    customer, contract, unit = sold(base, token, "A")
    assert customer["key_customer"] is True and customer["code"].startswith("C-")
    assert [d["name"] for d in customer["departments"]] == ["信息科", "设备科"]
    assert customer["contacts"][0] | {"id": 0} == {
        "id": 0,
        "name": "王工",
        "title": None,
        "phone": "0759-1234567",
        "email": "wang@example.cn",
        "department": "设备科",
    }
    # a new contract records what was signed: in force at once, nothing waits
    assert contract["warranty_years"] == 6 and contract["maintenance_years"] == 2
    assert contract["deposit"] == "30000.50" and contract["signed_on"] == datetime.now(OFFICE).date().isoformat()
    assert (contract["inspection_every"], contract["follow_up_every"]) == ("P6M", "P3M")
    assert contract["sla_policy"]["clocks"] and contract["customer"] == "港口医院A"
    _, waiting = call(base, "GET", f"{API}/changes", token=login(base, "office1"))
    assert not [c for c in waiting if c["contract_id"] == contract["id"]]
    assert unit["serial"] == "SN-API-A" and unit["model"]["code"] == "LP-800"
    assert (unit["department"], unit["contract_id"], unit["contract"]) == ("设备科", contract["id"], "HT-API-A")
    assert unit["accepted_on"] is None and unit["in_warranty"] is False  # not accepted yet
    assert call(base, "GET", f"{API}/equipment/{unit['id']}", token=token)[1]["installed_on"] == "2026-11-03"
    assert call(base, "GET", f"{API}/contracts/{contract['id']}", token=token)[1] == contract
    assert call(base, "GET", f"{API}/customers/{customer['id']}", token=token)[1] == customer
    # each write is an audit event, by whom, on which row
    (saved,) = events(committed_session, "customer_saved", customer_id=customer["id"])
    assert saved.actor_name == "sales1" and saved.data_after and saved.data_after["name"] == "港口医院A"
    assert len(events(committed_session, "contact_added", customer_id=customer["id"])) == 1
    (entered,) = events(committed_session, "contract_saved", contract_id=contract["id"])
    assert entered.data_after and entered.data_after["inspection_every"] == "P6M"
    assert events(committed_session, "equipment_saved", unit_id=unit["id"])[0].actor_name == "sales1"
    # the contract page shows the cadences as people read them
    web = WebClient(base)
    web.login("sales1")
    status, page = web.get(f"/contracts/{contract['id']}")
    assert status == 200 and "每 6 个月" in page and "每 3 个月" in page


REFUSALS: list[tuple[str, str, dict[str, Any], str, str, str]] = [
    # path, field, body (ids filled in below), zh_CN, en
    ("/customers", "name", {"category": "school"}, "此项为必填项", "This field is required"),
    ("/customers", "category", {"name": "某校", "category": "martian"}, "请从列表中选择", "Choose one of"),
    ("/customers", "colour", {"name": "某校", "category": "school", "colour": "red"}, "没有此字段", "Unknown field"),
    (
        "/customers",
        "contacts.0.email",
        {"name": "某校", "category": "school", "contacts": [{"name": "李", "email": "not-mail"}]},
        "有效的电子邮箱",
        "e-mail address",
    ),
    (
        "/customers",
        "contacts.0.department",
        {"name": "某校", "category": "school", "contacts": [{"name": "李", "department": "无此科"}]},
        "没有名为“无此科”的部门",
        "no department named",
    ),
    ("/customers", "key_customer", {"name": "某校", "category": "school", "key_customer": "?"}, "格式不正确", "valid"),
    ("/contracts", "inspection_every", {"inspection_every": "P0D"}, "1 个月到 2 年", "one month and two years"),
    ("/contracts", "inspection_every", {"inspection_every": "P2W"}, "1 个月到 2 年", "one month and two years"),
    ("/contracts", "inspection_every", {"inspection_every": "P3Y"}, "1 个月到 2 年", "one month and two years"),
    ("/contracts", "follow_up_every", {"follow_up_every": "-P3M"}, "ISO 8601 周期", "ISO 8601 period"),
    ("/contracts", "follow_up_every", {"follow_up_every": "PT12H"}, "ISO 8601 周期", "ISO 8601 period"),
    ("/contracts", "inspection_every", {"inspection_every": "quarterly"}, "ISO 8601 周期", "ISO 8601 period"),
    ("/contracts", "warranty_years", {"warranty_years": 20}, "1 到 10 之间", "between 1 and 10"),
    ("/contracts", "deposit", {"deposit": "lots"}, "格式不正确", "Not a valid"),
    ("/contracts", "deposit", {"deposit": -5}, "0 到 10000000", "between 0 and 10000000"),
    ("/contracts", "number", {"number": "HT-2022-017"}, "已存在", "already exists"),
    ("/contracts", "customer_id", {"customer_id": 999999}, "没有这一项", "No such record"),
    ("/contracts", "sla_policy", {"sla_policy": {"calendar": "lunar", "clocks": []}}, "lunar", "lunar"),
    ("/equipment", "serial", {"serial": "SN-C3000-0001"}, "已存在", "already exists"),
    ("/equipment", "model", {"model": "NO-SUCH"}, "没有编码为“NO-SUCH”的设备型号", "No equipment model"),
    ("/equipment", "department", {"department": "信息科"}, "没有名为“信息科”的部门", "no department named"),
    ("/equipment", "contract_id", {"contract_id": "HT-2022-017"}, "不属于所选客户", "another customer"),
    ("/equipment", "customer_id", {"customer_id": "7"}, "格式不正确", "Not a valid"),
    ("/equipment", "delivered_on", {"delivered_on": "2025-13-01"}, "格式不正确", "Not a valid"),
    ("/equipment", "installed_on", {"delivered_on": "2025-05-02", "installed_on": "2025-05-01"}, "日期顺序", "dates"),
    ("/equipment", "accepted_on", {"installed_on": "2025-05-02", "accepted_on": "2025-05-01"}, "日期顺序", "dates"),
    ("/equipment", "accepted_on", {"accepted_on": (TODAY + timedelta(days=10)).isoformat()}, "晚于今天", "after today"),
    ("/equipment", "accepted_on", {"accepted_on": "1999-12-31"}, "2000 年到 2100 年", "2000 to 2100"),
]


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_each_refusal_is_on_its_field_in_the_callers_language(base: str, locale: str) -> None:
    token = login(base, "after_sales1")
    ids = demo(base, token)
    school = ids["customers"]["C-0003"]  # 实验中学: 教务处, contract HT-2025-003
    complete = {
        "/customers": {},
        "/contracts": {"number": f"HT-REFUSED-{locale}", "customer_id": school, "warranty_years": 2, "deposit": 100},
        "/equipment": {"serial": f"SN-REFUSED-{locale}", "model": "LP-800", "customer_id": school},
    }
    headers = {"Accept-Language": "en" if locale == "en" else "zh-CN"}
    for path, field, body, zh, en in REFUSALS:
        sent = {**complete[path], **body}
        if sent.get("contract_id") == "HT-2022-017":  # the hospital's contract, not the school's
            sent["contract_id"] = ids["contracts"]["HT-2022-017"]
        status, answer = call(base, "POST", API + path, sent, token=token, headers=headers)
        assert status == 400, (path, body, answer)
        assert answer["error"]["code"] == "validation_failed"
        messages = answer["errors"].get(field)
        assert messages, (path, field, answer["errors"])
        assert (zh if locale == "zh_CN" else en) in " ".join(messages), (path, field, messages)
    # nothing refused was written
    assert not call(base, "GET", f"{API}/equipment?q=SN-REFUSED", token=token)[1]


def test_who_may_not_edit_the_archive_is_refused_and_unknown_ids_are_not_found(base: str) -> None:
    token = login(base, "sales1")
    _, contract, unit = sold(base, token, "B")
    for username in ("engineers1", "qc1"):
        other = login(base, username)
        for path in ("/customers", "/contracts", "/equipment"):
            assert call(base, "POST", API + path, {"name": "x"}, token=other)[0] == 403, (username, path)
        assert call(base, "PATCH", f"{API}/equipment/{unit['id']}", {"location": "x"}, token=other)[0] == 403
        assert call(base, "PATCH", f"{API}/contracts/{contract['id']}", {"deposit": 0}, token=other)[0] == 403
    for path in ("/customers/999999", "/equipment/999999", "/contracts/999999", "/contracts/99999999999"):
        status, body = call(base, "PATCH", API + path, {"location": "x"} if "equipment" in path else {}, token=token)
        assert status == 404 and body["error"]["code"] == "not_found", path
    assert call(base, "GET", f"{API}/contracts/{contract['id']}", token=login(base, "qc1"))[0] == 403


def test_a_plain_field_changes_at_once_with_an_audit_event(base: str, committed_session: Session) -> None:
    token = login(base, "after_sales1")
    customer, contract, unit = sold(base, login(base, "sales1"), "C")
    status, changed = call(
        base, "PATCH", f"{API}/equipment/{unit['id']}", {"location": "急诊楼 1 层", "department": "信息科"}, token=token
    )
    assert status == 200 and changed["location"] == "急诊楼 1 层" and changed["department"] == "信息科"
    (event,) = events(committed_session, "equipment_saved", unit_id=unit["id"])[1:]
    assert event.actor_name == "after_sales1" and event.data_after and event.data_after["location"] == "急诊楼 1 层"
    assert event.data_before and event.data_before["location"] == "门诊楼 2 层"
    accepted = {"accepted_on": "2026-11-20"}
    status, changed = call(base, "PATCH", f"{API}/equipment/{unit['id']}", accepted, token=token)
    assert status == 200 and changed["in_warranty"] is True and changed["warranty_end"] == "2032-11-19"
    # a customer: fields change, departments and contacts are added (a retried call adds nothing more)
    more = {
        "key_customer": False,
        "departments": [{"name": "放射科"}],
        "contacts": [{"name": "赵主任", "department": "放射科"}],
    }
    for _ in range(2):
        status, changed = call(base, "PATCH", f"{API}/customers/{customer['id']}", more, token=token)
        assert status == 200, changed
    assert changed["key_customer"] is False
    assert [d["name"] for d in changed["departments"]] == ["信息科", "放射科", "设备科"]
    assert sorted(c["name"] for c in changed["contacts"]) == ["王工", "赵主任"]
    # a contract's number needs no second person
    status, changed = call(base, "PATCH", f"{API}/contracts/{contract['id']}", {"number": "HT-API-C2"}, token=token)
    assert status == 200 and changed["number"] == "HT-API-C2"
    assert events(committed_session, "contract_saved", contract_id=contract["id"])[-1].data_after == {
        "number": "HT-API-C2"
    }


def test_terms_and_a_units_contract_wait_for_a_second_person_of_another_group(
    base: str, committed_session: Session
) -> None:
    sales = login(base, "sales1")
    customer, contract, unit = sold(base, sales, "D")
    terms = {"deposit": 45000, "inspection_every": "P1M", "follow_up_every": "P1Y", "signed_on": "2026-10-01"}
    status, change = call(base, "PATCH", f"{API}/contracts/{contract['id']}", terms, token=sales)
    assert status == 202 and change["kind"] == "contract_terms" and change["decision"] == "pending"
    assert change["values"] == {"deposit_amount": "45000.00", "inspection_every": "P1M", "follow_up_every": "P1Y"}
    assert change["previous"]["deposit_amount"] == "30000.50"
    assert {r["label"]: (r["old"], r["new"]) for r in change["rows"]}["巡查周期"] == ("每 6 个月", "每月")
    assert change["current"]["signed_on"] == "2026-10-01"  # a plain field: at once
    assert change["current"]["deposit"] == "30000.50"  # terms: not yet
    again = call(base, "PATCH", f"{API}/contracts/{contract['id']}", {"deposit": 1}, token=sales)
    assert again[0] == 400 and "deposit" in again[1]["errors"]  # one waiting terms change per contract
    assert call(base, "POST", f"{API}/changes/{change['id']}/approve", {}, token=sales)[0] == 403  # the asker
    after_sales = login(base, "after_sales1")  # another person, but of no approving group
    assert call(base, "POST", f"{API}/changes/{change['id']}/approve", {}, token=after_sales)[0] == 403
    assert call(base, "GET", f"{API}/contracts/{contract['id']}", token=sales)[1]["deposit"] == "30000.50"
    status, decided = call(base, "POST", f"{API}/changes/{change['id']}/approve", {}, token=login(base, "office1"))
    assert status == 200 and decided["decision"] == "approved"
    now = call(base, "GET", f"{API}/contracts/{contract['id']}", token=sales)[1]
    assert (now["deposit"], now["inspection_every"], now["follow_up_every"]) == ("45000.00", "P1M", "P1Y")
    (asked,) = events(committed_session, "change_asked", change_id=change["id"])
    (approved,) = events(committed_session, "change_approved", change_id=change["id"])
    assert (asked.actor_name, approved.actor_name) == ("sales1", "office1")
    # the unit moves to another of the customer's contracts only once approved
    second = {"number": "HT-API-D2", "customer_id": customer["id"], "warranty_years": 2, "deposit": 0}
    status, other = call(base, "POST", f"{API}/contracts", second, token=sales)
    assert status == 201
    status, move = call(base, "PATCH", f"{API}/equipment/{unit['id']}", {"contract_id": other["id"]}, token=sales)
    assert status == 202 and move["kind"] == "unit_contract" and move["current"]["contract_id"] == contract["id"]
    office = login(base, "office1")
    assert call(base, "POST", f"{API}/changes/{move['id']}/approve", {}, token=office)[0] == 200
    assert call(base, "GET", f"{API}/equipment/{unit['id']}", token=sales)[1]["contract_id"] == other["id"]
    # office asks: office may not approve its own group's asking, admins may
    status, asked_by_office = call(base, "PATCH", f"{API}/contracts/{other['id']}", {"warranty_years": 3}, token=office)
    assert status == 202
    assert call(base, "POST", f"{API}/changes/{asked_by_office['id']}/approve", {}, token=office)[0] == 403
    admins = login(base, "admins1")
    assert call(base, "POST", f"{API}/changes/{asked_by_office['id']}/approve", {}, token=admins)[0] == 200


def test_the_contract_edit_page_asks_for_new_cadences_through_the_approval(base: str) -> None:
    _, contract, _unit = sold(base, login(base, "sales1"), "E")
    web = WebClient(base)
    web.login("sales1")
    edit = f"/contracts/{contract['id']}/edit"
    _, form = web.get(edit)
    assert re.search(r'<select id="input-inspection_every".*?<option value="P6M" selected', form, re.S)
    assert "每 6 个月 (P6M)" in form and "每年 (P1Y)" in form
    values = dict(re.findall(r'<input id="input-(\w+)" name="\w+"\s+type="[^"]+"\s+value="([^"]*)"', form))
    for name in ("sla_policy", "part_prices"):
        found = re.search(rf'<textarea id="input-{name}"[^>]*>(.*?)</textarea>', form, re.S)
        values[name] = found.group(1).replace("&#34;", '"').replace("&quot;", '"') if found else ""
    values |= {"customer_id": str(contract["customer_id"]), "inspection_every": "P2Y", "follow_up_every": "P3M"}
    status, page = web.post(edit, {**values, "inspection_every": "P5Y"}, csrf_from=edit)
    assert status == 400 and "周期应在 1 个月到 2 年之间" in page
    status, page = web.post(edit, values, csrf_from=edit)
    assert status == 200 and "待审批的变更" in page and "巡查周期" in page
    assert "<del>每 6 个月</del>" in page and "<ins>每 2 年</ins>" in page
    _, unchanged = call(base, "GET", f"{API}/contracts/{contract['id']}", token=login(base, "sales1"))
    assert unchanged["inspection_every"] == "P6M"  # not before approval


def test_the_openapi_document_describes_the_writes(base: str) -> None:
    _, document = call(base, "GET", f"{API}/openapi.json")
    paths = document["paths"]
    assert {"get", "post"} <= paths["/customers"].keys() and "patch" in paths["/customers/{id}"]
    assert "post" in paths["/equipment"] and "202" in paths["/equipment/{id}"]["patch"]["responses"]
    assert "201" in paths["/contracts"]["post"]["responses"] and "403" in paths["/contracts"]["post"]["responses"]
    schemas = document["components"]["schemas"]
    assert {"CustomerIn", "EquipmentIn", "ContractIn"} <= schemas.keys()
    assert "inspection_every" in schemas["ContractIn"]["properties"]


@pytest.mark.parametrize(
    ("text", "months", "days"),
    [("P3M", 3, 0), ("p1y", 12, 0), ("P1Y6M", 18, 0), ("P4W", 0, 28), ("P45D", 0, 45), ("P2Y", 24, 0)],
)
def test_a_cadence_is_a_period_from_a_month_to_two_years(text: str, months: int, days: int) -> None:
    cadence = parse_cadence(text)
    assert (cadence.months, cadence.days) == (months, days)
    every = Every.parse(text.upper(), "contract")  # the obligations take every cadence the archive takes
    assert (every.years * 12 + every.months, every.weeks * 7 + every.days) == (months, days)


@pytest.mark.parametrize(
    "text", ["", "P", "P0D", "P27D", "P2Y1D", "P25M", "-P3M", "PT1H", "P3M1H", "3M", "P1M15D", None]
)
def test_other_cadences_are_refused(text: str | None) -> None:
    with pytest.raises(CadenceError):
        parse_cadence(text)


def test_a_cadence_adds_calendar_months_and_reads_in_both_languages(app: Flask) -> None:
    assert Every.parse("P1M", "contract").next_start(date(2026, 1, 31), date(2026, 1, 31)) == date(2026, 2, 28)
    assert Every.parse("P3M", "contract").next_start(date(2026, 11, 15), date(2026, 11, 15)) == date(2027, 2, 15)
    assert parse_cadence("P1Y6M").label("zh_CN") == "每 1 年 6 个月"
    assert parse_cadence("P3M").label("en") == "every 3 months"
    labels = [parse_cadence(t).label("zh_CN") for t in ("P1Y", "P1M", "P6W", "P45D")]
    assert labels == ["每年", "每月", "每 6 周", "每 45 天"]


def test_a_serial_taken_meanwhile_is_refused_on_its_field_not_a_500(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two calls with one serial at the same moment both pass the check before writing: the
    unique index refuses the later one, on the field."""
    monkeypatch.setattr(editing, "_unique", lambda *args: None)  # as if the other had not committed yet
    school = session.scalars(select(Customer).where(Customer.code == "C-0003")).one()
    body = {"serial": "SN-LP800-0006", "model": "LP-800", "customer_id": school.id}
    with pytest.raises(FormRejected) as refused:
        writes.create_unit(session, user(session, "sales1"), body, "zh_CN")
    assert refused.value.errors == {"serial": ["“SN-LP800-0006”已存在。"]}

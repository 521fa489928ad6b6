"""Software maintenance (维护期内软件维护、应用软件升级) over real HTTP: a unit recorded with its
software (POST /equipment), an upgrade planned in a window agreed with the customer, tested and
signed off (the unit's recorded version changes, the old one kept as history); a failed upgrade
rolled back (the version stays, the rollback recorded); a unit outside its maintenance period
refused; a campaign starting one upgrade per unit of a model, refused beyond its bound."""

from __future__ import annotations

import base64
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app.aftersales.archive.models import Contract, EquipmentUnit
from app.bpm.db import db
from app.bpm.forms.signature import DATA_URL_PREFIX
from app.processes.software_maintenance import service as upgrades
from harness.http_client import call
from harness.servers import LiveServer
from harness.walks import done, open_tasks, start, step, token
from harness.web_client import WebClient
from tests.bpm.test_signature import canvas

API = "/api/v1"
SIGNATURE = DATA_URL_PREFIX + base64.b64encode(canvas()).decode()
FIRMWARE = "测试固件"
CAMPAIGN = "批量升级固件"


@pytest.fixture(scope="module")
def base(live_server: LiveServer) -> str:
    return live_server.url


def contract_of(app: Flask, number: str) -> tuple[int, int]:
    with app.app_context():
        contract = db.session().scalars(select(Contract).where(Contract.number == number)).one()
        return contract.id, contract.customer_id


def new_unit(
    base: str, app: Flask, serial: str, accepted_on: date, version: str = "1.0.0", name: str = FIRMWARE
) -> dict[str, Any]:
    """A unit of the LP-800 model on the school's two-year contract, with its software."""
    contract_id, customer_id = contract_of(app, "HT-2025-003")
    body = {
        "serial": serial,
        "model": "LP-800",
        "customer_id": customer_id,
        "contract_id": contract_id,
        "accepted_on": accepted_on.isoformat(),
        "software": [
            {"name": name, "version": version, "installed_on": accepted_on.isoformat()},
            {"name": "驱动程序", "version": "7.1"},
        ],
    }
    status, unit = call(base, "POST", f"{API}/equipment", body, token(base, "after_sales1"))
    assert status == 201, unit
    return dict(unit)


def software_of(base: str, unit_id: int) -> dict[str, str]:
    status, unit = call(base, "GET", f"{API}/equipment/{unit_id}", token=token(base, "after_sales1"))
    assert status == 200, unit
    return {s["name"]: s["version"] for s in unit["software"]}


def plan(serial: str, target: str, **changes: Any) -> dict[str, Any]:
    return {
        "unit": serial,
        "software_name": FIRMWARE,
        "kind": "upgrade",
        "target_version": target,
        "mode": "remote",
        "window_start": "2026-12-10T20:00:00+08:00",
        "window_end": "2026-12-10T22:00:00+08:00",
        "agreed_with": "教务处王老师",
        "engineer": "engineers1",
        **changes,
    }


def test_an_upgrade_changes_the_recorded_version_and_keeps_the_old_one(base: str, app: Flask) -> None:
    unit = new_unit(base, app, "SN-SW-0001", date.today() - timedelta(days=200))
    assert software_of(base, unit["id"]) == {FIRMWARE: "1.0.0", "驱动程序": "7.1"}
    instance = start(base, "after_sales1", "software_maintenance")
    status, body = step(base, "after_sales1", instance, "plan_upgrade", plan("SN-SW-0001", "1.0.0"))
    assert status == 400 and "target_version" in body["errors"]  # the version it runs already
    status, body = step(
        base, "after_sales1", instance, "plan_upgrade", plan("SN-SW-0001", "2.0", software_name="无此软件")
    )
    assert status == 400 and "驱动程序" in body["errors"]["software_name"][0]  # names what it runs
    bad_window = plan("SN-SW-0001", "1.1.0", window_end="2026-12-10T19:00:00+08:00")
    status, body = step(base, "after_sales1", instance, "plan_upgrade", bad_window)
    assert status == 400 and "window_end" in body["errors"]
    done(base, "after_sales1", instance, "plan_upgrade", plan("SN-SW-0001", "1.1.0"))
    assert open_tasks(base, "engineers2", instance) == []  # the engineer named, not every engineer
    [perform] = open_tasks(base, "engineers1", instance)
    assert datetime.fromisoformat(perform["due_at"]) == datetime.fromisoformat(
        "2026-12-10T22:00:00+08:00"
    )  # the window
    status, body = step(
        base,
        "engineers1",
        instance,
        "perform_upgrade",
        {"performed_at": "2026-12-10T21:00:00+08:00", "test_passed": True, "test_notes": "打印测试页正常"},
    )
    assert status == 400 and "version_after" in body["errors"]  # passed: which version runs now
    done(
        base,
        "engineers1",
        instance,
        "perform_upgrade",
        {
            "performed_at": "2026-12-10T21:00:00+08:00",
            "test_passed": True,
            "version_after": "1.1.0",
            "test_notes": "打印测试页正常",
        },
    )
    assert software_of(base, unit["id"])[FIRMWARE] == "1.0.0"  # not before the customer signs
    done(base, "engineers1", instance, "sign_off", {"signer_name": "王老师", "customer_signature": SIGNATURE})
    assert software_of(base, unit["id"]) == {FIRMWARE: "1.1.0", "驱动程序": "7.1"}
    status, upgrade = call(base, "GET", f"{API}/software-upgrades/{instance}", token=token(base, "after_sales1"))
    assert status == 200 and upgrade["status"] == "upgraded"
    assert (upgrade["version_before"], upgrade["version_after"], upgrade["mode"]) == ("1.0.0", "1.1.0", "remote")
    assert upgrade["window"]["starts_at"].startswith("2026-12-10T12:00")
    web = WebClient(base)
    web.login("after_sales1")
    status, page = web.get(f"/equipment/{unit['id']}")
    assert status == 200 and 'id="software-history"' in page and "1.0.0" in page and "1.1.0" in page


def test_a_failed_upgrade_is_rolled_back_and_the_version_stays(base: str, app: Flask) -> None:
    unit = new_unit(base, app, "SN-SW-0002", date.today() - timedelta(days=100), version="3.0")
    instance = start(base, "after_sales1", "software_maintenance")
    done(base, "after_sales1", instance, "plan_upgrade", plan("SN-SW-0002", "3.1", mode="on_site"))
    done(
        base,
        "engineers1",
        instance,
        "perform_upgrade",
        {"performed_at": "2026-12-10T21:00:00+08:00", "test_passed": False, "test_notes": "升级后无法联网打印"},
    )
    assert [t["name"] for t in open_tasks(base, "engineers1", instance)] == ["roll_back"]
    status, body = step(base, "engineers1", instance, "roll_back", {"rolled_back_at": "2026-12-10T21:30:00+08:00"})
    assert status == 400 and "rollback_notes" in body["errors"]
    done(
        base,
        "engineers1",
        instance,
        "roll_back",
        {
            "rolled_back_at": "2026-12-10T21:30:00+08:00",
            "restored_version": "3.0",
            "rollback_notes": "恢复出厂固件 3.0",
        },
    )
    status, state = call(base, "GET", f"{API}/process-instances/{instance}", token=token(base, "after_sales1"))
    assert state["status"] == "completed"
    assert software_of(base, unit["id"])[FIRMWARE] == "3.0"
    status, upgrade = call(base, "GET", f"{API}/software-upgrades/{instance}", token=token(base, "after_sales1"))
    assert upgrade["status"] == "rolled_back" and upgrade["version_after"] is None
    assert upgrade["rollback"]["restored_version"] == "3.0" and upgrade["rollback"]["notes"] == "恢复出厂固件 3.0"
    assert upgrade["test_passed"] is False


def test_outside_the_maintenance_period_it_is_refused_saying_until_when(base: str, app: Flask) -> None:
    accepted = date.today() - timedelta(days=3 * 365)  # two years' maintenance long over
    new_unit(base, app, "SN-SW-0003", accepted)
    with app.app_context():
        unit = db.session().scalars(select(EquipmentUnit).where(EquipmentUnit.serial == "SN-SW-0003")).one()
        end = upgrades.maintenance_end(unit)
    instance = start(base, "after_sales1", "software_maintenance")
    status, body = step(base, "after_sales1", instance, "plan_upgrade", plan("SN-SW-0003", "1.1.0"))
    assert status == 400 and body["errors"]["unit"] == [
        f"设备 SN-SW-0003 的维护期已于 {end} 结束；维护期外的软件升级属有偿服务，请与业务部商定。"
    ]
    assert [t["name"] for t in open_tasks(base, "after_sales1", instance)] == ["plan_upgrade"]  # nothing moved


def test_a_campaign_starts_one_upgrade_per_unit_and_is_bounded(
    base: str, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    accepted = date.today() - timedelta(days=30)
    for serial in ("SN-SW-0011", "SN-SW-0012"):
        new_unit(base, app, serial, accepted, version="5.0", name=CAMPAIGN)
    new_unit(base, app, "SN-SW-0013", accepted, version="5.1", name=CAMPAIGN)  # runs the target already
    desk = token(base, "after_sales1")
    body = {"model": "LP-800", "software_name": CAMPAIGN, "target_version": "5.1", "kind": "patch"}
    status, refused = call(base, "POST", f"{API}/software-campaigns", body, token(base, "engineers1"))
    assert status == 403
    before = len(call(base, "GET", f"{API}/process-instances?process_id=software_maintenance", token=desk)[1])
    monkeypatch.setattr(upgrades, "MAX_CAMPAIGN_UNITS", 1)
    status, refused = call(base, "POST", f"{API}/software-campaigns", body, desk)
    assert status == 400 and "超过单次上限 1 台" in refused["errors"]["model"][0]
    monkeypatch.undo()
    after = len(call(base, "GET", f"{API}/process-instances?process_id=software_maintenance", token=desk)[1])
    assert after == before  # nothing started
    status, campaign = call(base, "POST", f"{API}/software-campaigns", body, desk)
    assert status == 201, campaign
    units = {u["serial"]: u for u in campaign["units"]}
    assert set(units) == {"SN-SW-0011", "SN-SW-0012"}  # not the unit that runs 5.1 already
    assert all(u["status"] == "to_plan" and u["version_before"] == "5.0" for u in units.values())
    first = units["SN-SW-0011"]["process_instance_id"]
    [task] = open_tasks(base, "after_sales1", first)
    status, view = call(base, "GET", f"{API}/tasks/{task['id']}", token=desk)
    assert view["data"]["unit"] == "SN-SW-0011" and view["data"]["software_name"] == CAMPAIGN
    done(base, "after_sales1", first, "plan_upgrade", plan("SN-SW-0011", "5.1", kind="patch", software_name=CAMPAIGN))
    status, again = call(base, "GET", f"{API}/software-campaigns/{campaign['id']}", token=desk)
    by_serial = {u["serial"]: u["status"] for u in again["units"]}
    assert by_serial["SN-SW-0011"] == "planned" and by_serial["SN-SW-0012"] == "to_plan"
    web = WebClient(base)
    web.login("after_sales1")
    status, page = web.get(f"/software-campaigns/{campaign['id']}")
    assert status == 200 and 'id="unit-SN-SW-0012"' in page and "待安排" in page and "已安排" in page


def test_a_new_units_software_is_bounded_and_checked_where_it_enters(base: str, app: Flask) -> None:
    contract_id, customer_id = contract_of(app, "HT-2025-003")
    unit = {"serial": "SN-SW-0099", "model": "LP-800", "customer_id": customer_id, "contract_id": contract_id}
    many = [{"name": f"程序{n}", "version": "1"} for n in range(51)]
    status, body = call(base, "POST", f"{API}/equipment", unit | {"software": many}, token(base, "after_sales1"))
    assert status == 400 and body["errors"]["software"] == ["一台设备最多登记 50 项软件。"]
    blank = [{"name": "固件", "version": " "}]
    status, body = call(base, "POST", f"{API}/equipment", unit | {"software": blank}, token(base, "after_sales1"))
    assert status == 400 and body["errors"] == {"software.0.version": ["此项为必填项。"]}
    status, body = call(base, "GET", f"{API}/equipment?q=SN-SW-0099", token=token(base, "after_sales1"))
    assert body == []  # nothing saved

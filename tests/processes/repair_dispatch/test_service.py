"""The repair process (R4–R11) through the services: intake, warranty check, dispatch, SLA
clocks from the recorded events, timers firing warnings and escalations, loaners, parts, the
signed record and the deposit ledger. Time moves only through `now=`; nothing sleeps."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.aftersales.approvals import service as approvals
from app.aftersales.archive import service as archive
from app.aftersales.archive.models import EquipmentUnit
from app.aftersales.warehouse.models import LoanerUnit, SparePart
from app.bpm import audit, definitions, history_text, instances, tasks, timers
from app.bpm.errors import Conflict, Forbidden, FormRejected, ServiceError
from app.bpm.models import Group, HumanTask
from app.bpm.plugins import StepContext, registry_of
from app.bpm.users import ensure_user
from app.processes.repair_dispatch import service as requests_service
from app.processes.repair_dispatch.models import ServiceRequest
from app.processes.repair_dispatch.service import FaultReport
from harness.apps import user

T0 = datetime(2026, 11, 27, 15, 30, tzinfo=UTC)  # 23:30 in China: a report just before midnight
# A 1×1 PNG: what the signature canvas sends, in miniature (a whole one: its image data inflates
# to the 5 bytes its one row needs, as the signature check wants)
SIGNATURE = (
    "data:image/png;base64,"
    + base64.b64encode(
        bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000b4944415478da636000020000050001e9fadcd80000000049454e44ae426082"
        )
    ).decode()
)


def unit_id(session: Session, serial: str) -> int:
    return session.scalars(select(EquipmentUnit.id).where(EquipmentUnit.serial == serial)).one()


def open_task(session: Session, instance_id: int, element_id: str) -> HumanTask:
    session.expire_all()
    return session.scalars(
        select(HumanTask).where(
            HumanTask.instance_id == instance_id, HumanTask.element_id == element_id, HumanTask.status == "ready"
        )
    ).one()


def complete(session: Session, username: str, instance_id: int, element_id: str, data: dict, at: datetime) -> None:
    task = open_task(session, instance_id, element_id)
    tasks.complete(session, user(session, username), task.id, data, "zh_CN", now=at)


def clocks(session: Session, request_id: int, at: datetime) -> dict[str, requests_service.ClockView]:
    session.expire_all()
    view = requests_service.request_view(session, user(session, "after_sales1"), request_id, now=at)
    return {c.name: c for c in view.clocks}


def test_in_warranty_repair_on_site_with_loaner_and_signed_record(session: Session) -> None:
    desk = user(session, "after_sales1")
    request = requests_service.report_fault(
        session,
        desk,
        FaultReport(unit_id(session, "SN-C3000-0004"), "phone", "卡纸，无法复印", "王老师", "0759-1234567"),
        now=T0,
    )
    assert request.in_warranty and request.number.startswith("BX20261127-")
    instance_id = request.instance_id
    assert instance_id is not None
    due = clocks(session, request.id, T0)
    assert due["response"].due_at == T0 + timedelta(hours=1)  # across midnight, 24×7
    assert due["arrival"].due_at == T0 + timedelta(hours=2)
    assert due["resolution"].due_at == T0 + timedelta(hours=24)
    assert set(due) == {"response", "arrival", "resolution"}  # loaner and filing start later

    # The response warning fires 45 min in: a task for the after-sales lead
    assert timers.fire_due(session, T0 + timedelta(minutes=46)).fired == 1
    assert open_task(session, instance_id, "warn_response").candidate_group == "after_sales_leads"
    complete(
        session,
        "engineers1",
        instance_id,
        "remote_support",
        {"contact_summary": "电话指导无效", "resolved_remotely": False},
        T0 + timedelta(minutes=50),
    )
    assert clocks(session, request.id, T0)["response"].met_at == T0 + timedelta(minutes=50)
    assert not clocks(session, request.id, T0 + timedelta(minutes=50))["response"].breached

    # In warranty: no sales task; dispatch names the engineer, who gets the next task
    with pytest.raises(FormRejected) as rejected:
        complete(
            session,
            "after_sales1",
            instance_id,
            "dispatch_engineer",
            {"engineer": "sales1", "extra_staff_needed": False},
            T0 + timedelta(minutes=55),
        )
    assert "engineer" in rejected.value.errors
    complete(
        session,
        "after_sales1",
        instance_id,
        "dispatch_engineer",
        {"engineer": "engineers2", "extra_staff_needed": True},
        T0 + timedelta(minutes=55),
    )
    assert open_task(session, instance_id, "assign_installation_staff").candidate_group == "office"
    complete(
        session,
        "office1",
        instance_id,
        "assign_installation_staff",
        {"staff": "installation1"},
        T0 + timedelta(minutes=60),
    )
    arrive = open_task(session, instance_id, "arrive_on_site")
    assert arrive.assignee is not None and arrive.assignee.username == "engineers2"

    # Late arrival: the breach timer escalates to the lead; the clock records the breach
    assert timers.fire_due(session, T0 + timedelta(hours=2, minutes=1)).fired >= 1
    assert open_task(session, instance_id, "escalate_arrival").candidate_group == "after_sales_leads"
    complete(
        session,
        "engineers2",
        instance_id,
        "arrive_on_site",
        {"findings": "定影器故障"},
        T0 + timedelta(hours=2, minutes=10),
    )
    seen = clocks(session, request.id, T0 + timedelta(hours=2, minutes=10))
    assert seen["arrival"].met_at == T0 + timedelta(hours=2, minutes=10) and seen["arrival"].breached
    assert seen["loaner"].status == "pending"
    assert seen["loaner"].starts_at == T0 + timedelta(hours=10, minutes=10)  # 8 h into the repair

    # Parts from stock, free in warranty
    movement = requests_service.issue_part(
        session, user(session, "engineers2"), request.id, "DRUM-C3000", 1, now=T0 + timedelta(hours=3)
    )
    assert movement.charge == Decimal("0.00")
    with pytest.raises(Conflict):
        requests_service.issue_part(session, user(session, "engineers2"), request.id, "DRUM-C3000", 99)

    # Not fixed 8 h in: the loaner task; a lower-spec or other-kind loaner is refused
    complete(
        session,
        "engineers2",
        instance_id,
        "repair_on_site",
        {"work_done": "等待配件", "repair_outcome": "continue"},
        T0 + timedelta(hours=4),
    )
    timers.fire_due(session, T0 + timedelta(hours=10, minutes=11))
    loaner_task = open_task(session, instance_id, "provide_loaner")
    choices = tasks.task_view(session, user(session, "office1"), loaner_task.id).choices["loaner_serial"]
    assert [serial for serial, _label in choices] == ["LOAN-C3000-01"]  # same kind, no lower level
    with pytest.raises(FormRejected):
        complete(
            session,
            "office1",
            instance_id,
            "provide_loaner",
            {"loaner_outcome": "delivered", "loaner_serial": "LOAN-C2000-01"},
            T0 + timedelta(hours=11),
        )
    complete(
        session,
        "office1",
        instance_id,
        "provide_loaner",
        {"loaner_outcome": "delivered", "loaner_serial": "LOAN-C3000-01"},
        T0 + timedelta(hours=12),
    )
    assert clocks(session, request.id, T0)["loaner"].met_at == T0 + timedelta(hours=12)
    loaner = session.scalars(select(LoanerUnit).where(LoanerUnit.serial == "LOAN-C3000-01")).one()
    assert loaner.status == "lent"

    # To the workshop and back; repaired within 24 h; the loaner comes back to the pool
    complete(
        session,
        "engineers2",
        instance_id,
        "repair_on_site",
        {"work_done": "需返厂", "repair_outcome": "workshop"},
        T0 + timedelta(hours=13),
    )
    complete(
        session, "engineers2", instance_id, "pick_up_unit", {"picked_up_note": "连同纸盒取回"}, T0 + timedelta(hours=14)
    )
    complete(
        session,
        "engineers2",
        instance_id,
        "workshop_repair",
        {"work_done": "更换定影器", "workshop_repaired": True},
        T0 + timedelta(hours=18),
    )
    complete(session, "engineers2", instance_id, "return_unit", {"return_note": "已安装调试"}, T0 + timedelta(hours=20))
    seen = clocks(session, request.id, T0 + timedelta(hours=20))
    assert seen["resolution"].met_at == T0 + timedelta(hours=20) and not seen["resolution"].breached
    session.expire_all()
    assert session.get(LoanerUnit, loaner.id).status == "available"  # type: ignore[union-attr]

    # The signed record; then filed with after-sales within 5 days
    with pytest.raises(FormRejected) as rejected:
        complete(
            session,
            "engineers2",
            instance_id,
            "complete_service_record",
            {"work_summary": "更换定影器", "signer_name": "王老师", "customer_signature": "data:image/png;base64,AAAA"},
            T0 + timedelta(hours=21),
        )
    assert "customer_signature" in rejected.value.errors
    # a draft keeps the drawing for the page; its audit event holds a marker, never the picture
    [record_task] = [t for t in instances.open_tasks(session, instance_id) if t.element_id == "complete_service_record"]
    draft = {"signer_name": "王老师", "customer_signature": SIGNATURE}
    tasks.save_draft(session, user(session, "engineers2"), record_task.id, draft)
    [event] = [e for e in instances.history(session, instance_id) if e.action == "task_draft_saved"]
    assert event.data_after == {"signer_name": "王老师", "customer_signature": audit.IMAGE_MARKER}
    assert "base64" not in str(event.data_before) + str(event.data_after) + str(event.details)
    [shown] = history_text.readable_history(session, [event], "zh_CN", ZoneInfo("Asia/Shanghai"))
    assert "（签名图片）" in shown.changes_text()
    complete(
        session,
        "engineers2",
        instance_id,
        "complete_service_record",
        {
            "work_summary": "更换定影器",
            "signer_name": "王老师",
            "customer_signature": SIGNATURE,
            "customer_opinion": "满意",
        },
        T0 + timedelta(hours=21),
    )
    assert clocks(session, request.id, T0)["record_filing"].due_at == T0 + timedelta(days=5, hours=21)
    png = requests_service.signature_png(session, desk, request.id)
    assert png.startswith(b"\x89PNG")

    # 否 at filing: the incomplete record goes back to the engineer with the reason, nothing is
    # filed, the request is not closed and the 5-day filing clock keeps running
    day1 = T0 + timedelta(days=1)
    for answer, missing in (({"checked": False}, "return_reason"), ({"checked": True}, "archive_number")):
        with pytest.raises(FormRejected) as rejected:
            complete(session, "after_sales1", instance_id, "file_service_record", answer, day1)
        assert missing in rejected.value.errors
    complete(
        session,
        "after_sales1",
        instance_id,
        "file_service_record",
        {"checked": False, "return_reason": "缺客户意见"},
        day1,
    )
    returned = requests_service.request_view(session, desk, request.id, now=day1)
    assert returned.record is not None and returned.record.filed_at is None
    assert returned.request.status == "resolved"
    filing = clocks(session, request.id, day1)["record_filing"]
    assert (filing.status, filing.met_at) == ("running", None)
    correction = open_task(session, instance_id, "correct_service_record")
    assert correction.assignee is not None and correction.assignee.username == "engineers2"
    instance = correction.instance
    context = (
        registry_of(session)
        .for_process("repair_dispatch")
        .context_of(StepContext(session, instance, correction.assignee, day1, "zh_CN", dict(instance.data)))
    )
    assert context is not None and context.details.returned_because == "缺客户意见"  # shown beside the task
    complete(session, "engineers2", instance_id, "correct_service_record", {"correction_notes": "已补客户意见"}, day1)
    complete(
        session,
        "after_sales1",
        instance_id,
        "file_service_record",
        {"archive_number": "SH-2026-001", "checked": True},
        T0 + timedelta(days=2),
    )
    filing = clocks(session, request.id, T0 + timedelta(days=2))["record_filing"]
    assert (filing.status, filing.met_at) == ("met", T0 + timedelta(days=2))
    view = requests_service.request_view(session, desk, request.id, now=T0 + timedelta(days=2))
    assert view.record is not None and view.record.filed_at == T0 + timedelta(days=2)
    assert view.record.signer_name == "王老师" and view.request.status == "resolved"
    assert [p.part.code for p in view.parts] == ["DRUM-C3000"]
    assert view.loans[0].returned_at == T0 + timedelta(hours=20)
    # the image is not in the process state, only a reference to the record
    assert view.request.instance is not None
    assert view.request.instance.data["customer_signature"] == f"service_records/{request.id}"


def test_out_of_warranty_goes_to_sales_and_parts_are_charged_at_most_the_contract_price(session: Session) -> None:
    desk = user(session, "after_sales1")
    request = requests_service.report_fault(
        session, desk, FaultReport(unit_id(session, "SN-C3000-0001"), "email", "彩色偏色"), now=T0
    )
    assert not request.in_warranty
    instance_id = request.instance_id
    assert instance_id is not None
    complete(
        session,
        "engineers1",
        instance_id,
        "remote_support",
        {"contact_summary": "远程无法解决", "resolved_remotely": False},
        T0 + timedelta(minutes=20),
    )
    assert open_task(session, instance_id, "agree_paid_service").candidate_group == "sales"  # R9
    complete(
        session,
        "sales1",
        instance_id,
        "agree_paid_service",
        {"paid_service_agreed": True, "repair_plan": "更换感光鼓，按成本收费"},
        T0 + timedelta(minutes=40),
    )
    # cost 1200, contract price 1100: never above the contract price; no labour fee
    movement = requests_service.issue_part(
        session, user(session, "engineers1"), request.id, "DRUM-C3000", 1, now=T0 + timedelta(hours=1)
    )
    assert movement.charge == Decimal("1100.00")
    back = requests_service.return_part(
        session, user(session, "engineers1"), request.id, "DRUM-C3000", 1, now=T0 + timedelta(hours=1)
    )
    assert back.charge == Decimal("-1100.00")
    with pytest.raises(Conflict):
        requests_service.return_part(session, user(session, "engineers1"), request.id, "DRUM-C3000", 1)


def test_declined_paid_service_closes_the_clocks_without_breach(session: Session) -> None:
    desk = user(session, "after_sales1")
    request = requests_service.report_fault(
        session, desk, FaultReport(unit_id(session, "SN-LP800-0003"), "visit", "不进纸"), now=T0
    )
    instance_id = request.instance_id
    assert instance_id is not None
    complete(
        session,
        "engineers1",
        instance_id,
        "remote_support",
        {"contact_summary": "需上门", "resolved_remotely": False},
        T0 + timedelta(minutes=20),
    )
    complete(
        session,
        "sales1",
        instance_id,
        "agree_paid_service",
        {"paid_service_agreed": False, "repair_plan": "客户自行处理"},
        T0 + timedelta(minutes=30),
    )
    seen = clocks(session, request.id, T0 + timedelta(days=3))
    assert seen["arrival"].status == "closed" and not seen["arrival"].breached
    assert seen["resolution"].status == "closed" and not seen["resolution"].breached
    session.expire_all()
    assert requests_service.request_view(session, desk, request.id).request.status == "declined"


def test_resolved_remotely_ends_with_a_record(session: Session) -> None:
    desk = user(session, "after_sales1")
    request = requests_service.report_fault(
        session, desk, FaultReport(unit_id(session, "SN-LP800-0006"), "web", "驱动问题"), now=T0
    )
    instance_id = request.instance_id
    assert instance_id is not None
    with pytest.raises(FormRejected) as rejected:  # the solution is required when resolved remotely
        complete(
            session,
            "engineers1",
            instance_id,
            "remote_support",
            {"contact_summary": "远程协助", "resolved_remotely": True},
            T0 + timedelta(minutes=15),
        )
    assert "remote_solution" in rejected.value.errors
    complete(
        session,
        "engineers1",
        instance_id,
        "remote_support",
        {"contact_summary": "远程协助", "resolved_remotely": True, "remote_solution": "重装驱动"},
        T0 + timedelta(minutes=15),
    )
    view = requests_service.request_view(session, desk, request.id, now=T0 + timedelta(hours=1))
    by_name = {c.name: c for c in view.clocks}
    assert by_name["resolution"].met_at == T0 + timedelta(minutes=15) and by_name["arrival"].status == "closed"
    assert view.record is not None and view.record.kind == "remote" and view.record.summary == "重装驱动"
    assert view.request.status == "closed" and view.request.instance is not None
    assert view.request.instance.status == "completed"


def _overdue_repair(session: Session) -> ServiceRequest:
    """A request on SN-GATE-0005 (contract HT-2023-045, deposit 80,000) whose repair is late:
    the resolution escalation waits for the after-sales lead."""
    desk = user(session, "after_sales1")
    request = requests_service.report_fault(
        session, desk, FaultReport(unit_id(session, "SN-GATE-0005"), "letter", "门禁失灵"), now=T0
    )
    instance_id = request.instance_id
    assert instance_id is not None and request.contract_id is not None
    complete(
        session,
        "engineers1",
        instance_id,
        "remote_support",
        {"contact_summary": "需上门", "resolved_remotely": False},
        T0 + timedelta(minutes=20),
    )
    complete(
        session,
        "after_sales1",
        instance_id,
        "dispatch_engineer",
        {"engineer": "engineers1", "extra_staff_needed": False},
        T0 + timedelta(minutes=25),
    )
    complete(session, "engineers1", instance_id, "arrive_on_site", {"findings": "主控板损坏"}, T0 + timedelta(hours=1))
    timers.fire_due(session, T0 + timedelta(hours=25))
    found = session.get(ServiceRequest, request.id)
    assert found is not None
    return found


ESCALATION = {
    "reason": "模块缺货",
    "action_taken": "客户另请团队",
    "customer_hired_other_team": True,
    "third_party_name": "某技术公司",
    "third_party_invoice": "FP-2026-0815",
    "third_party_cost": 3200,
}


def test_late_repair_another_team_is_deducted_from_the_deposit_once_approved(session: Session) -> None:
    """R10: the resolution breach escalates; the customer hired another team; its cost is asked
    off the contract's deposit as a pending entry, and counts once the office approves it."""
    request = _overdue_repair(session)
    instance_id, contract_id = request.instance_id, request.contract_id
    assert instance_id is not None and contract_id is not None
    desk = user(session, "after_sales1")
    before = archive.deposit_ledger(session, desk, contract_id).balance
    assert before == Decimal("80000.00")
    hired_without_facts = {k: v for k, v in ESCALATION.items() if not k.startswith("third_party")}
    with pytest.raises(FormRejected) as rejected:  # another team: its name, invoice and cost are required
        complete(session, "after_sales_leads1", instance_id, "escalate_resolution", hired_without_facts, T0)
    assert set(rejected.value.errors) == {"third_party_name", "third_party_invoice", "third_party_cost"}
    at = T0 + timedelta(hours=26)
    complete(session, "after_sales_leads1", instance_id, "escalate_resolution", ESCALATION, at)
    ledger = archive.deposit_ledger(session, desk, contract_id)
    assert ledger.balance == before and ledger.pending == Decimal("3200.00")  # asked, not yet counted
    line = ledger.entries[-1]
    assert (line.status, line.amount, line.request_id) == ("pending", Decimal("-3200.00"), request.id)
    assert line.asked_by is not None and line.asked_by.username == "after_sales_leads1" and line.approved_by is None
    change_id = approvals.pending_of(session, contract_id)[0].id
    lead = user(session, "after_sales_leads1")
    with pytest.raises(Forbidden):  # the asker never approves their own request
        approvals.decide(session, lead, change_id, True, None, "zh_CN", now=at)
    approvals.decide(session, user(session, "office1"), change_id, True, None, "zh_CN", now=at + timedelta(hours=1))
    ledger = archive.deposit_ledger(session, desk, contract_id)
    assert ledger.balance == before - Decimal("3200") and ledger.pending == 0
    line = ledger.entries[-1]
    assert (line.status, line.amount, line.request_id) == ("approved", Decimal("-3200.00"), request.id)
    assert line.asked_by is not None and line.asked_by.username == "after_sales_leads1"
    assert line.approved_by is not None and line.approved_by.username == "office1"
    assert line.approved_at == at + timedelta(hours=1)
    assert clocks(session, request.id, at)["resolution"].breached


def test_a_deduction_never_exceeds_the_deposit_balance(session: Session) -> None:
    """The finding: 10,000,000 off an 80,000 deposit sent the ledger to -9,920,000. Now it is
    refused on the cost field, in the user's language, and nothing is asked."""
    request = _overdue_repair(session)
    instance_id, contract_id = request.instance_id, request.contract_id
    assert instance_id is not None and contract_id is not None
    huge = {**ESCALATION, "third_party_cost": 10_000_000}
    with pytest.raises(FormRejected) as rejected:
        complete(session, "after_sales_leads1", instance_id, "escalate_resolution", huge, T0 + timedelta(hours=26))
    assert "超过质保金可用余额（80000.00 元" in rejected.value.errors["third_party_cost"][0]
    assert open_task(session, instance_id, "escalate_resolution").status == "ready"  # nothing lost: still open
    ledger = archive.deposit_ledger(session, user(session, "after_sales1"), contract_id)
    assert ledger.balance == Decimal("80000.00") and ledger.pending == 0 and ledger.entries == []


def test_the_asker_cannot_approve_even_in_an_approving_group(session: Session) -> None:
    """A lead who is also in the office asks a deduction: they still cannot approve it; the
    admins can."""
    groups = {g.id: g for g in session.scalars(select(Group).where(Group.id.in_(["after_sales_leads", "office"])))}
    ensure_user(session, "lead_and_office", "主管兼办公室", "x-password", list(groups.values()))
    session.flush()
    request = _overdue_repair(session)
    assert request.instance_id is not None and request.contract_id is not None
    at = T0 + timedelta(hours=26)
    complete(session, "lead_and_office", request.instance_id, "escalate_resolution", ESCALATION, at)
    change = approvals.pending_of(session, request.contract_id)[0]
    assert change.asked_by.username == "lead_and_office"
    with pytest.raises(Forbidden):
        approvals.decide(session, user(session, "lead_and_office"), change.id, True, None, "zh_CN", now=at)
    with pytest.raises(Forbidden):  # office too, but the asker is in the office: another group decides
        approvals.decide(session, user(session, "office1"), change.id, True, None, "zh_CN", now=at)
    approvals.decide(session, user(session, "admins1"), change.id, True, None, "zh_CN", now=at)
    assert archive.deposit_ledger(session, user(session, "admins1"), request.contract_id).balance == Decimal("76800.00")


def test_bad_intake_is_refused_with_a_reason(session: Session) -> None:
    desk = user(session, "after_sales1")
    with pytest.raises(ServiceError) as err:
        requests_service.report_fault(session, desk, FaultReport(unit_id(session, "SN-LP800-0006"), "fax", "x"))
    assert err.value.message_key == "error.bad_channel"
    with pytest.raises(ServiceError) as err:
        requests_service.report_fault(session, desk, FaultReport(unit_id(session, "SN-LP800-0006"), "phone", "   "))
    assert err.value.message_key == "error.bad_description"
    with pytest.raises(ServiceError) as err:
        requests_service.report_fault(session, desk, FaultReport(999999, "phone", "x"))
    assert err.value.status == 404
    stock = session.scalars(select(SparePart).where(SparePart.code == "ROLLER-LP800")).one().on_hand
    assert stock > 0


def test_only_the_resolution_escalation_offers_another_team(session: Session) -> None:
    """Hiring another team at the deposit's cost (R10) belongs to the repair deadline, not to
    a late response, arrival, loaner or filing."""
    loaded = definitions.loaded(definitions.latest(session, "repair_dispatch"))
    tasks_by_form = {t.element_id: t.form for t in loaded.model.user_tasks.values()}
    for element in ("escalate_response", "escalate_arrival", "escalate_loaner", "escalate_record_filing"):
        form = loaded.forms[tasks_by_form[element] or ""]
        assert form.field_names == {"reason", "action_taken"}, element
    resolution = loaded.forms[tasks_by_form["escalate_resolution"] or ""]
    assert {"customer_hired_other_team", "third_party_name", "third_party_cost"} <= resolution.field_names

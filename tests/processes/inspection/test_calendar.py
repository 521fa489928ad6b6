"""An inspection the calendar starts (no user, the unit given by the obligation) runs like one
started by hand; the checklist comes from data per model, falling back to the model's kind."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.aftersales.archive.models import EquipmentModel, EquipmentUnit
from app.bpm import instances, tasks
from app.bpm.models import HumanTask
from app.processes.inspection import service as inspections
from app.processes.inspection.models import ChecklistItem
from harness.apps import user

AT = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


def open_task(session: Session, instance_id: int, element_id: str) -> HumanTask:
    query = select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.element_id == element_id, HumanTask.status == "ready"
    )
    return session.scalars(query).one()


def test_started_by_the_calendar_with_its_unit(session: Session) -> None:
    unit = session.scalars(select(EquipmentUnit).where(EquipmentUnit.serial == "SN-LP800-0003")).one()
    obligation = {"kind": "inspection", "period_id": 1, "due_on": "2026-12-31", "period": "2026-10-01/2026-12-31"}
    data = {"customer_id": unit.customer_id, "unit_id": unit.id, "obligation": obligation}
    instance = instances.begin_instance(session, None, "inspection", data, now=AT)
    assert instance.started_by_id is None
    desk = user(session, "after_sales1")
    task = open_task(session, instance.id, "schedule_inspection")
    view = tasks.task_view(session, desk, task.id, "zh_CN")
    assert [value for value, _label in view.choices["unit"]] == [unit.serial]  # only the calendar's unit
    assert view.data["unit"] == unit.serial  # shown as chosen: the option's value, not the calendar's unit_id
    tasks.complete(session, desk, task.id, {"engineer": "engineers2", "planned_on": "2026-12-05"}, "zh_CN", now=AT)
    inspection = inspections.inspection_for_instance(session, instance.id)
    assert inspection is not None and inspection.unit_id == unit.id and inspection.engineer is not None
    assert [r.code for r in inspection.results] == ["running_status", "power_line", "print_quality", "paper_path"]
    engineer = user(session, "engineers2")
    entries = {r.code: inspections.Entry("ok", "") for r in inspection.results}
    inspections.save_checklist(session, engineer, instance.id, entries, "zh_CN")
    task = open_task(session, instance.id, "perform_inspection")
    assert task.assignee_id == engineer.id  # the engineer after_sales picked
    tasks.complete(session, engineer, task.id, {"findings": "正常"}, "zh_CN", now=AT)
    refused = {"customer_signed": False, "refusal_reason": "无人签字"}
    tasks.complete(
        session, engineer, open_task(session, instance.id, "sign_feedback_sheet").id, refused, "zh_CN", now=AT
    )
    session.refresh(instance)
    assert instance.status == "completed" and instance.data["unit_id"] == unit.id
    assert instance.data["obligation"] == obligation


def test_a_model_of_its_own_has_its_own_checklist(session: Session) -> None:
    gate = session.scalars(select(EquipmentModel).where(EquipmentModel.code == "FX-GATE")).one()
    codes = [i.code for i in inspections.checklist_for(session, gate)]
    assert codes[:2] == ["field_status", "power_line"] and "gate_lock" in codes
    session.add(ChecklistItem(kind="printer", position=9, code="toner", label_zh="墨粉", label_en="Toner"))
    session.flush()
    printer = session.scalars(select(EquipmentModel).where(EquipmentModel.code == "LP-800")).one()
    assert [i.code for i in inspections.checklist_for(session, printer)][-1] == "toner"  # data, not code

"""Periodic inspections during the maintenance period (巡检, R27): the checklist per equipment
model kept as data, the engineer's item results, the signed 巡查反馈信息单 and the inspection
part of a unit's history. What the diagram's elements do to these is in plugin.py."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.aftersales.archive.models import EquipmentModel, EquipmentUnit
from app.aftersales.archive.service import UnitSection
from app.aftersales.rules.warranty import coverage
from app.bpm.errors import Forbidden, FormRejected, NotFound
from app.bpm.forms.signature import NotASignature, clean_png
from app.bpm.instances import get_instance, visible_ids
from app.bpm.models import User
from app.bpm.unit_of_work import transactional
from app.i18n import translate
from app.processes.inspection.models import RESULTS, ChecklistItem, Inspection, InspectionResult

INSPECTION_PROCESS = "inspection"
NOTE_MAX = 2000
DEFAULT_MAINTENANCE_YEARS = 2

# The seed's inspection content (巡检内容包括外场设备运行状态、供电线路等): items per kind of
# equipment, and a model's own items where it has them. code, 中文, English.
FIELD_ITEMS = [
    ("field_status", "外场设备运行状态", "Field equipment running status"),
    ("power_line", "供电线路（电压、接头、接地）", "Power lines (voltage, joints, earthing)"),
    ("enclosure", "机箱、防雨防尘与安装固定", "Enclosure, weather sealing and mounting"),
    ("signal_link", "通信与信号线路", "Communication and signal lines"),
]
OFFICE_ITEMS = [
    ("running_status", "设备运行状态（开机自检、报错记录）", "Running status (self-test, error log)"),
    ("power_line", "电源线与供电插座", "Power cord and outlet"),
    ("print_quality", "输出质量（测试页）", "Output quality (test page)"),
    ("paper_path", "搓纸、输纸通道与耗材", "Paper path and consumables"),
]
SEED_CHECKLISTS: dict[tuple[str | None, str | None], list[tuple[str, str, str]]] = {
    (None, "field_equipment"): FIELD_ITEMS,
    (None, "copier"): [*OFFICE_ITEMS, ("scanner", "扫描与复印组件", "Scanner and copy unit")],
    (None, "printer"): OFFICE_ITEMS,
    ("FX-GATE", None): [*FIELD_ITEMS, ("gate_lock", "门禁锁具与读卡器", "Gate lock and card reader")],
}


def seed_checklists(session: Session) -> None:
    """The demo models' checklists (idempotent: items already there are kept as they are)."""
    have = {(i.model_code, i.kind, i.code) for i in session.scalars(select(ChecklistItem))}
    for (model_code, kind), items in SEED_CHECKLISTS.items():
        for position, (code, zh, en) in enumerate(items):
            if (model_code, kind, code) not in have:
                session.add(
                    ChecklistItem(
                        model_code=model_code, kind=kind, position=position, code=code, label_zh=zh, label_en=en
                    )
                )
    session.commit()


def checklist_for(session: Session, model: EquipmentModel) -> list[ChecklistItem]:
    """The model's own items when it has any, else its kind's."""
    query = select(ChecklistItem).where(ChecklistItem.active).order_by(ChecklistItem.position, ChecklistItem.id)
    own = list(session.scalars(query.where(ChecklistItem.model_code == model.code)))
    if own:
        return own
    return list(session.scalars(query.where(ChecklistItem.model_code.is_(None), ChecklistItem.kind == model.kind)))


def label(item: ChecklistItem | InspectionResult, locale: str) -> str:
    return item.label_zh if locale.startswith("zh") else item.label_en


def inspection_for_instance(session: Session, instance_id: int) -> Inspection | None:
    return session.scalars(select(Inspection).where(Inspection.instance_id == instance_id)).first()


def open_inspection(session: Session, instance_id: int, unit: EquipmentUnit) -> Inspection:
    """The instance's inspection, made with the unit's checklist the first time."""
    found = inspection_for_instance(session, instance_id)
    if found is not None:
        if found.unit_id != unit.id:  # the unit changed before anything was checked
            found.unit_id, found.customer_id = unit.id, unit.customer_id
            found.unit = unit
            found.results = _fresh_results(session, unit)
        return found
    inspection = Inspection(instance_id=instance_id, unit_id=unit.id, customer_id=unit.customer_id, status="scheduled")
    inspection.unit = unit
    inspection.results = _fresh_results(session, unit)
    session.add(inspection)
    return inspection


def _fresh_results(session: Session, unit: EquipmentUnit) -> list[InspectionResult]:
    return [
        InspectionResult(position=i.position, code=i.code, label_zh=i.label_zh, label_en=i.label_en)
        for i in checklist_for(session, unit.model)
    ]


def in_maintenance(unit: EquipmentUnit, today: date) -> bool:
    """Finally accepted and still within its maintenance period (维护期巡检): the contract's
    years from acceptance (2 without a contract, as the obligations calendar counts them)."""
    years = unit.contract.maintenance_years if unit.contract else DEFAULT_MAINTENANCE_YEARS
    end = coverage(unit.accepted_on, 0, years).maintenance_end
    return unit.accepted_on is not None and end is not None and unit.accepted_on <= today <= end


def units_to_inspect(session: Session, unit_id: int | None, today: date) -> list[EquipmentUnit]:
    """The unit the calendar named, or (started by hand) every unit accepted and within its
    maintenance period, by serial."""
    query = select(EquipmentUnit).order_by(EquipmentUnit.serial)
    if unit_id is not None:
        return list(session.scalars(query.where(EquipmentUnit.id == unit_id)).unique())
    query = query.where(EquipmentUnit.accepted_on.is_not(None), EquipmentUnit.accepted_on <= today)
    return [u for u in session.scalars(query).unique() if in_maintenance(u, today)]


def unit_by_serial(session: Session, serial: str) -> EquipmentUnit | None:
    return session.scalars(select(EquipmentUnit).where(EquipmentUnit.serial == serial)).first()


@dataclass(frozen=True)
class Entry:
    """One checklist line as typed: `result` ok | fault | "" (not checked yet), and a note."""

    result: str
    note: str


def _entry_errors(inspection: Inspection, entries: Mapping[str, Entry], locale: str) -> dict[str, list[str]]:
    known = {r.code for r in inspection.results}
    errors: dict[str, list[str]] = {}
    for code, entry in entries.items():
        if code not in known:
            errors[code] = [translate("inspection.error.unknown_item", locale)]
        elif entry.result and entry.result not in RESULTS:
            errors[code] = [translate("form.choice", locale)]
        elif len(entry.note) > NOTE_MAX:
            errors[code] = [translate("form.length", locale, min=0, max=NOTE_MAX)]
        elif entry.result == "fault" and not entry.note.strip():
            errors[code] = [translate("inspection.error.fault_needs_note", locale)]
    return errors


def may_fill(user: User, inspection: Inspection) -> bool:
    """The engineer the inspection was given to, while it is not yet done."""
    return inspection.status == "scheduled" and inspection.engineer_id == user.id


@transactional
def save_checklist(
    session: Session, user: User, instance_id: int, entries: Mapping[str, Entry], locale: str
) -> Inspection:
    """The engineer's results for some or all items; errors per item code, nothing saved then."""
    get_instance(session, user, instance_id)  # who may not see the instance gets 404
    inspection = inspection_for_instance(session, instance_id)
    if inspection is None:
        raise NotFound("error.not_found")
    if not may_fill(user, inspection):
        raise Forbidden("inspection.error.not_yours")
    errors = _entry_errors(inspection, entries, locale)
    if errors:
        raise FormRejected(errors)
    for result in inspection.results:
        entry = entries.get(result.code)
        if entry is not None:
            result.result = entry.result or None
            result.note = entry.note.strip() or None
    session.commit()
    return inspection


def get_inspection(session: Session, user: User, instance_id: int) -> Inspection:
    get_instance(session, user, instance_id)
    inspection = inspection_for_instance(session, instance_id)
    if inspection is None:
        raise NotFound("error.not_found")
    return inspection


@dataclass(frozen=True)
class FeedbackSheet:
    """The 巡查反馈信息单 as its paper form shows it, with the drawn signature (re-encoded)."""

    inspection: Inspection
    signature: bytes | None


def feedback_sheet(session: Session, user: User, instance_id: int) -> FeedbackSheet:
    inspection = get_inspection(session, user, instance_id)
    if inspection.inspected_at is None:
        raise NotFound("error.not_found")  # nothing inspected yet: no sheet
    signature = None
    if inspection.signature_png:
        try:
            signature = clean_png(inspection.signature_png)
        except NotASignature:
            signature = None
    return FeedbackSheet(inspection, signature)


def checklist_rows(session: Session, model_code: str) -> list[ChecklistItem]:
    model = session.scalars(select(EquipmentModel).where(EquipmentModel.code == model_code)).first()
    if model is None:
        raise NotFound("error.not_found")
    return checklist_for(session, model)


def dump(inspection: Inspection, locale: str) -> dict[str, Any]:
    def at(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": inspection.id,
        "process_instance_id": inspection.instance_id,
        "unit_id": inspection.unit_id,
        "serial": inspection.unit.serial,
        "customer_id": inspection.customer_id,
        "engineer": inspection.engineer.username if inspection.engineer else None,
        "planned_on": inspection.planned_on.isoformat() if inspection.planned_on else None,
        "inspected_at": at(inspection.inspected_at),
        "status": inspection.status,
        "items": [
            {"code": r.code, "label": label(r, locale), "result": r.result, "note": r.note} for r in inspection.results
        ],
        "findings": inspection.findings,
        "fault_found": any(r.result == "fault" for r in inspection.results),
        "service_request": {"id": inspection.request_id, "number": inspection.request_number}
        if inspection.request_number
        else None,
        "signer_name": inspection.signer_name,
        "signed_at": at(inspection.signed_at),
        "refusal_reason": inspection.refusal_reason,
        "filed_at": at(inspection.filed_at),
        "archive_number": inspection.archive_number,
    }


def unit_section(session: Session, user: User, unit: EquipmentUnit) -> UnitSection:
    """The inspections of the unit that the reader may see, with their findings and sheets."""
    query = select(Inspection).where(Inspection.unit_id == unit.id).order_by(Inspection.id.desc())
    found = list(session.scalars(query).unique())
    visible = visible_ids(session, user, [r.instance_id for r in found])
    rows = [r for r in found if r.instance_id in visible]
    return UnitSection(
        name=INSPECTION_PROCESS,
        template="inspection/_unit_section.html",
        values={"inspections": rows},
        api={"inspections": [dump(i, "en") for i in rows]},
    )

"""What the inspection diagram's elements do (bpmn/inspection.bpmn): the unit and engineer
picked when it is scheduled, the checklist checked item by item, a fault opening a service
request, the sheet signed by the customer's person in charge, and only a complete, signed
sheet filed. `REQUIRES` names every element these hooks rely on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from app.aftersales.service_requests import RequestOpening, open_service_request
from app.bpm.case_facts import office_tz
from app.bpm.errors import FormRejected
from app.bpm.forms import signature as signature_png
from app.bpm.models import Group, User
from app.bpm.plugins import Choices, Fact, ProcessPlugin, StepContext, WorkContext
from app.i18n import translate
from app.processes.inspection.models import Inspection
from app.processes.inspection.service import (
    INSPECTION_PROCESS,
    inspection_for_instance,
    label,
    may_fill,
    open_inspection,
    units_to_inspect,
)

USER_TASK, END_EVENT, THROW_EVENT = "userTask", "endEvent", "intermediateThrowEvent"
REQUIRES = {
    "start_inspection": "startEvent",
    "schedule_inspection": USER_TASK,
    "perform_inspection": USER_TASK,
    "sign_feedback_sheet": USER_TASK,
    "file_feedback_sheet": USER_TASK,
    "sheet_filed": THROW_EVENT,
    "end_not_signed": END_EVENT,
    "end_filed": END_EVENT,  # the inspection obligation is met only by a sheet filed (obligation rule data)
}


@dataclass(frozen=True)
class InspectionStep(StepContext):
    """The platform's context with the instance's inspection (None until it is scheduled)."""

    inspection: Inspection | None = None

    @property
    def the_inspection(self) -> Inspection:
        assert self.inspection is not None  # hooks after scheduling only
        return self.inspection


def inspection_case(ctx: StepContext) -> InspectionStep:
    return InspectionStep.extend(ctx, inspection=inspection_for_instance(ctx.session, ctx.instance.id))


def _unit_id(step: StepContext) -> int | None:
    value = step.instance.data.get("unit_id")
    return value if isinstance(value, int) else None


def _today(step: StepContext) -> date:
    return step.now.astimezone(office_tz()).date()


def _engineers(step: StepContext) -> list[User]:
    query = select(User).join(User.groups).where(Group.id == "engineers", User.active).order_by(User.username)
    return list(step.session.scalars(query))


def schedule_choices(step: InspectionStep) -> Choices:
    units = units_to_inspect(step.session, _unit_id(step), _today(step))
    return {
        "unit": [(u.serial, f"{u.serial} · {u.model.name} · {u.customer.name}") for u in units],
        "engineer": [(u.username, u.display_name or u.username) for u in _engineers(step)],
    }


def preselect_unit(step: InspectionStep) -> None:
    """Started by the calendar with `unit_id`: the schedule form's unit field (whose options are
    serials) shows that unit as chosen."""
    known = _unit_id(step)
    if known is not None and not step.data.get("unit"):
        found = units_to_inspect(step.session, known, _today(step))
        if found:
            step.data["unit"] = found[0].serial


def check_schedule(step: InspectionStep) -> None:
    """The unit (the calendar's, or the one picked) and an engineer; the inspection is made
    with the unit's checklist."""
    errors: dict[str, list[str]] = {}
    serial = str(step.data.get("unit") or "")
    known = _unit_id(step)
    offered = {u.serial: u for u in units_to_inspect(step.session, known, _today(step))}
    unit = offered.get(serial) if serial else None  # a unit not offered (not accepted, out of maintenance) is refused
    if unit is None and known is not None and not serial:
        unit = next(iter(offered.values()), None)
    if unit is None or (known is not None and unit.id != known):
        errors["unit"] = [translate("inspection.error.unit", step.locale)]
    engineers = {u.username: u for u in _engineers(step)}
    engineer = engineers.get(str(step.data.get("engineer") or ""))
    if engineer is None:
        errors["engineer"] = [translate("error.not_an_engineer", step.locale)]
    if errors or unit is None or engineer is None:
        raise FormRejected(errors)
    inspection = open_inspection(step.session, step.instance.id, unit)
    inspection.engineer_id = engineer.id
    inspection.engineer = engineer
    planned = step.data.get("planned_on")
    inspection.planned_on = date.fromisoformat(planned) if isinstance(planned, str) else None
    step.data.update(
        unit=unit.serial,
        unit_id=unit.id,
        customer_id=unit.customer_id,
        serial=unit.serial,
        customer=unit.customer.name,
        model=unit.model.name,
    )


def check_inspected(step: InspectionStep) -> None:
    """Every item checked; a fault opens a service request (channel: a visit on site) whose
    number the inspection keeps."""
    inspection = step.the_inspection
    missing = [label(r, step.locale) for r in inspection.results if r.result is None]
    if missing:
        message = translate("inspection.error.items_missing", step.locale, items="、".join(missing))
        raise FormRejected({"findings": [message]})
    faults = [r for r in inspection.results if r.result == "fault"]
    inspection.findings = str(step.data.get("findings") or "")
    inspection.inspected_at = step.now
    inspection.status = "inspected"
    step.data["fault_found"] = bool(faults)
    if faults and inspection.request_number is None and step.user is not None:
        lines = "；".join(f"{r.label_zh}：{r.note or ''}" for r in faults)
        opened = open_service_request(
            step.session,
            step.user,
            RequestOpening(
                unit_id=inspection.unit_id,
                description=f"巡检发现故障：{lines}"[:4000],
                channel="visit",
                origin_instance_id=step.instance.id,
            ),
            step.now,
        )
        inspection.request_id, inspection.request_number = opened.id, opened.number
    if inspection.request_number:
        step.data["request_number"] = inspection.request_number


def take_signed_sheet(step: InspectionStep) -> None:
    """The sheet signed (the drawing onto the inspection, not into the state), or refused."""
    inspection = step.the_inspection
    if not step.data.get("customer_signed"):
        inspection.refusal_reason = str(step.data.get("refusal_reason") or "")
        inspection.status = "unsigned"
        return
    drawing = signature_png.decode_data_url(step.data.get("customer_signature"))
    if drawing is None:
        raise FormRejected({"customer_signature": [translate("error.signature_required", step.locale)]})
    inspection.signature_png = drawing
    inspection.signer_name = str(step.data.get("signer_name") or "")[:100]
    inspection.customer_opinion = str(step.data.get("customer_opinion") or "") or None
    inspection.signed_at = step.now
    inspection.refusal_reason = None
    inspection.status = "signed"
    step.data["customer_signature"] = f"inspections/{inspection.id}"


def check_filing(step: InspectionStep) -> None:
    """A sheet returned as incomplete goes back to be signed again; it is not filed."""
    if not step.data.get("sheet_complete"):
        step.the_inspection.status = "returned"


def file_sheet(step: InspectionStep) -> None:
    inspection = step.the_inspection
    if inspection.filed_at is None:
        inspection.filed_at = step.now
        inspection.filed_by_id = step.user.id if step.user else None
        inspection.archive_number = str(step.data.get("archive_number") or "")[:60] or None
        inspection.status = "filed"


def not_signed(step: InspectionStep) -> None:
    step.the_inspection.status = "unsigned"


@dataclass(frozen=True)
class ChecklistCase:
    """Beside a task: the checklist, editable by its engineer while the inspection is open."""

    inspection: Inspection
    editable: bool


def work_context(step: InspectionStep) -> WorkContext | None:
    inspection = step.inspection
    if inspection is None:
        return None
    unit = inspection.unit
    label_text = translate("inspection.case", step.locale, serial=unit.serial, customer=unit.customer.name)
    engineer = inspection.engineer.display_name if inspection.engineer else ""
    planned = inspection.planned_on.isoformat() if inspection.planned_on else ""
    facts = [
        (translate("sr.unit", step.locale), f"{unit.model.name} · {unit.serial}"),
        (translate("equipment.location", step.locale), unit.location or ""),
        (translate("inspection.engineer", step.locale), engineer or ""),
        (translate("inspection.planned_on", step.locale), planned),
        (translate("inspection.request_number", step.locale), inspection.request_number or ""),
        (translate("inspection.status", step.locale), translate(f"inspection.status.{inspection.status}", step.locale)),
        # what the sheet says, for whoever signs or files it (file_feedback_sheet asks if it is complete)
        (translate("inspection.findings", step.locale), inspection.findings or ""),
        (translate("inspection.signer", step.locale), inspection.signer_name or ""),
        (translate("inspection.customer_opinion", step.locale), inspection.customer_opinion or ""),
        (translate("inspection.refusal_reason", step.locale), inspection.refusal_reason or ""),
    ]
    editable = step.element_id == "perform_inspection" and step.user is not None and may_fill(step.user, inspection)
    return WorkContext(
        label_text,
        args={"instance_id": inspection.instance_id},
        template="inspection/_checklist.html",
        details=ChecklistCase(inspection, editable),
        facts=tuple(Fact(k, v) for k, v in facts if v),
        print_endpoint="inspection.sheet_pdf" if inspection.inspected_at else None,
    )


def row_label(data: Mapping[str, Any]) -> str:
    return " · ".join(str(data[key]) for key in ("serial", "customer") if data.get(key))


DATA_LABELS = {
    "unit_id": "inspection.unit",
    "customer_id": "inspection.customer",
    "serial": "inspection.unit",
    "customer": "inspection.customer",
    "model": "inspection.model",
    "fault_found": "inspection.fault_found",
    "request_number": "inspection.request_number",
    "obligation": "inspection.obligation",
}


def inspection_plugin() -> ProcessPlugin[InspectionStep]:
    return ProcessPlugin(
        process_id=INSPECTION_PROCESS,
        requires=REQUIRES,
        case=inspection_case,
        work_context=work_context,
        row_label=row_label,
        data_labels=DATA_LABELS,
        choices={"schedule_inspection": schedule_choices},
        before_complete={
            "schedule_inspection": check_schedule,
            "perform_inspection": check_inspected,
            "sign_feedback_sheet": take_signed_sheet,
            "file_feedback_sheet": check_filing,
        },
        after_passing={"start_inspection": preselect_unit, "sheet_filed": file_sheet, "end_not_signed": not_signed},
    )

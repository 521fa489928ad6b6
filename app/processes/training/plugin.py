"""What the training process (bpmn/training.bpmn) adds to its diagram: the customer and
trainer to choose from, the checks of the plan (a real customer, unit and engineer), and the
signed record: attendees and materials read line by line, the drawing kept as a PNG in
`training_records` (not in the process data)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select

from app.aftersales.archive.models import Customer, EquipmentUnit
from app.bpm.errors import FormRejected
from app.bpm.forms import signature as signature_png
from app.bpm.models import Group, User
from app.bpm.plugins import Choices, ProcessPlugin, StepContext, WorkContext
from app.i18n import translate
from app.processes.training.models import TrainingRecord

TRAINING_PROCESS = "training"
REQUIRES = {"plan_training": "userTask", "hold_training": "userTask"}
TRAINERS = "engineers"
_LINK = re.compile(r"^(?P<name>.*?)\s*(?P<link>https?://\S+)?\s*$")
_SPLIT = re.compile(r"\s*[,，、;；\t]\s*")


def training_case(ctx: StepContext) -> StepContext:
    """A training keeps its plan in the process data and its signed record in its table."""
    return ctx


def _engineers(step: StepContext) -> list[User]:
    query = select(User).join(User.groups).where(Group.id == TRAINERS, User.active).order_by(User.username)
    return list(step.session.scalars(query))


def plan_choices(step: StepContext) -> Choices:
    query = select(Customer).order_by(Customer.code)
    preset = step.instance.data.get("customer_id")
    if isinstance(preset, int):  # started by the calendar (or planned already): its customer
        query = query.where(Customer.id == preset)
    return {
        "customer": [(str(c.id), f"{c.name} ({c.code})") for c in step.session.scalars(query)],
        "trainer": [(u.username, u.display_name or u.username) for u in _engineers(step)],
    }


def check_plan(step: StepContext) -> None:
    errors: dict[str, list[str]] = {}
    chosen = str(step.data.get("customer") or "").strip()
    customer_id = int(chosen) if chosen.isdigit() else step.instance.data.get("customer_id")
    customer = step.session.get(Customer, customer_id) if isinstance(customer_id, int) else None
    if customer is None:
        errors["customer"] = [translate("training.error.customer", step.locale)]
    serial = str(step.data.get("unit_serial") or "").strip()
    if customer is not None and serial:
        unit = step.session.scalars(
            select(EquipmentUnit).where(EquipmentUnit.serial == serial, EquipmentUnit.customer_id == customer.id)
        ).first()
        if unit is None:
            errors["unit_serial"] = [translate("training.error.unit", step.locale)]
        else:
            step.data["unit_id"] = unit.id
    if step.data.get("trainer") not in {u.username for u in _engineers(step)}:
        errors["trainer"] = [translate("training.error.trainer", step.locale)]
    if errors:
        raise FormRejected(errors)
    assert customer is not None
    step.data["customer_id"] = customer.id
    step.data["customer"] = str(customer.id)
    step.data["customer_name"] = customer.name


def parse_attendees(text: str, locale: str) -> list[dict[str, str]]:
    people = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = _SPLIT.split(line.strip(), maxsplit=1)
        if len(parts) != 2 or not parts[0] or not parts[1]:
            raise FormRejected({"attendees": [translate("training.error.attendees", locale, line=number)]})
        people.append({"name": parts[0][:100], "department": parts[1][:100]})
    if not people:
        raise FormRejected({"attendees": [translate("training.error.no_attendees", locale)]})
    return people


def parse_materials(text: str, locale: str) -> list[dict[str, str]]:
    items = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        found = _LINK.match(line.strip())
        name, link = (found.group("name"), found.group("link")) if found else (line.strip(), None)
        if (not name and not link) or ("://" in (name or "") and not link):
            raise FormRejected({"materials": [translate("training.error.materials", locale, line=number)]})
        items.append({"name": (name or link or "")[:200], "link": link or ""})
    return items


def record_training(step: StepContext) -> None:
    """The signed record: refused without a usable drawing; the PNG goes to the record's row,
    the data keeps a reference to it."""
    attendees = parse_attendees(str(step.data.get("attendees") or ""), step.locale)
    materials = parse_materials(str(step.data.get("materials") or ""), step.locale)
    drawing = signature_png.decode_data_url(step.data.get("customer_signature"))
    plan = step.instance.data
    if drawing is None:
        raise FormRejected({"customer_signature": [translate("training.error.signature", step.locale)]})
    record = step.session.scalars(
        select(TrainingRecord).where(TrainingRecord.instance_id == step.instance.id)
    ).first() or TrainingRecord(instance_id=step.instance.id)
    record.customer_id = int(plan["customer_id"])
    record.unit_id = plan.get("unit_id") if isinstance(plan.get("unit_id"), int) else None
    record.topics = [str(t) for t in plan.get("topics") or []]
    record.trainer = str(plan.get("trainer") or "") or None
    record.planned_on = _date(plan.get("planned_on"))
    record.held_on = _date(step.data.get("held_on"))
    record.attendees = attendees
    record.materials = materials
    record.signer_name = str(step.data.get("signer_name") or "")[:100]
    record.signed_at = step.now
    record.signature_png = drawing
    step.session.add(record)
    step.session.flush()
    step.data["customer_signature"] = f"training_records/{record.id}"
    step.data["attendee_list"] = attendees
    step.data["material_list"] = materials


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def work_context(step: StepContext) -> WorkContext | None:
    name = step.data.get("customer_name")
    if not name:
        return None  # not planned yet
    label = translate("training.case", step.locale, customer=name)
    if step.element_id or step.instance.status != "completed":
        return WorkContext(label)
    return WorkContext(label, args={"instance_id": step.instance.id}, print_endpoint="training.training_pdf")


def row_label(data: Mapping[str, Any]) -> str:
    return " · ".join(str(p) for p in (data.get("customer_name"), data.get("planned_on")) if p)


def training_plugin() -> ProcessPlugin[StepContext]:
    return ProcessPlugin(
        process_id=TRAINING_PROCESS,
        requires=REQUIRES,
        case=training_case,
        work_context=work_context,
        row_label=row_label,
        choices={"plan_training": plan_choices},
        before_complete={"plan_training": check_plan, "hold_training": record_training},
    )

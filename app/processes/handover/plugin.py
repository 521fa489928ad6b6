"""What the handover diagram's elements do (bpmn/handover.bpmn): the check of the unit's open
requests and pending repairs (a 'no' waits for them and checks again), the unit's state recorded
with its software, and the handover form signed by the customer, refused while a request is
still open. Its end meets the unit's `handover` obligation. `REQUIRES` names every element
these hooks rely on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.aftersales.archive import software
from app.bpm.case_facts import office_tz
from app.bpm.errors import FormRejected
from app.bpm.forms import signature as signature_png
from app.bpm.plugins import Choices, Fact, ProcessPlugin, StepContext, WorkContext
from app.i18n import translate
from app.processes.handover.models import CONDITIONS, Handover
from app.processes.handover.service import (
    HANDOVER_PROCESS,
    handover_for_instance,
    open_handover,
    open_requests,
    request_rows,
    units_for_handover,
)

USER_TASK = "userTask"
REQUIRES = {
    "start_handover": "startEvent",
    "check_unit": USER_TASK,
    "wait_for_repairs": USER_TASK,
    "record_state": USER_TASK,
    "sign_handover": USER_TASK,
    "end_handed_over": "endEvent",  # the handover obligation is met by this end (obligation rule data)
}


@dataclass(frozen=True)
class HandoverStep(StepContext):
    handover: Handover | None = None

    @property
    def the_handover(self) -> Handover:
        assert self.handover is not None  # hooks after the check only
        return self.handover


def handover_case(ctx: StepContext) -> HandoverStep:
    return HandoverStep.extend(ctx, handover=handover_for_instance(ctx.session, ctx.instance.id))


def _unit_id(step: StepContext) -> int | None:
    value = step.instance.data.get("unit_id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def check_choices(step: HandoverStep) -> Choices:
    units = units_for_handover(step.session, _unit_id(step))
    return {"unit": [(u.serial, f"{u.serial} · {u.model.name} · {u.customer.name}") for u in units]}


def preset_unit(step: HandoverStep) -> None:
    """Started by the calendar with `unit_id`: the check's unit field shows it."""
    known = _unit_id(step)
    if known is not None and not step.data.get("unit"):
        found = units_for_handover(step.session, known)
        if found:
            step.data["unit"] = found[0].serial


def _recheck(step: HandoverStep, handover: Handover) -> bool:
    """The unit's open requests now: kept on the handover and in the data; True when none."""
    found = open_requests(step.session, handover.unit_id)
    handover.open_requests = request_rows(found)
    handover.checked_at = step.now
    handover.status = "waiting" if found else "clear"
    step.data["requests_clear"] = not found
    step.data["open_requests"] = [r.number for r in found]
    return not found


def check_unit(step: HandoverStep) -> None:
    """The unit (the calendar's, or the one picked), and what is still open on it."""
    serial = str(step.data.get("unit") or "")
    offered = {u.serial: u for u in units_for_handover(step.session, _unit_id(step))}
    unit = offered.get(serial)
    if unit is None:
        raise FormRejected({"unit": [translate("handover.error.unit", step.locale)]})
    handover = open_handover(step.session, step.instance.id, unit)
    step.session.flush()
    _recheck(step, handover)
    step.data.update(
        unit=unit.serial,
        unit_id=unit.id,
        customer_id=unit.customer_id,
        serial=unit.serial,
        customer=unit.customer.name,
        model=unit.model.name,
        warranty_end=handover.warranty_end.isoformat() if handover.warranty_end else None,
    )


def check_again(step: HandoverStep) -> None:
    """After following up the open requests: checked again (still open: wait again)."""
    _recheck(step, step.the_handover)


def record_state(step: HandoverStep) -> None:
    """The unit's state as handed over, with the software it runs (from the archive)."""
    handover = step.the_handover
    condition = str(step.data.get("condition") or "")
    if condition not in CONDITIONS:
        raise FormRejected({"condition": [translate("form.choice", step.locale)]})
    handover.condition = condition
    handover.state_notes = str(step.data.get("state_notes") or "")[:4000] or None
    handover.documents = str(step.data.get("documents") or "")[:4000] or None
    handover.software = [software.dump(s) for s in software.current_software(step.session, handover.unit_id)]
    handover.recorded_at = step.now
    handover.status = "recorded"


def sign_handover(step: HandoverStep) -> None:
    """Signed by the customer: refused while a request of the unit is still open (the repairs
    are complete first), and without a usable drawing."""
    handover = step.the_handover
    still_open = open_requests(step.session, handover.unit_id)
    if still_open:
        numbers = "、".join(r.number for r in still_open)
        raise FormRejected(
            {"customer_signature": [translate("handover.error.still_open", step.locale, numbers=numbers)]}
        )
    drawing = signature_png.decode_data_url(step.data.get("customer_signature"))
    if drawing is None:
        raise FormRejected({"customer_signature": [translate("error.signature_required", step.locale)]})
    handover.signature_png = drawing
    handover.signer_name = str(step.data.get("signer_name") or "")[:100]
    handover.customer_opinion = str(step.data.get("customer_opinion") or "")[:2000] or None
    on = step.data.get("handed_over_on")
    handover.handed_over_on = (
        date.fromisoformat(on) if isinstance(on, str) and on else step.now.astimezone(office_tz()).date()
    )
    handover.signed_at = step.now
    handover.status = "signed"
    step.data["customer_signature"] = f"handovers/{handover.id}"


@dataclass(frozen=True)
class HandoverCase:
    handover: Handover


def work_context(step: HandoverStep) -> WorkContext | None:
    handover = step.handover
    if handover is None:
        return None
    unit = handover.unit
    label = translate("handover.case", step.locale, serial=unit.serial, customer=unit.customer.name)
    facts = [
        (translate("sr.unit", step.locale), f"{unit.model.name} · {unit.serial}"),
        (
            translate("handover.warranty_end", step.locale),
            handover.warranty_end.isoformat() if handover.warranty_end else "",
        ),
        (translate("handover.status", step.locale), translate(f"handover.status.{handover.status}", step.locale)),
        (
            translate("handover.condition", step.locale),
            translate(f"handover.condition.{handover.condition}", step.locale) if handover.condition else "",
        ),
        (translate("handover.state_notes", step.locale), handover.state_notes or ""),
        (translate("handover.open_requests", step.locale), "、".join(r["number"] for r in handover.open_requests)),
    ]
    return WorkContext(
        label,
        args={"instance_id": handover.instance_id},
        template="handover/_case.html",
        details=HandoverCase(handover),
        facts=tuple(Fact(k, v) for k, v in facts if v),
        print_endpoint="handover.handover_pdf" if handover.recorded_at else None,
    )


def row_label(data: Mapping[str, Any]) -> str:
    return " · ".join(str(data[key]) for key in ("serial", "customer") if data.get(key))


DATA_LABELS = {
    "unit_id": "handover.unit",
    "customer_id": "handover.customer",
    "serial": "handover.unit",
    "customer": "handover.customer",
    "model": "handover.model",
    "warranty_end": "handover.warranty_end",
    "location": "equipment.location",
    "requests_clear": "handover.requests_clear",
    "open_requests": "handover.open_requests",
    "obligation": "handover.obligation",
}


def handover_plugin() -> ProcessPlugin[HandoverStep]:
    return ProcessPlugin(
        process_id=HANDOVER_PROCESS,
        requires=REQUIRES,
        case=handover_case,
        work_context=work_context,
        row_label=row_label,
        data_labels=DATA_LABELS,
        choices={"check_unit": check_choices},
        before_complete={
            "check_unit": check_unit,
            "wait_for_repairs": check_again,
            "record_state": record_state,
            "sign_handover": sign_handover,
        },
        after_passing={"start_handover": preset_unit},
    )

"""What the delivery and acceptance diagram's elements mean (bpmn/delivery_acceptance.bpmn):
the units a delivery may be about, the checks its forms cannot express alone (a unit accepted
once is never accepted again, a replacement deadline lies ahead, everything is tested before
the acceptance test, both signatures are drawn), and the bookkeeping after each step: the
delivery, its checks, the on-site records with their replacements, the signed acceptance form
and the unit's `accepted_on` (through the archive), which starts its warranty.

`REQUIRES` names every element these hooks rely on; a diagram that lacks one is refused at
deploy, naming it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from app.aftersales.archive.acceptance import accept_unit, check_not_accepted
from app.aftersales.archive.models import EquipmentUnit
from app.bpm.case_facts import office_tz
from app.bpm.errors import Conflict, FormRejected, NotFound, ServiceError
from app.bpm.forms import signature as signature_png
from app.bpm.models import ProcessInstance
from app.bpm.plugins import Choices, Fact, ProcessPlugin, StepContext, WorkContext
from app.i18n import translate
from app.processes.delivery_acceptance.models import PROBLEMS, Delivery, DeliveryCheck, Replacement
from app.processes.delivery_acceptance.service import (
    DELIVERY_PROCESS,
    delivery_for_instance,
    units_awaiting_acceptance,
)

USER_TASK, END_EVENT, THROW_EVENT = "userTask", "endEvent", "intermediateThrowEvent"
REQUIRES = {
    "start_delivery": "startEvent",
    "contact_purchaser": USER_TASK,
    "deliver_goods": USER_TASK,
    "check_packaging": USER_TASK,
    "check_goods": USER_TASK,
    "record_on_site": USER_TASK,
    "replace_goods": USER_TASK,
    "replacement_late": "boundaryEvent",
    "install_and_commission": USER_TASK,
    "acceptance_test": USER_TASK,
    "sign_acceptance": USER_TASK,
    "unit_accepted": THROW_EVENT,
}


@dataclass(frozen=True)
class DeliveryStep(StepContext):
    """The platform's context with the delivery behind the instance (None before the unit is known)."""

    delivery: Delivery | None = None


def delivery_case(ctx: StepContext) -> DeliveryStep:
    return DeliveryStep.extend(ctx, delivery=delivery_for_instance(ctx.session, ctx.instance.id))


def _t(step: StepContext, key: str, **params: Any) -> str:
    return translate(key, step.locale, **params)


def _unit_id(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _delivery(step: DeliveryStep) -> Delivery:
    """The delivery of the instance, made when the unit is first known."""
    if step.delivery is not None:
        return step.delivery
    found = delivery_for_instance(step.session, step.instance.id)
    if found is not None:
        return found
    unit = _unit_of(step, step.data.get("unit_id"))
    delivery = Delivery(instance_id=step.instance.id, unit_id=unit.id, customer_id=unit.customer_id, status="open")
    step.session.add(delivery)
    step.session.flush()
    return delivery


def _unit_of(step: StepContext, value: Any) -> EquipmentUnit:
    unit_id = _unit_id(value)
    unit = step.session.get(EquipmentUnit, unit_id) if unit_id is not None else None
    if unit is None:
        raise NotFound("error.unit_not_found")
    return unit


def _other_open_delivery(step: StepContext, unit_id: int) -> Delivery | None:
    query = (
        select(Delivery)
        .join(ProcessInstance, ProcessInstance.id == Delivery.instance_id)
        .where(
            Delivery.unit_id == unit_id,
            Delivery.instance_id != step.instance.id,
            Delivery.status == "open",
            ProcessInstance.status.in_(("running", "error")),
        )
    )
    return step.session.scalars(query).first()


def _checked_unit(step: StepContext, value: Any) -> EquipmentUnit:
    """The unit a delivery may be about: one that exists, is not accepted yet and is not in
    another delivery still running; otherwise a service error with the reason."""
    unit = _unit_of(step, value)
    check_not_accepted(unit)
    if _other_open_delivery(step, unit.id) is not None:
        raise Conflict("delivery.error.unit_in_delivery", serial=unit.serial)
    return unit


# -- the case beside a task ------------------------------------------------------------------


def work_context(step: DeliveryStep) -> WorkContext | None:
    delivery = step.delivery
    if delivery is None:
        return None
    unit = delivery.unit
    label = _t(step, "delivery.case", serial=unit.serial, customer=unit.customer.name)
    contract = unit.contract
    facts = [
        (_t(step, "delivery.unit"), f"{unit.model.name} · {unit.serial}"),
        (_t(step, "delivery.customer"), unit.customer.name),
        (_t(step, "delivery.location"), unit.location),
        (
            _t(step, "delivery.contract"),
            f"{contract.number} · " + _t(step, "delivery.warranty_years", years=contract.warranty_years)
            if contract
            else None,
        ),
        (_t(step, "delivery.contact"), " · ".join(v for v in (delivery.contact_name, delivery.contact_phone) if v)),
        (_t(step, "delivery.agreed_on"), delivery.agreed_on.isoformat() if delivery.agreed_on else None),
    ]
    open_replacement = _open_replacement(delivery)
    last = delivery.replacements[-1] if delivery.replacements else None
    if last is not None:
        facts.append((_t(step, "delivery.site_record"), last.record))
        due = last.due_at.astimezone(office_tz()).strftime("%Y-%m-%d %H:%M")
        facts.append((_t(step, "delivery.replacement_due"), due))
        if open_replacement is None and last.done_note:
            facts.append((_t(step, "delivery.replaced"), last.done_note))
    if step.data.get("test_passed") is False and step.element_id == "install_and_commission":
        facts.append((_t(step, "delivery.test_failed"), str(step.data.get("test_failures") or "")))
    print_endpoint = None
    if step.element_id is None and delivery.signed_at is not None:
        print_endpoint = "delivery.acceptance_pdf"
    return WorkContext(
        label,
        args={"delivery_id": delivery.id},
        facts=tuple(Fact(name, str(value)) for name, value in facts if value),
        print_endpoint=print_endpoint,
    )


def row_label(data: Mapping[str, Any]) -> str:
    return " · ".join(str(data[key]) for key in ("serial", "customer") if data.get(key))


# -- choices ---------------------------------------------------------------------------------


def unit_choices(step: DeliveryStep) -> Choices:
    keep = _unit_id(step.data.get("unit_id"))
    return {
        "unit_id": [
            (str(u.id), f"{u.serial} · {u.model.name} · {u.customer.name}")
            for u in units_awaiting_acceptance(step.session, keep)
        ]
    }


# -- before a task completes -----------------------------------------------------------------


def check_unit(step: DeliveryStep) -> None:
    """The unit chosen (or given by the sales system) must be one a delivery may be about."""
    try:
        unit = _checked_unit(step, step.data.get("unit_id"))
    except ServiceError as err:
        raise FormRejected({"unit_id": [_t(step, err.message_key, **err.params)]}) from None
    step.data.update(
        customer_id=unit.customer_id, serial=unit.serial, model=unit.model.name, customer=unit.customer.name
    )


def _instant(value: Any) -> datetime | None:
    try:
        at = datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=office_tz())
    return at


def check_replacement_due(step: DeliveryStep) -> None:
    """The deadline lies ahead; it is kept in UTC, where the diagram's timer reads it."""
    due = _instant(step.data.get("replacement_due"))
    if due is None or due <= step.now:
        raise FormRejected({"replacement_due": [_t(step, "delivery.error.due_in_past")]})
    step.data["replacement_due"] = due.astimezone(UTC).isoformat()


# What a failed goods check found, as the on-site record's problem types
_GOODS_PROBLEMS = {"quantity_ok": "shortage", "quality_ok": "defect", "undamaged": "damage"}


def draft_site_record_from_packaging(step: DeliveryStep) -> None:
    """Packaging not intact: the on-site record starts from what the check wrote (the person
    recording ticks whether it was opened or damaged)."""
    if step.data.get("packaging_intact") is False:
        step.data["site_record"] = str(step.data.get("packaging_findings") or "")
        if step.instance.data.get("problems"):  # an earlier round's, not this one's
            step.data["problems"] = []


def draft_site_record_from_goods(step: DeliveryStep) -> None:
    """Shortage, defects or damage ticked: the on-site record starts with those problem types
    and the check's findings."""
    problems = [problem for flag, problem in _GOODS_PROBLEMS.items() if step.data.get(flag) is False]
    if problems:
        step.data["site_record"] = str(step.data.get("goods_findings") or "")
        step.data["problems"] = problems


def check_all_tested(step: DeliveryStep) -> None:
    """R26: the acceptance test comes only after all hardware and software were tested."""
    errors = {
        name: [_t(step, "delivery.error.test_everything")]
        for name in ("hardware_tested", "software_tested")
        if step.data.get(name) is not True
    }
    if errors:
        raise FormRejected(errors)


def take_signed_form(step: DeliveryStep) -> None:
    """The 验收单 signed by the acceptor AND the unit head: both drawings go onto the delivery
    (cleaned PNGs), not into the state; a unit accepted meanwhile is refused."""
    drawings = {
        name: signature_png.decode_data_url(step.data.get(name)) for name in ("acceptor_signature", "head_signature")
    }
    missing = {name: [_t(step, "error.signature_required")] for name, png in drawings.items() if png is None}
    if missing:
        raise FormRejected(missing)
    delivery = _delivery(step)
    check_not_accepted(delivery.unit)
    delivery.acceptor_name = str(step.data.get("acceptor_name") or "")[:100]
    delivery.head_name = str(step.data.get("head_name") or "")[:100]
    delivery.acceptor_signature = drawings["acceptor_signature"]
    delivery.head_signature = drawings["head_signature"]
    delivery.opinion = step.data.get("acceptance_opinion") or None
    delivery.signed_at = step.now
    delivery.signed_by_id = step.user.id if step.user else None
    step.data["acceptor_signature"] = f"deliveries/{delivery.id}/acceptor"
    step.data["head_signature"] = f"deliveries/{delivery.id}/head"


# -- after each engine step ------------------------------------------------------------------


def started(step: DeliveryStep) -> None:
    """Started with a unit (the sales system's call): that unit must be one a delivery may be
    about, else the start is refused with the reason; its delivery is opened at once."""
    if step.data.get("unit_id") is None:
        return  # started by hand: the first task picks the unit
    _checked_unit(step, step.data.get("unit_id"))
    _delivery(step)


def contacted(step: DeliveryStep) -> None:
    delivery = _delivery(step)
    unit = _unit_of(step, step.data.get("unit_id"))
    delivery.unit_id, delivery.customer_id = unit.id, unit.customer_id
    delivery.contact_name = str(step.data.get("contact_name") or "")[:100] or None
    delivery.contact_phone = str(step.data.get("contact_phone") or "")[:40] or None
    try:
        delivery.agreed_on = date.fromisoformat(str(step.data.get("agreed_date")))
    except ValueError:
        delivery.agreed_on = None


def delivered(step: DeliveryStep) -> None:
    _delivery(step).delivered_at = _instant(step.data.get("delivered_at")) or step.now


def _check(step: DeliveryStep, kind: str, passed: bool, findings: dict[str, Any]) -> None:
    by_id = step.user.id if step.user else None
    _delivery(step).checks.append(DeliveryCheck(kind=kind, passed=passed, findings=findings, at=step.now, by_id=by_id))


def packaging_checked(step: DeliveryStep) -> None:
    data = step.data
    intact = data.get("packaging_intact") is True
    findings = {} if intact else {k: data.get(k) for k in ("packaging_findings", "customer_decision")}
    _check(step, "packaging", intact, findings)


def goods_checked(step: DeliveryStep) -> None:
    data = step.data
    flags = {k: data.get(k) is True for k in ("quantity_ok", "quality_ok", "undamaged")}
    findings: dict[str, Any] = {**flags, "packing_list_number": data.get("packing_list_number") or None}
    if not all(flags.values()):
        findings["goods_findings"] = data.get("goods_findings")
    _check(step, "goods", all(flags.values()), findings)


def recorded_on_site(step: DeliveryStep) -> None:
    data = step.data
    problems = [p for p in data.get("problems") or [] if p in PROBLEMS]
    due = _instant(data.get("replacement_due")) or step.now
    _delivery(step).replacements.append(
        Replacement(
            problems=problems,
            record=str(data.get("site_record") or ""),
            witness=str(data.get("witness") or "")[:100] or None,
            recorded_at=step.now,
            recorded_by_id=step.user.id if step.user else None,
            due_at=due,
        )
    )


def _open_replacement(delivery: Delivery) -> Replacement | None:
    return next((r for r in reversed(delivery.replacements) if r.done_at is None), None)


def replaced(step: DeliveryStep) -> None:
    replacement = _open_replacement(_delivery(step))
    if replacement is not None:
        replacement.done_at = _instant(step.data.get("replaced_at")) or step.now
        replacement.done_note = str(step.data.get("replacement_note") or "") or None


def replacement_late(step: DeliveryStep) -> None:
    replacement = _open_replacement(_delivery(step))
    if replacement is not None and replacement.escalated_at is None:
        replacement.escalated_at = step.now


def installed(step: DeliveryStep) -> None:
    _delivery(step).installed_at = step.now


def tested(step: DeliveryStep) -> None:
    if step.data.get("test_passed") is True:
        _delivery(step).tested_at = step.now


def accepted(step: DeliveryStep) -> None:
    """The signed form accepts the unit: its `accepted_on` (the office's day) starts the
    warranty, maintenance period and spare-parts promise (rules/warranty.py)."""
    delivery = _delivery(step)
    day = step.now.astimezone(office_tz()).date()
    accept_unit(step.session, step.user, delivery.unit_id, day, step.now, instance_id=step.instance.id)
    delivery.status, delivery.accepted_on = "accepted", day


DATA_LABELS = {
    "serial": "delivery.serial",
    "model": "delivery.model",
    "customer": "delivery.customer",
    "customer_id": "delivery.customer_code",
    "accepted_on": "delivery.accepted_on",  # the archive's unit_accepted event
}


def delivery_plugin() -> ProcessPlugin[DeliveryStep]:
    return ProcessPlugin(
        process_id=DELIVERY_PROCESS,
        requires=REQUIRES,
        case=delivery_case,
        work_context=work_context,
        row_label=row_label,
        data_labels=DATA_LABELS,
        choices={"contact_purchaser": unit_choices},
        before_complete={
            "contact_purchaser": check_unit,
            "check_packaging": draft_site_record_from_packaging,
            "check_goods": draft_site_record_from_goods,
            "record_on_site": check_replacement_due,
            "install_and_commission": check_all_tested,
            "sign_acceptance": take_signed_form,
        },
        after_passing={  # in this order within one step
            "start_delivery": started,
            "contact_purchaser": contacted,
            "deliver_goods": delivered,
            "check_packaging": packaging_checked,
            "check_goods": goods_checked,
            "record_on_site": recorded_on_site,
            "replace_goods": replaced,
            "replacement_late": replacement_late,
            "install_and_commission": installed,
            "acceptance_test": tested,
            "unit_accepted": accepted,
        },
    )

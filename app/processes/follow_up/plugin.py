"""What the follow-up diagram's elements do (bpmn/follow_up.bpmn): whom to follow up and how
(the calendar's customer and unit, or those picked), the phone follow-up whose quality problem
opens a service request attended within 24 h, and the key-customer visit with its findings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from app.aftersales.service_requests import RequestOpening, open_service_request
from app.bpm.errors import FormRejected
from app.bpm.plugins import Choices, Fact, ProcessPlugin, StepContext, WorkContext
from app.i18n import translate
from app.processes.follow_up.models import FollowUp
from app.processes.follow_up.service import (
    FOLLOW_UP_PROCESS,
    customer_by_code,
    customers,
    finding_choices,
    follow_up_for_instance,
    may_record,
    plan,
    unit_by_serial,
    units,
)

USER_TASK = "userTask"
REQUIRES = {
    "start_follow_up": "startEvent",
    "plan_follow_up": USER_TASK,
    "phone_follow_up": USER_TASK,
    "record_visit": USER_TASK,
}
ATTEND_WITHIN = timedelta(hours=24)  # 一旦出现质量问题，24 小时内到位


@dataclass(frozen=True)
class FollowUpStep(StepContext):
    follow_up: FollowUp | None = None

    @property
    def the_follow_up(self) -> FollowUp:
        assert self.follow_up is not None  # hooks after planning only
        return self.follow_up


def follow_up_case(ctx: StepContext) -> FollowUpStep:
    return FollowUpStep.extend(ctx, follow_up=follow_up_for_instance(ctx.session, ctx.instance.id))


def _known(step: StepContext, key: str) -> int | None:
    value = step.instance.data.get(key)
    return value if isinstance(value, int) else None


def plan_choices(step: FollowUpStep) -> Choices:
    customer_id = _known(step, "customer_id")
    key = translate("follow_up.key_customer", step.locale)
    return {
        "customer": [
            (c.code, f"{c.name}{' · ' + key if c.is_key else ''}") for c in customers(step.session, customer_id)
        ],
        "unit": [
            (u.serial, f"{u.serial} · {u.model.name} · {u.customer.name}")
            for u in units(step.session, customer_id, _known(step, "unit_id"))
        ],
    }


def preselect(step: FollowUpStep) -> None:
    """Started by the calendar with `customer_id` (and `unit_id`): the plan form's customer and
    unit fields (whose options are codes and serials) show them as chosen."""
    known_customer, known_unit = _known(step, "customer_id"), _known(step, "unit_id")
    if known_customer is not None and not step.data.get("customer"):
        found = customers(step.session, known_customer)
        if found:
            step.data["customer"] = found[0].code
    if known_unit is not None and not step.data.get("unit"):
        found_units = units(step.session, None, known_unit)
        if found_units:
            step.data["unit"] = found_units[0].serial


def check_plan(step: FollowUpStep) -> None:
    """The calendar's customer and unit (a field left empty keeps them), or those picked; a
    phone follow-up is about one unit of that customer."""
    errors: dict[str, list[str]] = {}
    mode = str(step.data.get("mode") or "")
    code, serial = str(step.data.get("customer") or ""), str(step.data.get("unit") or "")
    known_customer, known_unit = _known(step, "customer_id"), _known(step, "unit_id")
    customer = customer_by_code(step.session, code) if code else None
    if customer is None and not code and known_customer is not None:
        found = customers(step.session, known_customer)
        customer = found[0] if found else None
    unit = unit_by_serial(step.session, serial) if serial else None
    if unit is None and not serial and known_unit is not None and mode == "phone":
        found_units = units(step.session, None, known_unit)
        unit = found_units[0] if found_units else None
    if customer is None and unit is not None and not code:
        customer = unit.customer
    if customer is None or (known_customer is not None and customer.id != known_customer):
        errors["customer"] = [translate("follow_up.error.customer", step.locale)]
    if mode == "phone" and (unit is None or (customer is not None and unit.customer_id != customer.id)):
        errors["unit"] = [translate("follow_up.error.unit", step.locale)]
    if errors or customer is None:
        raise FormRejected(errors)
    if mode != "phone":
        unit = None
    plan(step.session, step.instance.id, mode, customer, unit)
    step.data.update(customer=customer.code, customer_id=customer.id, customer_name=customer.name, mode=mode)
    if unit is not None:
        step.data.update(unit=unit.serial, unit_id=unit.id, serial=unit.serial)


def record_phone(step: FollowUpStep) -> None:
    """The call as recorded; a quality problem opens a service request whose engineer must be
    on site within 24 hours, its number kept with the follow-up."""
    follow_up = step.the_follow_up
    data = step.data
    follow_up.contact_name = str(data.get("contact_name") or "")[:300]
    follow_up.running_status = str(data.get("running_status") or "")
    follow_up.summary = str(data.get("problems") or "") or None
    follow_up.quality_problem = bool(data.get("quality_problem"))
    follow_up.done_by_id = step.user.id if step.user else None
    follow_up.done_at, follow_up.status = step.now, "done"
    if follow_up.quality_problem and follow_up.request_number is None and step.user and follow_up.unit_id:
        opened = open_service_request(
            step.session,
            step.user,
            RequestOpening(
                unit_id=follow_up.unit_id,
                description=str(data.get("problem_description") or "")[:4000],
                channel="phone",
                origin_instance_id=step.instance.id,
                contact_name=follow_up.contact_name or None,
                attend_within=ATTEND_WITHIN,
            ),
            step.now,
        )
        follow_up.request_id, follow_up.request_number = opened.id, opened.number
    if follow_up.request_number:
        data["request_number"] = follow_up.request_number


def record_visit(step: FollowUpStep) -> None:
    """The visit record: who visited, whom they met, and at least one finding."""
    follow_up = step.the_follow_up
    if not follow_up.findings:
        raise FormRejected({"summary": [translate("follow_up.error.no_findings", step.locale)]})
    data = step.data
    visited = data.get("visited_on")
    follow_up.visited_on = date.fromisoformat(visited) if isinstance(visited, str) else None
    follow_up.visitors = str(data.get("visitors") or "")[:300]
    follow_up.contact_name = str(data.get("met_persons") or "")[:300]
    follow_up.summary = str(data.get("summary") or "") or None
    follow_up.done_by_id = step.user.id if step.user else None
    follow_up.done_at, follow_up.status = step.now, "done"


@dataclass(frozen=True)
class VisitCase:
    follow_up: FollowUp
    editable: bool
    departments: list[str]
    models: list[str]


def work_context(step: FollowUpStep) -> WorkContext | None:
    follow_up = step.follow_up
    if follow_up is None:
        return None
    mode = translate(f"follow_up.mode.{follow_up.mode}", step.locale)
    label = translate("follow_up.case", step.locale, mode=mode, customer=follow_up.customer.name)
    facts = [(translate("follow_up.customer", step.locale), follow_up.customer.name)]
    if follow_up.unit is not None:
        unit = follow_up.unit
        facts.append((translate("sr.unit", step.locale), f"{unit.model.name} · {unit.serial}"))
        facts.append((translate("equipment.accepted_on", step.locale), str(unit.accepted_on or "")))
    facts.append((translate("follow_up.request_number", step.locale), follow_up.request_number or ""))
    if follow_up.mode != "visit":
        return WorkContext(label, facts=tuple(Fact(k, v) for k, v in facts if v))
    editable = step.element_id == "record_visit" and step.user is not None and may_record(step.user, follow_up)
    choices = finding_choices(step.session, follow_up)
    return WorkContext(
        label,
        template="follow_up/_findings.html",
        details=VisitCase(follow_up, editable, choices.departments, choices.models),
        facts=tuple(Fact(k, v) for k, v in facts if v),
    )


def row_label(data: Mapping[str, Any]) -> str:
    return " · ".join(str(data[key]) for key in ("customer_name", "serial") if data.get(key))


DATA_LABELS = {
    "customer_id": "follow_up.customer",
    "customer_name": "follow_up.customer",
    "unit_id": "sr.unit",
    "serial": "sr.unit",
    "request_number": "follow_up.request_number",
    "obligation": "follow_up.obligation",
}


def follow_up_plugin() -> ProcessPlugin[FollowUpStep]:
    return ProcessPlugin(
        process_id=FOLLOW_UP_PROCESS,
        requires=REQUIRES,
        case=follow_up_case,
        work_context=work_context,
        row_label=row_label,
        data_labels=DATA_LABELS,
        data_values={"mode": "follow_up.mode."},
        choices={"plan_follow_up": plan_choices},
        after_passing={"start_follow_up": preselect},
        before_complete={
            "plan_follow_up": check_plan,
            "phone_follow_up": record_phone,
            "record_visit": record_visit,
        },
    )

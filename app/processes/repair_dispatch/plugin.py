"""What the repair diagram's elements mean to the service desk (bpmn/repair_dispatch.bpmn):
form choices, checks before a task completes, and the bookkeeping after each engine step
(SLA clocks, the service record, loaners, deposit deductions asked for approval, the request's status).

`REQUIRES` names every element these hooks and the seed's SLA policy rely on; a diagram that
lacks one is refused at deploy, naming it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.aftersales.approvals import service as approvals
from app.aftersales.archive import terms
from app.aftersales.portal.protocol import is_portal_account
from app.aftersales.rules.sla import SEED_POLICY
from app.aftersales.warehouse.models import LoanerUnit
from app.bpm.errors import FormRejected
from app.bpm.forms import signature as signature_png
from app.bpm.models import Group, User
from app.bpm.plugins import Choices, Fact, ProcessPlugin, RowDeadline, StepContext, WorkContext
from app.i18n import translate
from app.processes.repair_dispatch.models import Loan, ServiceRecord, ServiceRequest, SlaClock
from app.processes.repair_dispatch.service import (
    REPAIR_PROCESS,
    ClockView,
    clock_views,
    eligible_loaners,
    open_deadlines,
    policy_of,
    request_for_instance,
)

USER_TASK, END_EVENT, THROW_EVENT = "userTask", "endEvent", "intermediateThrowEvent"
REQUIRES = {
    "remote_support": USER_TASK,
    "dispatch_engineer": USER_TASK,
    "arrive_on_site": USER_TASK,
    "complete_service_record": USER_TASK,
    "record_filed": THROW_EVENT,
    "provide_loaner": USER_TASK,
    "escalate_resolution": USER_TASK,
    "unit_repaired": THROW_EVENT,
    "loaner_delivered": END_EVENT,
    "end_loaner_not_needed": END_EVENT,
    "end_resolved_remotely": END_EVENT,
    "end_paid_service_declined": END_EVENT,
}


@dataclass(frozen=True)
class RepairStep(StepContext):
    """The platform's context with the service request behind the instance."""

    request: ServiceRequest | None = None

    @property
    def service_request(self) -> ServiceRequest:
        assert self.request is not None  # `repair_case` builds no context without one
        return self.request


def repair_case(ctx: StepContext) -> RepairStep | None:
    request = request_for_instance(ctx.session, ctx.instance.id)
    return RepairStep.extend(ctx, request=request) if request is not None else None


# -- the page beside a repair task -----------------------------------------------------------


@dataclass(frozen=True)
class RepairCase:
    """What a repair task's page shows beside the form: the request's clocks, and why the
    service record was returned when filing found it incomplete."""

    clocks: list[ClockView]
    returned_because: str | None
    remote_signing: bool = False  # the signing task: the customer may sign in the portal instead


def work_context(step: RepairStep) -> WorkContext:
    """The request behind a repair task: its number, unit, customer and SLA clocks."""
    request = step.service_request
    label = f"{request.number} · {request.unit.serial} · {request.unit.customer.name}"
    returned = None
    if step.data.get("checked") is False:  # filing answered 否: why, until it is filed
        returned = str(step.data.get("return_reason") or "") or None
    return WorkContext(
        label,
        "repair.service_request_page",
        {"request_id": request.id},
        template="repair_dispatch/_case.html",
        details=RepairCase(clock_views(request, step.now), returned, step.element_id == "complete_service_record"),
        facts=_request_facts(step),
    )


def _request_facts(step: RepairStep) -> tuple[Fact, ...]:
    """What every repair step needs to know: the fault, whom to call, where the unit is."""
    request, locale = step.service_request, step.locale
    warranty = translate("sr.in_warranty" if request.in_warranty else "equipment.out_of_warranty", locale)
    facts = [
        (translate("sr.description", locale), request.description),
        (translate("sr.contact_name", locale), request.contact_name),
        (translate("sr.contact_phone", locale), request.contact_phone),
        (translate("sr.unit", locale), f"{request.unit.model.name} · {request.unit.serial} · {warranty}"),
        (translate("equipment.location", locale), request.unit.location),
    ]
    return tuple(Fact(label, value) for label, value in facts if value)


def row_label(data: Mapping[str, Any]) -> str:
    """A worklist row: the request number and the customer."""
    return " · ".join(str(data[key]) for key in ("request_number", "customer") if data.get(key))


def _clock_label(name: str, locale: str) -> str:
    """A clock's name in the reader's language; a contract's own clock keeps its name."""
    key = f"clock.{name}"
    label = translate(key, locale)
    return name if label == key else label


def row_deadlines(session: Session, instance_ids: Sequence[int], now: datetime, locale: str) -> dict[int, RowDeadline]:
    """Worklist rows of a page: each request's running clock due soonest (arrival, repair,
    filing...), named in the reader's language, its time left on the policy's calendar."""
    return {
        instance_id: RowDeadline(
            _clock_label(open_clock.clock, locale),
            open_clock.due_at,
            open_clock.warn_at,
            open_clock.remaining_seconds,
        )
        for instance_id, open_clock in open_deadlines(session, instance_ids, now).items()
    }


# -- choices ---------------------------------------------------------------------------------


def _members(step: RepairStep, group_id: str) -> list[User]:
    query = select(User).join(User.groups).where(Group.id == group_id, User.active).order_by(User.username)
    return list(step.session.scalars(query))


def engineer_choices(step: RepairStep) -> Choices:
    return {"engineer": [(u.username, u.display_name or u.username) for u in _members(step, "engineers")]}


def loaner_choices(step: RepairStep) -> Choices:
    return {
        "loaner_serial": [
            (loaner.serial, f"{loaner.serial} · {loaner.model.name} (L{loaner.model.spec_level})")
            for loaner in eligible_loaners(step.session, step.service_request.unit)
        ]
    }


# -- before a task completes -----------------------------------------------------------------


def check_engineer(step: RepairStep) -> None:
    if step.data.get("engineer") not in {u.username for u in _members(step, "engineers")}:
        raise FormRejected({"engineer": [translate("error.not_an_engineer", step.locale)]})


def check_loaner(step: RepairStep) -> None:
    if step.data.get("loaner_outcome") != "delivered":
        return
    serials = {loaner.serial for loaner in eligible_loaners(step.session, step.service_request.unit)}
    if step.data.get("loaner_serial") not in serials:
        raise FormRejected({"loaner_serial": [translate("error.loaner_not_eligible", step.locale)]})


def decode_signature(value: Any) -> bytes | None:
    """The drawing, checked and written anew (signature.py); None when it is not a usable PNG."""
    return signature_png.decode_data_url(value)


def take_signed_record(step: RepairStep) -> None:
    """The signed 《售后服务记录》: the drawing goes onto the record, not into the state."""
    signature = decode_signature(step.data.get("customer_signature"))
    if signature is None:
        raise FormRejected({"customer_signature": [translate("error.signature_required", step.locale)]})
    _write_record(step, "on_site", signature)
    step.data["customer_signature"] = f"service_records/{step.service_request.id}"


def plan_started_clocks(step: RepairStep) -> None:
    """Clocks the policy starts at this task get their deadlines in the data, where the
    diagram's boundary timers read them."""
    policy = policy_of(step.service_request.sla_policy)
    started = policy.starting_at(step.element_id or "")
    if started:
        sla = dict(step.instance.data.get("sla") or {})
        for rule in started:
            sla[rule.name] = policy.deadline(rule, step.now).as_data()
        step.data["sla"] = sla


# -- after each engine step ------------------------------------------------------------------


def update_clocks(step: RepairStep) -> None:
    request = step.service_request
    policy = policy_of(request.sla_policy)
    have = {clock.name: clock for clock in request.clocks}
    sla = step.data.get("sla") or {}
    for element in step.passed:
        for rule in policy.starting_at(element):
            if rule.name in have:
                continue
            planned = sla.get(rule.name) or policy.deadline(rule, step.now).as_data()
            clock = SlaClock(
                name=rule.name,
                starts_at=datetime.fromisoformat(planned["starts_at"]),
                due_at=datetime.fromisoformat(planned["due_at"]),
                warn_at=datetime.fromisoformat(planned["warn_at"]),
            )
            request.clocks.append(clock)
            have[rule.name] = clock
    for clock in request.clocks:
        clock_rule = policy.rule(clock.name)
        if clock_rule is None or clock.status != "running":
            continue
        if step.passed & set(clock_rule.stop):
            clock.status, clock.met_at = "met", step.now
        elif step.passed & set(clock_rule.close):
            clock.status, clock.closed_at = "closed", step.now


def _record_of(step: RepairStep) -> ServiceRecord | None:
    query = select(ServiceRecord).where(ServiceRecord.request_id == step.service_request.id)
    return step.session.scalars(query).first()


def _write_record(step: RepairStep, kind: str, signature: bytes | None) -> None:
    record = _record_of(step)
    if record is None:
        record = ServiceRecord(request_id=step.service_request.id, kind=kind, summary="")
        step.session.add(record)
    record.kind = kind
    data = step.data
    if kind == "remote":
        record.summary = str(data.get("remote_solution") or data.get("diagnosis") or "")
    else:
        record.summary = str(data.get("work_summary") or "")
        record.customer_opinion = data.get("customer_opinion")
        record.signer_name = data.get("signer_name")
        record.signature_png = signature
        record.signed_at = step.now
        record.signed_via = "portal" if is_portal_account(step.user) else "on_site"
    record.written_by_id = step.user.id if step.user else None


def record_remote_support(step: RepairStep) -> None:
    if step.data.get("resolved_remotely"):
        _write_record(step, "remote", None)


def file_record(step: RepairStep) -> None:
    record = _record_of(step)
    if record is not None and record.filed_at is None:
        record.filed_at = step.now
        record.filed_by_id = step.user.id if step.user else None
        record.archive_number = str(step.data.get("archive_number") or "")[:60] or None


def lend_loaner(step: RepairStep) -> None:
    if step.data.get("loaner_outcome") != "delivered":
        return
    serial = str(step.data.get("loaner_serial"))
    loaner = step.session.scalars(
        select(LoanerUnit).where(LoanerUnit.serial == serial).with_for_update(of=LoanerUnit)
    ).first()
    if loaner is None or loaner.status != "available":
        raise FormRejected({"loaner_serial": [translate("error.loaner_not_eligible", step.locale)]})
    loaner.status = "lent"
    by_id = step.user.id if step.user else None
    step.session.add(Loan(loaner_id=loaner.id, request_id=step.service_request.id, lent_at=step.now, lent_by_id=by_id))


def unit_repaired(step: RepairStep) -> None:
    """The loaner stays until the customer's unit is repaired (R6), then comes back to the pool."""
    request = step.service_request
    for loan in step.session.scalars(select(Loan).where(Loan.request_id == request.id, Loan.returned_at.is_(None))):
        loan.returned_at = step.now
        loan.loaner.status = "available"
    request.status = "resolved"


def _money(value: Any) -> Decimal | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


def _deduction(step: RepairStep) -> Decimal | None:
    """The other team's cost when the customer hired one (R10), else None."""
    cost = _money(step.data.get("third_party_cost"))
    if not step.data.get("customer_hired_other_team") or cost is None or cost <= 0:
        return None
    return cost.quantize(Decimal("0.01"))


def check_deduction(step: RepairStep) -> None:
    """A deduction needs a contract and never takes more than the deposit has left (less the
    deductions still waiting for approval); refused on the cost field, nothing typed lost."""
    cost = _deduction(step)
    if cost is None:
        return
    contract = step.service_request.contract
    if contract is None:
        raise FormRejected({"third_party_cost": [translate("error.no_deposit", step.locale)]})
    left = terms.available(step.session, contract)
    if cost > left:
        message = translate("error.deduction_exceeds_balance", step.locale, balance=terms.money(left))
        raise FormRejected({"third_party_cost": [message]})


def ask_deduction(step: RepairStep) -> None:
    """R10: the customer hired another team for a late repair; its cost is asked off the
    deposit, and counts once a second person of another group approves it."""
    request, data = step.service_request, step.data
    cost = _deduction(step)
    contract = request.contract
    if cost is None or contract is None or step.user is None:
        return
    team = str(data.get("third_party_name") or "")[:200]
    values = {
        "amount": terms.money(cost),
        "team": team,
        "invoice_number": str(data.get("third_party_invoice") or "")[:60],
        "request_id": request.id,
        "request_number": request.number,
    }
    approvals.propose(
        step.session, step.user, terms.DEDUCTION, contract, f"{request.number}: {team}", values, {}, step.now
    )


def resolved_remotely(step: RepairStep) -> None:
    step.service_request.status = "resolved"


def paid_service_declined(step: RepairStep) -> None:
    step.service_request.status = "declined"


def close_request(step: RepairStep) -> None:
    if step.service_request.status != "declined":
        step.service_request.status = "closed"


# What the intake page and the steps put in the data besides the forms' fields (the history).
DATA_LABELS = {
    **{rule["name"]: f"clock.{rule['name']}" for rule in SEED_POLICY["clocks"]},  # the SLA's clocks
    "request_number": "sr.number",
    "request": "sr.number",
    "customer": "sr.customer",
    "channel": "sr.channel",
    "description": "sr.description",
    "in_warranty": "sr.in_warranty",
}


def repair_plugin() -> ProcessPlugin[RepairStep]:
    return ProcessPlugin(
        process_id=REPAIR_PROCESS,
        requires=REQUIRES,
        case=repair_case,
        intake_endpoint="repair.new_service_request",
        intake_label="sr.new",
        work_context=work_context,
        row_label=row_label,
        row_deadlines=row_deadlines,
        data_labels=DATA_LABELS,
        data_values={"channel": "channel."},
        choices={"dispatch_engineer": engineer_choices, "provide_loaner": loaner_choices},
        before_complete={
            "dispatch_engineer": check_engineer,
            "provide_loaner": check_loaner,
            "complete_service_record": take_signed_record,
            "escalate_resolution": check_deduction,
        },
        before_every_completion=(plan_started_clocks,),
        after_every_step=(update_clocks,),
        after_passing={  # in this order within one step
            "remote_support": record_remote_support,
            "record_filed": file_record,
            "provide_loaner": lend_loaner,
            "unit_repaired": unit_repaired,
            "escalate_resolution": ask_deduction,
            "end_resolved_remotely": resolved_remotely,
            "end_paid_service_declined": paid_service_declined,
        },
        after_completed=(close_request,),
    )

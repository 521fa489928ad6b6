"""What the return and exchange process (bpmn/return_exchange.bpmn) adds to its diagram: the
checks its forms cannot express (a refused unit needs the reason, a refund its amount, and
its approver must be of another group than who asked), the head-office clock, and the case
row (`return_cases`) kept in step with each decision, each step audited."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from app.aftersales.policies import can_approve_refund
from app.bpm import audit
from app.bpm.case_facts import data_facts
from app.bpm.errors import FormRejected
from app.bpm.models import User
from app.bpm.plugins import Fact, ProcessPlugin, StepContext, WorkContext
from app.i18n import translate
from app.processes.return_exchange.clocks import DECIDE_WITHIN, working_deadline
from app.processes.return_exchange.models import ReturnCase

RETURN_PROCESS = "return_exchange"
USER_TASK = "userTask"
REQUIRES = {
    "check_at_branch": USER_TASK,
    "return_to_customer": USER_TASK,
    "send_to_head_office": USER_TASK,
    "decide_at_head_office": USER_TASK,
    "ship_replacement": USER_TASK,
    "approve_refund": USER_TASK,
    "check_late": "boundaryEvent",
    "decision_late": "boundaryEvent",
}


def return_case(ctx: StepContext) -> StepContext:
    return ctx


def _case_row(step: StepContext) -> ReturnCase | None:
    return step.session.scalars(select(ReturnCase).where(ReturnCase.instance_id == step.instance.id)).first()


def check_at_branch(step: StepContext) -> None:
    if not step.data.get("check_ok") and not str(step.data.get("refuse_reason") or "").strip():
        raise FormRejected({"refuse_reason": [translate("return.error.refuse_reason", step.locale)]})


def start_decision_clock(step: StepContext) -> None:
    step.data["decision_due_at"] = working_deadline(step.now, DECIDE_WITHIN)


def check_decision(step: StepContext) -> None:
    if step.data.get("decision") != "refund":
        step.data["refund_amount"] = None
        return
    try:
        amount = Decimal(str(step.data.get("refund_amount")))
    except InvalidOperation:
        amount = Decimal(0)
    if not amount.is_finite() or amount <= 0:
        raise FormRejected({"refund_amount": [translate("return.error.refund_amount", step.locale)]})
    step.data["refund_asked_by"] = step.user.username if step.user is not None else None


def check_approval(step: StepContext) -> None:
    asker_name = step.instance.data.get("refund_asked_by")  # (step.data: this form's fields)
    asker = step.session.scalars(select(User).where(User.username == asker_name)).first() if asker_name else None
    if step.user is None or not can_approve_refund(step.user, asker):
        raise FormRejected({"refund_approved": [translate("return.error.approver", step.locale)]})
    if not step.data.get("refund_approved"):
        if not str(step.data.get("approval_comment") or "").strip():
            raise FormRejected({"approval_comment": [translate("return.error.approval_comment", step.locale)]})
        start_decision_clock(step)  # head office decides again, on a new clock


def _set_status(step: StepContext, status: str, **values: Any) -> None:
    row = _case_row(step)
    if row is None:
        return
    before = {"status": row.status}
    row.status = status
    for key, value in values.items():
        setattr(row, key, value)
    details = {"case_id": row.id, "status": status}
    if row.refund_amount is not None:
        details["refund_amount"] = str(row.refund_amount)
    audit.record(
        step.session,
        f"return_{status}",
        step.user,
        step.now,
        instance_id=step.instance.id,
        before=before,
        after={"status": status},
        details=details,
    )


def refused(step: StepContext) -> None:
    _set_status(step, "refused")


def decided(step: StepContext) -> None:
    if step.instance.data.get("decision") == "refund":
        amount = Decimal(str(step.instance.data.get("refund_amount")))
        asker = step.user.id if step.user is not None else None
        _set_status(step, "refund_pending", refund_amount=amount, refund_asked_by_id=asker)


def replaced(step: StepContext) -> None:
    _set_status(step, "replaced")


def refund_decided(step: StepContext) -> None:
    if step.instance.data.get("refund_approved"):
        _set_status(step, "refunded", refund_approved_by_id=step.user.id if step.user is not None else None)
    else:
        _set_status(step, "open")


THE_RETURN: tuple[str, ...] = ()  # the registration: `_registration` below
THE_CHECK = ("condition", "accessories_complete", "check_notes", "refuse_reason")
THE_DECISION = ("decision", "refund_amount", "decision_notes")
CASE_AT: dict[str, tuple[str, ...]] = {
    "check_at_branch": THE_RETURN,
    "return_to_customer": (*THE_RETURN, *THE_CHECK),
    "send_to_head_office": (*THE_RETURN, *THE_CHECK),
    "decide_at_head_office": (*THE_RETURN, *THE_CHECK, "approval_comment"),
    "ship_replacement": (*THE_RETURN, *THE_DECISION),
    "approve_refund": (*THE_RETURN, *THE_CHECK, *THE_DECISION, "refund_asked_by"),
    "chase_branch_check": THE_RETURN,
    "chase_decision": (*THE_RETURN, *THE_CHECK),
}


def work_context(step: StepContext) -> WorkContext | None:
    if not step.data.get("customer_name"):
        return None
    label = translate(
        "return.case", step.locale, customer=step.data["customer_name"], serial=step.data.get("unit_serial", "")
    )
    names = CASE_AT.get(step.element_id or "", ()) if step.element_id else (*THE_CHECK, *THE_DECISION)
    return WorkContext(label, facts=(*_registration(step), *data_facts(step, names)))


def _registration(step: StepContext) -> tuple[Fact, ...]:
    """What the branch registered (the intake's fields, not a task's form)."""
    wanted = str(step.data.get("wanted") or "")
    return (
        Fact(translate("return.branch", step.locale), str(step.data.get("branch_name") or "")),
        Fact(translate("return.wanted", step.locale), translate(f"return.wanted.{wanted}", step.locale)),
        Fact(translate("return.reason", step.locale), str(step.data.get("reason") or "")),
    )


def row_label(data: Mapping[str, Any]) -> str:
    parts = (data.get("branch_name"), data.get("customer_name"), data.get("unit_serial"))
    return " · ".join(str(p) for p in parts if p)


def return_plugin() -> ProcessPlugin[StepContext]:
    return ProcessPlugin(
        process_id=RETURN_PROCESS,
        requires=REQUIRES,
        case=return_case,
        work_context=work_context,
        row_label=row_label,
        intake_endpoint="return_exchange.new_return",
        intake_label="return.new",
        before_complete={
            "check_at_branch": check_at_branch,
            "send_to_head_office": start_decision_clock,
            "decide_at_head_office": check_decision,
            "approve_refund": check_approval,
        },
        after_passing={
            "return_to_customer": refused,
            "decide_at_head_office": decided,
            "ship_replacement": replaced,
            "approve_refund": refund_decided,
        },
        data_labels={
            "branch_name": "return.branch",
            "wanted": "return.wanted",
            "reason": "return.reason",
            "unit_serial": "return.unit",
            "customer_name": "return.customer",
        },
        data_values={"wanted": "return.wanted"},
    )

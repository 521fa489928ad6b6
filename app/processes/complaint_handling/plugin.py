"""What the complaint process adds to its diagram (bpmn/complaint_handling.bpmn): the case
each step needs to see (the customer, the complaint and the earlier answers that matter to it),
and the checks its forms cannot express alone: what is said to have happened cannot lie in the
future, a measure's due date not in the past, no more defective pieces than pieces."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from app.bpm.case_facts import data_facts, office_tz
from app.bpm.errors import FormRejected
from app.bpm.models import Group, User
from app.bpm.plugins import Choices, ProcessPlugin, StepContext, WorkContext
from app.i18n import translate

COMPLAINT_PROCESS = "complaint_handling"
USER_TASK = "userTask"
REQUIRES = {
    "register_complaint": USER_TASK,
    "contact_customer": USER_TASK,
    "prevent_recurrence": USER_TASK,
    "negotiate_with_customer": USER_TASK,
    "coordinate_dispute": USER_TASK,
}
COORDINATORS = "after_sales_leads"  # the group whose members coordinate disputes (R17)
CLOCK_SKEW = timedelta(minutes=5)  # a device clock a little ahead is not "the future"


def complaint_case(ctx: StepContext) -> StepContext:
    """Complaints keep their facts in the process data: the platform's context is the case."""
    return ctx


def _instant(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _office_today(step: StepContext) -> date:
    return step.now.astimezone(office_tz()).date()


def _not_in_future(step: StepContext, field: str) -> dict[str, list[str]]:
    at = _instant(step.data.get(field))
    if at is not None and at.tzinfo is not None and at > step.now + CLOCK_SKEW:
        return {field: [translate("error.in_future", step.locale)]}
    return {}


def check_register(step: StepContext) -> None:
    errors = _not_in_future(step, "received_at")
    quantity, defective = step.data.get("quantity"), step.data.get("defective_quantity")
    if isinstance(quantity, int) and isinstance(defective, int) and defective > quantity:
        errors["defective_quantity"] = [translate("error.defective_over_quantity", step.locale, quantity=quantity)]
    if errors:
        raise FormRejected(errors)


def check_contact(step: StepContext) -> None:
    if errors := _not_in_future(step, "contacted_at"):
        raise FormRejected(errors)


def check_measures_due(step: StepContext) -> None:
    try:
        due = date.fromisoformat(str(step.data.get("due_date") or ""))
    except ValueError:
        return  # the form's own validation reports a missing or malformed date
    if due < _office_today(step):
        raise FormRejected({"due_date": [translate("error.date_in_past", step.locale)]})


def _coordinators(step: StepContext) -> list[User]:
    query = select(User).join(User.groups).where(Group.id == COORDINATORS, User.active).order_by(User.username)
    return list(step.session.scalars(query))


def coordinator_choices(step: StepContext) -> Choices:
    return {"coordinator": [(u.username, u.display_name or u.username) for u in _coordinators(step)]}


def check_negotiation(step: StepContext) -> None:
    """A dispute (R17) goes to the coordinator named here, a member of the coordinators'
    group; without a dispute no coordinator is kept, and the diagram's conditions always
    find `dispute`."""
    dispute = bool(step.data.get("dispute"))
    step.data["dispute"] = dispute
    if not dispute:
        step.data["coordinator"] = None
        return
    errors: dict[str, list[str]] = {}
    if step.data.get("customer_agreed"):
        errors["dispute"] = [translate("complaint.error.dispute_agreed", step.locale)]
    chosen = step.data.get("coordinator")
    if not chosen:
        errors["coordinator"] = [translate("complaint.error.coordinator_required", step.locale)]
    elif chosen not in {u.username for u in _coordinators(step)}:
        errors["coordinator"] = [translate("complaint.error.coordinator_unknown", step.locale)]
    if errors:
        raise FormRejected(errors)


def settle_dispute(step: StepContext) -> None:
    """The coordinator's outcome decides as the customer would have (gw_customer_agreed):
    resolved, the customer agrees and the departments approve; not, the solution is agreed
    again."""
    step.data["customer_agreed"] = step.data.get("dispute_outcome") == "resolved"
    step.data["dispute"] = False


# The case at each step: who complains about what, then what the earlier steps decided that
# this one builds on (field names of the process data; `key.field` under a resultKey).
THE_COMPLAINT = ("customer", "contact_name", "contact_phone", "complaint_class", "description", "customer_demand")
THE_GOODS = ("order_no", "part_no", "quantity", "defective_quantity")
THE_ANALYSIS = ("cause", "responsible_department", "severity", "our_responsibility")
THE_MEASURES = ("problem_summary", "technical_measures.measures", "production_measures.measures")
THE_SOLUTION = ("solution", "cost_estimate")
THE_OBJECTION = ("negotiation_notes",)  # what the customer said last time, on a new round
THE_APPROVALS = ("approval_technical.comment", "approval_production.comment", "approval_sales.comment")
CASE_AT: dict[str, tuple[str, ...]] = {
    "register_complaint": (),
    "explain_to_customer": THE_ANALYSIS,
    "propose_technical_measures": (*THE_ANALYSIS, "problem_summary", "impact"),
    "propose_production_measures": (*THE_ANALYSIS, "problem_summary", "impact"),
    "agree_solution": (*THE_ANALYSIS, *THE_MEASURES),
    "negotiate_with_customer": (*THE_MEASURES, *THE_SOLUTION, *THE_OBJECTION, *THE_APPROVALS),
    "approve_technical": (*THE_MEASURES, *THE_SOLUTION, *THE_OBJECTION),
    "approve_production": (*THE_MEASURES, *THE_SOLUTION, *THE_OBJECTION),
    "approve_sales": (*THE_MEASURES, *THE_SOLUTION, *THE_OBJECTION),
    "coordinate_dispute": (*THE_ANALYSIS, *THE_MEASURES, *THE_SOLUTION, *THE_OBJECTION),
    "report_progress": (*THE_SOLUTION, "progress_report"),
    "prevent_recurrence": (*THE_ANALYSIS, *THE_SOLUTION),
    "close_complaint": (*THE_SOLUTION, "progress_report"),
}
WHOLE_CASE = (*THE_ANALYSIS, *THE_SOLUTION, "progress_report")  # the instance page


def work_context(step: StepContext) -> WorkContext | None:
    if step.element_id == "register_complaint" or not step.data.get("customer"):
        return None  # nothing registered yet
    later = CASE_AT.get(step.element_id or "", ()) if step.element_id else WHOLE_CASE
    goods = THE_GOODS if step.data.get("complaint_class") == "quality" else ()
    label = translate("complaint.case", step.locale, customer=step.data["customer"])
    facts = data_facts(step, (*THE_COMPLAINT, *goods, *later))
    if step.element_id:
        return WorkContext(label, facts=facts)
    # the instance page: the whole case, and its paper form (views.complaint_pdf)
    return WorkContext(
        label, args={"instance_id": step.instance.id}, facts=facts, print_endpoint="complaint.complaint_pdf"
    )


def row_label(data: Mapping[str, Any]) -> str:
    """A worklist row: the customer and the start of the complaint."""
    text = str(data.get("description") or "")
    return " · ".join(part for part in (str(data.get("customer") or ""), text[:40]) if part)


def complaint_plugin() -> ProcessPlugin[StepContext]:
    return ProcessPlugin(
        process_id=COMPLAINT_PROCESS,
        requires=REQUIRES,
        case=complaint_case,
        work_context=work_context,
        row_label=row_label,
        choices={"negotiate_with_customer": coordinator_choices},
        before_complete={
            "register_complaint": check_register,
            "contact_customer": check_contact,
            "negotiate_with_customer": check_negotiation,
            "coordinate_dispute": settle_dispute,
            "prevent_recurrence": check_measures_due,
        },
    )

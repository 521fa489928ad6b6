"""Checks the complaint forms cannot express alone (bpmn/complaint_handling.bpmn): what is
said to have happened cannot lie in the future, a measure's due date not in the past, and no
more defective pieces than pieces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from app.bpm.errors import FormRejected
from app.bpm.plugins import ProcessPlugin, StepContext
from app.i18n import translate

COMPLAINT_PROCESS = "complaint_handling"
USER_TASK = "userTask"
REQUIRES = {"register_complaint": USER_TASK, "contact_customer": USER_TASK, "prevent_recurrence": USER_TASK}
CLOCK_SKEW = timedelta(minutes=5)  # a device clock a little ahead is not "the future"


@dataclass(frozen=True)
class ComplaintStep(StepContext):
    """The platform's context; complaints keep their facts in the process data."""


def complaint_case(ctx: StepContext) -> ComplaintStep:
    return ComplaintStep.extend(ctx)


def _instant(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _office_today(step: ComplaintStep) -> date:
    zone = ZoneInfo(current_app.config["SHOUHOU"].timezone) if current_app else ZoneInfo("Asia/Shanghai")
    return step.now.astimezone(zone).date()


def _not_in_future(step: ComplaintStep, field: str) -> dict[str, list[str]]:
    at = _instant(step.data.get(field))
    if at is not None and at.tzinfo is not None and at > step.now + CLOCK_SKEW:
        return {field: [translate("error.in_future", step.locale)]}
    return {}


def check_register(step: ComplaintStep) -> None:
    errors = _not_in_future(step, "received_at")
    quantity, defective = step.data.get("quantity"), step.data.get("defective_quantity")
    if isinstance(quantity, int) and isinstance(defective, int) and defective > quantity:
        errors["defective_quantity"] = [translate("error.defective_over_quantity", step.locale, quantity=quantity)]
    if errors:
        raise FormRejected(errors)


def check_contact(step: ComplaintStep) -> None:
    if errors := _not_in_future(step, "contacted_at"):
        raise FormRejected(errors)


def check_measures_due(step: ComplaintStep) -> None:
    try:
        due = date.fromisoformat(str(step.data.get("due_date") or ""))
    except ValueError:
        return  # the form's own validation reports a missing or malformed date
    if due < _office_today(step):
        raise FormRejected({"due_date": [translate("error.date_in_past", step.locale)]})


def complaint_plugin() -> ProcessPlugin[ComplaintStep]:
    return ProcessPlugin(
        process_id=COMPLAINT_PROCESS,
        requires=REQUIRES,
        case=complaint_case,
        before_complete={
            "register_complaint": check_register,
            "contact_customer": check_contact,
            "prevent_recurrence": check_measures_due,
        },
    )

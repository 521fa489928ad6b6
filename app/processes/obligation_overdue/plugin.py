"""What the escalation of an overdue promise adds to its diagram (bpmn/obligation_overdue.bpmn):
the case beside the task (which promise, for whom, which period, due when), read from the data
the calendar pass started it with, and the check that a made-up visit has a date not past."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from app.bpm.case_facts import office_tz
from app.bpm.errors import FormRejected
from app.bpm.plugins import Fact, ProcessPlugin, StepContext, WorkContext
from app.i18n import translate

OVERDUE_PROCESS = "obligation_overdue"
USER_TASK = "userTask"
REQUIRES = {"handle_overdue_desk": USER_TASK, "handle_overdue_leads": USER_TASK}


def overdue_case(ctx: StepContext) -> StepContext:
    return ctx


def _kind_label(data: Mapping[str, Any], locale: str) -> str:
    return translate(f"obligation.kind.{data.get('obligation_kind')}", locale)


def _subject(data: Mapping[str, Any], locale: str) -> str:
    parts = [str(data[key]) for key in ("customer", "serial") if data.get(key)]
    return " · ".join(parts) if parts else translate("overdue.organisation", locale)


def work_context(step: StepContext) -> WorkContext:
    data, locale = step.data, step.locale
    facts = [Fact(translate("overdue.kind", locale), _kind_label(data, locale))]
    for key, label in (("customer", "overdue.customer"), ("serial", "overdue.unit")):
        if data.get(key):
            facts.append(Fact(translate(label, locale), str(data[key])))
    for key, label in (("period", "overdue.period"), ("due_on", "overdue.due_on")):
        if data.get(key):
            facts.append(Fact(translate(label, locale), str(data[key])))
    label = translate("overdue.case", locale, kind=_kind_label(data, locale), subject=_subject(data, locale))
    return WorkContext(label, facts=tuple(facts))


def row_label(data: Mapping[str, Any]) -> str:
    return " · ".join(str(data[key]) for key in ("customer", "serial", "due_on") if data.get(key))


def check_action(step: StepContext) -> None:
    if step.data.get("overdue_action") != "scheduled":
        return
    try:
        planned = date.fromisoformat(str(step.data.get("planned_on") or ""))
    except ValueError:
        raise FormRejected({"planned_on": [translate("error.planned_on_required", step.locale)]}) from None
    if planned < step.now.astimezone(office_tz()).date():
        raise FormRejected({"planned_on": [translate("error.date_in_past", step.locale)]})


def overdue_plugin() -> ProcessPlugin[StepContext]:
    return ProcessPlugin(
        process_id=OVERDUE_PROCESS,
        requires=REQUIRES,
        case=overdue_case,
        work_context=work_context,
        row_label=row_label,
        before_complete={"handle_overdue_desk": check_action, "handle_overdue_leads": check_action},
        data_values={"obligation_kind": "obligation.kind."},
        # only the obligations' calendar starts it (with what was promised, for whom, by when)
        intake_endpoint="obligations.obligations_page",
        intake_label="overdue.started_by_calendar",
    )

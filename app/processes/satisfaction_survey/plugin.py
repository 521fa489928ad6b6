"""What the survey adds to its diagram (bpmn/satisfaction_survey.bpmn): the customer and year
when it is sent (and the send recorded with its channel), the reminder's moment, the answers
as rows (once per customer and year), the detractor's recovery follow-up and its clock."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from app.aftersales.archive.models import Customer
from app.bpm.case_facts import office_tz
from app.bpm.errors import FormRejected
from app.bpm.plugins import Choices, Fact, ProcessPlugin, StepContext, WorkContext
from app.i18n import translate
from app.processes.satisfaction_survey import service as surveys
from app.processes.satisfaction_survey.service import OVERALL, QUESTIONS, SURVEY_PROCESS

USER_TASK = "userTask"
REQUIRES = {
    "send_survey": USER_TASK,
    "record_answers": USER_TASK,
    "remind_customer": USER_TASK,
    "recover_customer": USER_TASK,
    "answer_overdue": "boundaryEvent",
    "recovery_overdue": "boundaryEvent",
}


def survey_case(ctx: StepContext) -> StepContext:
    return ctx


def _year(step: StepContext) -> int:
    """The survey's year: given, else the obligation's due year, else this year (office)."""
    data = step.instance.data
    if isinstance(data.get("year"), int):
        return int(data["year"])
    obligation = data.get("obligation")
    if isinstance(obligation, dict):
        try:
            return date.fromisoformat(str(obligation.get("due_on"))).year
        except ValueError:
            pass
    return step.now.astimezone(office_tz()).year


def customer_choices(step: StepContext) -> Choices:
    customers = step.session.scalars(select(Customer).order_by(Customer.name))
    return {"customer_id": [(str(c.id), c.name) for c in customers]}


def check_send(step: StepContext) -> None:
    customer_id = step.data.get("customer_id")
    customer = step.session.get(Customer, customer_id) if isinstance(customer_id, int) else None
    if customer is None:
        raise FormRejected({"customer_id": [translate("survey.error.customer", step.locale)]})
    given = step.instance.data.get("customer_id")
    if isinstance(given, int) and given != customer.id:  # started for a customer (campaign, obligation)
        raise FormRejected({"customer_id": [translate("survey.error.other_customer", step.locale)]})
    year = step.data.get("year") or _year(step)
    if surveys.answered(step.session, customer.id, int(year)) is not None:
        raise FormRejected({"year": [translate("survey.error.answered", step.locale, year=year)]})
    step.data.update(
        year=int(year), reminder_at=surveys.reminder_at(step.session, step.now).isoformat(), customer=customer.name
    )
    surveys.record_send(
        step.session,
        step.instance.id,
        customer.id,
        "send",
        str(step.data["channel"]),
        step.user,
        step.data.get("note"),
        step.now,
    )


def check_answers(step: StepContext) -> None:
    data = step.instance.data
    scores = {code: int(step.data[f"q_{code}"]) for code, _zh, _en in QUESTIONS}
    answers = surveys.Answers(
        customer_id=int(data["customer_id"]),
        year=int(data["year"]),
        campaign_id=data.get("campaign_id") if isinstance(data.get("campaign_id"), int) else None,
        instance_id=step.instance.id,
        channel=str(step.data.get("answered_via")),
        scores=scores,
        comment=step.data.get("comment") or None,
        respondent=step.data.get("respondent") or None,
    )
    detractor = scores[OVERALL] <= surveys.setting(step.session, "detractor_at_most")
    if detractor:
        surveys.check_follow_up_deployed(step.session)  # fail clearly, before anything is kept
    response = surveys.record_answers(step.session, step.user, answers, step.now)
    due = step.now + timedelta(days=surveys.setting(step.session, "recovery_days"))
    step.data.update(detractor=response.detractor, recovery_due_at=due.isoformat())


def check_reminder(step: StepContext) -> None:
    data = step.instance.data
    surveys.record_send(
        step.session,
        step.instance.id,
        int(data["customer_id"]),
        "reminder",
        str(step.data["channel"]),
        step.user,
        step.data.get("note"),
        step.now,
    )


def check_recovery(step: StepContext) -> None:
    if step.data.get("recovered"):
        surveys.mark_recovered(step.session, step.instance.id, step.now)


def start_recovery(step: StepContext) -> None:
    """After the answers: a detractor's phone follow-up starts (its own clock is follow_up's)."""
    response = surveys.response_of_instance(step.session, step.instance.id)
    if response is not None and response.detractor and response.follow_up_instance_id is None:
        surveys.open_recovery(step.session, response, step.now)


def work_context(step: StepContext) -> WorkContext | None:
    data = step.instance.data
    customer = step.session.get(Customer, data.get("customer_id")) if isinstance(data.get("customer_id"), int) else None
    if customer is None:
        return None
    facts = [Fact(translate("survey.customer", step.locale), customer.name)]
    if data.get("year"):
        facts.append(Fact(translate("survey.year", step.locale), str(data["year"])))
    response = surveys.response_of_instance(step.session, step.instance.id)
    if response is not None:
        facts.append(Fact(translate("survey.overall", step.locale), str(response.overall)))
        if response.comment:
            facts.append(Fact(translate("survey.comment", step.locale), response.comment))
        if response.follow_up_instance_id:
            facts.append(Fact(translate("survey.follow_up", step.locale), f"#{response.follow_up_instance_id}"))
    label = translate("survey.case", step.locale, customer=customer.name)
    return WorkContext(label, facts=tuple(facts))


def row_label(data: Mapping[str, Any]) -> str:
    return " · ".join(str(part) for part in (data.get("customer"), data.get("year")) if part)


def survey_plugin() -> ProcessPlugin[StepContext]:
    return ProcessPlugin(
        process_id=SURVEY_PROCESS,
        requires=REQUIRES,
        case=survey_case,
        work_context=work_context,
        row_label=row_label,
        choices={"send_survey": customer_choices},
        before_complete={
            "send_survey": check_send,
            "record_answers": check_answers,
            "remind_customer": check_reminder,
            "recover_customer": check_recovery,
        },
        after_passing={"record_answers": start_recovery},
    )

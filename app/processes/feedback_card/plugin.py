"""What the feedback card process adds to its diagram (bpmn/feedback_card.bpmn): the card
beside every step (its ratings with the questions of the version it answered, the customer's
words), the chosen follow-up opened inside the choice's own step (a phone follow-up, a service
request to be attended within 24 h, a quality complaint), and the card's bookkeeping as the
steps pass (who chose what, when it was done, QC's conclusion, filed)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from app.aftersales.service_requests import RequestOpening, open_service_request
from app.bpm.errors import FormRejected, NotFound
from app.bpm.instances import begin_instance
from app.bpm.plugins import Fact, ProcessPlugin, StepContext, WorkContext
from app.i18n import translate
from app.processes.feedback_card.models import FeedbackCard
from app.processes.feedback_card.service import FEEDBACK_PROCESS, card_of_instance, view_of

USER_TASK = "userTask"
REQUIRES = {
    "choose_action": USER_TASK,
    "confirm_action_done": USER_TASK,
    "review_quality_feedback": USER_TASK,
    "escalate_action": USER_TASK,
    "end_filed": "endEvent",
}
ATTEND_WITHIN = timedelta(hours=24)  # a quality problem is attended within 24 h (R21)
FOLLOW_UP_PROCESS = "follow_up"
COMPLAINT_PROCESS = "complaint_handling"
# the card's source as the other processes' channels name it
CHANNEL_OF_SOURCE = {"paper": "letter", "email": "email", "portal": "web"}


@dataclass(frozen=True)
class CardStep(StepContext):
    card: FeedbackCard | None = None


def card_case(ctx: StepContext) -> CardStep | None:
    """The card behind the instance: by the instance, or (while the intake starts it, before
    the card knows its instance) by the card id in the instance's data."""
    card = card_of_instance(ctx.session, ctx.instance.id) if ctx.instance.id is not None else None
    card_id = (ctx.instance.data or {}).get("card_id") or ctx.data.get("card_id")
    if card is None and isinstance(card_id, int):
        card = ctx.session.get(FeedbackCard, card_id)
    return None if card is None else CardStep.extend(ctx, card=card)


def _card(step: CardStep) -> FeedbackCard:
    assert step.card is not None
    return step.card


def _summary(step: CardStep) -> str:
    """What the follow-up is about, in the office's language: the poor answers and the text."""
    view = view_of(_card(step), "zh_CN")
    poor = "；".join(f"{a.text} {a.rating}/{a.scale_max}" for a in view.answers if a.poor)
    parts = [f"《设备质量反馈卡》#{_card(step).id}", poor, _card(step).comment or ""]
    if _card(step).quality_problem:
        parts.append("客户标明质量问题")
    return "\n".join(p for p in parts if p)


def _origin(step: CardStep) -> dict[str, Any]:
    return {"process": FEEDBACK_PROCESS, "instance_id": step.instance.id, "card_id": _card(step).id}


def _start_follow_up(step: CardStep) -> str:
    card = _card(step)
    data = {"customer_id": card.customer_id, "unit_id": card.unit_id, "mode": "phone", "origin": _origin(step)}
    try:
        started = begin_instance(
            step.session, None, FOLLOW_UP_PROCESS, data, business_key=card.unit.serial, now=step.now
        )
    except NotFound:
        raise FormRejected({"follow_up_action": [translate("feedback_card.error.no_follow_up", step.locale)]}) from None
    return f"#{started.id}"


def _open_request(step: CardStep) -> str:
    card = _card(step)
    if step.user is None:
        raise FormRejected({"follow_up_action": [translate("error.forbidden", step.locale)]})
    opening = RequestOpening(
        unit_id=card.unit_id,
        description=_summary(step),
        channel=CHANNEL_OF_SOURCE.get(card.source, "phone"),
        origin_instance_id=step.instance.id,
        contact_name=card.contact_name,
        attend_within=ATTEND_WITHIN,
    )
    return open_service_request(step.session, step.user, opening, step.now).number


def _start_complaint(step: CardStep) -> str:
    """The complaint's first task (register_complaint) finds the customer, the channel, the
    class and the description filled in; the desk completes contact and demand."""
    card = _card(step)
    data = {
        "customer_id": card.customer_id,
        "unit_id": card.unit_id,
        "customer": card.customer.name,
        "contact_name": card.contact_name or "",
        "contact_phone": card.contact_phone or "",
        "channel": CHANNEL_OF_SOURCE.get(card.source, "letter"),
        "complaint_class": "quality",
        "description": _summary(step),
        "origin": _origin(step),
    }
    try:
        started = begin_instance(
            step.session, None, COMPLAINT_PROCESS, data, business_key=card.unit.serial, now=step.now
        )
    except NotFound:
        raise FormRejected({"follow_up_action": [translate("feedback_card.error.no_complaint", step.locale)]}) from None
    return f"#{started.id}"


START_ACTION: Mapping[str, Callable[[CardStep], str]] = {
    "follow_up": _start_follow_up,
    "service_request": _open_request,
    "complaint": _start_complaint,
}


def start_action(step: CardStep) -> None:
    """The chosen follow-up is opened in the choice's own transaction: if it cannot be (the
    follow-up process is not deployed), the choice is refused beside the field."""
    action = str(step.data.get("follow_up_action") or "")
    opener = START_ACTION.get(action)
    if opener is None:
        return  # the form's own validation reports it
    ref = opener(step)
    card = _card(step)
    card.action, card.action_ref = action, ref
    card.action_chosen_at = step.now
    card.action_chosen_by_id = step.user.id if step.user is not None else None
    step.data["action_ref"] = ref
    if action == "service_request":
        card.action_done_at = step.now  # the request's own arrival clock (24 h) takes over


def action_done(step: CardStep) -> None:
    _card(step).action_done_at = step.now


def qc_reviewed(step: CardStep) -> None:
    card = _card(step)
    card.qc_note = str(step.data.get("qc_conclusion") or "") or None
    card.qc_reviewed_at = step.now
    card.qc_reviewed_by_id = step.user.id if step.user is not None else None


def file_card(step: CardStep) -> None:
    _card(step).status = "filed"


def work_context(step: CardStep) -> WorkContext:
    card = _card(step)
    view = view_of(card, step.locale)
    t = step.locale
    facts = [
        Fact(translate("feedback_card.unit", t), f"{card.unit.serial} · {card.customer.name}"),
        Fact(translate("feedback_card.source", t), translate(f"feedback_card.source.{card.source}", t)),
        Fact(translate("feedback_card.version", t), str(view.version)),
        *(
            Fact(f"{a.position}. {a.text}", f"{a.rating}/{a.scale_max}" + (" ⚠" if a.poor else ""))
            for a in view.answers
        ),
    ]
    if card.comment:
        facts.append(Fact(translate("feedback_card.comment", t), card.comment))
    if card.quality_problem:
        facts.append(Fact(translate("feedback_card.quality_problem", t), translate("feedback_card.yes", t)))
    if card.action:
        ref = f" {card.action_ref}" if card.action_ref else ""
        facts.append(
            Fact(translate("feedback_card.action", t), translate(f"feedback_card.action.{card.action}", t) + ref)
        )
    return WorkContext(
        translate("feedback_card.case", t, serial=card.unit.serial, customer=card.customer.name),
        endpoint="feedback_card.card_page",
        args={"card_id": card.id},
        facts=tuple(facts),
    )


def row_label(data: Mapping[str, Any]) -> str:
    return " · ".join(str(data[k]) for k in ("serial", "customer") if data.get(k))


DATA_LABELS = {
    "customer_id": "feedback_card.customer",
    "unit_id": "feedback_card.unit",
    "card_id": "feedback_card.card",
    "serial": "feedback_card.unit",
    "customer": "feedback_card.customer",
    "source": "feedback_card.source",
    "poor_rating": "feedback_card.poor",
    "quality_problem": "feedback_card.quality_problem",
    "follow_up_needed": "feedback_card.follow_up_needed",
    "action_ref": "feedback_card.action_ref",
}


def feedback_plugin() -> ProcessPlugin[CardStep]:
    return ProcessPlugin(
        process_id=FEEDBACK_PROCESS,
        requires=REQUIRES,
        case=card_case,
        intake_endpoint="feedback_card.new_card",
        intake_label="feedback_card.new",
        work_context=work_context,
        row_label=row_label,
        data_labels=DATA_LABELS,
        data_values={"source": "feedback_card.source."},
        before_complete={"choose_action": start_action},
        after_passing={
            "confirm_action_done": action_done,
            "review_quality_feedback": qc_reviewed,
            "end_filed": file_card,
        },
        after_completed=(file_card,),
    )

"""What the suggestion process adds to its diagram (bpmn/suggestion.bpmn): the customers to
choose from, the suggestion beside every step, and its record as the steps pass: registered,
routed to the departments, each department's answer, the reply to the sender and the mark
for the monthly review (each with who and when)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from app.aftersales.archive.models import Customer
from app.bpm.errors import FormRejected
from app.bpm.plugins import Choices, Fact, ProcessPlugin, StepContext, WorkContext
from app.i18n import translate
from app.processes.suggestion.models import DEPARTMENTS, Suggestion, SuggestionResponse
from app.processes.suggestion.service import SUGGESTION_PROCESS, suggestion_of_instance

USER_TASK = "userTask"
REVIEW_OF = {f"review_{d}": d for d in DEPARTMENTS}  # element id -> department
REQUIRES = {
    "register_suggestion": USER_TASK,
    "route_suggestion": USER_TASK,
    "reply_to_sender": USER_TASK,
    **dict.fromkeys(REVIEW_OF, USER_TASK),
}
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class SuggestionStep(StepContext):
    suggestion: Suggestion | None = None


def suggestion_case(ctx: StepContext) -> SuggestionStep:
    return SuggestionStep.extend(ctx, suggestion=suggestion_of_instance(ctx.session, ctx.instance.id))


def customer_choices(step: SuggestionStep) -> Choices:
    rows = step.session.scalars(select(Customer).order_by(Customer.name))
    return {"customer_id": [(str(c.id), c.name) for c in rows]}


def _instant(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def check_register(step: SuggestionStep) -> None:
    errors: dict[str, list[str]] = {}
    customer_id = step.data.get("customer_id")
    if not isinstance(customer_id, int) or step.session.get(Customer, customer_id) is None:
        errors["customer_id"] = [translate("suggestion.error.customer", step.locale)]
    at = _instant(step.data.get("received_at"))
    if at is not None and at.tzinfo is not None and at > step.now + CLOCK_SKEW:
        errors["received_at"] = [translate("error.in_future", step.locale)]
    if errors:
        raise FormRejected(errors)


def _user_id(step: SuggestionStep) -> int | None:
    return step.user.id if step.user is not None else None


def record_suggestion(step: SuggestionStep) -> None:
    data = step.data
    received = _instant(data.get("received_at")) or step.now
    row = step.suggestion or Suggestion(instance_id=step.instance.id)
    row.customer_id = int(data["customer_id"])
    row.channel = str(data.get("channel") or "")
    row.sender_name = str(data.get("sender_name") or "")
    row.sender_contact = str(data.get("sender_contact") or "") or None
    row.content = str(data.get("content") or "")
    row.received_at = received if received.tzinfo else step.now
    row.recorded_by_id = _user_id(step)
    step.session.add(row)


def _row(step: SuggestionStep) -> Suggestion:
    row = step.suggestion or suggestion_of_instance(step.session, step.instance.id)
    assert row is not None, "the suggestion is registered before it is routed"
    return row


def record_routing(step: SuggestionStep) -> None:
    row = _row(step)
    row.departments = [d for d in DEPARTMENTS if d in (step.data.get("departments") or [])]
    row.routed_at, row.routed_by_id = step.now, _user_id(step)


def _record_response(department: str) -> Any:
    def record(step: SuggestionStep) -> None:
        answer = step.data.get(f"review_{department}") or {}
        row = _row(step)
        row.responses.append(
            SuggestionResponse(
                department=department,
                decision=str(answer.get("decision") or ""),
                response=str(answer.get("response") or ""),
                answered_by_id=_user_id(step),
                answered_at=step.now,
            )
        )

    return record


def record_reply(step: SuggestionStep) -> None:
    row, data = _row(step), step.data
    row.reply_text = str(data.get("reply_text") or "")
    row.reply_via = str(data.get("reply_via") or "")
    row.replied_at, row.replied_by_id = step.now, _user_id(step)
    row.marked_for_review = bool(data.get("mark_for_review"))
    row.review_note = str(data.get("review_note") or "") or None
    row.marked_at = step.now if row.marked_for_review else None


def work_context(step: SuggestionStep) -> WorkContext | None:
    row, t = step.suggestion, step.locale
    if row is None:
        return None
    facts = [
        Fact(translate("suggestion.customer", t), row.customer.name),
        Fact(translate("suggestion.channel", t), translate(f"suggestion.channel.{row.channel}", t)),
        Fact(
            translate("suggestion.sender", t),
            row.sender_name + (f" · {row.sender_contact}" if row.sender_contact else ""),
        ),
        Fact(translate("suggestion.content", t), row.content),
    ]
    if row.departments:
        names = "、".join(translate(f"suggestion.department.{d}", t) for d in row.departments)
        facts.append(Fact(translate("suggestion.departments", t), names))
    for r in row.responses:
        label = translate(f"suggestion.department.{r.department}", t)
        facts.append(Fact(label, f"{translate(f'suggestion.decision.{r.decision}', t)}：{r.response}"))
    return WorkContext(
        translate("suggestion.case", t, customer=row.customer.name, sender=row.sender_name), facts=tuple(facts)
    )


def row_label(data: Mapping[str, Any]) -> str:
    return " · ".join(
        part for part in (str(data.get("sender_name") or ""), str(data.get("content") or "")[:40]) if part
    )


def suggestion_plugin() -> ProcessPlugin[SuggestionStep]:
    return ProcessPlugin(
        process_id=SUGGESTION_PROCESS,
        requires=REQUIRES,
        case=suggestion_case,
        work_context=work_context,
        row_label=row_label,
        data_values={"channel": "suggestion.channel."},
        choices={"register_suggestion": customer_choices},
        before_complete={"register_suggestion": check_register},
        after_passing={
            "register_suggestion": record_suggestion,
            "route_suggestion": record_routing,
            **{element: _record_response(dept) for element, dept in REVIEW_OF.items()},
            "reply_to_sender": record_reply,
        },
    )

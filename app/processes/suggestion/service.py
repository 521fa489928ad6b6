"""Customer suggestions (建议/意见, R22): the suggestion's record as its steps pass (who
registered, routed, answered and replied what, when), and the suggestions marked for the
monthly review, which the monthly complaint review reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bpm.case_facts import office_tz
from app.bpm.errors import ServiceError
from app.processes.suggestion.models import Suggestion

SUGGESTION_PROCESS = "suggestion"


def suggestion_of_instance(session: Session, instance_id: int) -> Suggestion | None:
    return session.scalars(select(Suggestion).where(Suggestion.instance_id == instance_id)).first()


def month_bounds(month: str | date) -> tuple[datetime, datetime]:
    """The month (`YYYY-MM` or any day in it) as UTC instants, from its first day 00:00 in the
    office's time zone to the next month's."""
    if isinstance(month, str):
        try:
            year, number = (int(part) for part in month.split("-", 1))
            first = date(year, number, 1)
        except ValueError:
            raise ServiceError("suggestion.error.month") from None
    else:
        first = month.replace(day=1)
    after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    tz = office_tz()
    return (
        datetime(first.year, first.month, 1, tzinfo=tz).astimezone(UTC),
        datetime(after.year, after.month, 1, tzinfo=tz).astimezone(UTC),
    )


@dataclass(frozen=True)
class MarkedSuggestion:
    """A good suggestion for the monthly review: what was suggested, by whom, through which
    channel, what each department answered, what the sender was told, and why it was marked."""

    id: int
    instance_id: int
    customer_id: int
    customer: str
    channel: str
    sender_name: str
    content: str
    received_at: datetime
    departments: tuple[str, ...]
    responses: tuple[dict[str, Any], ...]
    reply_text: str | None
    reply_via: str | None
    replied_at: datetime | None
    review_note: str | None
    marked_at: datetime


def marked_suggestions(session: Session, month: str | date) -> list[MarkedSuggestion]:
    """The suggestions marked for the review in that month (by when they were marked, in the
    office's time zone), oldest first. Read by the monthly complaint review."""
    start, end = month_bounds(month)
    query = (
        select(Suggestion)
        .where(Suggestion.marked_for_review.is_(True), Suggestion.marked_at >= start, Suggestion.marked_at < end)
        .order_by(Suggestion.marked_at, Suggestion.id)
    )
    return [
        MarkedSuggestion(
            id=s.id,
            instance_id=s.instance_id,
            customer_id=s.customer_id,
            customer=s.customer.name,
            channel=s.channel,
            sender_name=s.sender_name,
            content=s.content,
            received_at=s.received_at,
            departments=tuple(s.departments or ()),
            responses=tuple(
                {
                    "department": r.department,
                    "decision": r.decision,
                    "response": r.response,
                    "answered_by": r.answered_by.username if r.answered_by else None,
                    "answered_at": r.answered_at.isoformat(),
                }
                for r in s.responses
            ),
            reply_text=s.reply_text,
            reply_via=s.reply_via,
            replied_at=s.replied_at,
            review_note=s.review_note,
            marked_at=s.marked_at,
        )
        for s in session.scalars(query)
        if s.marked_at is not None
    ]

"""The suggestion's business objects (建议/意见, R22): one row per suggestion with its channel,
sender, the departments it was routed to, the reply to its sender and the monthly-review mark;
one row per department's answer (who answered what, when)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.aftersales.archive.models import Customer
from app.bpm.models import Base, JsonDocument, User

CHANNELS = ("phone", "web", "email", "visit", "branch")  # 电话、网站/门户、邮箱、登门拜访、办事处
DEPARTMENTS = ("sales", "technical", "production", "qc")


class Suggestion(Base):
    __tablename__ = "suggestions"
    __table_args__ = (Index("ix_suggestions_marked", "marked_for_review", "marked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    sender_name: Mapped[str] = mapped_column(String(100))
    sender_contact: Mapped[str | None] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    departments: Mapped[list[Any]] = mapped_column(JsonDocument, default=list)
    routed_at: Mapped[datetime | None]
    routed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reply_text: Mapped[str | None] = mapped_column(Text)
    reply_via: Mapped[str | None] = mapped_column(String(20))
    replied_at: Mapped[datetime | None]
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    marked_for_review: Mapped[bool] = mapped_column(default=False)
    review_note: Mapped[str | None] = mapped_column(Text)
    marked_at: Mapped[datetime | None]

    customer: Mapped[Customer] = relationship(lazy="joined")
    responses: Mapped[list[SuggestionResponse]] = relationship(
        back_populates="suggestion", order_by="SuggestionResponse.id", cascade="all, delete-orphan", lazy="selectin"
    )


class SuggestionResponse(Base):
    __tablename__ = "suggestion_responses"
    __table_args__ = (UniqueConstraint("suggestion_id", "department"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"))
    department: Mapped[str] = mapped_column(String(20))
    decision: Mapped[str] = mapped_column(String(20))  # accepted | returned
    response: Mapped[str] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime]

    suggestion: Mapped[Suggestion] = relationship(back_populates="responses")
    answered_by: Mapped[User | None] = relationship(lazy="joined")

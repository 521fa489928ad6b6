"""The yearly satisfaction survey's business objects (R20): the questions and thresholds
(data), campaigns with the customers they chose, each send and reminder, the answers as rows
(who answered what, when) and the approved analysis report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.aftersales.archive.models import Customer
from app.bpm.models import Base, JsonDocument, User


class SurveyQuestion(Base):
    """A question of the survey form: `code` is the form's field (`q_<code>`), scored 1–5."""

    __tablename__ = "survey_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    text_zh: Mapped[str] = mapped_column(String(300))
    text_en: Mapped[str] = mapped_column(String(300))
    sort: Mapped[int] = mapped_column(default=0)

    def text(self, locale: str) -> str:
        return self.text_en if locale == "en" else self.text_zh


class SurveySetting(Base):
    """The survey's numbers kept as data: `detractor_at_most` (an overall score at or below
    it opens a recovery follow-up), `reminder_days`, `recovery_days`."""

    __tablename__ = "survey_settings"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int]


class SurveyCampaign(Base):
    """A year's campaign: the selection rule and the customers it chose."""

    __tablename__ = "survey_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    rule: Mapped[dict[str, Any]] = mapped_column(JsonDocument)  # {categories, key, sample_size}
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    members: Mapped[list[CampaignCustomer]] = relationship(back_populates="campaign", order_by="CampaignCustomer.id")


class CampaignCustomer(Base):
    __tablename__ = "survey_campaign_customers"
    __table_args__ = (UniqueConstraint("campaign_id", "customer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("survey_campaigns.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"))

    campaign: Mapped[SurveyCampaign] = relationship(back_populates="members")
    customer: Mapped[Customer] = relationship(lazy="joined")


class SurveySend(Base):
    """The survey sent to a customer, or a reminder, by which channel."""

    __tablename__ = "survey_sends"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # send | reminder
    channel: Mapped[str] = mapped_column(String(20))  # portal | email | phone
    sent_at: Mapped[datetime]
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)


class SurveyResponse(Base):
    """A customer's one answer of a year."""

    __tablename__ = "survey_responses"
    __table_args__ = (UniqueConstraint("customer_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    year: Mapped[int] = mapped_column(index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("survey_campaigns.id"))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"))
    channel: Mapped[str] = mapped_column(String(20))
    respondent: Mapped[str | None] = mapped_column(String(100))
    comment: Mapped[str | None] = mapped_column(Text)
    overall: Mapped[int]
    detractor: Mapped[bool] = mapped_column(default=False)
    answered_at: Mapped[datetime]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    follow_up_instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"))
    recovered_at: Mapped[datetime | None]

    customer: Mapped[Customer] = relationship(lazy="joined")
    answers: Mapped[list[SurveyAnswer]] = relationship(back_populates="response", order_by="SurveyAnswer.id")


class SurveyAnswer(Base):
    __tablename__ = "survey_answers"
    __table_args__ = (UniqueConstraint("response_id", "question_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id", ondelete="CASCADE"), index=True)
    question_code: Mapped[str] = mapped_column(String(40))
    score: Mapped[int]

    response: Mapped[SurveyResponse] = relationship(back_populates="answers")


class SurveyAnalysis(Base):
    """The year's analysis report: drafted from the figures, edited, approved by a lead who
    did not write it."""

    __tablename__ = "survey_analyses"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    text: Mapped[str] = mapped_column(Text)
    figures: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft | approved
    written_at: Mapped[datetime]
    written_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    written_by: Mapped[User | None] = relationship(foreign_keys=[written_by_id], lazy="joined")
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id], lazy="joined")

"""The feedback card's business objects (《设备质量反馈卡》, R18): versioned question sets (an
answered version is never changed: editing makes the next version), the cards with the version
they answered, and each answer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.aftersales.archive.models import Customer, EquipmentUnit
from app.bpm.models import Base, User

SOURCES = ("paper", "email", "portal")  # a paper card typed in, an e-mail, the customer portal
ACTIONS = ("follow_up", "service_request", "complaint")  # what the desk chooses for a poor card


class QuestionSet(Base):
    """One version of the card's questions. `poor_at_or_below`: an answer at or below it is a
    poor rating and opens a follow-up."""

    __tablename__ = "feedback_question_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    poor_at_or_below: Mapped[int] = mapped_column(default=2)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    created_by: Mapped[User | None] = relationship(lazy="select")
    questions: Mapped[list[Question]] = relationship(
        back_populates="question_set", order_by="Question.position", cascade="all, delete-orphan", lazy="selectin"
    )


class Question(Base):
    """A question of one version, rated on a scale 1..scale_max (1–5)."""

    __tablename__ = "feedback_questions"
    __table_args__ = (UniqueConstraint("set_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("feedback_question_sets.id", ondelete="CASCADE"))
    position: Mapped[int]
    text_zh: Mapped[str] = mapped_column(String(300))
    text_en: Mapped[str] = mapped_column(String(300))
    scale_max: Mapped[int] = mapped_column(default=5)

    question_set: Mapped[QuestionSet] = relationship(back_populates="questions")

    def text(self, locale: str) -> str:
        return self.text_en if locale == "en" and self.text_en else self.text_zh


class FeedbackCard(Base):
    """One card about one unit. `status`: open (being handled) | filed (a good card, or the
    follow-up done). `action`: what the desk chose for a poor card, `action_ref` what it opened
    (a service request's number, an instance's number) and when the action was confirmed done."""

    __tablename__ = "feedback_cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("equipment_units.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    question_set_id: Mapped[int] = mapped_column(ForeignKey("feedback_question_sets.id"), index=True)
    source: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    quality_problem: Mapped[bool]
    poor: Mapped[bool]
    recorded_at: Mapped[datetime]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="open")
    action: Mapped[str | None] = mapped_column(String(20))
    action_ref: Mapped[str | None] = mapped_column(String(60))
    action_chosen_at: Mapped[datetime | None]
    action_chosen_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action_done_at: Mapped[datetime | None]
    qc_note: Mapped[str | None] = mapped_column(Text)
    qc_reviewed_at: Mapped[datetime | None]
    qc_reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    unit: Mapped[EquipmentUnit] = relationship(lazy="joined")
    customer: Mapped[Customer] = relationship(lazy="select")
    question_set: Mapped[QuestionSet] = relationship(lazy="select")
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id], lazy="select")
    answers: Mapped[list[CardAnswer]] = relationship(
        back_populates="card", cascade="all, delete-orphan", lazy="selectin"
    )


class CardAnswer(Base):
    __tablename__ = "feedback_card_answers"
    __table_args__ = (UniqueConstraint("card_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("feedback_cards.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("feedback_questions.id"))
    rating: Mapped[int]

    card: Mapped[FeedbackCard] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship(lazy="joined")

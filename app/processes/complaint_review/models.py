"""The monthly complaint review's business objects (R16): the performance rules it assesses
by (绩效考核实施细则, kept as data), each review and its assessment per department."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.bpm.models import Base, JsonDocument, User


class PerformanceRule(Base):
    """One line of the performance rules: points added (positive) or deducted (negative)
    and the sanction it carries, if any."""

    __tablename__ = "complaint_performance_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    label_zh: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    points: Mapped[int] = mapped_column(default=0)
    sanction_zh: Mapped[str | None] = mapped_column(String(200))
    sanction_en: Mapped[str | None] = mapped_column(String(200))
    sort: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    def label(self, locale: str) -> str:
        return self.label_en if locale == "en" else self.label_zh

    def sanction(self, locale: str) -> str | None:
        return self.sanction_en if locale == "en" else self.sanction_zh


class ComplaintReview(Base):
    """One month's review: the figures it was compiled from, and its sign-off."""

    __tablename__ = "complaint_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), unique=True)
    month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM
    complaints: Mapped[int] = mapped_column(default=0)
    figures: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    compiled_at: Mapped[datetime]
    compiled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[datetime | None]
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    signed_by: Mapped[User | None] = relationship(foreign_keys=[signed_by_id], lazy="joined")
    assessments: Mapped[list[DepartmentAssessment]] = relationship(
        back_populates="review", order_by="DepartmentAssessment.department"
    )


class DepartmentAssessment(Base):
    """A department's statement and its assessment under one rule, in one review."""

    __tablename__ = "complaint_review_assessments"
    __table_args__ = (UniqueConstraint("review_id", "department"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("complaint_reviews.id", ondelete="CASCADE"), index=True)
    department: Mapped[str] = mapped_column(String(40))
    cases: Mapped[int] = mapped_column(default=0)
    late_cases: Mapped[int] = mapped_column(default=0)
    statement: Mapped[str | None] = mapped_column(Text)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("complaint_performance_rules.id"))
    points: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(Text)
    assessed_at: Mapped[datetime | None]
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    review: Mapped[ComplaintReview] = relationship(back_populates="assessments")
    rule: Mapped[PerformanceRule | None] = relationship(lazy="joined")

"""The recurring promises as data (R21, R27, R28, R19, R20, R16): each kind's rule, one
obligation per bound subject (a unit, a customer, the organisation) and kind, and its periods,
each due, met (by which instance) or overdue (escalated to whom, by which instance)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.bpm.models import Base, JsonDocument, utcnow

PERIOD_STATUSES = ("due", "met", "overdue")


class ObligationKind(Base):
    """A kind of promise and its rule (`app.aftersales.rules.recurrence.ObligationRule`)."""

    __tablename__ = "obligation_kinds"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    rule: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Obligation(Base):
    """One subject bound by one kind. `subject_key` is `unit:<id>`, `customer:<id>` or
    `organisation`, unique per kind. The calendar pass writes the next period on `next_opens_on`,
    its first day (indexed; None while a rolling period waits to be met, or when the window has
    ended)."""

    __tablename__ = "obligations"
    __table_args__ = (
        UniqueConstraint("kind", "subject_key"),
        Index("ix_obligations_next_opens_on", "next_opens_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(ForeignKey("obligation_kinds.code"))
    subject_key: Mapped[str] = mapped_column(String(40))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("equipment_units.id", ondelete="CASCADE"), index=True)
    anchor_on: Mapped[date]
    every: Mapped[str] = mapped_column(String(20))
    window_ends_on: Mapped[date | None]  # the first day no longer bound (maintenance or warranty over)
    next_starts_on: Mapped[date | None]
    next_opens_on: Mapped[date | None]
    # the latest period opened (kept here so the list reads one row per obligation; not a
    # foreign key, which would make the two tables refer to each other: periods go only with
    # their obligation)
    current_period_id: Mapped[int | None]
    last_met_on: Mapped[date | None]
    last_met_instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id", ondelete="SET NULL"))
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)


class ObligationPeriod(Base):
    """One period of an obligation, written on its first day: when it runs, when it is due (the
    end of `due_on` in the office's time zone), its status, the instance that met it, the one the
    calendar started for it (on `work_on`), and the escalation when it went overdue."""

    __tablename__ = "obligation_periods"
    __table_args__ = (
        UniqueConstraint("obligation_id", "starts_on"),
        Index("ix_obligation_periods_status_due", "status", "due_at"),
        Index("ix_obligation_periods_work", "work_started", "work_on"),
        # the overdue periods of an obligation, for the lists (few rows: most periods are met)
        Index(
            "ix_obligation_periods_overdue",
            "obligation_id",
            postgresql_where=text("status = 'overdue'"),
            sqlite_where=text("status = 'overdue'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    obligation_id: Mapped[int] = mapped_column(ForeignKey("obligations.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    due_on: Mapped[date]
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default="due")
    # when the period's process is started (its first working day, or a month before a rolling
    # period is due), and whether that was done (or not needed: met, or a kind that starts none)
    work_on: Mapped[date]
    work_started: Mapped[bool] = mapped_column(default=False)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id", ondelete="SET NULL"))
    met_at: Mapped[datetime | None]
    met_instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id", ondelete="SET NULL"))
    escalated_at: Mapped[datetime | None]
    escalated_to: Mapped[str | None] = mapped_column(String(64))
    escalation_instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id", ondelete="SET NULL"))
    open_error: Mapped[str | None] = mapped_column(String(300))  # the process could not be started

    @property
    def last_day(self) -> date:
        return self.ends_on - timedelta(days=1)

    @property
    def label(self) -> str:
        """The period as an ISO 8601 interval of its first and last days."""
        return f"{self.starts_on.isoformat()}/{self.last_day.isoformat()}"

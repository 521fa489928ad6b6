"""The follow-up process's business objects (回访, R19, R21): each follow-up (by phone or a
visit) with what it found, a visit's findings per customer department and equipment model,
and the yearly visit report of a key customer with its approval by a second person."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.aftersales.archive.models import Customer, EquipmentUnit
from app.bpm.models import Base, User

MODES = ("phone", "visit")


class FollowUp(Base):
    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), unique=True)
    mode: Mapped[str] = mapped_column(String(10))  # phone | visit
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("equipment_units.id"), index=True)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    done_at: Mapped[datetime | None]
    visited_on: Mapped[date | None]
    contact_name: Mapped[str | None] = mapped_column(String(300))  # phone: who answered; visit: whom we met
    visitors: Mapped[str | None] = mapped_column(String(300))
    running_status: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    quality_problem: Mapped[bool] = mapped_column(default=False)
    request_id: Mapped[int | None]  # the repair process's service request (no import between processes)
    request_number: Mapped[str | None] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default="planned")  # planned | done

    customer: Mapped[Customer] = relationship(lazy="joined")
    unit: Mapped[EquipmentUnit | None] = relationship(lazy="joined")
    done_by: Mapped[User | None] = relationship(lazy="joined")
    findings: Mapped[list[VisitFinding]] = relationship(
        back_populates="follow_up", order_by="VisitFinding.id", cascade="all, delete-orphan"
    )


class VisitFinding(Base):
    """What a visit heard about one department's units of one model."""

    __tablename__ = "visit_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_up_id: Mapped[int] = mapped_column(ForeignKey("follow_ups.id", ondelete="CASCADE"), index=True)
    department: Mapped[str] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)

    follow_up: Mapped[FollowUp] = relationship(back_populates="findings")


class VisitReport(Base):
    """The yearly report on a key customer's visits (R19): drafted from that year's visits,
    edited, and approved by an after-sales lead who did not write it."""

    __tablename__ = "visit_reports"
    __table_args__ = (UniqueConstraint("customer_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    year: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft | approved
    written_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    written_at: Mapped[datetime]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]

    customer: Mapped[Customer] = relationship(lazy="joined")
    written_by: Mapped[User] = relationship(foreign_keys=[written_by_id], lazy="joined")
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id], lazy="joined")

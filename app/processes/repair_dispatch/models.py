"""The repair process's business objects (报修与派工, R4–R11): service requests, their SLA
clocks, the signed service record and the loans of loaner units."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.aftersales.archive.models import Contract, EquipmentUnit
from app.aftersales.warehouse.models import LoanerUnit
from app.bpm.models import Base, JsonDocument, ProcessInstance, User

CHANNELS = ("phone", "email", "web", "visit", "letter")  # R4: 来电、电子邮件、网站、来人、来函


class ServiceRequest(Base):
    """One fault report for one unit. The SLA policy in force when it was reported is copied
    here, so changing a contract later does not move a running clock."""

    __tablename__ = "service_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("equipment_units.id"), index=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    reported_at: Mapped[datetime]
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    in_warranty: Mapped[bool]
    sla_policy: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | resolved | closed | declined

    unit: Mapped[EquipmentUnit] = relationship(lazy="joined")
    contract: Mapped[Contract | None] = relationship(lazy="select")
    reported_by: Mapped[User | None] = relationship(lazy="select")
    instance: Mapped[ProcessInstance | None] = relationship(lazy="select")
    clocks: Mapped[list[SlaClock]] = relationship(
        back_populates="request", order_by="SlaClock.id", cascade="all, delete-orphan"
    )


class SlaClock(Base):
    """One clock of a request (R6). `met_at`/`closed_at` come from the recorded process events;
    a clock closed unmet (e.g. the loaner clock when the unit was repaired first) is not
    breached unless it was already past due."""

    __tablename__ = "sla_clocks"
    __table_args__ = (
        UniqueConstraint("request_id", "name"),
        Index("ix_sla_clocks_open_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(40))
    starts_at: Mapped[datetime]
    due_at: Mapped[datetime]
    warn_at: Mapped[datetime | None]
    met_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="running")  # running | met | closed

    request: Mapped[ServiceRequest] = relationship(back_populates="clocks")

    def breached(self, now: datetime) -> bool:
        if self.met_at is not None:
            return self.met_at > self.due_at
        if self.closed_at is not None:
            return self.closed_at > self.due_at
        return now > self.due_at


class ServiceRecord(Base):
    """《售后服务记录》 (R8): filled on site, signed by the customer on the device (the drawn
    signature is kept as a PNG), filed with after-sales within 5 days of the return."""

    __tablename__ = "service_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # remote | on_site
    summary: Mapped[str] = mapped_column(Text)
    customer_opinion: Mapped[str | None] = mapped_column(Text)
    signer_name: Mapped[str | None] = mapped_column(String(100))
    signature_png: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    signed_at: Mapped[datetime | None]
    signed_via: Mapped[str | None] = mapped_column(String(20))  # on_site | portal (the customer was not on site)
    written_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime | None]
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    archive_number: Mapped[str | None] = mapped_column(String(60))

    request: Mapped[ServiceRequest] = relationship(lazy="joined")
    written_by: Mapped[User | None] = relationship(foreign_keys=[written_by_id], lazy="select")


class Loan(Base):
    __tablename__ = "loans"

    id: Mapped[int] = mapped_column(primary_key=True)
    loaner_id: Mapped[int] = mapped_column(ForeignKey("loaner_units.id"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id"), index=True)
    lent_at: Mapped[datetime]
    returned_at: Mapped[datetime | None]
    lent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    loaner: Mapped[LoanerUnit] = relationship(lazy="joined")
    request: Mapped[ServiceRequest] = relationship(lazy="joined")

"""Repair dispatch (报修与派工, R4–R11): requests, their SLA clocks, service records, spare parts,
loaners and the warranty deposit ledger."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from .archive import Contract, EquipmentModel, EquipmentUnit
from .base import Base, JsonDocument, utcnow
from .processes import ProcessInstance
from .users import User

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
    written_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime | None]
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    archive_number: Mapped[str | None] = mapped_column(String(60))

    request: Mapped[ServiceRequest] = relationship(lazy="joined")
    written_by: Mapped[User | None] = relationship(foreign_keys=[written_by_id], lazy="select")


class SparePart(Base):
    """A stocked item of the spare parts warehouse (备品备件库, R11)."""

    __tablename__ = "spare_parts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # consumable | spare_part | module
    unit_cost: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    on_hand: Mapped[int] = mapped_column(default=0)
    minimum: Mapped[int] = mapped_column(default=0)


class ContractPartPrice(Base):
    """A part's price in a contract: paid service never charges more (R3, R11)."""

    __tablename__ = "contract_part_prices"
    __table_args__ = (UniqueConstraint("contract_id", "part_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    part_id: Mapped[int] = mapped_column(ForeignKey("spare_parts.id"))
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))


class PartMovement(Base):
    """Every change of stock: received (replenished), issued to a repair, returned unused."""

    __tablename__ = "part_movements"

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("spare_parts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # receive | issue | return
    quantity: Mapped[int]  # positive into stock, negative out
    request_id: Mapped[int | None] = mapped_column(ForeignKey("service_requests.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("equipment_units.id"), index=True)
    charge: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))  # to the customer
    at: Mapped[datetime] = mapped_column(default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(String(300))

    part: Mapped[SparePart] = relationship(lazy="joined")
    by: Mapped[User | None] = relationship(lazy="select")


class LoanerUnit(Base):
    """A unit of the loaner pool (备用设备): lent while a customer's unit is repaired."""

    __tablename__ = "loaner_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(80), unique=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("equipment_models.id"))
    status: Mapped[str] = mapped_column(String(20), default="available")  # available | lent | maintenance

    model: Mapped[EquipmentModel] = relationship(lazy="joined")


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


class DepositEntry(Base):
    """The warranty deposit ledger (质保金) of a contract: the deposit, and deductions such as
    another team's cost when a repair was late (R10). Amounts: deductions are negative."""

    __tablename__ = "deposit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    reason: Mapped[str] = mapped_column(String(300))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("service_requests.id"))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    by: Mapped[User | None] = relationship(lazy="select")


class Correspondence(Base):
    """A numbered letter or e-mail, in or out, filed under the unit it concerns (R4: 来函 and
    replies are numbered and filed per unit)."""

    __tablename__ = "correspondence"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("equipment_units.id"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("service_requests.id"))
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("correspondence.id"))
    direction: Mapped[str] = mapped_column(String(10))  # incoming | outgoing
    channel: Mapped[str] = mapped_column(String(10))  # letter | email
    correspondent: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

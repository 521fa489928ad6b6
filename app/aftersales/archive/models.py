"""The customer and equipment archive (客户档案, R1–R3)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.aftersales.approvals.models import PendingChange
from app.bpm.models import Base, JsonDocument, User, utcnow


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    category: Mapped[str] = mapped_column(String(40))  # hospital | government | school | enterprise | other
    is_key: Mapped[bool] = mapped_column(default=False)  # 重点客户 (R1, R19)
    address: Mapped[str | None] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    departments: Mapped[list[CustomerDepartment]] = relationship(
        back_populates="customer", order_by="CustomerDepartment.name"
    )
    contacts: Mapped[list[Contact]] = relationship(back_populates="customer", order_by="Contact.name")


class CustomerDepartment(Base):
    __tablename__ = "customer_departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))

    customer: Mapped[Customer] = relationship(back_populates="departments")


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("customer_departments.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))

    customer: Mapped[Customer] = relationship(back_populates="contacts")


class EquipmentModel(Base):
    """A model of printer, copier or field equipment. `spec_level` orders models by
    specification: a loaner must be of the same kind and no lower level (R6)."""

    __tablename__ = "equipment_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))  # printer | copier | field_equipment | other
    spec_level: Mapped[int] = mapped_column(default=1)
    manufacturer: Mapped[str | None] = mapped_column(String(100))


class Contract(Base):
    """A sales/maintenance contract. The warranty (质保期) runs `warranty_years` from final
    acceptance (2 or 6 by contract), the maintenance period (维护期) `maintenance_years` (R3)."""

    __tablename__ = "contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(60), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    signed_on: Mapped[date]
    warranty_years: Mapped[int] = mapped_column(default=2)
    maintenance_years: Mapped[int] = mapped_column(default=2)
    # How often the maintenance period's inspections (巡查) and the units' phone follow-ups are
    # due: ISO 8601 durations (R27, R21), read by the obligations.
    inspection_every: Mapped[str] = mapped_column(String(20), default="P3M", server_default="P3M")
    follow_up_every: Mapped[str] = mapped_column(String(20), default="P3M", server_default="P3M")
    deposit_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    sla_policy: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)

    customer: Mapped[Customer] = relationship(lazy="joined")


class EquipmentUnit(Base):
    """One installed unit: where it is, whose it is, and the dates its warranty hangs on (R2)."""

    __tablename__ = "equipment_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(80), unique=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("equipment_models.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("customer_departments.id", ondelete="SET NULL"))
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"))
    location: Mapped[str | None] = mapped_column(String(300))
    delivered_on: Mapped[date | None]
    installed_on: Mapped[date | None]
    accepted_on: Mapped[date | None]  # final acceptance (终验)

    model: Mapped[EquipmentModel] = relationship(lazy="joined")
    customer: Mapped[Customer] = relationship(lazy="joined")
    department: Mapped[CustomerDepartment | None] = relationship(lazy="joined")
    contract: Mapped[Contract | None] = relationship(lazy="joined")


class ContractPartPrice(Base):
    """A part's price in a contract: paid service never charges more (R3, R11)."""

    __tablename__ = "contract_part_prices"
    __table_args__ = (UniqueConstraint("contract_id", "part_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    part_id: Mapped[int] = mapped_column(ForeignKey("spare_parts.id"))
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))


class DepositEntry(Base):
    """The warranty deposit ledger (质保金) of a contract: the deposit, and deductions such as
    another team's cost when a repair was late (R10). Amounts: deductions are negative. A
    deduction is entered only when a second person approved it (`change`: who asked, who
    approved, when); entries from before that rule have none."""

    __tablename__ = "deposit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    reason: Mapped[str] = mapped_column(String(300))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("service_requests.id"))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    change_id: Mapped[int | None] = mapped_column(ForeignKey("pending_changes.id"))

    by: Mapped[User | None] = relationship(lazy="select")
    change: Mapped[PendingChange | None] = relationship(lazy="select")


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


class UnitSoftware(Base):
    """One version of a piece of software on a unit (维护期内软件维护、应用软件升级): the row with
    no `replaced_at` is the version installed now; the older rows are the unit's history of
    versions. `instance_id`: the upgrade that installed it (None: recorded with the unit)."""

    __tablename__ = "unit_software"
    __table_args__ = (Index("ix_unit_software_unit_name", "unit_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("equipment_units.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(60))
    installed_on: Mapped[date | None]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    replaced_at: Mapped[datetime | None]
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id", ondelete="SET NULL"))

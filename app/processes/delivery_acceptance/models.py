"""The delivery and acceptance process's business objects (交货与验收, R23–R26): one delivery per
instance with its checks, the replacements its failed checks asked for, and the signed
acceptance form (验收单: the acceptor's and the unit head's drawings, kept as PNGs)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.aftersales.archive.models import EquipmentUnit
from app.bpm.models import Base, JsonDocument, ProcessInstance, User

CHECK_KINDS = ("packaging", "goods")  # 外包装检验 | 依据装箱单清点数量、检验质量
PROBLEMS = ("packaging_opened", "packaging_damaged", "shortage", "defect", "damage", "other")


class Delivery(Base):
    """One delivery of one unit to its purchaser, from the call before it to the signed form."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("equipment_units.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    agreed_on: Mapped[date | None]
    delivered_at: Mapped[datetime | None]
    installed_at: Mapped[datetime | None]
    tested_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | accepted
    accepted_on: Mapped[date | None]
    acceptor_name: Mapped[str | None] = mapped_column(String(100))
    acceptor_signature: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    head_name: Mapped[str | None] = mapped_column(String(100))
    head_signature: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    opinion: Mapped[str | None] = mapped_column(Text)
    signed_at: Mapped[datetime | None]
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    unit: Mapped[EquipmentUnit] = relationship(lazy="joined")
    instance: Mapped[ProcessInstance] = relationship(lazy="select")
    signed_by: Mapped[User | None] = relationship(lazy="select")
    checks: Mapped[list[DeliveryCheck]] = relationship(
        back_populates="delivery", order_by="DeliveryCheck.id", cascade="all, delete-orphan"
    )
    replacements: Mapped[list[Replacement]] = relationship(
        back_populates="delivery", order_by="Replacement.id", cascade="all, delete-orphan"
    )


class DeliveryCheck(Base):
    """One check made together with the purchaser: of the packaging, or of the quantity and
    quality against the contract and the packing list (装箱单)."""

    __tablename__ = "delivery_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    passed: Mapped[bool]
    findings: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    at: Mapped[datetime]
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    delivery: Mapped[Delivery] = relationship(back_populates="checks")
    by: Mapped[User | None] = relationship(lazy="joined")


class Replacement(Base):
    """The on-site record (现场记录) of what was short, defective or damaged, and the
    replacement the supplier owes at its own cost by `due_at`."""

    __tablename__ = "delivery_replacements"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"), index=True)
    problems: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    record: Mapped[str] = mapped_column(Text)
    witness: Mapped[str | None] = mapped_column(String(100))
    recorded_at: Mapped[datetime]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    done_note: Mapped[str | None] = mapped_column(Text)
    escalated_at: Mapped[datetime | None]

    delivery: Mapped[Delivery] = relationship(back_populates="replacements")
    recorded_by: Mapped[User | None] = relationship(lazy="joined")

    def late(self, now: datetime) -> bool:
        return (self.done_at or now) > self.due_at

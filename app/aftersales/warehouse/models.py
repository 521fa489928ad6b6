"""The spare parts warehouse (备品备件库, R11) and the loaner pool (备用设备)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.aftersales.archive.models import EquipmentModel
from app.bpm.models import Base, User, utcnow


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

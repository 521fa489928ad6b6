"""A return or exchange (退换货, R29) as the archive and reports read it: which unit, which
branch received it, what was wanted and what came of it, and who asked for and approved a
refund (the case's steps are in its process instance)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from app.bpm.models import Base


class ReturnCase(Base):
    __tablename__ = "return_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("equipment_units.id"), index=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), index=True)
    wanted: Mapped[str] = mapped_column(String(20))  # return | exchange
    reason: Mapped[str] = mapped_column(String(2000))
    registered_at: Mapped[datetime]
    # open | refused | replaced | refund_pending | refunded
    status: Mapped[str] = mapped_column(String(20), default="open")
    refund_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    refund_asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    refund_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

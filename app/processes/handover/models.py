"""The handover at the end of the defect liability period (缺陷责任期结束…签订移交手续): one
handover per instance, with the requests still open when it was checked, the unit's state as
handed over (its software then), and the handover form signed by the customer."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.aftersales.archive.models import EquipmentUnit
from app.bpm.models import Base, JsonDocument

CONDITIONS = ("good", "serviceable", "defects_noted")
# checking | waiting (requests still open) | clear (nothing open) | recorded (state recorded) | signed
STATUSES = ("checking", "waiting", "clear", "recorded", "signed")


class Handover(Base):
    __tablename__ = "handovers"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("equipment_units.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    warranty_end: Mapped[date | None]
    checked_at: Mapped[datetime | None]
    open_requests: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument, default=list)
    condition: Mapped[str | None] = mapped_column(String(20))
    state_notes: Mapped[str | None] = mapped_column(Text)
    documents: Mapped[str | None] = mapped_column(Text)
    software: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument, default=list)
    recorded_at: Mapped[datetime | None]
    signer_name: Mapped[str | None] = mapped_column(String(100))
    customer_opinion: Mapped[str | None] = mapped_column(Text)
    signature_png: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    handed_over_on: Mapped[date | None]
    signed_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="checking")

    unit: Mapped[EquipmentUnit] = relationship(lazy="joined")

"""The record of a customer training session (培训记录, R28): what was taught, by whom, to
whom, with which materials, signed by the customer's representative (the drawing as a PNG)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from app.bpm.models import Base, JsonDocument


class TrainingRecord(Base):
    __tablename__ = "training_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("equipment_units.id"), index=True)
    topics: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    trainer: Mapped[str | None] = mapped_column(String(64))
    planned_on: Mapped[date | None]
    held_on: Mapped[date | None]
    attendees: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument, default=list)
    materials: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument, default=list)
    signer_name: Mapped[str | None] = mapped_column(String(100))
    signed_at: Mapped[datetime | None]
    signature_png: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))

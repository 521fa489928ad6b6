"""The inspection process's business objects (巡检, R27): the checklist kept as data per
equipment model (or kind), one inspection per instance with its item results, and the signed
巡查反馈信息单."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.aftersales.archive.models import EquipmentUnit
from app.bpm.models import Base, User

RESULTS = ("ok", "fault")


class ChecklistItem(Base):
    """One item to check on a unit of a model (`model_code`) or of a kind (`kind`, when no
    item names the model itself). Kept as data: a new model gets its items without a release."""

    __tablename__ = "inspection_checklist_items"
    __table_args__ = (UniqueConstraint("model_code", "kind", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    model_code: Mapped[str | None] = mapped_column(String(60), index=True)
    kind: Mapped[str | None] = mapped_column(String(40), index=True)
    position: Mapped[int] = mapped_column(default=0)
    code: Mapped[str] = mapped_column(String(60))
    label_zh: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)


class Inspection(Base):
    """One periodic inspection of one unit: who inspects when, the findings, the service request
    a fault opened, and the feedback sheet signed by the customer's person in charge."""

    __tablename__ = "inspections"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("equipment_units.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    engineer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    planned_on: Mapped[date | None]
    inspected_at: Mapped[datetime | None]
    findings: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[int | None]  # the repair process's service request (no import between processes)
    request_number: Mapped[str | None] = mapped_column(String(30))
    signer_name: Mapped[str | None] = mapped_column(String(100))
    customer_opinion: Mapped[str | None] = mapped_column(Text)
    signature_png: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    signed_at: Mapped[datetime | None]
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    filed_at: Mapped[datetime | None]
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    archive_number: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20), default="scheduled")  # scheduled|inspected|signed|filed|unsigned

    unit: Mapped[EquipmentUnit] = relationship(lazy="joined")
    engineer: Mapped[User | None] = relationship(foreign_keys=[engineer_id], lazy="joined")
    results: Mapped[list[InspectionResult]] = relationship(
        back_populates="inspection", order_by="InspectionResult.position", cascade="all, delete-orphan"
    )


class InspectionResult(Base):
    """One checklist item as the engineer found it: ok, or a fault with a note."""

    __tablename__ = "inspection_results"
    __table_args__ = (UniqueConstraint("inspection_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    code: Mapped[str] = mapped_column(String(60))
    label_zh: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    result: Mapped[str | None] = mapped_column(String(10))  # ok | fault | None (not checked yet)
    note: Mapped[str | None] = mapped_column(Text)

    inspection: Mapped[Inspection] = relationship(back_populates="results")

"""The software maintenance process's business objects (维护期内软件维护、应用软件升级): one
upgrade or patch per instance (the plan agreed with the customer, the versions before and
after, the test, the rollback of a failed one, the customer's sign-off), and the campaigns that
plan one upgrade for every unit of a model at once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.aftersales.archive.models import EquipmentModel, EquipmentUnit
from app.bpm.models import Base, User, utcnow

KINDS = ("upgrade", "patch")
MODES = ("on_site", "remote")
# to_plan (a campaign's, not planned yet) | planned | failed (test failed, to roll back) |
# rolled_back | tested (passed, to be signed) | upgraded (signed, the unit's version changed)
STATUSES = ("to_plan", "planned", "failed", "rolled_back", "tested", "upgraded")


class SoftwareCampaign(Base):
    """One upgrade planned for every unit of a model in its maintenance period (one instance
    per unit)."""

    __tablename__ = "software_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("equipment_models.id"), index=True)
    software_name: Mapped[str] = mapped_column(String(100))
    target_version: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    model: Mapped[EquipmentModel] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship(lazy="joined")
    upgrades: Mapped[list[SoftwareUpgrade]] = relationship(
        back_populates="campaign", order_by="SoftwareUpgrade.id", lazy="selectin"
    )


class SoftwareUpgrade(Base):
    """One upgrade or patch of one unit's software."""

    __tablename__ = "software_upgrades"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("equipment_units.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("software_campaigns.id"), index=True)
    software_name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10), default="upgrade")
    mode: Mapped[str | None] = mapped_column(String(10))
    version_before: Mapped[str | None] = mapped_column(String(60))
    target_version: Mapped[str] = mapped_column(String(60))
    version_after: Mapped[str | None] = mapped_column(String(60))
    window_starts_at: Mapped[datetime | None]
    window_ends_at: Mapped[datetime | None]
    agreed_with: Mapped[str | None] = mapped_column(String(100))
    engineer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    performed_at: Mapped[datetime | None]
    test_passed: Mapped[bool | None]
    test_notes: Mapped[str | None] = mapped_column(Text)
    rolled_back_at: Mapped[datetime | None]
    restored_version: Mapped[str | None] = mapped_column(String(60))
    rollback_notes: Mapped[str | None] = mapped_column(Text)
    signer_name: Mapped[str | None] = mapped_column(String(100))
    customer_opinion: Mapped[str | None] = mapped_column(Text)
    signature_png: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    signed_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="to_plan")

    unit: Mapped[EquipmentUnit] = relationship(lazy="joined")
    engineer: Mapped[User | None] = relationship(foreign_keys=[engineer_id], lazy="joined")
    campaign: Mapped[SoftwareCampaign | None] = relationship(back_populates="upgrades")

"""Changes of money and contract terms that wait for a second person (R3, R10): one asks,
another of a different group approves or rejects; only an approved change takes effect."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.bpm.models import Base, JsonDocument, User, utcnow

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"


class PendingChange(Base):
    """One asked change of a contract's money or terms, or of the contract a unit is on. `kind` names the apply function
    (`app.aftersales.approvals.kinds.KINDS`); `values` is what it would set, `previous` what
    was there when it was asked (the diff shown to the approver)."""

    __tablename__ = "pending_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # deposit_deduction | contract_terms | unit_contract
    # the contract concerned (a unit's move: the contract it would move to, or leave for none)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("equipment_units.id"), index=True)  # unit_contract
    summary: Mapped[str] = mapped_column(String(300))
    values: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    previous: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    decision: Mapped[str] = mapped_column(String(10), default=PENDING, index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)

    asked_by: Mapped[User] = relationship(foreign_keys=[asked_by_id], lazy="joined")
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id], lazy="joined")

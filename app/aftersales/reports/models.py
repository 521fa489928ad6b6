"""The monthly management pack (R31 存档): each version of a month's pack as it was generated,
its JSON and its PDF, kept unchanged; approving a version issues it (who and when)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.bpm.models import Base, JsonDocument, User


class MonthlyPack(Base):
    """One version of one month's pack. A correction of the data never changes a stored
    version: regenerating adds the next version; the earlier ones stay readable as issued."""

    __tablename__ = "monthly_packs"
    __table_args__ = (UniqueConstraint("month", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM
    version: Mapped[int]
    content: Mapped[dict[str, Any]] = mapped_column(JsonDocument)  # the sections, as generated
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    generated_at: Mapped[datetime]
    generated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the worker
    approved_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    generated_by: Mapped[User | None] = relationship(foreign_keys=[generated_by_id], lazy="joined")
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id], lazy="joined")

    @property
    def issued(self) -> bool:
        return self.approved_at is not None

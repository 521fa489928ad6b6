from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JsonDocument, utcnow


class AuditEvent(Base):
    """An append-only record of one state change, written in the same transaction (P4)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id", ondelete="RESTRICT"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    task_id: Mapped[str | None] = mapped_column(String(36))
    element_id: Mapped[str | None] = mapped_column(String(100))
    data_before: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    data_after: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    details: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    # The hash chain (P4): set by the worker's sealing pass after the event commits.
    chain_seq: Mapped[int | None] = mapped_column(unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_audit_events_instance", "instance_id", "id"),
        # the events waiting to be sealed, found without scanning the whole trail
        Index(
            "ix_audit_events_unsealed",
            "id",
            postgresql_where=text("chain_seq IS NULL"),
            sqlite_where=text("chain_seq IS NULL"),
        ),
    )


class AuditChainHead(Base):
    """The last link of the audit hash chain; one row, locked by the sealing worker."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64))

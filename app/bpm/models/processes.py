from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, JsonDocument, utcnow
from .users import User


class InstanceStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    ERROR = "error"  # stopped with its reason in `error`; an admin may retry it


class TaskStatus(StrEnum):
    READY = "ready"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class TimerStatus(StrEnum):
    WAITING = "waiting"
    FIRED = "fired"
    CANCELLED = "cancelled"


class ProcessDefinition(Base):
    """One deployed version of a diagram with the forms its user tasks use (P1)."""

    __tablename__ = "process_definitions"
    __table_args__ = (UniqueConstraint("process_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))
    # Large: loaded only when a version is parsed (once per process, see services.definitions).
    bpmn_xml: Mapped[str] = mapped_column(Text, deferred=True)
    forms: Mapped[dict[str, Any]] = mapped_column(JsonDocument, deferred=True)
    # The version of each process its call activities call outside the file, pinned at deploy.
    called_versions: Mapped[dict[str, int] | None] = mapped_column(JsonDocument, deferred=True)
    # How a diagram from another tool is read (lane → group table, the pool run, descriptive).
    deploy_options: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument, deferred=True)
    deployed_at: Mapped[datetime] = mapped_column(default=utcnow)
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # A retired version starts no new instances; those running on it finish on it.
    retired_at: Mapped[datetime | None]
    retired_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    deployed_by: Mapped[User | None] = relationship(lazy="select", foreign_keys=[deployed_by_id])


class ProcessInstance(Base):
    """A running or finished instance. `row_version` is the optimistic lock: two writers that
    loaded the same version cannot both save."""

    __tablename__ = "process_instances"

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"), index=True)
    process_id: Mapped[str] = mapped_column(String(100))
    business_key: Mapped[str | None] = mapped_column(String(100), index=True)
    status: Mapped[str] = mapped_column(String(20), default="running")  # running | completed | error
    state: Mapped[dict[str, Any]] = mapped_column(JsonDocument, deferred=True)  # engine only
    data: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    row_version: Mapped[int] = mapped_column(default=1)

    definition: Mapped[ProcessDefinition] = relationship(lazy="joined")
    started_by: Mapped[User | None] = relationship(lazy="select")

    __mapper_args__ = {"version_id_col": row_version}  # noqa: RUF012
    __table_args__ = (Index("ix_process_instances_status_started", "status", "started_at"),)


class HumanTask(Base):
    """A user task as the worklist sees it, refreshed after every engine step so that
    worklists never load workflow state (P2). Keyed on the engine's task UUID."""

    __tablename__ = "human_tasks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"), index=True)
    element_id: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    candidate_group: Mapped[str | None] = mapped_column(String(64))
    form: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="ready")  # ready | completed | cancelled
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    draft: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)

    instance: Mapped[ProcessInstance] = relationship(lazy="joined")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="joined")

    __table_args__ = (
        Index("ix_human_tasks_open_group", "status", "candidate_group", "due_at"),
        Index("ix_human_tasks_open_assignee", "status", "assignee_id", "due_at"),
    )


class ProcessTimer(Base):
    """A waiting timer event with its due time, for the worker (P5)."""

    __tablename__ = "process_timers"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(100))
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default="waiting")  # waiting | fired | cancelled
    fired_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_process_timers_status_due", "status", "due_at"),)


class MessageSubscription(Base):
    """An instance waiting for a message by name, so delivery looks up only the waiting ones."""

    __tablename__ = "message_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"), index=True)
    message_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10), default="message", server_default="message")  # or signal

    __table_args__ = (Index("ix_message_subscriptions_name", "message_name", "instance_id"),)

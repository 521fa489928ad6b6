"""Domain behaviour a process brings beyond its diagram: choices offered in its forms, checks
and derived data before a task completes, bookkeeping after each engine step. The repair
process uses it for its SLA clocks, records, parts and loaners (app.services.service_requests).
Every hook runs inside the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.models import ProcessInstance, User

Choices = dict[str, list[tuple[str, str]]]  # field -> [(value, label)]


@dataclass(frozen=True)
class WorkContext:
    """What a task or instance page shows about the business object behind the instance: a
    label, a link (endpoint and arguments) and, where the process keeps them, its clocks."""

    label: str
    endpoint: str
    args: dict[str, Any]
    clocks: list[Any] = field(default_factory=list)


class ProcessExtension:
    process_id = ""
    # A process whose instances only its own intake may start (it prepares their data, e.g.
    # the repair process's SLA deadlines): the web endpoint of that intake page.
    intake_endpoint: str | None = None

    def field_choices(self, session: Session, instance: ProcessInstance, element_id: str, locale: str) -> Choices:
        """Options for fields whose values come from the database (people, loaners)."""
        return {}

    def work_context(self, session: Session, instance: ProcessInstance, now: datetime) -> WorkContext | None:
        return None

    def before_complete(
        self,
        session: Session,
        instance: ProcessInstance,
        element_id: str,
        data: dict[str, Any],
        user: User,
        now: datetime,
        locale: str,
    ) -> dict[str, Any]:
        """Check the validated form data against the database (raise FormRejected) and return
        the data the engine gets."""
        return data

    def after_step(
        self,
        session: Session,
        instance: ProcessInstance,
        steps: list[str],
        data: dict[str, Any],
        now: datetime,
        actor: User | None,
    ) -> None:
        """React to the elements the engine just passed (tasks completed, events reached)."""


_NONE = ProcessExtension()
_REGISTRY: dict[str, ProcessExtension] = {}


def register(extension: ProcessExtension) -> ProcessExtension:
    _REGISTRY[extension.process_id] = extension
    return extension


def for_process(process_id: str) -> ProcessExtension:
    return _REGISTRY.get(process_id, _NONE)

"""The engine's clock.

SpiffWorkflow's timers read `datetime.now(timezone.utc)` inside its timer module and take no
clock parameter. To fire timers "as of" an instant (drills, `timers fire-due --now`, tests) the
adapter swaps that module's `datetime` for a subclass whose `now()` reads a context variable.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, tzinfo

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _timer_module

_now_override: ContextVar[datetime | None] = ContextVar("shouhou_engine_now", default=None)


class _EngineDatetime(datetime):
    @classmethod
    def now(cls, tz: tzinfo | None = None) -> _EngineDatetime:
        fixed = _now_override.get()
        if fixed is None:
            return super().now(tz)  # type: ignore[return-value]
        moment = fixed.astimezone(tz or UTC)
        return cls.combine(moment.date(), moment.time(), moment.tzinfo)


def install() -> None:
    """Idempotent; called when the engine is first used, never at import."""
    if _timer_module.datetime is not _EngineDatetime:
        _timer_module.datetime = _EngineDatetime  # type: ignore[misc]


def utcnow() -> datetime:
    fixed = _now_override.get()
    return fixed if fixed is not None else datetime.now(UTC)


@contextmanager
def engine_time(moment: datetime | None) -> Iterator[None]:
    """Run engine code as if the clock said `moment` (None: the real clock)."""
    if moment is not None and moment.tzinfo is None:
        raise ValueError("engine_time needs an aware datetime")
    token = _now_override.set(moment)
    try:
        yield
    finally:
        _now_override.reset(token)

"""Bounds on what one diagram may make the engine do, checked where the work enters: at deploy
(constant cardinalities, timer values) and while running (engine steps per transaction, the
size of a multi-instance collection). The app sets them from its configuration."""

from __future__ import annotations

import re
from collections.abc import Sized
from dataclasses import dataclass
from datetime import timedelta
from typing import Any


@dataclass(frozen=True)
class EngineLimits:
    steps_per_transaction: int = 500  # engine steps without a wait state before it is a loop
    multi_instance_max: int = 200  # instances of one multi-instance activity
    min_cycle: timedelta = timedelta(minutes=1)  # shortest interval of a timer cycle
    max_timer: timedelta = timedelta(days=3660)  # longest duration or cycle interval
    max_cycle_repetitions: int = 1000  # R<n>/…; an unbounded R/… is allowed at min_cycle or more


LIMITS = EngineLimits()


def configure(limits: EngineLimits) -> None:
    global LIMITS
    LIMITS = limits


class BoundExceeded(Exception):
    """A diagram asked the engine for more than the limits allow."""

    def __init__(self, message: str, element_id: str | None = None) -> None:
        super().__init__(message)
        self.element_id = element_id


_DURATION = re.compile(
    r"^P(?!$)(?:(?P<years>\d{1,6})Y)?(?:(?P<months>\d{1,6})M)?(?:(?P<weeks>\d{1,6})W)?(?:(?P<days>\d{1,6})D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d{1,7})H)?(?:(?P<minutes>\d{1,8})M)?(?:(?P<seconds>\d{1,9}(?:[.,]\d+)?)S)?)?$"
)
_CYCLE = re.compile(r"^R(?P<count>\d*)/(?:(?P<start>[^/]+)/)?(?P<interval>P[^/]+)$")
_APPROXIMATE_DAYS = {"years": 365.25, "months": 30.5, "weeks": 7, "days": 1}


def iso_duration(text: str) -> timedelta | None:
    """An ISO 8601 duration's approximate length (years and months by their mean), without
    the calendar arithmetic that makes `P300000Y` take seconds; None when it is not one."""
    match = _DURATION.match(text)
    if match is None:
        return None
    parts = {k: float(v.replace(",", ".")) for k, v in match.groupdict().items() if v}
    days = sum(parts.get(k, 0.0) * factor for k, factor in _APPROXIMATE_DAYS.items())
    if days > 10**7:
        return timedelta.max
    return timedelta(
        days=days, hours=parts.get("hours", 0.0), minutes=parts.get("minutes", 0.0), seconds=parts.get("seconds", 0.0)
    )


def timer_problem(kind: str, value: str) -> str | None:
    """Why a constant timer value is outside the limits, or None. `kind` is timeDuration,
    timeCycle or timeDate; dates are checked by the engine when it reads them."""
    limits = LIMITS
    if kind == "timeDuration":
        length = iso_duration(value)
        if length is None:
            return None  # not a literal duration: the engine reports it
        if length > limits.max_timer:
            return f"{value} is longer than the longest timer allowed ({limits.max_timer.days} days)"
        return None
    if kind != "timeCycle":
        return None
    match = _CYCLE.match(value)
    if match is None:
        return None
    interval = iso_duration(match.group("interval"))
    if interval is None:
        return None
    count = match.group("count")
    if interval < limits.min_cycle:
        minimum = int(limits.min_cycle.total_seconds())
        return f"the cycle {value} repeats more often than once every {minimum} seconds"
    if interval > limits.max_timer:
        return f"the cycle {value} has an interval longer than {limits.max_timer.days} days"
    if count and int(count) > limits.max_cycle_repetitions:
        return f"the cycle {value} repeats more than {limits.max_cycle_repetitions} times"
    return None


def bound_multi_instance(spec: Any) -> None:
    """Make a multi-instance activity refuse to start more instances than allowed: the count
    is checked before SpiffWorkflow creates a task per item (10^7 of them would hang)."""
    original = spec._update_hook

    def checked(my_task: Any) -> Any:
        count = _instance_count(spec, my_task)
        if count is not None and count > LIMITS.multi_instance_max:
            raise BoundExceeded(
                f"multi-instance {spec.bpmn_id} would run {count} times, more than the "
                f"{LIMITS.multi_instance_max} allowed",
                spec.bpmn_id,
            )
        return original(my_task)

    spec._update_hook = checked


def _instance_count(spec: Any, my_task: Any) -> int | None:
    data_input = getattr(spec, "data_input", None)
    if data_input is not None:
        # Checked before the task has inherited its data: the collection is still its parent's.
        source = my_task if data_input.exists(my_task) else my_task.parent
        if source is None or not data_input.exists(source):
            return None  # the engine reports the missing collection
        items = data_input.get(source)
        return len(items) if isinstance(items, Sized) else None
    cardinality = getattr(spec, "cardinality", None)
    if cardinality is None:
        return None
    value = my_task.workflow.script_engine.evaluate(my_task, cardinality)
    return value if isinstance(value, int) else None

"""Service-level clocks (R6): policies as data, calendars, deadlines.

A policy names its clocks; each clock starts at a milestone of the repair process (`reported`,
or the completion of a user task, optionally after a delay) and stops at one of several
milestones (a task completed or an event reached). Time is counted on the policy's calendar:

- `24x7` (the seed's promise: round the clock, holidays included): plain elapsed time;
- `working_hours`: only working hours of working days count, with China's public holidays and
  make-up working days (调休) from the `holidays` package. There, whole days in a duration
  (`P5D`) are working days and hours (`PT8H`) are working hours.

All instants are aware datetimes; they are stored in UTC and counted in the policy's time zone.

No policy stalls a fault report: a working day is at least an hour, a target, delay or warning
at most 90 days, and a deadline is found a year's table of working days at a time (whole days by
arithmetic, never day by day), with a cap on the walk (`Walk`) that raises a PolicyError.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import MAXYEAR, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

REPORTED = "reported"
CALENDARS = ("24x7", "working_hours")

_DURATION = re.compile(r"^P(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?)?$")
_CLOCK_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_ELEMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$")
_MAX_DAYS = 366
MAX_SPAN_DAYS = 90  # a target, delay or warning of a policy
MIN_WORKING_DAY = timedelta(hours=1)
WALK_LIMIT_YEARS = 40  # far above the longest valid walk: 90 days of hours on 1-hour days, ~9 years


class PolicyError(ValueError):
    """The policy data is not a usable policy; the message says which part and why."""


@dataclass(frozen=True)
class Span:
    """An ISO 8601 duration split as the working-hours calendar counts it."""

    days: int = 0
    seconds: int = 0

    @classmethod
    def parse(cls, text: str, where: str) -> Span:
        match = _DURATION.match(text.strip()) if isinstance(text, str) else None
        if not match or not any(match.groupdict().values()):
            raise PolicyError(f"{where}: {text!r} is not a duration such as PT1H, PT30M or P5D")
        parts = {k: int(v or 0) for k, v in match.groupdict().items()}
        span = cls(parts["days"], parts["hours"] * 3600 + parts["minutes"] * 60)
        if span.days > _MAX_DAYS or span.seconds > _MAX_DAYS * 86400:
            raise PolicyError(f"{where}: {text!r} is longer than a year")
        return span

    def minus(self, other: Span) -> Span:
        """This span shortened by `other` (the lead time of a warning)."""
        if self.days >= other.days and self.seconds >= other.seconds:
            return Span(self.days - other.days, self.seconds - other.seconds)
        total = self.days * 86400 + self.seconds - other.days * 86400 - other.seconds
        return Span(0, max(total, 0))

    def iso(self) -> str:
        hours, rest = divmod(self.seconds, 3600)
        minutes = rest // 60
        text = "P" + (f"{self.days}D" if self.days else "")
        if hours or minutes or not self.days:
            text += "T" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes or not hours else "")
        return text


@lru_cache(maxsize=8)
def _china_holidays(year: int) -> Any:
    return holidays.country_holidays("CN", years=[year - 1, year, year + 1])


def is_working_day(day: date) -> bool:
    """Mainland China: Monday to Friday unless a public holiday; weekends only when they are
    make-up working days (调休)."""
    return bool(_china_holidays(day.year).is_working_day(day))


@dataclass(frozen=True)
class Calendar:
    kind: str = "24x7"
    zone: str = "Asia/Shanghai"
    day_start: time = time(8, 30)
    day_end: time = time(17, 30)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    def add(self, start: datetime, span: Span, walk: Walk | None = None) -> datetime:
        """The instant `span` of this calendar's time after `start`."""
        if self.kind == "24x7":
            return start + timedelta(days=span.days, seconds=span.seconds)
        walk = walk or Walk()
        local = start.astimezone(self.tz)
        if span.days:
            local = self._clamp(local, walk)  # then the same time of day, `days` working days on
            day = _nth_working_day_after(local.date(), span.days, walk)
            local = datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=self.tz)
        return self._add_working_seconds(local, span.seconds, walk).astimezone(start.tzinfo)

    def working_seconds(self, start: datetime, end: datetime, walk: Walk | None = None) -> float:
        """How much of this calendar's time lies between two instants (negative if reversed)."""
        if end < start:
            return -self.working_seconds(end, start, walk)
        if self.kind == "24x7":
            return (end - start).total_seconds()
        walk = walk or Walk()
        local_start, local_end = start.astimezone(self.tz), end.astimezone(self.tz)
        first, last = local_start.date(), local_end.date()
        total = self._overlap(first, local_start, local_end)
        if last > first:
            total += self._overlap(last, local_start, local_end)
            total += _working_days_between(first, last, walk) * self._day_length.total_seconds()
        return total

    @property
    def _day_length(self) -> timedelta:
        opens, closes = self._hours(date(2000, 1, 3))
        return closes - opens

    def _overlap(self, day: date, start: datetime, end: datetime) -> float:
        if not is_working_day(day):
            return 0.0
        opens, closes = self._hours(day)
        lo, hi = max(opens, start), min(closes, end)
        return (hi - lo).total_seconds() if hi > lo else 0.0

    def _hours(self, day: date) -> tuple[datetime, datetime]:
        return (
            datetime.combine(day, self.day_start, tzinfo=self.tz),
            datetime.combine(day, self.day_end, tzinfo=self.tz),
        )

    def _clamp(self, local: datetime, walk: Walk) -> datetime:
        """The first working instant at or after `local`."""
        day = local.date()
        if is_working_day(day):
            opens, closes = self._hours(day)
            if local < opens:
                return opens
            if local < closes:
                return local
        return self._hours(_nth_working_day_after(day, 1, walk))[0]

    def _add_working_seconds(self, local: datetime, seconds: int, walk: Walk) -> datetime:
        """Whole working days are skipped by arithmetic: the rest of the first day, then the
        n-th working day after it, found in the years' tables of working days."""
        current = self._clamp(local, walk)
        remaining = timedelta(seconds=seconds)
        closes = self._hours(current.date())[1]
        if current + remaining <= closes:
            return current + remaining
        remaining -= closes - current
        micro = timedelta(microseconds=1)
        length, rest = self._day_length // micro, remaining // micro
        days = -(-rest // length)  # the working day on which the time runs out
        day = _nth_working_day_after(current.date(), days, walk)
        return self._hours(day)[0] + timedelta(microseconds=rest - (days - 1) * length)


@dataclass
class Walk:
    """The steps one calendar computation took (a step is one year's table of working days),
    stopped with a PolicyError past `limit`: no policy makes a deadline spin."""

    limit: int = WALK_LIMIT_YEARS
    steps: int = 0

    def step(self) -> None:
        self.steps += 1
        if self.steps > self.limit:
            raise PolicyError(f"the deadline lies more than {self.limit} years ahead")


@lru_cache(maxsize=64)
def _working_ordinals(year: int) -> tuple[int, ...]:
    """The ordinals of the working days of one year, in order (a year's table, built once)."""
    first, last = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
    return tuple(o for o in range(first, last + 1) if is_working_day(date.fromordinal(o)))


def _nth_working_day_after(day: date, n: int, walk: Walk) -> date:
    """The n-th (n ≥ 1) working day after `day`, one step per year it crosses."""
    year, after = day.year, day.toordinal()
    while True:
        walk.step()
        if year > MAXYEAR:
            raise PolicyError("the deadline lies beyond the calendar")
        table = _working_ordinals(year)
        first = bisect_right(table, after)
        if first + n <= len(table):
            return date.fromordinal(table[first + n - 1])
        n -= len(table) - first
        year += 1


def _working_days_between(first: date, last: date, walk: Walk) -> int:
    """How many working days lie strictly between two days."""
    count = 0
    for year in range(first.year, last.year + 1):
        walk.step()
        table = _working_ordinals(year)
        count += max(bisect_left(table, last.toordinal()) - bisect_right(table, first.toordinal()), 0)
    return count


@dataclass(frozen=True)
class ClockRule:
    """One clock of a policy. `start` is `reported` or the id of the user task whose completion
    starts it (plus `delay`, e.g. the loaner clock 8 h into the repair). The clock is met at the
    first `stop` milestone reached, and closed unmet (no longer needed) at a `close` milestone."""

    name: str
    target: Span
    start: str = REPORTED
    delay: Span | None = None
    stop: tuple[str, ...] = ()
    close: tuple[str, ...] = ()
    warn_before: Span | None = None


@dataclass(frozen=True)
class Deadline:
    starts_at: datetime
    due_at: datetime
    warn_at: datetime | None

    def as_data(self) -> dict[str, str]:
        """The form the process data keeps, for the diagram's timer expressions."""
        data = {"starts_at": _iso(self.starts_at), "due_at": _iso(self.due_at)}
        data["warn_at"] = _iso(self.warn_at or self.due_at)
        return data


def _iso(value: datetime) -> str:
    return value.astimezone(ZoneInfo("UTC")).isoformat()


@dataclass(frozen=True)
class SlaPolicy:
    calendar: Calendar = field(default_factory=Calendar)
    clocks: tuple[ClockRule, ...] = ()

    def rule(self, name: str) -> ClockRule | None:
        return next((rule for rule in self.clocks if rule.name == name), None)

    def starting_at(self, milestone: str) -> list[ClockRule]:
        return [rule for rule in self.clocks if rule.start == milestone]

    def deadline(self, rule: ClockRule, started: datetime) -> Deadline:
        starts_at = self.calendar.add(started, rule.delay) if rule.delay else started
        due_at = self.calendar.add(starts_at, rule.target)
        warn_at = None
        if rule.warn_before is not None:
            warn_at = self.calendar.add(starts_at, rule.target.minus(rule.warn_before))
        return Deadline(starts_at, due_at, warn_at)

    @classmethod
    def from_data(cls, data: Any) -> SlaPolicy:
        """Parse and check a stored policy; PolicyError names what is wrong."""
        if not isinstance(data, dict):
            raise PolicyError("the policy must be an object")
        kind = data.get("calendar", "24x7")
        if kind not in CALENDARS:
            raise PolicyError(f"calendar: {kind!r} is not one of {', '.join(CALENDARS)}")
        zone = data.get("timezone", "Asia/Shanghai")
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise PolicyError(f"timezone: {zone!r} is not a known time zone") from None
        hours = data.get("working_hours") or {}
        try:
            day_start = time.fromisoformat(hours.get("start", "08:30"))
            day_end = time.fromisoformat(hours.get("end", "17:30"))
        except (TypeError, ValueError, AttributeError):
            raise PolicyError("working_hours: start and end must be times such as 08:30") from None
        if day_start.tzinfo is not None or day_end.tzinfo is not None:
            raise PolicyError("working_hours: start and end must be times such as 08:30")
        if day_end <= day_start:
            raise PolicyError("working_hours: the end must be after the start")
        if datetime.combine(date.min, day_end) - datetime.combine(date.min, day_start) < MIN_WORKING_DAY:
            raise PolicyError("working_hours: a working day must be at least 1 hour long")
        raw_clocks = data.get("clocks")
        if not isinstance(raw_clocks, list) or not raw_clocks:
            raise PolicyError("clocks: the policy needs at least one clock")
        clocks = tuple(_clock_rule(raw, i) for i, raw in enumerate(raw_clocks))
        names = [c.name for c in clocks]
        if len(set(names)) != len(names):
            raise PolicyError("clocks: each clock needs its own name")
        return cls(Calendar(kind, zone, day_start, day_end), clocks)


def _clock_rule(raw: Any, index: int) -> ClockRule:
    where = f"clocks[{index}]"
    if not isinstance(raw, dict):
        raise PolicyError(f"{where}: must be an object")
    name = raw.get("name")
    if not isinstance(name, str) or not _CLOCK_NAME.match(name):
        raise PolicyError(f"{where}.name: lower-case letters, digits and _ (e.g. response)")
    where = f"clocks.{name}"
    start = raw.get("start", REPORTED)
    if not isinstance(start, str) or not _ELEMENT.match(start):
        raise PolicyError(f"{where}.start: `reported` or the id of a user task")
    stops = _element_list(raw.get("stop"), f"{where}.stop")
    if not stops:
        raise PolicyError(f"{where}.stop: name at least one milestone that meets the clock")
    target = _bounded_span(raw.get("target", ""), f"{where}.target")
    if target == Span():
        raise PolicyError(f"{where}.target: must be longer than zero")
    warn = _bounded_span(raw["warn_before"], f"{where}.warn_before") if raw.get("warn_before") else None
    if warn is not None and warn.days * 86400 + warn.seconds >= target.days * 86400 + target.seconds:
        raise PolicyError(f"{where}.warn_before: must be shorter than the target")
    delay = _bounded_span(raw["delay"], f"{where}.delay") if raw.get("delay") else None
    return ClockRule(
        name=name,
        target=target,
        start=start,
        delay=delay,
        stop=stops,
        close=_element_list(raw.get("close"), f"{where}.close"),
        warn_before=warn,
    )


def _bounded_span(text: Any, where: str) -> Span:
    span = Span.parse(text, where)
    if span.days * 86400 + span.seconds > MAX_SPAN_DAYS * 86400:
        raise PolicyError(f"{where}: {text!r} is longer than {MAX_SPAN_DAYS} days")
    return span


def _element_list(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) and _ELEMENT.match(i) for i in items):
        raise PolicyError(f"{where}: element ids of the repair diagram")
    return tuple(items)


# The seed's commitment (R6): respond within 1 h of the report, on site within 2 h, repaired
# within 24 h; if not fixed 8 h into the repair, a loaner of no lower specification within
# 48 h, kept until the unit is repaired; the service record filed within 5 days of return
# (R8). Round the clock, holidays included. Element ids are those of bpmn/repair_dispatch.bpmn.
SEED_POLICY: dict[str, Any] = {
    "calendar": "24x7",
    "timezone": "Asia/Shanghai",
    "clocks": [
        {
            "name": "response",
            "target": "PT1H",
            "warn_before": "PT15M",
            "stop": ["remote_support"],
        },
        {
            "name": "arrival",
            "target": "PT2H",
            "warn_before": "PT30M",
            "stop": ["arrive_on_site"],
            "close": ["end_resolved_remotely", "end_paid_service_declined"],
        },
        {
            "name": "resolution",
            "target": "PT24H",
            "warn_before": "PT4H",
            "stop": ["unit_repaired", "end_resolved_remotely"],
            "close": ["end_paid_service_declined"],
        },
        {
            "name": "loaner",
            "start": "arrive_on_site",
            "delay": "PT8H",
            "target": "PT48H",
            "stop": ["loaner_delivered"],
            "close": ["unit_repaired", "end_loaner_not_needed"],
        },
        {
            "name": "record_filing",
            "start": "complete_service_record",
            "target": "P5D",
            "warn_before": "P1D",
            "stop": ["record_filed"],  # filed, not merely checked: a returned record keeps it running
        },
    ],
}

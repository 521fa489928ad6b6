"""The recurring promises' calendar (R21, R27, R28, R19, R20, R16): the rule of an obligation
kind, kept as data, and the periods it cuts a span of time into. No database, no Flask.

Periods come from `dateutil.rrule`, not hand-written month arithmetic: a period every P3M from
31 January starts on 30 April, 31 July, 31 October (the month's last day when the month is
shorter, never skipping it: `bymonthday` 28–31 with `bysetpos=-1`), a yearly period from
29 February starts on 28 February in a common year. A due date falls on the office's working
day (Chinese public holidays and make-up working days) when the kind says so."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule

from app.aftersales.rules.sla import is_working_day

SUBJECTS = ("unit", "customer", "organisation")
# who is bound: a unit during its maintenance period or its warranty, every customer, the key
# customers, or the organisation itself (the monthly review)
APPLIES_TO = ("maintenance", "warranty", "customers", "key_customers", "organisation")
WINDOWS = ("fixed", "rolling", "once")
CONTRACT_TERMS = ("inspection_every", "follow_up_every")
MAX_PERIODS_WALKED = 400  # a rule's walk to "the period holding this day" stops here
MAX_CALENDAR_WALK = 60  # days a due date moves to reach a working day (Spring Festival is ~9)
_DURATION = re.compile(r"^P(?:(\d{1,3})Y)?(?:(\d{1,3})M)?(?:(\d{1,3})W)?(?:(\d{1,4})D)?$")
MIN_EVERY_DAYS, MAX_EVERY_DAYS = 7, 3 * 366


class RuleError(ValueError):
    """A kind's rule (data) that cannot be used; says what and where."""


@dataclass(frozen=True)
class Every:
    """A period length in whole calendar units (an ISO 8601 duration such as P3M, P6M, P1Y)."""

    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0

    @classmethod
    def parse(cls, text: Any, where: str) -> Every:
        match = _DURATION.match(str(text or "")) if isinstance(text, str) else None
        if match is None or not any(match.groups()):
            raise RuleError(f"{where}: {text!r} is not a duration such as P3M or P1Y")
        years, months, weeks, days = (int(g or 0) for g in match.groups())
        if not any((years, months, weeks, days)):
            raise RuleError(f"{where}: {text!r} is not a duration such as P3M or P1Y (it is zero)")
        if (years or months) and (weeks or days):
            raise RuleError(f"{where}: {text!r} must count months or days, not both (P45D, not P1M15D)")
        # one rrule frequency: years and months as months (P1Y6M is 18 months), weeks and days as days
        if years and months:
            years, months = 0, years * 12 + months
        if weeks and days:
            weeks, days = 0, weeks * 7 + days
        every = cls(years, months, weeks, days)
        approx = years * 365 + months * 30 + weeks * 7 + days
        if not MIN_EVERY_DAYS <= approx <= MAX_EVERY_DAYS:
            raise RuleError(f"{where}: {text!r} must lie between a week and three years")
        return every

    def iso(self) -> str:
        for count, letter in ((self.years, "Y"), (self.months, "M"), (self.weeks, "W"), (self.days, "D")):
            if count:
                return f"P{count}{letter}"
        return "P0D"

    def starts(self, anchor: date, until: date | None = None) -> Iterator[date]:
        """The periods' first days from `anchor` (included), before `until` when given."""
        if self.years:
            rule = rrule(
                YEARLY,
                interval=self.years,
                dtstart=anchor,
                bymonth=anchor.month,
                bymonthday=_clamped_days(anchor.day),
                bysetpos=-1,
                cache=False,
            )
        elif self.months:
            rule = rrule(
                MONTHLY,
                interval=self.months,
                dtstart=anchor,
                bymonthday=_clamped_days(anchor.day),
                bysetpos=-1,
                cache=False,
            )
        elif self.weeks:
            rule = rrule(WEEKLY, interval=self.weeks, dtstart=anchor, cache=False)
        else:
            rule = rrule(DAILY, interval=self.days, dtstart=anchor, cache=False)
        for walked, start in enumerate(rule):
            day = start.date()
            if (until is not None and day >= until) or walked >= MAX_PERIODS_WALKED:
                return
            yield day

    def next_start(self, anchor: date, after: date) -> date | None:
        """The first period start of the series from `anchor` that lies after `after`."""
        return next((day for day in self.starts(anchor) if day > after), None)

    def start_holding(self, anchor: date, day: date) -> date | None:
        """The start of the series' period that holds `day` (None before the anchor)."""
        held = None
        for start in self.starts(anchor):
            if start > day:
                break
            held = start
        return held


def _clamped_days(day: int) -> tuple[int, ...]:
    """`bymonthday` for a period anchored on `day`: the day itself, or the month's last day when
    the month is shorter (with `bysetpos=-1`, the latest of these the month has)."""
    return tuple(range(28, day + 1)) if day > 28 else (day,)


@dataclass(frozen=True)
class Period:
    starts_on: date
    ends_on: date  # the first day after the period
    due_on: date  # the last day the work may be done on

    def holds(self, day: date) -> bool:
        return self.starts_on <= day < self.ends_on

    def label(self) -> str:
        return f"{self.starts_on.isoformat()}/{(self.ends_on - timedelta(days=1)).isoformat()}"


@dataclass(frozen=True)
class MetBy:
    """A completed instance of `process_id` meets the obligation; when `mode` is set, only one
    whose data says that mode (a follow-up's "visit"); when `ends` is set, only one that ended
    at one of those end events (an inspection whose sheet was filed, not one the customer
    refused to sign)."""

    process_id: str
    mode: str | None = None
    ends: tuple[str, ...] = ()

    def matches(self, process_id: str, data: Mapping[str, Any], passed: frozenset[str] = frozenset()) -> bool:
        return (
            process_id == self.process_id
            and (self.mode is None or data.get("mode") == self.mode)
            and (not self.ends or bool(passed & set(self.ends)))
        )


@dataclass(frozen=True)
class ObligationRule:
    """A kind's rule, from its stored data:

    - `subject`: unit, customer or organisation; `applies_to`: which of them are bound.
    - `every`: the period length, or `every_from_contract`: the contract's term naming it
      (with `every` as the default when a unit has no contract).
    - `window`: `fixed` periods cut from the anchor (a unit's acceptance, 1 January, the 1st of
      the month), or `rolling`: the next period starts when the last one was met ("at least
      once a year": never more than a year between two visits), or `once`: one period, `every`
      (in days) before the window's last day to its end (the handover before the warranty ends).
    - `met_by`: the processes (and modes) whose completed instances meet it.
    - `opens`: the process started when a period opens (None: the period is only listed), with
      `opens_data` added to its data; `open_ahead`: a rolling period opens this long before
      it is due; `open_on_working_day`: a fixed period opens on its first working day.
    - `due_working_days`: the period's due date is its `due_working_days`-th working day
      (0: the period's last day, moved back to a working day when `working_days`).
    - `responsible_group`: who gets the escalation when a period is overdue."""

    subject: str
    applies_to: str
    every: Every
    every_from_contract: str | None
    window: str
    met_by: tuple[MetBy, ...]
    opens: str | None
    opens_data: Mapping[str, Any]
    open_ahead: timedelta
    open_on_working_day: bool
    working_days: bool
    due_working_days: int
    responsible_group: str

    @classmethod
    def from_data(cls, data: Any, where: str) -> ObligationRule:
        if not isinstance(data, Mapping):
            raise RuleError(f"{where}: a rule is an object")
        subject = _one_of(data, "subject", SUBJECTS, where)
        applies_to = _one_of(data, "applies_to", APPLIES_TO, where)
        window = _one_of(data, "window", WINDOWS, where, default="fixed")
        from_contract = data.get("every_from_contract")
        if from_contract is not None and from_contract not in CONTRACT_TERMS:
            raise RuleError(f"{where}: every_from_contract must be one of {', '.join(CONTRACT_TERMS)}")
        met_by_raw = data.get("met_by")
        if not isinstance(met_by_raw, list) or not met_by_raw or len(met_by_raw) > 10:
            raise RuleError(f"{where}: met_by lists one to ten processes")
        met_by = tuple(_met_by(item, f"{where}.met_by") for item in met_by_raw)
        opens = data.get("opens")
        if opens is not None and not _is_name(opens):
            raise RuleError(f"{where}: opens names a process id")
        opens_data = data.get("opens_data") or {}
        if not isinstance(opens_data, Mapping) or len(opens_data) > 10:
            raise RuleError(f"{where}: opens_data is a small object")
        due_days = data.get("due_working_days", 0)
        if not isinstance(due_days, int) or isinstance(due_days, bool) or not 0 <= due_days <= 30:
            raise RuleError(f"{where}: due_working_days is a whole number of 0 to 30")
        group = data.get("responsible_group")
        if not _is_name(group):
            raise RuleError(f"{where}: responsible_group names a group")
        ahead = Every.parse(data["open_ahead"], f"{where}.open_ahead") if data.get("open_ahead") else None
        every = Every.parse(data.get("every"), f"{where}.every")
        if window == "once" and (every.years or every.months):
            raise RuleError(f"{where}: a window once counts its period in days or weeks (P60D)")
        return cls(
            subject=subject,
            applies_to=applies_to,
            every=every,
            every_from_contract=from_contract,
            window=window,
            met_by=met_by,
            opens=opens,
            opens_data=dict(opens_data),
            open_ahead=timedelta(days=_approx_days(ahead)) if ahead else timedelta(0),
            open_on_working_day=bool(data.get("open_on_working_day", False)),
            working_days=bool(data.get("working_days", True)),
            due_working_days=due_days,
            responsible_group=str(group),
        )

    def met_by_instance(self, process_id: str, data: Mapping[str, Any], passed: frozenset[str] = frozenset()) -> bool:
        return any(m.matches(process_id, data, passed) for m in self.met_by)

    def once_starts(self, window_end: date) -> date:
        """A window `once`: its one period starts `every` before the window's last day (a
        handover 60 days before the warranty's last day) and ends with the window."""
        return window_end - timedelta(days=1 + _approx_days(self.every))

    def period(self, anchor: date, starts_on: date, every: Every, window_end: date | None) -> Period:
        """The period of the series from `anchor` that starts on `starts_on`, cut at
        `window_end` (the first day after the maintenance period, say). A window `once`: the
        one period from `starts_on` to the window's end."""
        if self.window == "once" and window_end is not None:
            ends_on = max(window_end, starts_on + timedelta(days=1))
            return Period(starts_on, ends_on, self._due_on(starts_on, ends_on))
        ends_on = every.next_start(anchor, starts_on) or starts_on + timedelta(days=1)
        if window_end is not None and ends_on > window_end:
            ends_on = max(window_end, starts_on + timedelta(days=1))
        return Period(starts_on, ends_on, self._due_on(starts_on, ends_on))

    def opens_on(self, period: Period) -> date:
        """When the period's work is opened: its first (working) day, or, for a rolling period,
        `open_ahead` before it is due."""
        if self.window == "rolling":
            return max(period.starts_on, period.due_on - self.open_ahead)
        if self.open_on_working_day:
            return _working_day_from(period.starts_on, forward=True, limit=period.ends_on)
        return period.starts_on

    def _due_on(self, starts_on: date, ends_on: date) -> date:
        last = ends_on - timedelta(days=1)
        if self.due_working_days:
            day, counted = starts_on, 0
            for _ in range(MAX_CALENDAR_WALK * 2):
                if is_working_day(day):
                    counted += 1
                    if counted == self.due_working_days:
                        return min(day, last)
                day += timedelta(days=1)
            return last
        if self.working_days:
            return _working_day_from(last, forward=False, limit=starts_on)
        return last


def _working_day_from(day: date, forward: bool, limit: date) -> date:
    """The first working day from `day` on (or back), not past `limit`; `day` itself when the
    walk finds none (a period of holidays only)."""
    step = timedelta(days=1 if forward else -1)
    probe = day
    for _ in range(MAX_CALENDAR_WALK):
        if is_working_day(probe):
            return probe
        probe += step
        if (forward and probe >= limit) or (not forward and probe < limit):
            break
    return day


def _approx_days(every: Every) -> int:
    return every.years * 365 + every.months * 30 + every.weeks * 7 + every.days


def _is_name(value: Any) -> bool:
    return isinstance(value, str) and re.fullmatch(r"[a-z][a-z0-9_]{0,63}", value) is not None


def _one_of(data: Mapping[str, Any], key: str, allowed: tuple[str, ...], where: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if value not in allowed:
        raise RuleError(f"{where}: {key} must be one of {', '.join(allowed)}")
    return str(value)


def _met_by(item: Any, where: str) -> MetBy:
    if not isinstance(item, Mapping) or not _is_name(item.get("process_id")):
        raise RuleError(f"{where}: each entry names a process_id")
    mode = item.get("mode")
    if mode is not None and not _is_name(mode):
        raise RuleError(f"{where}: mode is a short name")
    ends = item.get("ends") or []
    if not isinstance(ends, list) or len(ends) > 10 or not all(_is_name(e) for e in ends):
        raise RuleError(f"{where}: ends lists end event ids")
    return MetBy(str(item["process_id"]), mode, tuple(ends))


# The seed's recurring promises (API.md's kinds). Stored as data on first use; an admin may
# change a kind's rule afterwards, and the stored rule is what counts.
DEFAULT_RULES: dict[str, dict[str, Any]] = {
    # R27: an inspection every contract `inspection_every` during the maintenance period
    "inspection": {
        "subject": "unit",
        "applies_to": "maintenance",
        "every": "P3M",
        "every_from_contract": "inspection_every",
        "met_by": [{"process_id": "inspection", "ends": ["end_filed"]}],
        "opens": "inspection",
        "responsible_group": "after_sales_leads",
    },
    # R21: a phone follow-up of each unit under warranty, per contract (quarterly by default);
    # a visit to the unit meets it too
    "phone_follow_up": {
        "subject": "unit",
        "applies_to": "warranty",
        "every": "P3M",
        "every_from_contract": "follow_up_every",
        "met_by": [{"process_id": "follow_up"}],
        "opens": "follow_up",
        "opens_data": {"mode": "phone"},
        "responsible_group": "after_sales",
    },
    # R19: each key customer visited at least once a year: never more than a year between visits
    "key_customer_visit": {
        "subject": "customer",
        "applies_to": "key_customers",
        "every": "P1Y",
        "window": "rolling",
        "open_ahead": "P1M",
        "met_by": [{"process_id": "follow_up", "mode": "visit"}],
        "opens": "follow_up",
        "opens_data": {"mode": "visit"},
        "responsible_group": "after_sales_leads",
    },
    # R28: each customer trained twice a year (each half of the calendar year)
    "training": {
        "subject": "customer",
        "applies_to": "customers",
        "every": "P6M",
        "met_by": [{"process_id": "training"}],
        "opens": "training",
        "responsible_group": "after_sales_leads",
    },
    # R20: each customer surveyed once a calendar year (the campaign starts the surveys)
    "satisfaction_survey": {
        "subject": "customer",
        "applies_to": "customers",
        "every": "P1Y",
        "met_by": [{"process_id": "satisfaction_survey"}],
        "opens": None,
        "responsible_group": "after_sales",
    },
    # 缺陷责任期结束…签订移交手续: each unit's signed handover, opened 60 days before the
    # warranty's last day and due on it; a unit past its warranty without one is overdue
    "handover": {
        "subject": "unit",
        "applies_to": "warranty",
        "every": "P60D",
        "window": "once",
        "working_days": False,
        "met_by": [{"process_id": "handover", "ends": ["end_handed_over"]}],
        "opens": "handover",
        "responsible_group": "after_sales_leads",
    },
    # R16: last month's complaints reviewed each month, opened on the month's first working
    # day and due by its fifth
    "complaint_review": {
        "subject": "organisation",
        "applies_to": "organisation",
        "every": "P1M",
        "open_on_working_day": True,
        "due_working_days": 5,
        "met_by": [{"process_id": "complaint_review"}],
        "opens": "complaint_review",
        "responsible_group": "after_sales_leads",
    },
}

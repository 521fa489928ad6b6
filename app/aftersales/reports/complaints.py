"""Complaint figures (`GET /api/v1/reports/complaints`, R16): the complaints of a period in the
office's time zone, by class, severity and responsible department, open and closed, and each
case with its duration against its clocks (the due times of its steps).

A complaint belongs to the period of the moment it was received: the register form's
`received_at`, else the moment its instance started. Periods are office dates
(`YYYY-MM-DD`, both ends included), so a complaint received at 2027-01-31T23:30+08:00 is
January's and one at 2027-02-01T00:10+08:00 is February's, whatever the UTC date says."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bpm.case_facts import office_tz
from app.bpm.models import HumanTask, ProcessInstance

COMPLAINT_PROCESS = "complaint_handling"  # the process id of API.md, read as data
UNASSIGNED = "unassigned"  # a complaint not (yet) analysed has no responsible department
LOOKBACK = timedelta(days=400)  # a complaint registered later than it was received, at most


@dataclass(frozen=True)
class LateStep:
    element_id: str
    title: str
    due_at: datetime
    done_at: datetime | None  # None: still open past its due time


@dataclass(frozen=True)
class ComplaintCase:
    instance_id: int
    received_at: datetime
    customer: str
    complaint_class: str | None
    severity: str | None
    department: str
    status: str  # open | closed
    closed_at: datetime | None
    days_open: float  # to closing, or to `now` while open
    steps: int  # steps done or open with a due time
    late_steps: tuple[LateStep, ...] = ()
    part_no: str | None = None  # the register form's part number (a quality complaint's goods)


@dataclass(frozen=True)
class ComplaintFigures:
    start: date
    end: date
    cases: tuple[ComplaintCase, ...]
    by_class: dict[str, int] = field(default_factory=dict)
    by_department: dict[str, int] = field(default_factory=dict)
    by_severity: dict[str, int] = field(default_factory=dict)
    open: int = 0
    closed: int = 0
    median_days_to_close: float | None = None
    # Recurrence: part numbers complained about more than once in the period, with their counts
    recurrence: dict[str, int] = field(default_factory=dict)

    def departments(self) -> list[str]:
        """The responsible departments concerned, in the order of their counts."""
        return [d for d, _n in sorted(self.by_department.items(), key=lambda kv: (-kv[1], kv[0]))]

    def cases_of(self, department: str) -> list[ComplaintCase]:
        return [c for c in self.cases if c.department == department]


def period_bounds(start: date, end: date, tz: ZoneInfo | None = None) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in the office's zone, as UTC instants."""
    zone = tz or office_tz()
    low = datetime.combine(start, time(0), zone).astimezone(UTC)
    high = datetime.combine(end + timedelta(days=1), time(0), zone).astimezone(UTC)
    return low, high


def month_period(month: str) -> tuple[date, date]:
    """`YYYY-MM` -> its first and last day; ValueError when malformed."""
    year, number = (int(part) for part in month.split("-", 1))
    first = date(year, number, 1)
    following = date(year + (number == 12), number % 12 + 1, 1)
    return first, following - timedelta(days=1)


def last_month(today: date) -> str:
    previous = today.replace(day=1) - timedelta(days=1)
    return f"{previous.year:04d}-{previous.month:02d}"


def _received(instance: ProcessInstance) -> datetime:
    raw = instance.data.get("received_at")
    if isinstance(raw, str) and raw:
        try:
            at = datetime.fromisoformat(raw)
        except ValueError:
            at = None
        if at is not None:
            return at if at.tzinfo is not None else at.replace(tzinfo=office_tz())
    return instance.started_at


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def complaint_figures(session: Session, start: date, end: date, now: datetime | None = None) -> ComplaintFigures:
    """The complaints received from `start` to `end` (office dates, both included)."""
    now = now or datetime.now(UTC)
    low, high = period_bounds(start, end)
    instances = session.scalars(
        select(ProcessInstance)
        .where(ProcessInstance.process_id == COMPLAINT_PROCESS, ProcessInstance.started_at >= low - LOOKBACK)
        .order_by(ProcessInstance.id)
    ).all()
    chosen = [(i, _received(i)) for i in instances if i.data.get("customer")]
    chosen = [(i, at) for i, at in chosen if low <= at < high]
    steps = _steps(session, [i.id for i, _ in chosen])
    cases = []
    for instance, received in sorted(chosen, key=lambda pair: (pair[1], pair[0].id)):
        closed = instance.status == "completed"
        until = instance.ended_at if closed and instance.ended_at else now
        mine = steps.get(instance.id, [])
        late = tuple(
            LateStep(t.element_id, t.title, t.due_at, t.completed_at)
            for t in mine
            if t.due_at is not None and (t.completed_at or now) > t.due_at and t.status != "cancelled"
        )
        cases.append(
            ComplaintCase(
                instance_id=instance.id,
                received_at=received,
                customer=str(instance.data.get("customer")),
                complaint_class=_str(instance.data.get("complaint_class")),
                severity=_str(instance.data.get("severity")),
                department=_str(instance.data.get("responsible_department")) or UNASSIGNED,
                status="closed" if closed else "open",
                closed_at=instance.ended_at if closed else None,
                days_open=round((until - received).total_seconds() / 86400, 2),
                steps=sum(1 for t in mine if t.due_at is not None and t.status != "cancelled"),
                late_steps=late,
                part_no=_str(instance.data.get("part_no")),
            )
        )
    closed_days = [c.days_open for c in cases if c.status == "closed"]
    parts = Counter(c.part_no.strip().upper() for c in cases if c.part_no and c.part_no.strip())
    return ComplaintFigures(
        start=start,
        end=end,
        cases=tuple(cases),
        by_class=dict(Counter(c.complaint_class or UNASSIGNED for c in cases)),
        by_department=dict(Counter(c.department for c in cases)),
        by_severity=dict(Counter(c.severity or UNASSIGNED for c in cases)),
        open=sum(1 for c in cases if c.status == "open"),
        closed=len(closed_days),
        median_days_to_close=round(statistics.median(closed_days), 2) if closed_days else None,
        recurrence={part: n for part, n in sorted(parts.items(), key=lambda kv: (-kv[1], kv[0])) if n > 1},
    )


def _steps(session: Session, instance_ids: Sequence[int]) -> dict[int, list[HumanTask]]:
    found: dict[int, list[HumanTask]] = {}
    if not instance_ids:
        return found
    for task in session.scalars(
        select(HumanTask).where(HumanTask.instance_id.in_(instance_ids)).order_by(HumanTask.created_at)
    ):
        found.setdefault(task.instance_id, []).append(task)
    return found


def figures_json(figures: ComplaintFigures) -> dict[str, object]:
    """The report's JSON (API.md: by_class, by_department, by_severity, open, closed,
    median_days_to_close), with the period and the cases."""
    return {
        "from": figures.start.isoformat(),
        "to": figures.end.isoformat(),
        "total": len(figures.cases),
        "by_class": figures.by_class,
        "by_department": figures.by_department,
        "by_severity": figures.by_severity,
        "open": figures.open,
        "closed": figures.closed,
        "median_days_to_close": figures.median_days_to_close,
        "recurrence": figures.recurrence,
        "cases": [
            {
                "process_instance_id": c.instance_id,
                "received_at": c.received_at.isoformat(),
                "customer": c.customer,
                "complaint_class": c.complaint_class,
                "severity": c.severity,
                "responsible_department": c.department,
                "status": c.status,
                "closed_at": c.closed_at.isoformat() if c.closed_at else None,
                "days_open": c.days_open,
                "part_no": c.part_no,
                "steps_with_clock": c.steps,
                "late_steps": [
                    {
                        "step": s.element_id,
                        "due_at": s.due_at.isoformat(),
                        "done_at": s.done_at.isoformat() if s.done_at else None,
                    }
                    for s in c.late_steps
                ],
            }
            for c in figures.cases
        ],
    }

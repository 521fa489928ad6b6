"""The return's clocks in working days (mainland China's calendar, the office's time zone):
the branch checks within 2, head office decides within 5; a deadline is the end of that
working day."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from app.aftersales.rules.sla import is_working_day
from app.bpm.case_facts import office_tz

CHECK_WITHIN = 2
DECIDE_WITHIN = 5
DAY_END = time(17, 30)


def working_deadline(now: datetime, days: int) -> str:
    """The end of the `days`-th working day after today (ISO, with its offset)."""
    zone = office_tz()
    day = now.astimezone(zone).date()
    left = days
    while left:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return datetime.combine(day, DAY_END, tzinfo=zone).isoformat()

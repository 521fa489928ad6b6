"""Warranty and maintenance periods (R3): counted from final acceptance, in whole years; spare
parts stay available for three years after the warranty ends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date, timedelta

SPARE_PARTS_YEARS_AFTER_WARRANTY = 3


def add_years(start: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in a common year. Past the
    calendar's ends it stops at date.max or date.min: a stored unit accepted in 9999 shows a
    warranty to 9999-12-31 instead of failing every page that lists it."""
    year = start.year + years
    if year > MAXYEAR:
        return date.max
    if year < MINYEAR:
        return date.min
    try:
        return start.replace(year=year)
    except ValueError:
        return start.replace(year=year, day=28)


def _day_before(day: date) -> date:
    return day if day in (date.min, date.max) else day - timedelta(days=1)


@dataclass(frozen=True)
class Coverage:
    warranty_end: date | None  # last day covered
    maintenance_end: date | None
    spare_parts_until: date | None

    def in_warranty(self, on: date) -> bool:
        return self.warranty_end is not None and on <= self.warranty_end


def coverage(accepted_on: date | None, warranty_years: int, maintenance_years: int = 2) -> Coverage:
    """No final acceptance yet: nothing is counted yet (the unit is still the supplier's)."""
    if accepted_on is None:
        return Coverage(None, None, None)
    warranty_end = _day_before(add_years(accepted_on, warranty_years))
    return Coverage(
        warranty_end=warranty_end,
        maintenance_end=_day_before(add_years(accepted_on, maintenance_years)),
        spare_parts_until=add_years(warranty_end, SPARE_PARTS_YEARS_AFTER_WARRANTY),
    )

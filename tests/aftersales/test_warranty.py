"""Warranty, maintenance and spare-parts periods counted from final acceptance (R3)."""

from __future__ import annotations

from datetime import date

from app.aftersales.rules.warranty import coverage


def test_warranty_counts_whole_years_from_final_acceptance_r3() -> None:
    two = coverage(date(2024, 3, 1), warranty_years=2)
    assert two.warranty_end == date(2026, 2, 28)
    assert two.maintenance_end == date(2026, 2, 28)
    assert two.spare_parts_until == date(2029, 2, 28)
    assert two.in_warranty(date(2026, 2, 28)) and not two.in_warranty(date(2026, 3, 1))
    leap = coverage(date(2024, 2, 29), warranty_years=6)
    assert leap.warranty_end == date(2030, 2, 27)  # 2030-02-28 is the first day not covered
    none = coverage(None, warranty_years=2)
    assert none.warranty_end is None and not none.in_warranty(date(2026, 1, 1))


def test_periods_past_the_calendars_end_stop_at_its_last_day() -> None:
    """A stored unit accepted on 9999-06-01 (before dates were checked on entry) made every
    page listing it fail with `year 10001 is out of range`."""
    far = coverage(date(9999, 6, 1), warranty_years=2)
    assert far.warranty_end == far.maintenance_end == far.spare_parts_until == date.max
    assert far.in_warranty(date(2026, 1, 1))
    first = coverage(date.min, warranty_years=0, maintenance_years=0)
    assert first.warranty_end == date.min and not first.in_warranty(date(2026, 1, 1))

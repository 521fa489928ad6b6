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

"""Domain rules without Flask or a database."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.domain.durations import parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT1H", timedelta(hours=1)),
        ("P3D", timedelta(days=3)),
        ("P1DT12H", timedelta(days=1, hours=12)),
        ("PT90M", timedelta(minutes=90)),
        ('"PT30S"', timedelta(seconds=30)),
        ("P", None),
        ("PT", None),
        ("1 hour", None),
        ("P1W", None),
        ("", None),
        (None, None),
    ],
)
def test_iso_durations(text: str | None, expected: timedelta | None) -> None:
    assert parse_duration(text) == expected


def test_warranty_counts_whole_years_from_final_acceptance_r3() -> None:
    from datetime import date

    from app.domain.warranty import coverage

    two = coverage(date(2024, 3, 1), warranty_years=2)
    assert two.warranty_end == date(2026, 2, 28)
    assert two.maintenance_end == date(2026, 2, 28)
    assert two.spare_parts_until == date(2029, 2, 28)
    assert two.in_warranty(date(2026, 2, 28)) and not two.in_warranty(date(2026, 3, 1))
    leap = coverage(date(2024, 2, 29), warranty_years=6)
    assert leap.warranty_end == date(2030, 2, 27)  # 2030-02-28 is the first day not covered
    none = coverage(None, warranty_years=2)
    assert none.warranty_end is None and not none.in_warranty(date(2026, 1, 1))

"""ISO 8601 durations as diagrams use them (due intervals, timers)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.bpm.durations import parse_duration


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

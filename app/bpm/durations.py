"""ISO 8601 durations as process owners write them for due intervals (`dueIn`)."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(r"^P(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$")


def parse_duration(value: str | None) -> timedelta | None:
    """Days, hours, minutes, seconds (`PT1H`, `P3D`, `P1DT12H`); None when empty or not one."""
    if not value:
        return None
    match = _DURATION.match(value.strip().strip('"'))
    if not match or not any(match.groupdict().values()):
        return None
    return timedelta(**{k: int(v) for k, v in match.groupdict().items() if v})

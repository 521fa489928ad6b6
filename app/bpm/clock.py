"""The platform's notion of now: always an aware UTC instant (storage is UTC; pages show the
office's time zone)."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)

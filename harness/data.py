"""Form data shared by tests and benchmarks."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select

from app.bpm.db import db
from app.bpm.models import AuditEvent, ProcessTimer

# The complaint register form, filled in as a quality complaint (every field it may require).
REGISTER: dict[str, Any] = {
    "customer": "市第一医院",
    "contact_name": "王主任",
    "contact_phone": "13800000000",
    "channel": "phone",
    "complaint_class": "quality",
    "description": "复印机卡纸",
    "customer_demand": "更换硒鼓",
    "order_no": "SO-1",
    "part_no": "P-9",
    "ship_date": "2026-10-01",
    "quantity": 10,
    "defective_quantity": 2,
}


def timer_counts(app: Flask) -> tuple[int, int, int]:
    """(timers fired, still waiting, instances whose timer fired more than once)"""
    with app.app_context():
        session = db.session()
        fired = session.scalar(select(func.count()).where(AuditEvent.action == "timer_fired"))
        waiting = session.scalar(select(func.count()).where(ProcessTimer.status == "waiting"))
        twice = session.scalar(
            select(func.count()).select_from(
                select(AuditEvent.instance_id)
                .where(AuditEvent.action == "timer_fired")
                .group_by(AuditEvent.instance_id)
                .having(func.count() > 1)
                .subquery()
            )
        )
        return int(fired or 0), int(waiting or 0), int(twice or 0)

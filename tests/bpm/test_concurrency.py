"""Concurrent writers over real HTTP: two completions of one task never both win (P6)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from flask import Flask

from app.bpm import tasks, timers
from app.bpm.db import db
from harness.apps import user
from harness.data import REGISTER
from harness.http_client import call, login
from harness.servers import LiveServer

from .test_services import _start

API = "/api/v1"


def test_twenty_clients_complete_the_same_task_once(live_server: LiveServer) -> None:
    base = live_server.url
    token = login(base, "after_sales1")
    for _ in range(3):
        _status, instance = call(base, "POST", f"{API}/process-instances", {"process_id": "complaint_handling"}, token)
        url = f"{API}/tasks/{instance['open_tasks'][0]['id']}/complete"
        with ThreadPoolExecutor(max_workers=20) as pool:
            results = list(
                pool.map(lambda _, url=url: call(base, "POST", url, {"data": REGISTER}, token)[0], range(20))
            )
        assert sorted(results) == [200] + [409] * 19
        _status, history = call(base, "GET", f"{API}/process-instances/{instance['id']}/history", token=token)
        assert [e["action"] for e in history].count("task_completed") == 1


def test_two_workers_fire_each_timer_once(app: Flask) -> None:
    t0 = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
    with app.app_context():
        session = db.session()
        owner = user(session, "after_sales1")
        started = []
        for _ in range(6):
            instance_id, task = _start(session, now=t0)
            tasks.complete(session, owner, task.id, REGISTER, "en", now=t0)
            started.append(instance_id)

    def worker(_: int) -> int:
        with app.app_context():
            return timers.fire_due(db.session(), t0 + timedelta(hours=3)).fired

    with ThreadPoolExecutor(max_workers=2) as pool:
        fired = sum(pool.map(worker, range(2)))
    assert fired >= 6
    with app.app_context():
        from sqlalchemy import func, select

        from app.bpm.models import AuditEvent

        counts = (
            db.session()
            .execute(
                select(AuditEvent.instance_id, func.count())
                .where(AuditEvent.action == "timer_fired", AuditEvent.instance_id.in_(started))
                .group_by(AuditEvent.instance_id)
            )
            .all()
        )
        assert sorted(c for _, c in counts) == [1] * 6

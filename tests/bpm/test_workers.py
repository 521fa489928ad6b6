"""Worker processes (P5): several `flask worker` processes over the same timers, and workers
killed with SIGKILL mid-way: every timer fires exactly once, nothing is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.exc import OperationalError

from app.bpm import tasks
from app.bpm.db import db
from app.bpm.models import AuditEvent, ProcessTimer
from harness.apps import user
from harness.data import REGISTER

from .test_services import _start

ROOT = Path(__file__).resolve().parents[2]
PAST = datetime(2020, 1, 1, tzinfo=UTC)


def _due_timers(app: Flask, count: int) -> list[int]:
    """`count` instances, each with its contact timer already overdue."""
    ids = []
    with app.app_context():
        session = db.session()
        owner = user(session, "after_sales1")
        for _ in range(count):
            instance_id, task = _start(session, now=PAST)
            tasks.complete(session, owner, task.id, REGISTER, "en", now=PAST)
            ids.append(instance_id)
    return ids


def _worker(database_url: str, *args: str, batch: int | None = None) -> subprocess.Popen[bytes]:
    env = os.environ | {"SHOUHOU_DATABASE_URL": database_url, "SHOUHOU_WORKER_INTERVAL": "0.2"}
    if batch is not None:
        env["SHOUHOU_TIMER_BATCH"] = str(batch)  # instances per transaction
    command = [sys.executable, "-m", "flask", "--app", "app", "worker", *args]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _fired_counts(app: Flask, ids: list[int]) -> dict[int, int]:
    with app.app_context():
        rows = db.session().execute(
            select(AuditEvent.instance_id, func.count())
            .where(AuditEvent.action == "timer_fired", AuditEvent.instance_id.in_(ids))
            .group_by(AuditEvent.instance_id)
        )
        return {instance_id: count for instance_id, count in rows}


def _waiting(app: Flask, ids: list[int]) -> int:
    with app.app_context():
        query = select(func.count()).where(ProcessTimer.status == "waiting", ProcessTimer.instance_id.in_(ids))
        return int(db.session().scalar(query) or 0)


def test_two_worker_processes_fire_each_timer_once(app: Flask, database_url: str) -> None:
    ids = _due_timers(app, 40)
    workers = [_worker(database_url, "--once") for _ in range(2)]
    for worker in workers:
        _out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err.decode()
    assert _fired_counts(app, ids) == dict.fromkeys(ids, 1)
    assert _waiting(app, ids) == 0


def test_workers_killed_mid_way_lose_nothing_and_fire_nothing_twice(app: Flask, database_url: str) -> None:
    """Each worker commits five instances at a time and is killed without warning as soon as
    it has committed some: the counts between the kills prove each kill landed with work done
    and work left. A survivor then fires the rest, and no timer fires twice."""
    ids = _due_timers(app, 80)
    # A plain reader: the app's SQLite sessions begin IMMEDIATE (a writer's lock), and a
    # worker committing batch after batch would starve them until it is done.
    reader = create_engine(database_url)
    fired = select(func.count()).where(AuditEvent.action == "timer_fired", AuditEvent.instance_id.in_(ids))

    def fired_now() -> int:
        with reader.connect() as conn:
            return int(conn.scalar(fired) or 0)

    after_each_kill = []
    for _ in range(3):
        before = fired_now()
        worker = _worker(database_url, batch=5)
        deadline = time.monotonic() + 60
        while fired_now() == before and time.monotonic() < deadline:
            time.sleep(0.005)
        worker.send_signal(signal.SIGKILL)
        worker.communicate(timeout=30)
        assert worker.returncode == -signal.SIGKILL
        after_each_kill.append(fired_now())
    reader.dispose()
    assert 0 < after_each_kill[0] < after_each_kill[1] < after_each_kill[2] < len(ids), after_each_kill
    survivor = _worker(database_url, "--once")
    _out, err = survivor.communicate(timeout=120)
    assert survivor.returncode == 0, err.decode()
    assert _fired_counts(app, ids) == dict.fromkeys(ids, 1)
    assert _waiting(app, ids) == 0


def test_fire_due_command_moves_time_for_drills(app: Flask, database_url: str) -> None:
    t0 = datetime.now(UTC)
    with app.app_context():
        session = db.session()
        instance_id, task = _start(session, now=t0)
        tasks.complete(session, user(session, "after_sales1"), task.id, REGISTER, "en", now=t0)
    env = os.environ | {"SHOUHOU_DATABASE_URL": database_url}
    early = (t0 + timedelta(minutes=30)).isoformat()
    late = (t0 + timedelta(hours=2)).isoformat()
    for at, expected in ((early, 0), (late, 1)):
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", "timers", "fire-due", "--now", at],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        assert result.stdout.startswith("fired"), result.stderr
        assert _fired_counts(app, [instance_id]).get(instance_id, 0) == expected


def _in_a_write(database_url: str, reader: Engine, ids: list[int]) -> bool:
    """Whether a worker holds its claim on these timers: on PostgreSQL their rows are locked,
    on SQLite the one writer's lock is taken."""
    if database_url.startswith("sqlite"):
        try:
            with reader.connect() as conn:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                conn.exec_driver_sql("ROLLBACK")
        except OperationalError:
            return True
        return False
    free = select(ProcessTimer.id).where(ProcessTimer.instance_id.in_(ids)).with_for_update(skip_locked=True)
    with reader.begin() as conn:
        return len(conn.execute(free).all()) < len(ids)


def test_a_worker_stops_within_seconds_of_sigterm_between_instances(app: Flask, database_url: str) -> None:
    """Issue 12: a worker told to stop in the middle of one long batch (all the due instances in
    one transaction) commits what it fired, leaves the rest waiting and exits at once, instead
    of finishing the pass first. Nothing fires twice: the next worker fires the rest."""
    ids = _due_timers(app, 150)
    connect_args = {"timeout": 0} if database_url.startswith("sqlite") else {}
    reader = create_engine(database_url, connect_args=connect_args)
    worker = _worker(database_url, batch=1000)
    deadline = time.monotonic() + 60
    while not _in_a_write(database_url, reader, ids) and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)  # some instances into the batch
    worker.send_signal(signal.SIGTERM)
    signalled = time.monotonic()
    _out, err = worker.communicate(timeout=30)
    stopped_after = time.monotonic() - signalled
    reader.dispose()
    assert worker.returncode == 0, err.decode()
    assert stopped_after < 5, stopped_after
    counts = _fired_counts(app, ids)
    assert 0 < len(counts) < len(ids) and set(counts.values()) == {1}, len(counts)  # stopped mid-batch
    assert _waiting(app, ids) == len(ids) - len(counts)
    survivor = _worker(database_url, "--once")
    _out, err = survivor.communicate(timeout=120)
    assert survivor.returncode == 0, err.decode()
    assert _fired_counts(app, ids) == dict.fromkeys(ids, 1)

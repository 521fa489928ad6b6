"""Faults under load (issue 5, P5/P6): web and worker processes SIGKILLed at random moments, 50
times, while clients complete tasks and workers fire timers. Afterwards nothing is lost or
duplicated: each task completed once, each timer fired once, the audit chain intact, every
instance loads. On PostgreSQL, the production database."""

from __future__ import annotations

import contextlib
import http.client
import os
import random
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.bpm import audit, definitions, instances
from app.bpm.db import db
from app.bpm.engine import ProcessRun
from app.bpm.models import AuditEvent, HumanTask, ProcessInstance
from harness.apps import user
from harness.data import REGISTER
from harness.http_client import call, login

from .test_production import API, gunicorn
from .test_workers import _due_timers, _fired_counts, _worker

KILLS = 50
COMPLETIONS = 150
TIMERS = 150


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _open_register_tasks(app: Flask, count: int) -> dict[int, str]:
    """`count` new complaints waiting at their register task: instance id -> task id."""
    found = {}
    with app.app_context():
        session = db.session()
        owner = user(session, "after_sales1")
        for _ in range(count):
            instance = instances.start_instance(session, owner, "complaint_handling")
            found[instance.id] = instances.open_tasks(session, instance.id)[0].id
    return found


def _complete_until_answered(base: str, token: str, task_id: str) -> int:
    """A client that retries through dropped connections and 503s, as a real one would."""
    for _ in range(200):
        try:
            status, _ = call(base, "POST", f"{API}/tasks/{task_id}/complete", {"data": REGISTER}, token)
        except (OSError, http.client.HTTPException):  # the process answering was killed (even mid-answer)
            time.sleep(0.05)
            continue
        if status in (200, 409):
            return status
        time.sleep(0.05)
    raise AssertionError(f"task {task_id} never answered")


def test_processes_killed_at_random_moments_lose_and_duplicate_nothing(app: Flask, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the fault drill runs on PostgreSQL, the multi-process production database")
    rng = random.Random(20261127)
    overdue = _due_timers(app, TIMERS)
    to_complete = _open_register_tasks(app, COMPLETIONS)
    workers = [_worker(database_url), _worker(database_url)]
    kills = {"web": 0, "worker": 0}
    try:
        with gunicorn(database_url, processes=2, threads=4) as base:
            token = login(base, "after_sales1")
            stop = threading.Event()

            def killer() -> None:
                while not stop.is_set() and sum(kills.values()) < KILLS:
                    time.sleep(rng.uniform(0.05, 0.25))
                    if rng.random() < 0.5:
                        victims = _gunicorn_workers(base)
                        if victims:
                            _kill(rng.choice(victims))
                            kills["web"] += 1
                    else:
                        index = rng.randrange(len(workers))
                        _stop(workers[index], signal.SIGKILL)
                        workers[index] = _worker(database_url)
                        kills["worker"] += 1

            chaos = threading.Thread(target=killer)
            chaos.start()
            try:
                with ThreadPoolExecutor(max_workers=8) as pool:
                    answers = list(
                        pool.map(lambda task_id: _complete_until_answered(base, token, task_id), to_complete.values())
                    )
                chaos.join(timeout=120)
            finally:
                stop.set()
                chaos.join(timeout=30)
        deadline = time.monotonic() + 90
        while _fired_counts(app, overdue) != dict.fromkeys(overdue, 1) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:  # a failing drill must not leave workers running into the next tests
        for worker in workers:
            _stop(worker, signal.SIGTERM)

    assert sum(kills.values()) == KILLS and kills["web"] > 0 and kills["worker"] > 0
    assert set(answers) <= {200, 409}
    assert _fired_counts(app, overdue) == dict.fromkeys(overdue, 1)  # every timer once
    with app.app_context():
        session = db.session()
        completed = dict(
            session.execute(
                select(AuditEvent.instance_id, func.count())
                .where(AuditEvent.action == "task_completed", AuditEvent.instance_id.in_(list(to_complete)))
                .group_by(AuditEvent.instance_id)
            ).all()
        )
        assert completed == dict.fromkeys(to_complete, 1)  # every completion once, none lost
        done = session.scalar(
            select(func.count()).where(HumanTask.id.in_(list(to_complete.values())), HumanTask.status == "completed")
        )
        assert done == COMPLETIONS
        audit.seal(session)  # what the stopped workers had not sealed yet
        report = audit.verify(session)
        assert report.intact and report.pending == 0 and report.checked >= COMPLETIONS
        for instance in session.scalars(
            select(ProcessInstance).where(ProcessInstance.id.in_([*overdue, *to_complete]))
        ):
            ProcessRun.load(definitions.loaded(instance.definition).model, instance.state)  # every instance loads


def _gunicorn_workers(base: str) -> list[int]:
    """The worker processes of the gunicorn serving `base` (the master restarts killed ones)."""
    return [child for master in _masters(base.rsplit(":", 1)[1]) for child in _children(master)]


def _masters(port: str) -> list[int]:
    """The gunicorn master bound to `port`: the process with that bind in its environment that
    has children (its workers inherit the environment but have none)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            environ = (proc / "environ").read_bytes()
        except OSError:
            continue
        if f"SHOUHOU_BIND=127.0.0.1:{port}".encode() in environ and _children(int(proc.name)):
            found.append(int(proc.name))
    return found


def _stop(process: subprocess.Popen[bytes], sig: int) -> None:
    process.send_signal(sig)
    process.wait(timeout=30)
    if process.stderr is not None:
        process.stderr.close()


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)

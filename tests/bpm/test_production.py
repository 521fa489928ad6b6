"""The production shape on this machine (P6): gunicorn with several processes and threads, two
`flask worker` processes, one database; driven over loopback HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flask import Flask

from app.bpm import audit
from app.bpm.db import db
from harness.data import REGISTER
from harness.http_client import call, login
from harness.servers import API, gunicorn, running

from .test_workers import _due_timers, _fired_counts


def test_several_web_processes_and_workers_share_one_database(app: Flask, database_url: str) -> None:
    overdue = _due_timers(app, 20)
    worker_env = os.environ | {"SHOUHOU_DATABASE_URL": database_url, "SHOUHOU_WORKER_INTERVAL": "0.2"}
    worker = [sys.executable, "-m", "flask", "--app", "app", "worker"]
    with gunicorn(database_url) as base, running(worker, worker_env), running(worker, worker_env):
        token = login(base, "after_sales1")
        for _ in range(50):  # issue 5: 20 clients at once, repeated 50 times
            status, instance = call(
                base, "POST", f"{API}/process-instances", {"process_id": "complaint_handling"}, token
            )
            assert status == 201
            url = f"{API}/tasks/{instance['open_tasks'][0]['id']}/complete"
            with ThreadPoolExecutor(max_workers=20) as pool:
                results = list(
                    pool.map(lambda _, url=url: call(base, "POST", url, {"data": REGISTER}, token)[0], range(20))
                )
            # one wins; the others lose (409) or, beyond the processes' capacity, are told to retry (503)
            assert results.count(200) == 1 and set(results) <= {200, 409, 503}, results
        deadline = time.monotonic() + 60
        while _fired_counts(app, overdue) != dict.fromkeys(overdue, 1) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _fired_counts(app, overdue) == dict.fromkeys(overdue, 1)
        while _audit_report(app).pending and time.monotonic() < deadline:
            time.sleep(0.2)
        report = _audit_report(app)  # the workers chained every event of the run
        assert report.intact and report.pending == 0 and report.checked > 50 * 3


def _audit_report(app: Flask) -> audit.ChainReport:
    with app.app_context():
        session = db.session()
        try:
            return audit.verify(session)
        finally:
            session.rollback()


def test_load_beyond_capacity_is_refused_not_queued(database_url: str) -> None:
    with gunicorn(database_url, processes=1, threads=8, SHOUHOU_MAX_CONCURRENT="1", SHOUHOU_QUEUE_WAIT="0.01") as base:
        token = login(base, "after_sales1")
        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = list(pool.map(lambda _: call(base, "GET", f"{API}/tasks", token=token), range(64)))
    statuses = {status for status, _ in answers}
    assert statuses <= {200, 503} and 503 in statuses and 200 in statuses
    busy = next(body for status, body in answers if status == 503)
    assert busy["error"]["code"] == "overloaded"


def _restart_postgres() -> None:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart", "-m", "fast"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    for _ in range(100):
        if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"], check=False).returncode == 0:
            return
        time.sleep(0.2)
    raise AssertionError("PostgreSQL did not come back")


def test_the_service_recovers_by_itself_after_a_database_restart(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("restarts the PostgreSQL server; the SQLite variant has no server to restart")
    if os.geteuid() != 0 or not Path("/etc/postgresql").is_dir():
        pytest.skip("needs root and a local PostgreSQL cluster to restart")
    with gunicorn(database_url, processes=2, threads=2) as base:
        token = login(base, "after_sales1")
        assert call(base, "GET", f"{API}/tasks", token=token)[0] == 200
        _restart_postgres()
        statuses = [call(base, "GET", f"{API}/tasks", token=token)[0] for _ in range(20)]
        assert set(statuses) <= {200, 503}, statuses  # never a 500 while it reconnects
        assert statuses[-1] == 200
        status, body = call(base, "POST", f"{API}/process-instances", {"process_id": "complaint_handling"}, token)
        assert status == 201, body

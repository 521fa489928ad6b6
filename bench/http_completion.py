"""Task completion over HTTP in the production shape (gunicorn, threaded, several processes).

    .venv/bin/python bench/http_completion.py [sqlite|postgres] [clients] [completions] [processes] [threads]

Two `flask worker` processes run beside gunicorn, as in production: they seal the audit events
into the hash chain; the last line says whether the chain is whole and intact.
1. Latency: one client completes tasks one by one over HTTP (token auth, permission check,
   validation, engine, task/timer sync, audit event, commit), alternating with raw
   SpiffWorkflow's own load-complete-steps-save cycle on the same diagram, in blocks (warm) and
   round by round (cold); prints both medians and the ratios (see `latency`).
2. Throughput: `clients` concurrent keep-alive clients complete `completions` tasks; prints
   completions/s, p50/p99 latency and how many were refused (503) rather than queued.
PostgreSQL: a fresh database on 127.0.0.1:5432 (user postgres), dropped afterwards.
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_db import bench_app  # noqa: E402
from task_completion import REGISTER, RawCycle  # noqa: E402

from app.bpm import audit, instances  # noqa: E402
from app.bpm.db import db  # noqa: E402
from harness.apps import user  # noqa: E402
from harness.http_client import login  # noqa: E402
from harness.servers import gunicorn, running  # noqa: E402


def open_tasks(app: Any, count: int) -> list[str]:
    with app.app_context():
        session = db.session()
        owner = user(session, "after_sales1")
        ids = []
        for _ in range(count):
            instance = instances.start_instance(session, owner, "complaint_handling")
            ids.append(instances.open_tasks(session, instance.id)[0].id)
        return ids


class Client:
    def __init__(self, base: str, token: str) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=60)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.body = json.dumps({"data": REGISTER}).encode()

    def complete(self, task_id: str) -> tuple[int, float]:
        start = time.perf_counter()
        self.connection.request("POST", f"/api/v1/tasks/{task_id}/complete", self.body, self.headers)
        response = self.connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - start


def latency(base: str, token: str, task_ids: list[str], block: int = 20) -> None:
    """Two orders, both printed. Warm (the goal's figure): blocks of `block` HTTP completions
    alternate with blocks of as many raw cycles, each side running warm as a busy server does,
    and each block pair sharing the machine's noise; the ratio is the median of the blocks'
    ratios. Cold: one HTTP completion, then one raw cycle, round by round; the server process
    then always starts from caches the client's raw cycle has just used (2 cores), which costs
    the HTTP side ~1-2 ms here."""
    raw, client = RawCycle(), Client(base, token)
    half = len(task_ids) // 2
    ratios, http_ms, raw_ms = [], [], []
    for start in range(0, half, block):
        http = [_completed(client, task_id) for task_id in task_ids[start : min(start + block, half)]]
        cycles = [raw() for _ in http]
        ratios.append(statistics.median(http) / statistics.median(cycles))
        http_ms += http
        raw_ms += cycles
    print(
        f"latency, warm (alternating blocks of {block}): raw SpiffWorkflow {statistics.median(raw_ms) * 1000:.2f} ms, "
        f"HTTP completion {statistics.median(http_ms) * 1000:.2f} ms, ratio {statistics.median(ratios):.2f}x"
    )
    samples = [(raw(), _completed(client, task_id)) for task_id in task_ids[half:]]
    print(
        f"latency, cold (alternating rounds): raw {statistics.median(r for r, _ in samples) * 1000:.2f} ms, "
        f"HTTP {statistics.median(h for _, h in samples) * 1000:.2f} ms, "
        f"ratio {statistics.median(h / r for r, h in samples):.2f}x"
    )


def _completed(client: Client, task_id: str) -> float:
    status, seconds = client.complete(task_id)
    assert status == 200, status
    return seconds


def throughput(base: str, token: str, task_ids: list[str], clients: int) -> None:
    queue = list(task_ids)
    lock = threading.Lock()
    results: list[tuple[int, float]] = []

    def run() -> None:
        client = Client(base, token)
        while True:
            with lock:
                if not queue:
                    return
                task_id = queue.pop()
            outcome = client.complete(task_id)
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    done = [s for status, s in results if status == 200]
    refused = sum(1 for status, _ in results if status == 503)
    done.sort()
    p50 = done[len(done) // 2] * 1000
    p99 = done[int(len(done) * 0.99) - 1] * 1000
    print(
        f"throughput: {clients} clients, {len(done)} completed in {elapsed:.1f} s = {len(done) / elapsed:.0f}/s, "
        f"p50 {p50:.0f} ms, p99 {p99:.0f} ms, refused (503) {refused}, other {len(results) - len(done) - refused}"
    )


def main() -> None:
    kind = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    clients = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    completions = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    processes = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    threads = int(sys.argv[5]) if len(sys.argv) > 5 else 4
    with bench_app(kind) as (app, url):
        serial, parallel = open_tasks(app, 400), open_tasks(app, completions)
        with app.app_context():
            audit.seal(db.session())  # the set-up's events: the workers then seal only the run's
        # the production shape: two workers beside the web processes, sealing the audit trail
        worker_env = os.environ | {"SHOUHOU_DATABASE_URL": url, "SHOUHOU_WORKER_INTERVAL": "1"}
        worker = [sys.executable, "-m", "flask", "--app", "app", "worker"]
        with (
            gunicorn(url, processes=processes, threads=threads) as base,
            running(worker, worker_env),
            running(worker, worker_env),
        ):
            token = login(base, "after_sales1")
            print(f"{kind}, gunicorn {processes} processes x {threads} threads, 2 workers")
            latency(base, token, serial)
            throughput(base, token, parallel, clients)
            time.sleep(2)  # a last worker pass
        with app.app_context():
            report = audit.verify(db.session())
        print(f"audit trail: {report.checked} events chained, {report.pending} pending, intact: {report.intact}")


if __name__ == "__main__":
    main()

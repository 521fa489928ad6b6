"""Overload: how fast the answers stay when far more clients come than gunicorn can run at once.

    .venv/bin/python bench/overload.py [sqlite|postgres] [clients] [seconds] [processes] [threads]

gunicorn (default 2 processes x 4 threads) behind nginx (deploy/nginx.conf.template), then the
same gunicorn alone. First one client reads the worklist (`GET /api/v1/tasks`) alone: the
baseline. Then `clients` (default 64) keep-alive clients read it for `seconds` (default 10),
each waiting the Retry-After (1 s) after a 503 as a well-behaved client does. Prints, for
each shape, the share refused, the served answers' p50/p99 as ratios of the baseline's p50, and
the slowest refusal: refusals should come at once, and served requests should not wait behind
a queue.
"""

from __future__ import annotations

import http.client
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_db import bench_app  # noqa: E402

from harness.http_client import login  # noqa: E402
from harness.servers import gunicorn, nginx, request_limit  # noqa: E402


class Client:
    def __init__(self, base: str, token: str) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.address = (host, int(port))
        self.headers = {"Authorization": f"Bearer {token}"}
        self.connection = http.client.HTTPConnection(*self.address, timeout=120)

    def worklist(self) -> tuple[int, float]:
        start = time.perf_counter()
        try:
            self.connection.request("GET", "/api/v1/tasks", headers=self.headers)
            response = self.connection.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = http.client.HTTPConnection(*self.address, timeout=120)
            status = 0
        return status, time.perf_counter() - start


def baseline(base: str, token: str, requests: int = 200) -> float:
    client = Client(base, token)
    return statistics.median(client.worklist()[1] for _ in range(requests))


def overload(base: str, token: str, clients: int, seconds: float) -> list[tuple[int, float]]:
    results: list[tuple[int, float]] = []
    lock = threading.Lock()
    until = time.perf_counter() + seconds

    def run() -> None:
        client = Client(base, token)
        while time.perf_counter() < until:
            status, elapsed = client.worklist()
            with lock:
                results.append((status, elapsed))
            if status == 503:
                time.sleep(1)  # Retry-After

    threads = [threading.Thread(target=run) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def report(shape: str, base_p50: float, results: list[tuple[int, float]]) -> None:
    served = sorted(s for status, s in results if status == 200)
    refused = sorted(s for status, s in results if status == 503)
    other = len(results) - len(served) - len(refused)
    p50 = served[len(served) // 2] if served else float("nan")
    p99 = served[max(0, int(len(served) * 0.99) - 1)] if served else float("nan")
    slowest_refusal = refused[-1] * 1000 if refused else 0.0
    print(
        f"{shape}: {len(results)} answers, refused (503) {len(refused) / max(1, len(results)):.0%}, other {other}; "
        f"served p50 {p50 / base_p50:.1f}x, p99 {p99 / base_p50:.1f}x the baseline; "
        f"slowest refusal {slowest_refusal:.0f} ms"
    )


def main() -> None:
    kind = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    clients = int(sys.argv[2]) if len(sys.argv) > 2 else 64
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 10
    processes = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    threads = int(sys.argv[5]) if len(sys.argv) > 5 else 4
    capacity = processes * request_limit(threads)
    with bench_app(kind) as (_app, url), gunicorn(url, processes=processes, threads=threads) as upstream:
        with nginx(upstream, capacity) as front:
            token = login(front, "after_sales1")
            base_p50 = baseline(front, token)
            print(
                f"{kind}, gunicorn {processes} x {threads} threads (capacity {capacity}), {clients} clients "
                f"for {seconds:.0f} s; baseline: one client alone, p50 {base_p50 * 1000:.1f} ms"
            )
            report("through nginx", base_p50, overload(front, token, clients, seconds))
        report("gunicorn alone", base_p50, overload(upstream, token, clients, seconds))


if __name__ == "__main__":
    main()

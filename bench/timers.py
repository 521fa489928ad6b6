"""Timers due at once, fired by several worker processes.

    .venv/bin/python bench/timers.py [sqlite|postgres] [timers] [workers]

Creates `timers` instances whose contact deadline (联系客户逾期, PT1H) has passed, then runs
`workers` `flask worker --once` processes side by side and reports the wall time and whether
every timer fired exactly once. Defaults: postgres, 10,000 timers, 2 workers.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_db import bench_app  # noqa: E402

from app.bpm import instances, tasks  # noqa: E402
from app.bpm.db import db  # noqa: E402
from harness.apps import user  # noqa: E402
from harness.data import REGISTER, timer_counts  # noqa: E402

PAST = datetime(2020, 1, 1, tzinfo=UTC)


def main() -> None:
    kind = sys.argv[1] if len(sys.argv) > 1 else "postgres"
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    with bench_app(kind) as (app, url):
        started = time.perf_counter()
        with app.app_context():
            session = db.session()
            owner = user(session, "after_sales1")
            for _ in range(count):
                instance = instances.start_instance(session, owner, "complaint_handling", now=PAST)
                task = instances.open_tasks(session, instance.id)[0]
                tasks.complete(session, owner, task.id, REGISTER, "en", now=PAST)
        print(f"{kind}: made {count} overdue timers in {time.perf_counter() - started:.0f} s")
        env = os.environ | {"SHOUHOU_DATABASE_URL": url}
        command = [sys.executable, "-m", "flask", "--app", "app", "worker", "--once"]
        started = time.perf_counter()
        processes = [subprocess.Popen(command, cwd=ROOT, env=env) for _ in range(workers)]
        for process in processes:
            process.wait()
        elapsed = time.perf_counter() - started
        fired, waiting, per_instance = timer_counts(app)
        print(
            f"{kind}: {workers} workers fired {fired} of {count} timers in {elapsed:.1f} s "
            f"({fired / elapsed:.0f}/s); still waiting {waiting}; fired twice {per_instance}"
        )


if __name__ == "__main__":
    main()

"""Worklist latency against data volume.

    .venv/bin/python bench/worklist.py [sqlite|postgres] [open_instances] [finished_tasks]

Fills a database directly (bulk SQL: the volume is the point, not how it got there) with
`open_instances` running instances, one open task each spread over the complaint lanes (some
claimed, some overdue), and `finished_tasks` completed tasks; then times the worklist service
call for a member of after_sales, 300 times, against the same measurement at 1,000 instances
made in the same run. Defaults: 100,000 open instances and 1,000,000 finished tasks.
"""

from __future__ import annotations

import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_db import bench_app  # noqa: E402

from app.bpm import tasks  # noqa: E402
from app.bpm.db import db  # noqa: E402
from app.bpm.models import HumanTask, ProcessDefinition, ProcessInstance  # noqa: E402
from harness.apps import user  # noqa: E402

LANES = ["after_sales", "sales", "technical", "production", "qc", "after_sales_leads"]
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def fill(app: Any, open_instances: int, finished_tasks: int, batch: int = 20_000) -> None:
    with app.app_context():
        session = db.session()
        definition_id = session.scalars(select(ProcessDefinition.id)).first()
        users = [user(session, name).id for name in ("after_sales1", "after_sales_leads1", "sales1", "qc1")]
        start = session.scalar(select(ProcessInstance.id).order_by(ProcessInstance.id.desc()).limit(1)) or 0
        for offset in range(0, open_instances, batch):
            count = min(batch, open_instances - offset)
            ids = range(start + offset + 1, start + offset + count + 1)
            session.execute(
                insert(ProcessInstance),
                [
                    {
                        "id": i,
                        "definition_id": definition_id,
                        "process_id": "complaint_handling",
                        "status": "running",
                        "state": {},
                        "data": {"customer": f"C{i}"},
                        "started_at": T0,
                        "row_version": 1,
                    }
                    for i in ids
                ],
            )
            session.execute(
                insert(HumanTask),
                [
                    {
                        "id": str(uuid.uuid4()),
                        "instance_id": i,
                        "element_id": "report_progress",
                        "title": "跟踪落实",
                        "candidate_group": LANES[i % len(LANES)],
                        "form": "report_progress",
                        "status": "ready",
                        "assignee_id": users[i % 7] if i % 7 < len(users) else None,
                        "created_at": T0,
                        "due_at": T0 + timedelta(minutes=i % 50_000) if i % 5 else None,
                    }
                    for i in ids
                ],
            )
            session.commit()
        first = start + 1
        for offset in range(0, finished_tasks, batch):
            count = min(batch, finished_tasks - offset)
            session.execute(
                insert(HumanTask),
                [
                    {
                        "id": str(uuid.uuid4()),
                        "instance_id": first + (offset + n) % open_instances,
                        "element_id": "contact_customer",
                        "title": "联系客户",
                        "candidate_group": LANES[n % len(LANES)],
                        "form": "contact_customer",
                        "status": "completed",
                        "assignee_id": users[n % len(users)],
                        "created_at": T0,
                        "completed_at": T0,
                        "due_at": T0,
                    }
                    for n in range(count)
                ],
            )
            session.commit()
        if session.bind.dialect.name == "postgresql":  # type: ignore[union-attr]
            session.execute(text("ANALYZE"))
            session.commit()


def measure(app: Any, rounds: int = 300) -> tuple[float, float]:
    with app.app_context():
        session = db.session()
        member = user(session, "after_sales1")
        samples = []
        for _ in range(rounds):
            session.expire_all()
            start = time.perf_counter()
            rows = tasks.worklist(session, member)
            [(r.title, r.instance.definition.name) for r in rows]
            samples.append(time.perf_counter() - start)
            session.rollback()
    samples.sort()
    return statistics.median(samples) * 1000, samples[int(len(samples) * 0.95) - 1] * 1000


def main() -> None:
    kind = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    open_instances = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    finished = int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000
    with bench_app(kind) as (app, _url):
        fill(app, 1_000, 10_000)
        small = measure(app)
        fill(app, open_instances - 1_000, finished - 10_000)
        large = measure(app)
    print(f"{kind}: worklist at 1,000 open instances: median {small[0]:.2f} ms, p95 {small[1]:.2f} ms")
    print(
        f"{kind}: at {open_instances:,} open and {finished:,} finished tasks: "
        f"median {large[0]:.2f} ms, p95 {large[1]:.2f} ms"
    )
    print(f"{kind}: p95 ratio {large[1] / small[1]:.2f}x")


if __name__ == "__main__":
    main()

"""What a fault report costs (issue 3), against baselines measured in the same run.

    .venv/bin/python bench/repair_request.py [rounds] [sqlite|postgres]

- intake: `report_fault` (unit and warranty lookup, policy, clocks, engine start, tasks, timers,
  audit, one commit) against starting a complaint instance (`start_instance`), the plain
  process start of the same service layer;
- a whole on-site repair: intake and 6 completions (remote support, dispatch, arrival, repair,
  signed record, filing) with the clock bookkeeping, per step;
- SLA deadlines: one working-hours deadline (China's holidays and make-up days) against one
  24×7 deadline.
"""

from __future__ import annotations

import base64
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bench_db import bench_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.aftersales.archive.models import EquipmentUnit
from app.aftersales.rules.sla import Calendar, Span
from app.bpm import instances, tasks
from app.bpm.db import db
from app.bpm.models import HumanTask
from app.processes.repair_dispatch import service as service_requests
from app.processes.repair_dispatch.service import FaultReport
from harness.apps import user

PNG = (
    "data:image/png;base64,"
    + base64.b64encode(
        bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
        )
    ).decode()
)
REPAIR_STEPS = [
    ("engineers1", "remote_support", {"contact_summary": "x", "resolved_remotely": False}),
    ("after_sales1", "dispatch_engineer", {"engineer": "engineers1", "extra_staff_needed": False}),
    ("engineers1", "arrive_on_site", {"findings": "x"}),
    ("engineers1", "repair_on_site", {"work_done": "x", "repair_outcome": "repaired"}),
    (
        "engineers1",
        "complete_service_record",
        {"work_summary": "x", "signer_name": "x", "customer_signature": PNG},
    ),
    ("after_sales1", "file_service_record", {"archive_number": "x", "checked": True}),
]


def median_ms(fn: Callable[[], None], rounds: int) -> float:
    fn()  # warm caches (parsed diagrams, forms)
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def complete(session: Session, username: str, instance_id: int, element_id: str, data: dict) -> None:  # type: ignore[type-arg]
    task_id = session.scalars(
        select(HumanTask.id).where(
            HumanTask.instance_id == instance_id, HumanTask.element_id == element_id, HumanTask.status == "ready"
        )
    ).one()
    tasks.complete(session, user(session, username), task_id, data, "zh_CN")


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    kind = sys.argv[2] if len(sys.argv) > 2 else "sqlite"
    with bench_app(kind) as (app, _url), app.app_context():
        session = db.session()
        unit_id = session.scalars(select(EquipmentUnit.id).where(EquipmentUnit.serial == "SN-C3000-0004")).one()

        def intake() -> None:
            desk = user(session, "after_sales1")
            service_requests.report_fault(session, desk, FaultReport(unit_id, "phone", "bench"))

        def complaint_start() -> None:
            instances.start_instance(session, user(session, "after_sales1"), "complaint_handling")

        def whole_repair() -> None:
            request = service_requests.report_fault(
                session, user(session, "after_sales1"), FaultReport(unit_id, "phone", "b")
            )
            assert request.instance_id is not None
            for username, element_id, data in REPAIR_STEPS:
                complete(session, username, request.instance_id, element_id, data)

        intake_ms, start_ms = median_ms(intake, rounds), median_ms(complaint_start, rounds)
        repair_ms = median_ms(whole_repair, max(rounds // 5, 5))

    working, round_the_clock = Calendar("working_hours"), Calendar("24x7")
    reported = datetime(2026, 9, 30, 8, 0, tzinfo=UTC)  # into the National Day holidays
    span = Span.parse("PT24H", "bench")
    wh_us = median_ms(lambda: [working.add(reported + timedelta(hours=i), span) for i in range(100)], rounds) * 10
    rc_us = (
        median_ms(lambda: [round_the_clock.add(reported + timedelta(hours=i), span) for i in range(100)], rounds) * 10
    )

    print(f"database: {kind}, rounds: {rounds}")
    print(f"intake (report_fault)        {intake_ms:7.2f} ms")
    print(f"complaint start (baseline)   {start_ms:7.2f} ms   intake ratio {intake_ms / start_ms:4.2f}x")
    print(f"whole on-site repair (1+6)   {repair_ms:7.2f} ms   per step {repair_ms / 7:6.2f} ms")
    print(f"deadline, working hours      {wh_us:7.1f} us")
    print(f"deadline, 24x7 (baseline)    {rc_us:7.1f} us   ratio {wh_us / rc_us:5.1f}x")


if __name__ == "__main__":
    main()

"""The recurring promises at scale (issue 14).

    .venv/bin/python bench/obligations.py [postgres|sqlite] [units] [workers]

Fills a database directly (bulk SQL) with `units` accepted units spread over 1,000 customers,
accepted on days spread over the last 21 months (so every one is in its maintenance period and
its warranty), and their inspection and phone follow-up obligations as a running system has
them (each current period opened already, the next one scheduled; computed with the product's
own rules), then moves the clock to the next day with `workers` `flask timers fire-due --now`
processes side by side: that pass opens every period due that day, each starting its process
(an inspection, a phone follow-up), and is the figure of the goal (≤ 60 s at 100,000 units on
2 cores). Then `GET /obligations?customer_id=` p95
over HTTP against `GET /equipment?customer_id=` (the same customer's units, an indexed read
of the archive) measured in the same run, interleaved. Defaults: postgres, 100,000 units,
2 workers.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_db import bench_app  # noqa: E402

from app.aftersales.archive.models import Contract, Customer, EquipmentModel, EquipmentUnit  # noqa: E402
from app.aftersales.obligations.models import Obligation, ObligationKind, ObligationPeriod  # noqa: E402
from app.aftersales.obligations.service import _schedule, active_kinds, ensure_kinds  # noqa: E402
from app.bpm.db import db  # noqa: E402
from app.bpm.models import ProcessInstance  # noqa: E402
from harness.http_client import call, login  # noqa: E402
from harness.servers import LiveServer  # noqa: E402

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 12, 1)
CUSTOMERS = 1_000
KINDS = ("inspection", "phone_follow_up")


def fill(app: object, units: int) -> list[int]:
    with app.app_context():  # type: ignore[attr-defined]
        session = db.session()
        model_id = session.scalar(select(EquipmentModel.id).where(EquipmentModel.code == "LP-800"))
        customers = [
            {"code": f"B-{n:05d}", "name": f"基准客户 {n:05d}", "category": "enterprise", "is_key": False}
            for n in range(CUSTOMERS)
        ]
        session.execute(insert(Customer), customers)
        ids = list(session.scalars(select(Customer.id).where(Customer.code.startswith("B-")).order_by(Customer.id)))
        contracts = [
            {"number": f"B-HT-{n:05d}", "customer_id": cid, "signed_on": date(2025, 1, 1), "warranty_years": 2}
            for n, cid in enumerate(ids)
        ]
        session.execute(insert(Contract), contracts)
        contract_of = dict(
            session.execute(select(Contract.customer_id, Contract.id).where(Contract.number.startswith("B-HT-"))).all()
        )
        rows = []
        for n in range(units):
            customer_id = ids[n % CUSTOMERS]
            rows.append(
                {
                    "serial": f"B-SN-{n:07d}",
                    "model_id": model_id,
                    "customer_id": customer_id,
                    "contract_id": contract_of[customer_id],
                    "accepted_on": TODAY - timedelta(days=1 + n % 640),
                }
            )
        for start in range(0, len(rows), 5000):
            session.execute(insert(EquipmentUnit), rows[start : start + 5000])
        ensure_kinds(session)
        session.execute(update(ObligationKind).where(ObligationKind.code.not_in(KINDS)).values(active=False))
        kinds = {k.code: k for k in active_kinds(session)}
        bound = []
        for unit_id, customer_id, accepted_on in session.execute(
            select(EquipmentUnit.id, EquipmentUnit.customer_id, EquipmentUnit.accepted_on).where(
                EquipmentUnit.serial.startswith("B-SN-")
            )
        ):
            for code in KINDS:
                kind = kinds[code]
                every = kind.rule.every
                obligation = Obligation(
                    kind=code,
                    subject_key=f"unit:{unit_id}",
                    customer_id=customer_id,
                    unit_id=unit_id,
                    anchor_on=accepted_on,
                    every=every.iso(),
                    window_ends_on=accepted_on + timedelta(days=730),
                )
                _schedule(kind, obligation, every.next_start(accepted_on, TODAY))  # this period: opened already
                bound.append(
                    {c.name: getattr(obligation, c.name) for c in Obligation.__table__.columns if c.name != "id"}
                    | {"enrolled_at": datetime(2025, 1, 1, tzinfo=SHANGHAI)}
                )
        for start in range(0, len(bound), 5000):
            session.execute(insert(Obligation), bound[start : start + 5000])
        current = []  # each one's period holding today, met by half of them
        for obligation_id, code, anchor in session.execute(
            select(Obligation.id, Obligation.kind, Obligation.anchor_on).where(Obligation.kind.in_(KINDS))
        ):
            kind = kinds[code]
            starts_on = kind.rule.every.start_holding(anchor, TODAY) or anchor
            period = kind.rule.period(anchor, starts_on, kind.rule.every, None)
            due_at = datetime.combine(period.due_on + timedelta(days=1), datetime.min.time(), SHANGHAI)
            status = "met" if obligation_id % 2 else "due"
            current.append(
                {"obligation_id": obligation_id, "starts_on": period.starts_on, "ends_on": period.ends_on,
                 "due_on": period.due_on, "due_at": due_at, "status": status,
                 "work_on": kind.rule.opens_on(period), "work_started": True,
                 "opened_at": datetime(2026, 11, 1, tzinfo=SHANGHAI)}
            )  # fmt: skip
        for start in range(0, len(current), 5000):
            session.execute(insert(ObligationPeriod), current[start : start + 5000])
        latest = (
            select(ObligationPeriod.obligation_id, func.max(ObligationPeriod.id).label("period_id"))
            .group_by(ObligationPeriod.obligation_id)
            .subquery()
        )
        session.execute(
            update(Obligation)
            .where(Obligation.id == latest.c.obligation_id)
            .values(current_period_id=latest.c.period_id)
            .execution_options(synchronize_session=False)
        )
        if kind_of_database(session) == "postgresql":
            session.execute(text("ANALYZE"))  # as autovacuum would after such a load
        session.commit()
        return ids


def kind_of_database(session: Session) -> str:
    return session.get_bind().dialect.name


def passes(url: str, when: datetime, workers: int) -> float:
    env = os.environ | {"SHOUHOU_DATABASE_URL": url}
    command = [sys.executable, "-m", "flask", "--app", "app", "timers", "fire-due", "--now", when.isoformat()]
    started = time.perf_counter()
    processes = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE) for _ in range(workers)]
    for process in processes:
        out, _ = process.communicate()
        print("   ", out.decode().strip().replace("\n", " | "))
    return time.perf_counter() - started


def counts(app: object) -> tuple[int, int, int]:
    with app.app_context():  # type: ignore[attr-defined]
        session = db.session()
        obligations = session.scalar(select(func.count()).select_from(Obligation)) or 0
        periods = session.scalar(select(func.count()).select_from(ObligationPeriod)) or 0
        started = session.scalar(select(func.count()).where(ProcessInstance.started_by_id.is_(None))) or 0
        return int(obligations), int(periods), int(started)


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18]


def main() -> None:
    kind = sys.argv[1] if len(sys.argv) > 1 else "postgres"
    units = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    with bench_app(kind) as (app, url):
        started = time.perf_counter()
        customer_ids = fill(app, units)
        print(f"{kind}: {units} units over {CUSTOMERS} customers in {time.perf_counter() - started:.0f} s")
        obligations, periods, started_n = counts(app)
        print(f"{obligations} obligations bound, {periods} periods, {started_n} processes started so far")
        day = passes(url, datetime(2026, 12, 2, 8, 0, tzinfo=SHANGHAI), workers)
        _, periods2, started2 = counts(app)
        print(
            f"the next day's pass: {day:.1f} s with {workers} workers; {periods2 - periods} periods opened,"
            f" {started2 - started_n} processes started (goal: ≤ 60 s)"
        )
        with LiveServer(app) as server:
            token = login(server.url, "after_sales_leads1")
            ours, base = [], []
            for n in range(200):
                customer_id = customer_ids[(n * 37) % CUSTOMERS]
                t0 = time.perf_counter()
                status, _ = call(server.url, "GET", f"/api/v1/equipment?customer_id={customer_id}", token=token)
                t1 = time.perf_counter()
                status2, rows = call(server.url, "GET", f"/api/v1/obligations?customer_id={customer_id}", token=token)
                t2 = time.perf_counter()
                assert status == status2 == 200 and rows
                base.append((t1 - t0) * 1000)
                ours.append((t2 - t1) * 1000)
        print(
            f"GET /obligations?customer_id= p95 {p95(ours):.1f} ms ({len(rows)} rows) against"
            f" GET /equipment?customer_id= p95 {p95(base):.1f} ms: {p95(ours) / p95(base):.2f}× (goal: ≤ 25 ms)"
        )
        cpu_ours, cpu_base = cpu_per_request(app, token, customer_ids)
        print(
            f"the app's own CPU per request (in process, what load on the machine disturbs least): p95"
            f" {p95(cpu_ours):.2f} ms against {p95(cpu_base):.2f} ms for /equipment:"
            f" {p95(cpu_ours) / p95(cpu_base):.2f}×"
        )


def cpu_per_request(app: Any, token: str, customer_ids: list[int]) -> tuple[list[float], list[float]]:
    """Milliseconds of this process's CPU per request, through the test client (no HTTP)."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    ours, base = [], []
    for n in range(200):
        customer_id = customer_ids[(n * 37) % CUSTOMERS]
        for path, samples in (("equipment", base), ("obligations", ours)):
            started = time.process_time()
            assert client.get(f"/api/v1/{path}?customer_id={customer_id}", headers=headers).status_code == 200
            samples.append((time.process_time() - started) * 1000)
    return ours, base


if __name__ == "__main__":
    main()

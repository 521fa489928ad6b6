"""The calendar pass at scale on PostgreSQL (issue 14): 10,000 units whose period opens today,
two `flask timers fire-due --now` processes side by side, each period opened exactly once; and
periods that start a process start it exactly once with two workers too."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import func, insert, select, update

from app.aftersales.archive.models import Customer, EquipmentModel, EquipmentUnit
from app.aftersales.obligations.models import Obligation, ObligationKind, ObligationPeriod
from app.bpm import definitions
from app.bpm.db import db
from app.bpm.forms import read_forms_dir
from app.bpm.models import ProcessInstance
from app.bpm.policies import CONSOLE

ROOT = Path(__file__).resolve().parents[2]
PROBE = ROOT / "tests" / "fixtures" / "obligations" / "obligation_probe.bpmn"
UNITS = 10_000
STARTING = 200
TODAY = date(2026, 6, 1)
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
LISTED = {"subject": "unit", "applies_to": "maintenance", "every": "P3M", "responsible_group": "after_sales"}


@pytest.fixture(autouse=True)
def postgres_only(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several processes side by side at this scale: the PostgreSQL production shape")


def _units(app: Flask, count: int, prefix: str, accepted_on: date) -> None:
    with app.app_context():
        session = db.session()
        customer_id = session.scalar(select(Customer.id).where(Customer.code == "C-0003"))
        model_id = session.scalar(select(EquipmentModel.id).where(EquipmentModel.code == "LP-800"))
        rows = [
            {
                "serial": f"{prefix}-{n:06d}",
                "model_id": model_id,
                "customer_id": customer_id,
                "accepted_on": accepted_on,
            }
            for n in range(count)
        ]
        for start in range(0, len(rows), 2000):
            session.execute(insert(EquipmentUnit), rows[start : start + 2000])
        session.commit()


def _kinds(app: Flask, **kinds: dict[str, object]) -> None:
    """Only the given kinds are active (the seed's are stored, and switched off)."""
    from app.aftersales.obligations.service import ensure_kinds

    with app.app_context():
        session = db.session()
        ensure_kinds(session)
        session.execute(update(ObligationKind).values(active=False))
        for code, rule in kinds.items():
            existing = session.get(ObligationKind, code)
            if existing is None:
                session.add(ObligationKind(code=code, rule=rule))
            else:
                existing.active = True
        session.commit()


def _two_passes(database_url: str) -> None:
    env = os.environ | {"SHOUHOU_DATABASE_URL": database_url}
    command = [sys.executable, "-m", "flask", "--app", "app", "timers", "fire-due", "--now", NOW.isoformat()]
    processes = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)
    ]
    for process in processes:
        out, err = process.communicate(timeout=900)
        assert process.returncode == 0, err.decode()
        assert b"failed (see the log)" not in out, err.decode()


def _period_counts(app: Flask, kind: str) -> tuple[int, int, int]:
    """(obligations still bound today, periods, obligations with more than one period) of a kind."""
    with app.app_context():
        session = db.session()
        obligations = (
            session.scalar(
                select(func.count()).where(
                    Obligation.kind == kind, (Obligation.window_ends_on > TODAY) | Obligation.window_ends_on.is_(None)
                )
            )
            or 0
        )
        per = (
            select(ObligationPeriod.obligation_id, func.count().label("n"))
            .join(Obligation, Obligation.id == ObligationPeriod.obligation_id)
            .where(Obligation.kind == kind)
            .group_by(ObligationPeriod.obligation_id)
            .subquery()
        )
        periods = session.scalar(select(func.coalesce(func.sum(per.c.n), 0))) or 0
        twice = session.scalar(select(func.count()).select_from(per).where(per.c.n > 1)) or 0
        return int(obligations), int(periods), int(twice)


def test_ten_thousand_periods_open_exactly_once_with_two_workers(app: Flask, database_url: str) -> None:
    _kinds(app, listed=LISTED | {"met_by": [{"process_id": "obligation_probe"}], "opens": None})
    _units(app, UNITS, "SN-SCALE", TODAY)
    _two_passes(database_url)
    obligations, periods, twice = _period_counts(app, "listed")
    assert UNITS <= obligations <= UNITS + 6  # the demo's units in their maintenance period too
    assert (periods, twice) == (obligations, 0)
    _unaccept(app, "SN-SCALE")  # the module's other test binds only its own units


def _unaccept(app: Flask, prefix: str) -> None:
    with app.app_context():
        session = db.session()
        session.execute(update(EquipmentUnit).where(EquipmentUnit.serial.startswith(prefix)).values(accepted_on=None))
        session.commit()


def test_periods_that_start_a_process_start_it_once_with_two_workers(app: Flask, database_url: str) -> None:
    with app.app_context():
        session = db.session()
        definitions.deploy(session, PROBE.read_bytes(), read_forms_dir(app.config["SHOUHOU"].forms_dir), CONSOLE)
        session.commit()
    rule = LISTED | {"met_by": [{"process_id": "obligation_probe"}], "opens": "obligation_probe"}
    _kinds(app, starting=rule)
    _units(app, STARTING, "SN-START", TODAY)
    _two_passes(database_url)
    obligations, periods, twice = _period_counts(app, "starting")
    assert (periods, twice) == (obligations, 0) and obligations >= STARTING
    with app.app_context():
        started = db.session().scalar(
            select(func.count()).where(
                ProcessInstance.process_id == "obligation_probe", ProcessInstance.started_by_id.is_(None)
            )
        )
    assert started == obligations  # one instance per period, none twice

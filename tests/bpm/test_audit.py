"""The audit trail is a hash chain (P4): any change, removal or reordering is detected."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Flask
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.orm import Session

from app.bpm import audit, tasks
from app.bpm.db import db
from app.bpm.models import AuditEvent
from app.bpm.worker import run_pass
from app.cli import upgrade_database
from harness.apps import user
from harness.data import REGISTER
from harness.http_client import call, login
from harness.servers import LiveServer
from harness.web_client import WebClient

from .test_services import _start

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def busy(session: Session) -> Iterator[Session]:
    """A trail with a few instances' worth of events; the test may tamper with it."""
    for _ in range(3):
        _, task = _start(session)
        tasks.complete(session, user(session, "after_sales1"), task.id, REGISTER, "en")
    audit.seal(session)  # what the worker does after every pass
    yield session


def _events(session: Session) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).order_by(AuditEvent.chain_seq)))


def test_every_committed_event_is_chained_in_order(busy: Session) -> None:
    events = _events(busy)
    assert [e.chain_seq for e in events] == list(range(1, len(events) + 1))
    assert all(e.prev_hash == p.hash for p, e in itertools.pairwise(events))
    report = audit.verify(busy)
    assert report.intact and report.checked == len(events)
    assert report.head == events[-1].hash  # what an operator keeps outside the database


def test_events_commit_at_once_and_are_chained_by_the_worker(committed_session: Session, app: Flask) -> None:
    session = committed_session
    audit.seal(session)
    _, task = _start(session)
    tasks.complete(session, user(session, "after_sales1"), task.id, REGISTER, "en")
    written = session.scalars(select(AuditEvent).where(AuditEvent.chain_seq.is_(None))).all()
    assert {e.action for e in written} >= {"instance_started", "task_completed"}
    report = audit.verify(session)  # recorded, not chained yet: pending, not broken
    assert report.intact and report.pending == len(written)
    session.rollback()  # end this reading transaction (SQLite: one writer at a time)
    run_pass(app)  # one worker pass seals them
    session.expire_all()
    report = audit.verify(session)
    assert report.intact and report.pending == 0
    assert all(e.chain_seq is not None for e in written)
    assert audit.seal(session) == 0  # nothing twice


def test_concurrent_sealers_and_writers_make_one_chain(app: Flask) -> None:
    """Two workers seal while requests keep writing: every event is chained exactly once."""
    stop = threading.Event()

    def write(n: int) -> None:
        with Session(app.extensions["shouhou_db"].engine) as own:
            for i in range(n):
                audit.record(own, "test_event", None, datetime.now(UTC), details={"i": i})
                own.commit()

    def seal() -> None:
        with Session(app.extensions["shouhou_db"].engine) as own:
            while not stop.is_set():
                audit.seal(own, batch=7)

    sealers = [threading.Thread(target=seal) for _ in range(2)]
    writers = [threading.Thread(target=write, args=(60,)) for _ in range(4)]
    for thread in sealers + writers:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    for thread in sealers:
        thread.join()
    with Session(app.extensions["shouhou_db"].engine) as own:
        audit.seal(own)
        report = audit.verify(own)
        assert report.intact and report.pending == 0
        seqs = own.scalars(select(AuditEvent.chain_seq).where(AuditEvent.action == "test_event")).all()
        assert len(seqs) == 240 and len(set(seqs)) == 240


def test_a_changed_event_is_named(busy: Session) -> None:
    victim = _events(busy)[4]
    original = victim.actor_name
    busy.execute(update(AuditEvent).where(AuditEvent.id == victim.id).values(actor_name="someone_else"))
    busy.commit()
    report = audit.verify(busy)
    assert (report.broken_event_id, report.problem) == (victim.id, "content was changed")
    busy.execute(update(AuditEvent).where(AuditEvent.id == victim.id).values(actor_name=original))
    busy.commit()
    assert audit.verify(busy).intact


def test_reordered_events_are_detected(busy: Session) -> None:
    events = _events(busy)
    (a, a_seq), (b, b_seq) = [(e.id, e.chain_seq) for e in events[-2:]]
    busy.execute(update(AuditEvent).where(AuditEvent.id == a).values(chain_seq=-1))
    busy.execute(update(AuditEvent).where(AuditEvent.id == b).values(chain_seq=a_seq))
    busy.execute(update(AuditEvent).where(AuditEvent.id == a).values(chain_seq=b_seq))
    busy.commit()
    assert audit.verify(busy).broken_event_id == b
    for event_id, seq in ((a, -1), (b, b_seq), (a, a_seq)):  # put them back
        busy.execute(update(AuditEvent).where(AuditEvent.id == event_id).values(chain_seq=seq))
    busy.commit()
    assert audit.verify(busy).intact


def test_a_removed_event_is_detected(busy: Session) -> None:
    events = _events(busy)
    busy.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": events[2].id})
    busy.commit()
    report = audit.verify(busy)
    assert report.broken_event_id == events[3].id
    assert not report.intact


def test_verify_command_exit_status(app: Flask, database_url: str) -> None:
    """`flask audit verify` exits 0 on an intact trail and 1 naming the event once one is
    changed; the test tampers and restores the trail itself (committed, for the command)."""
    env = os.environ | {"SHOUHOU_DATABASE_URL": database_url}
    command = [sys.executable, "-m", "flask", "--app", "app", "audit", "verify"]

    def verify() -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)

    intact = verify()
    assert intact.returncode == 0, intact.stderr
    with app.app_context():
        session = db.session()
        victim = session.scalars(select(AuditEvent).where(AuditEvent.chain_seq.is_not(None))).first()
        assert victim is not None
        original = victim.actor_name
        session.execute(update(AuditEvent).where(AuditEvent.id == victim.id).values(actor_name="forger"))
        session.commit()
        try:
            broken = verify()
            assert broken.returncode == 1
            assert "BROKEN" in broken.stderr and str(victim.id) in broken.stderr
        finally:
            session.execute(update(AuditEvent).where(AuditEvent.id == victim.id).values(actor_name=original))
            session.commit()
    assert verify().returncode == 0


def test_upgrading_chains_events_written_before_the_chain(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    upgrade_database(url, "0002")
    engine = create_engine(url)
    with engine.begin() as conn:
        for n in range(3):
            conn.execute(
                text(
                    "INSERT INTO audit_events (at, actor_name, action, details) VALUES (:at, 'system', 'deployed', :d)"
                ),
                {"at": datetime(2026, 1, 1, n, tzinfo=UTC), "d": f'{{"n": {n}}}'},
            )
    upgrade_database(url)
    with Session(engine) as session:
        report = audit.verify(session)
    engine.dispose()
    assert report.intact and report.checked == 3


def test_auditor_searches_by_business_data_and_exports_the_result(live_server: LiveServer) -> None:
    """Issue 4: find instances by customer, serial, number or status; export their histories."""
    base = live_server.url
    desk = login(base, "after_sales1")
    _, units = call(base, "GET", "/api/v1/equipment?q=SN-GATE-0005", token=desk)
    body = {"equipment_id": units[0]["id"], "channel": "visit", "description": "东门闸机=不开"}
    _, request = call(base, "POST", "/api/v1/service-requests", body, token=desk)
    auditor = login(base, "auditors1")
    for query in ("区政务服务中心", "SN-GATE-0005", request["number"]):
        status, found = call(base, "GET", f"/api/v1/process-instances?q={quote(query)}", token=auditor)
        assert status == 200 and request["process_instance_id"] in [i["id"] for i in found], query
    _, none = call(
        base, "GET", f"/api/v1/process-instances?q={quote(request['number'])}&status=completed", token=auditor
    )
    assert none == []
    _, outsider = call(base, "GET", f"/api/v1/process-instances?q={quote(request['number'])}", token=login(base, "qc1"))
    assert outsider == []  # qc takes no part in repairs: the search shows only what one may see
    web = WebClient(base)
    web.login("auditors1")
    status, page = web.get(f"/instances?q={quote('区政务服务中心')}&process_id=repair_dispatch")
    assert status == 200 and f"#{request['process_instance_id']}" in page
    status, csv_text = web.get(f"/instances/history.csv?q={quote(request['number'])}")
    assert status == 200 and csv_text.splitlines()[0].lstrip("\ufeff").startswith("序号,流程实例,时间,操作人")
    assert "登记报修" in csv_text and "'=" not in csv_text.split("\n", 1)[0]
    assert "服务时限: 到场（截止时间: " in csv_text and "；响应（截止时间: " in csv_text  # labelled local times
    assert "报修渠道: 来人" in csv_text and "服务时限: 到场（" in csv_text
    assert "{'" not in csv_text and "+00:00" not in csv_text and "True" not in csv_text
    assert "业务编号: SN-GATE-0005" in csv_text and "business_key" not in csv_text
    status, json_text = web.get(f"/instances/history.json?q={quote(request['number'])}")
    events = json.loads(json_text)
    assert status == 200 and {e["instance_id"] for e in events} == {request["process_instance_id"]}

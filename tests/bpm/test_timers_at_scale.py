"""10,000 timers due at once, fired by two and then four `flask worker` processes on PostgreSQL
(issue 5): each fires exactly once. The instances are copies of one real instance (fresh task
UUIDs in each copy), bulk-inserted so that the set-up takes seconds, not minutes."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from flask import Flask
from sqlalchemy import func, insert, select, text

from app.bpm.db import db
from app.bpm.models import HumanTask, ProcessInstance, ProcessTimer
from harness.data import timer_counts

from .test_workers import _due_timers, _worker

TIMERS = 10_000
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _copies(app: Flask, count: int) -> list[int]:
    """`count` copies of one instance waiting on an overdue timer, with their open task and
    timer rows, each with its own task UUIDs."""
    (template_id,) = _due_timers(app, 1)
    with app.app_context():
        session = db.session()
        template = session.get(ProcessInstance, template_id)
        assert template is not None
        state_text = json.dumps(template.state)
        task = session.scalars(
            select(HumanTask).where(HumanTask.instance_id == template_id, HumanTask.status == "ready")
        ).one()
        timer = session.scalars(select(ProcessTimer).where(ProcessTimer.instance_id == template_id)).one()
        first = int(session.scalar(select(func.max(ProcessInstance.id))) or 0) + 1
        instances, tasks, timers = [], [], []
        for offset in range(count):
            fresh = {old: str(uuid.uuid4()) for old in set(UUID.findall(state_text))}
            copied = UUID.sub(lambda m, fresh=fresh: fresh[m.group(0)], state_text)
            instance_id = first + offset
            instances.append(
                {
                    "id": instance_id,
                    "definition_id": template.definition_id,
                    "process_id": template.process_id,
                    "status": "running",
                    "state": json.loads(copied),
                    "data": template.data,
                    "started_by_id": template.started_by_id,
                    "started_at": template.started_at,
                    "row_version": 1,
                }
            )
            tasks.append(
                {
                    "id": fresh[task.id],
                    "instance_id": instance_id,
                    "element_id": task.element_id,
                    "title": task.title,
                    "candidate_group": task.candidate_group,
                    "form": task.form,
                    "status": "ready",
                    "created_at": task.created_at,
                    "due_at": task.due_at,
                }
            )
            timers.append(
                {
                    "instance_id": instance_id,
                    "task_id": fresh[timer.task_id],
                    "element_id": timer.element_id,
                    "due_at": timer.due_at,
                    "status": "waiting",
                }
            )
        for table, rows in ((ProcessInstance, instances), (HumanTask, tasks), (ProcessTimer, timers)):
            for start in range(0, len(rows), 2000):
                session.execute(insert(table), rows[start : start + 2000])
        # the ids were given explicitly: move the sequence past them for later instances
        session.execute(
            text("SELECT setval(pg_get_serial_sequence('process_instances', 'id'), :last)"), {"last": first + count}
        )
        session.commit()
        return [template_id, *(row["id"] for row in instances)]


@pytest.mark.parametrize("workers", [2, 4])
def test_ten_thousand_timers_fire_exactly_once(app: Flask, database_url: str, workers: int) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several worker processes at this scale: the PostgreSQL production shape")
    fired_before, _, _ = timer_counts(app)
    ids = _copies(app, TIMERS - 1)
    assert len(ids) == TIMERS
    processes = [_worker(database_url, "--once") for _ in range(workers)]
    for process in processes:
        _out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err.decode()  # every worker finished its pass cleanly
    fired, waiting, twice = timer_counts(app)
    assert (fired - fired_before, waiting, twice) == (TIMERS, 0, 0)
    with app.app_context():
        leads = db.session().scalar(
            select(func.count()).where(
                HumanTask.instance_id.in_(ids[:500]), HumanTask.candidate_group == "after_sales_leads"
            )
        )
    assert leads == 500  # the escalation each timer leads to exists, once

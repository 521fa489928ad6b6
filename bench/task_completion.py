"""Cost of completing one task through the service layer (checks, validation, engine,
human-task table, audit, commit on SQLite) against raw SpiffWorkflow's own cycle on the same
diagram (load JSON state, complete the ready user task, run engine steps, save JSON).

    .venv/bin/python bench/task_completion.py [rounds]

Prints medians and the ratio; both are measured in the same run (these machines are noisy).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from flask import Flask
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.bpm import instances, tasks  # noqa: E402
from app.bpm.db import db  # noqa: E402
from harness.apps import build_app, user  # noqa: E402
from harness.data import REGISTER  # noqa: E402


class RawCycle:
    """SpiffWorkflow as its own docs show it: default serializer, state as JSON."""

    def __init__(self) -> None:
        parser = SpiffBpmnParser()
        parser.add_bpmn_file(str(ROOT / "bpmn" / "complaint_handling.bpmn"))
        self.spec = parser.get_spec("complaint_handling")
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))

    def __call__(self) -> float:
        wf = BpmnWorkflow(self.spec)
        wf.do_engine_steps()
        state = self.serializer.serialize_json(wf)
        start = time.perf_counter()
        wf = self.serializer.deserialize_json(state)
        task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
        task.data.update(REGISTER)
        task.run()
        wf.do_engine_steps()
        self.serializer.serialize_json(wf)
        return time.perf_counter() - start


class ServiceCycle:
    """Our completion: permission, form validation, engine, task/timer sync, audit, commit."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def __call__(self) -> float:
        with self.app.app_context():
            session = db.session()
            owner = user(session, "after_sales1")
            instance = instances.start_instance(session, owner, "complaint_handling")
            task_id = instances.open_tasks(session, instance.id)[0].id
            session.expire_all()
            start = time.perf_counter()
            tasks.complete(session, owner, task_id, dict(REGISTER), "zh_CN")
            return time.perf_counter() - start


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    raw = RawCycle()
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(f"sqlite:///{tmp}/bench.sqlite3", Path(tmp))
        ours = ServiceCycle(app)
        for _ in range(20):  # warm caches on both sides
            raw(), ours()
        samples = [(raw(), ours()) for _ in range(rounds)]  # interleaved: both see the same noise
        app.extensions["shouhou_db"].engine.dispose()
    raw_ms = statistics.median(r for r, _ in samples) * 1000
    ours_ms = statistics.median(o for _, o in samples) * 1000
    ratio = statistics.median(o / r for r, o in samples)
    print(f"raw SpiffWorkflow cycle: {raw_ms:.2f} ms (median of {rounds}, interleaved)")
    print(f"service completion (SQLite, no HTTP): {ours_ms:.2f} ms")
    print(f"ratio (median of per-round ratios): {ratio:.2f}x")


if __name__ == "__main__":
    main()

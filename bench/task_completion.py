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

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.extensions import db  # noqa: E402
from app.services import instances, tasks  # noqa: E402
from tests.conftest import build_app, user  # noqa: E402
from tests.test_services import REGISTER  # noqa: E402


def raw_cycles(rounds: int) -> list[float]:
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(ROOT / "bpmn" / "complaint_handling.bpmn"))
    spec = parser.get_spec("complaint_handling")
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    samples = []
    for _ in range(rounds):
        wf = BpmnWorkflow(spec)
        wf.do_engine_steps()
        state = serializer.serialize_json(wf)
        start = time.perf_counter()
        wf = serializer.deserialize_json(state)
        task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
        task.data.update(REGISTER)
        task.run()
        wf.do_engine_steps()
        serializer.serialize_json(wf)
        samples.append(time.perf_counter() - start)
    return samples


def service_cycles(rounds: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(f"sqlite:///{tmp}/bench.sqlite3", Path(tmp))
        samples = []
        with app.app_context():
            session = db.session()
            owner = user(session, "after_sales1")
            for _ in range(rounds):
                instance = instances.start_instance(session, owner, "complaint_handling")
                task_id = instances.open_tasks(session, instance.id)[0].id
                session.expire_all()
                start = time.perf_counter()
                tasks.complete(session, owner, task_id, dict(REGISTER), "zh_CN")
                samples.append(time.perf_counter() - start)
        app.extensions["shouhou_db"].engine.dispose()
        return samples


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    raw_cycles(20)
    raw = statistics.median(raw_cycles(rounds))
    ours = statistics.median(service_cycles(rounds))
    print(f"raw SpiffWorkflow cycle: {raw * 1000:.2f} ms (median of {rounds})")
    print(f"service completion (SQLite, no HTTP): {ours * 1000:.2f} ms")
    print(f"ratio: {ours / raw:.2f}x")


if __name__ == "__main__":
    main()

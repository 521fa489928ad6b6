"""Long instances: the cost of a completion late in a looping instance against early in it.

    .venv/bin/python bench/long_instance.py [rounds]

The complaint process loops on 向客户反馈进程并跟踪落实 until the solution is implemented. This
drives that loop `rounds` times through the service layer on SQLite and prints the median cost
of rounds 6-15 and of the last ten, with the stored state size; raw SpiffWorkflow's own
load-complete-save cycle on the same loop is measured in the same run for comparison.
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

from app.bpm import instances, tasks  # noqa: E402
from app.bpm.db import db  # noqa: E402
from app.bpm.models import ProcessInstance  # noqa: E402
from harness.apps import build_app, user  # noqa: E402

PREFIX = [
    ("register_complaint", {}),
    ("contact_customer", {}),
    ("confirm_complaint", {"confirmed": True}),
    ("analyse_complaint", {"our_responsibility": True, "severity": "minor"}),
    ("record_minor_complaint", {}),
]
REGISTER = {
    "customer": "C",
    "contact_name": "N",
    "contact_phone": "1",
    "channel": "phone",
    "complaint_class": "other",
    "description": "d",
    "customer_demand": "x",
}
FORMS = {
    "register_complaint": REGISTER,
    "contact_customer": {"contacted_at": "2026-11-27T09:00:00+08:00", "contact_method": "phone", "contact_notes": "n"},
    "confirm_complaint": {"confirmed": True, "confirmation_notes": "n"},
    "analyse_complaint": {
        "cause": "c",
        "responsible_department": "technical",
        "our_responsibility": True,
        "severity": "minor",
        "evidence": "e",
    },
    "record_minor_complaint": {"record_notes": "r", "notified_departments": ["qc"]},
}


def raw_rounds(rounds: int) -> tuple[list[float], int]:
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(ROOT / "bpmn" / "complaint_handling.bpmn"))
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    wf = BpmnWorkflow(parser.get_spec("complaint_handling"))
    wf.do_engine_steps()
    for element, data in PREFIX:
        task = wf.get_tasks(state=TaskState.READY, manual=True, spec_name=element)[0]
        task.data.update(data)
        task.run()
        wf.do_engine_steps()
    state = serializer.serialize_json(wf)
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        wf = serializer.deserialize_json(state)
        ready = wf.get_tasks(state=TaskState.READY, manual=True, spec_name="report_progress")
        if not ready:  # SpiffWorkflow's task iterator stops at depth 1000
            break
        ready[0].data.update({"implemented": False})
        ready[0].run()
        wf.do_engine_steps()
        state = serializer.serialize_json(wf)
        samples.append(time.perf_counter() - start)
    return samples, len(state)


def service_rounds(rounds: int) -> tuple[list[float], int]:
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(f"sqlite:///{tmp}/bench.sqlite3", Path(tmp))
        samples = []
        with app.app_context():
            session = db.session()
            owner = user(session, "after_sales_leads1")
            instance = instances.start_instance(session, owner, "complaint_handling")
            for element, _data in PREFIX:
                [task] = [t for t in instances.open_tasks(session, instance.id) if t.element_id == element]
                tasks.complete(session, _member(session, task), task.id, FORMS[element], "en")
            for n in range(rounds):
                [task] = [t for t in instances.open_tasks(session, instance.id) if t.element_id == "report_progress"]
                session.expire_all()
                start = time.perf_counter()
                tasks.complete(session, owner, task.id, {"progress_report": f"r{n}", "implemented": False}, "en")
                samples.append(time.perf_counter() - start)
            size = len(str(session.get(ProcessInstance, instance.id).state))  # type: ignore[union-attr]
        app.extensions["shouhou_db"].engine.dispose()
        return samples, size


def _member(session, task):  # type: ignore[no-untyped-def]
    return user(session, {"technical": "technical1"}.get(task.candidate_group, "after_sales_leads1"))


def report(name: str, samples: list[float], size: int) -> None:
    early = statistics.median(samples[5:15])
    late = statistics.median(samples[-10:])
    print(
        f"{name}: rounds {len(samples)}, early {early * 1000:.2f} ms, last {late * 1000:.2f} ms, "
        f"ratio {late / early:.2f}x, state {size / 1024:.1f} KiB"
    )


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    report("raw SpiffWorkflow", *raw_rounds(rounds))
    report("Shouhou service", *service_rounds(rounds))


if __name__ == "__main__":
    main()

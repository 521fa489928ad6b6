"""Engine layer: the adapter around SpiffWorkflow, with no database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.bpm.engine import DiagramInvalid, EngineError, ProcessRun, TaskNotReady, parse_diagram
from app.bpm.engine.diagrams import juel_to_python

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def complaint():  # type: ignore[no-untyped-def]
    return parse_diagram((ROOT / "bpmn" / "complaint_handling.bpmn").read_bytes())


def _reload(run: ProcessRun) -> ProcessRun:
    return ProcessRun.load(run.model, json.loads(json.dumps(run.dump())))


def _complete(run: ProcessRun, element_id: str, data: dict, now: datetime = T0) -> ProcessRun:  # type: ignore[type-arg]
    run = _reload(run)
    task = next(t for t in run.ready_tasks() if t.element_id == element_id)
    run.complete_user_task(task.task_id, data, now=now)
    return run


def _ready(run: ProcessRun) -> set[str]:
    return {t.element_id for t in run.ready_tasks()}


def test_complaint_diagram_has_lanes_and_forms_for_every_user_task(complaint) -> None:  # type: ignore[no-untyped-def]
    assert complaint.process_id == "complaint_handling"
    assert all(t.lane and t.form for t in complaint.user_tasks.values())
    assert {t.lane for t in complaint.user_tasks.values()} == {
        "after_sales",
        "after_sales_leads",
        "sales",
        "technical",
        "production",
        "qc",
    }


def test_severe_quality_complaint_runs_end_to_end_r14(complaint) -> None:  # type: ignore[no-untyped-def]
    run = ProcessRun.start(complaint, {}, now=T0)
    assert _ready(run) == {"register_complaint"}
    run = _complete(run, "register_complaint", {"complaint_class": "quality"})
    assert [t.element_id for t in run.pending_timers()] == ["contact_overdue"]
    run = _complete(run, "contact_customer", {"contact_notes": "called"})
    assert run.pending_timers() == []  # the escalation timer is cancelled once contact is made
    run = _complete(run, "confirm_complaint", {"confirmed": True})
    run = _complete(run, "analyse_complaint", {"our_responsibility": True, "severity": "severe"})
    assert _ready(run) == {"fill_handling_form"}
    run = _complete(run, "fill_handling_form", {})
    assert _ready(run) == {"propose_technical_measures", "propose_production_measures"}
    run = _complete(run, "propose_technical_measures", {"measures": "t"})
    run = _complete(run, "propose_production_measures", {"measures": "p"})
    run = _complete(run, "agree_solution", {"solution": "replace"})
    run = _complete(run, "negotiate_with_customer", {"customer_agreed": True})
    assert _ready(run) == {"approve_technical", "approve_production", "approve_sales"}
    run = _complete(run, "approve_technical", {"approved": True})
    run = _complete(run, "approve_production", {"approved": True})
    run = _complete(run, "approve_sales", {"approved": True})
    run = _complete(run, "report_progress", {"implemented": False})
    assert _ready(run) == {"report_progress"}  # tracking goes on until implemented
    run = _complete(run, "report_progress", {"implemented": True})
    run = _complete(run, "prevent_recurrence", {"improvement_measures": "x"})
    run = _complete(run, "close_complaint", {"customer_satisfaction": "satisfied"})
    snapshot = run.snapshot()
    assert snapshot.status == "completed"
    assert snapshot.data["technical_measures"] == {"measures": "t"}
    assert snapshot.data["approval_sales"] == {"approved": True}


def test_rejected_approval_goes_back_to_agreeing_the_solution(complaint) -> None:  # type: ignore[no-untyped-def]
    run = ProcessRun.start(complaint, {}, now=T0)
    for element, data in [
        ("register_complaint", {}),
        ("contact_customer", {}),
        ("confirm_complaint", {"confirmed": True}),
        ("analyse_complaint", {"our_responsibility": True, "severity": "severe"}),
        ("fill_handling_form", {}),
        ("propose_technical_measures", {}),
        ("propose_production_measures", {}),
        ("agree_solution", {}),
        ("negotiate_with_customer", {"customer_agreed": True}),
        ("approve_technical", {"approved": True}),
        ("approve_production", {"approved": False}),
        ("approve_sales", {"approved": True}),
    ]:
        run = _complete(run, element, data)
    assert _ready(run) == {"agree_solution"}


def test_not_our_fault_explained_and_closed(complaint) -> None:  # type: ignore[no-untyped-def]
    run = ProcessRun.start(complaint, {}, now=T0)
    for element, data in [
        ("register_complaint", {}),
        ("contact_customer", {}),
        ("confirm_complaint", {"confirmed": True}),
        ("analyse_complaint", {"our_responsibility": False, "severity": "minor"}),
        ("explain_to_customer", {"next_step": "close"}),
    ]:
        run = _complete(run, element, data)
    assert run.snapshot().status == "completed"


def test_minor_complaint_is_recorded_then_implemented(complaint) -> None:  # type: ignore[no-untyped-def]
    run = ProcessRun.start(complaint, {}, now=T0)
    for element, data in [
        ("register_complaint", {}),
        ("contact_customer", {}),
        ("confirm_complaint", {"confirmed": True}),
        ("analyse_complaint", {"our_responsibility": True, "severity": "minor"}),
    ]:
        run = _complete(run, element, data)
    assert _ready(run) == {"record_minor_complaint"}
    run = _complete(run, "record_minor_complaint", {})
    assert _ready(run) == {"report_progress"}


def test_late_contact_escalates_only_after_its_deadline_r17(complaint) -> None:  # type: ignore[no-untyped-def]
    run = _complete(ProcessRun.start(complaint, {}, now=T0), "register_complaint", {})
    [timer] = run.pending_timers()
    assert timer.due_at == T0 + timedelta(hours=1)
    assert run.fire_due_timers(T0 + timedelta(minutes=59)) == []
    assert _ready(run) == {"contact_customer"}
    run = _reload(run)
    assert run.fire_due_timers(T0 + timedelta(minutes=61)) == ["contact_overdue"]
    assert _ready(run) == {"contact_customer", "escalate_contact"}


def test_future_task_cannot_be_completed(complaint) -> None:  # type: ignore[no-untyped-def]
    run = ProcessRun.start(complaint, {}, now=T0)
    future = [t for t in run.workflow.get_tasks() if getattr(t.task_spec, "bpmn_id", None) == "confirm_complaint"]
    assert future
    with pytest.raises(TaskNotReady):
        run.complete_user_task(str(future[0].id), {})
    with pytest.raises(TaskNotReady):
        run.complete_user_task("not-a-uuid", {})


def test_state_does_not_embed_the_process_definition(complaint) -> None:  # type: ignore[no-untyped-def]
    run = ProcessRun.start(complaint, {}, now=T0)
    state = run.dump()
    assert "spec" not in state and "subprocess_specs" not in state
    assert len(json.dumps(state)) < 8000


SCRIPT_DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="script" name="script"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="script"/>
    <bpmn:sequenceFlow id="f2" sourceRef="script" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>"""


def _script(source: str) -> bytes:
    return SCRIPT_DIAGRAM.replace("{script}", source).encode()


def test_safe_script_runs_and_sets_data() -> None:
    run = ProcessRun.start(parse_diagram(_script("total = sum([1, 2, 3])\nlabel = 'x' * 2")), {})
    assert run.snapshot().data["total"] == 6
    assert run.snapshot().data["label"] == "xx"


@pytest.mark.parametrize("source", ["x = ().__class__.__base__.__subclasses__()", "x = obj._private"])
def test_hostile_scripts_are_refused_at_deploy(source: str) -> None:
    """What RestrictedPython can see in the source is refused before anything runs."""
    with pytest.raises(DiagramInvalid) as refused:
        parse_diagram(_script(source))
    assert refused.value.problems[0].element_id == "script"


@pytest.mark.parametrize(
    ("source", "missing"),
    [("import os", "__import__"), ("x = getattr(1, '__class__')", "getattr"), ("open('/etc/passwd')", "open")],
)
def test_hostile_scripts_find_nothing_to_call_when_they_run(source: str, missing: str) -> None:
    """Valid Python that deploys, but the script environment has no import, getattr or open."""
    model = parse_diagram(_script(source))
    with pytest.raises(EngineError, match=missing):
        ProcessRun.start(model, {})


def test_endless_loop_fails_the_task_within_its_time_limit() -> None:
    model = parse_diagram(_script("while True:\n    pass"))
    with pytest.raises(EngineError, match="ran longer"):
        ProcessRun.start(model, {})


def test_restricted_engine_is_reattached_after_load() -> None:
    model = parse_diagram(_script("x = 1"))
    run = ProcessRun.start(model, {})
    loaded = ProcessRun.load(model, run.dump())
    assert type(loaded.workflow.script_engine.environment).__name__ == "RestrictedEnvironment"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', "xml_doctype"),
        (b'<!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><l>&b;</l>', "xml_doctype"),
        (b"<a>" * 100 + b"</a>" * 100, "xml_too_deep"),
        (b"<not-closed>", "xml_syntax"),
        (b"", "xml_empty"),
        (b"<a>" + b"x" * (3 * 1024 * 1024) + b"</a>", "xml_too_large"),
    ],
)
def test_hostile_xml_is_refused_with_a_reason(content: bytes, code: str) -> None:
    with pytest.raises(DiagramInvalid) as info:
        parse_diagram(content)
    assert info.value.problems[0].code == code


def test_unquoted_iso_timer_is_translated_and_juel_is_refused() -> None:
    source = (ROOT / "bpmn" / "complaint_handling.bpmn").read_text()
    model = parse_diagram(source.replace('"PT1H"</bpmn:timeDuration>', "PT1H</bpmn:timeDuration>").encode())
    run = _complete(ProcessRun.start(model, {}, now=T0), "register_complaint", {})
    assert [t.due_at for t in run.pending_timers()] == [T0 + timedelta(hours=1)]
    juel = source.replace('"PT1H"</bpmn:timeDuration>', "${contactDeadline}</bpmn:timeDuration>")
    with pytest.raises(DiagramInvalid) as info:
        parse_diagram(juel.encode())
    assert info.value.problems[0].element_id == "contact_overdue"


def test_a_loop_of_1000_rounds_keeps_state_small_and_still_works(complaint) -> None:  # type: ignore[no-untyped-def]
    """Raw SpiffWorkflow loses the ready task after ~333 rounds (task tree depth 1000)."""
    run = ProcessRun.start(complaint, {}, now=T0)
    for element, data in [
        ("register_complaint", {}), ("contact_customer", {}), ("confirm_complaint", {"confirmed": True}),
        ("analyse_complaint", {"our_responsibility": True, "severity": "minor"}), ("record_minor_complaint", {}),
    ]:  # fmt: skip
        run = _complete(run, element, data)
    sizes = []
    for round_ in range(1000):
        run = _complete(run, "report_progress", {"implemented": False, "progress_report": f"round {round_}"})
        sizes.append(len(json.dumps(run.dump())))
    assert _ready(run) == {"report_progress"}
    assert run.snapshot().data["progress_report"] == "round 999"
    assert sizes[-1] <= sizes[9] * 1.05  # proportional to open work, not to history
    run = _complete(run, "report_progress", {"implemented": True})
    assert _ready(run) == {"prevent_recurrence"}


def test_pruning_keeps_parallel_branches_and_their_data(complaint) -> None:  # type: ignore[no-untyped-def]
    run = ProcessRun.start(complaint, {}, now=T0)
    for element, data in [
        ("register_complaint", {"customer": "C"}), ("contact_customer", {}), ("confirm_complaint", {"confirmed": True}),
        ("analyse_complaint", {"our_responsibility": True, "severity": "severe"}), ("fill_handling_form", {}),
        ("propose_technical_measures", {"measures": "t"}), ("propose_production_measures", {"measures": "p"}),
        ("agree_solution", {}), ("negotiate_with_customer", {"customer_agreed": True}),
        ("approve_sales", {"approved": True}),
    ]:  # fmt: skip
        run = _complete(run, element, data)
    assert len(run.workflow.tasks) < 40  # the finished start of the process is gone
    for element in ("approve_production", "approve_technical"):
        run = _complete(run, element, {"approved": True})
    snapshot = run.snapshot()
    assert _ready(run) == {"report_progress"}
    assert snapshot.data["customer"] == "C"
    assert {k: snapshot.data[k] for k in ("approval_sales", "approval_production", "approval_technical")} == {
        "approval_sales": {"approved": True}, "approval_production": {"approved": True},
        "approval_technical": {"approved": True},
    }  # fmt: skip


def _repair():  # type: ignore[no-untyped-def]
    return parse_diagram((Path(__file__).parents[2] / "bpmn" / "repair_dispatch.bpmn").read_bytes())


def test_task_data_survives_a_store_that_reorders_keys() -> None:
    """PostgreSQL's JSONB does not keep key order; SpiffWorkflow restores each task's data as a
    delta against its parent, so a child restored first lost its data (seen on the repair
    process after a boundary timer fired)."""
    model = _repair()
    due = (T0 + timedelta(hours=1)).isoformat()
    sla = {name: {"starts_at": T0.isoformat(), "warn_at": due, "due_at": due} for name in ("response", "arrival")}
    run = ProcessRun.start(model, {"in_warranty": True, "sla": sla}, now=T0)

    def children_first(state):  # type: ignore[no-untyped-def]
        """An order a JSONB column may well return: here, every child before its parent."""
        state = json.loads(json.dumps(state))
        for workflow in [state, *state["subprocesses"].values()]:
            tasks = workflow["tasks"]
            depth = {}
            for task_id in tasks:
                level, parent = 0, tasks[task_id]["parent"]
                while parent in tasks:
                    level, parent = level + 1, tasks[parent]["parent"]
                depth[task_id] = level
            workflow["tasks"] = {k: tasks[k] for k in sorted(tasks, key=depth.__getitem__, reverse=True)}
        return state

    run = ProcessRun.load(model, children_first(run.dump()))
    assert run.fire_due_timers(T0 + timedelta(hours=2)) == ["response_warning", "response_breach"]
    run = ProcessRun.load(model, children_first(run.dump()))
    run = _complete(run, "remote_support", {"contact_summary": "x", "resolved_remotely": False})
    assert "dispatch_engineer" in _ready(run)  # in warranty: straight to dispatch
    assert run.snapshot().data["in_warranty"] is True


def test_data_entered_inside_a_subprocess_is_the_instance_data() -> None:
    model = _repair()
    due = (T0 + timedelta(hours=1)).isoformat()
    sla = {name: {"starts_at": T0.isoformat(), "warn_at": due, "due_at": due} for name in ("response", "arrival")}
    run = ProcessRun.start(model, {"in_warranty": True, "sla": sla}, now=T0)
    run = _complete(run, "remote_support", {"contact_summary": "x", "resolved_remotely": False})
    run = _complete(run, "dispatch_engineer", {"engineer": "engineers2", "extra_staff_needed": False})
    assert run.snapshot().data["engineer"] == "engineers2"  # while the subprocess still runs


def test_unreachable_elements_are_named() -> None:
    """Issue 4: an element no path from a start event reaches would never run."""
    source = (Path(__file__).parents[2] / "bpmn" / "complaint_handling.bpmn").read_text(encoding="utf-8")
    orphan = '<bpmn:userTask id="orphan_task" name="孤立任务" /></bpmn:process>'
    with pytest.raises(DiagramInvalid) as info:
        parse_diagram(source.replace("</bpmn:process>", orphan).encode())
    problem = info.value.problems[0]
    assert (problem.code, problem.element_id) == ("unreachable", "orphan_task")
    assert "孤立任务" in problem.message and "connect it or remove it" in problem.message


def test_simple_juel_conditions_and_data_stores_from_other_modelers_are_translated() -> None:
    """Issue 4: translate where the intent is unambiguous, refuse with a reason otherwise."""
    source = (ROOT / "bpmn" / "complaint_handling.bpmn").read_text(encoding="utf-8")
    juel = source.replace(">not confirmed</bpmn:conditionExpression>", ">${!confirmed}</bpmn:conditionExpression>")
    juel = juel.replace(">confirmed</bpmn:conditionExpression>", ">${confirmed == true}</bpmn:conditionExpression>")
    store = (
        '<bpmn:dataStoreReference id="crm_store" name="CRM" />'
        '<bpmn:userTask id="register_complaint" name="登记客户投诉">'
        '<bpmn:dataOutputAssociation id="to_crm"><bpmn:targetRef>crm_store</bpmn:targetRef>'
        "</bpmn:dataOutputAssociation>"
    )
    juel = juel.replace('<bpmn:userTask id="register_complaint" name="登记客户投诉">', store)
    model = parse_diagram(juel.encode())
    run = _complete(ProcessRun.start(model, {}, now=T0), "register_complaint", {})
    run = _complete(run, "contact_customer", {})
    run = _complete(run, "confirm_complaint", {"confirmed": False})
    assert run.snapshot().status == "completed"  # `${!confirmed}` routed to the end
    unclear = source.replace(
        ">confirmed</bpmn:conditionExpression>", ">${execution.getVariable('ok')}</bpmn:conditionExpression>"
    )
    with pytest.raises(DiagramInvalid) as info:
        parse_diagram(unclear.encode())
    assert info.value.problems[0].code == "condition" and info.value.problems[0].element_id == "gw_confirmed"


@pytest.mark.parametrize(
    ("juel", "python"),
    [
        ("${approved}", "approved"),
        ("${!approved}", "not approved"),
        ("${score > 5 && region == 'south'}", "score > 5 and region == 'south'"),
        ("${a eq 3 or not b}", "a == 3 or not b"),
        ("${x === null}", "x == None"),
        ("${order.amount > 5}", None),
        ("${empty items}", None),
        ("${x; import os}", None),
        ("approved", None),
    ],
)
def test_juel_to_python(juel: str, python: str | None) -> None:
    assert juel_to_python(juel) == python


def test_migration_keeps_data_open_tasks_and_timer_deadlines(complaint) -> None:  # type: ignore[no-untyped-def]
    source = (ROOT / "bpmn" / "complaint_handling.bpmn").read_text(encoding="utf-8")
    newer = parse_diagram(source.replace('name="确认投诉问题"', 'name="确认投诉"', 1).encode())
    run = _complete(ProcessRun.start(complaint, {"k": 1}, now=T0), "register_complaint", {"customer": "x"})
    task_ids = {t.task_id for t in run.ready_tasks()}
    check = run.check_migration(newer)
    assert check.can_move and any("keeps its deadline" in n for n in check.notes)
    run.migrate(newer, now=T0 + timedelta(hours=5))  # SpiffWorkflow alone would restart the timer
    assert {t.task_id for t in run.ready_tasks()} == task_ids
    assert [t.due_at for t in run.pending_timers()] == [T0 + timedelta(hours=1)]
    assert run.snapshot().data == {"k": 1, "customer": "x"}
    run = _complete(_reload(run), "contact_customer", {})
    assert _ready(run) == {"confirm_complaint"}


def test_a_gateway_flow_without_condition_is_named_with_what_to_do() -> None:
    source = (ROOT / "bpmn" / "complaint_handling.bpmn").read_text(encoding="utf-8")
    start = source.index('<bpmn:sequenceFlow id="flow_gw_confirmed_to_analyse_complaint"')
    end = source.index("</bpmn:sequenceFlow>", start) + len("</bpmn:sequenceFlow>")
    flow = source[start:end]
    bare = flow[: flow.index(">") + 1] + "</bpmn:sequenceFlow>"
    with pytest.raises(DiagramInvalid) as info:
        parse_diagram(source.replace(flow, bare).encode())
    problem = info.value.problems[0]
    assert problem.element_id == "flow_gw_confirmed_to_analyse_complaint"
    assert "default flow" in problem.message


def test_jbpm_and_juel_details_are_read_as_their_owners_meant() -> None:
    from lxml import etree

    from app.bpm.engine.diagrams import _signal_refs_by_name, _translate_jbpm_timers, juel_to_python

    assert juel_to_python("#{approved}") == "approved"
    assert juel_to_python("return amount > 0;") == "amount > 0"
    assert juel_to_python("${a && !b}") == "a and not b"
    assert juel_to_python("${order.items.size() > 0}") is None  # a method call: refused, not guessed
    bpmn = "http://www.omg.org/spec/BPMN/20100524/MODEL"
    root = etree.fromstring(
        f'<d xmlns="{bpmn}"><signal id="s1" name="recall"/><timeDuration>500ms</timeDuration>'
        "<timeDuration>2h 30m</timeDuration><timeDuration>PT1H</timeDuration>"
        '<signalEventDefinition signalRef="recall"/><signalEventDefinition signalRef="s1"/></d>'
    )
    _translate_jbpm_timers(root)
    _signal_refs_by_name(root)
    assert [e.text for e in root if etree.QName(e).localname == "timeDuration"] == ["PT0.5S", "PT2H30M", "PT1H"]
    assert [e.get("signalRef") for e in root if etree.QName(e).localname == "signalEventDefinition"] == ["s1", "s1"]


def test_every_deploy_problem_has_a_title_in_both_languages() -> None:
    """The kind of each problem is shown in the user's language beside its element."""
    import re
    from pathlib import Path

    from app.i18n import MESSAGES

    root = Path(__file__).parents[2] / "app" / "bpm"
    sources = [*root.glob("engine/*.py"), root / "definitions.py"]
    pattern = re.compile(r'(?:DiagramProblem|_problem|Refusal)\(\s*"([a-z_]+)"')
    codes = {code for path in sources for code in pattern.findall(path.read_text(encoding="utf-8"))}
    codes |= {
        f"xml_{c}" for c in re.findall(r'XmlProblem\("([a-z_]+)"', (root / "engine" / "xml_safety.py").read_text())
    }
    assert len(codes) > 25
    missing = sorted(c for c in codes if set(MESSAGES.get(f"problem.{c}", {})) != {"zh_CN", "en"})
    assert missing == []


def test_a_branch_sees_its_own_data_and_known_data_holds_every_branch(complaint) -> None:  # type: ignore[no-untyped-def]
    run = ProcessRun.start(complaint, {}, now=T0)
    for element, data in [
        ("register_complaint", {}),
        ("contact_customer", {}),
        ("confirm_complaint", {"confirmed": True}),
        ("analyse_complaint", {"our_responsibility": True, "severity": "severe"}),
        ("fill_handling_form", {}),
        ("propose_technical_measures", {}),
        ("propose_production_measures", {}),
        ("agree_solution", {}),
        ("negotiate_with_customer", {"customer_agreed": True}),
        ("approve_technical", {"approved": True}),
    ]:
        run = _complete(run, element, data)
    sales = next(t for t in run.ready_tasks() if t.element_id == "approve_sales")
    assert "approval_technical" not in run.task_data(sales.task_id)  # its branch split before
    assert run.known_data()["approval_technical"] == {"approved": True}
    assert run.known_data()["customer_agreed"] is True

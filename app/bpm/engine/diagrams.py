"""Parse a BPMN diagram into an executable process model, with a report of what is wrong.

Everything a caller needs to know about a diagram without SpiffWorkflow objects comes back as
plain dataclasses: the process id and name, each user task's lane, form and due interval.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.defaults import ExclusiveGateway, InclusiveGateway
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.specs.defaults import ScriptTask, UserTask

from . import limits
from .foreign import ROUTE_PREFIX, DeployOptions, RouteChoice, assignee_variable, describe, pool_names, untranslatable
from .inputs import (
    read_names,
    schema_from_camunda_fields,
    schema_from_names,
    unsupported_camunda_types,
)
from .scripting import check_expression, check_script
from .xml_safety import XmlProblem, parse_diagram_xml

FORM_PROPERTY = "formJsonSchemaFilename"
FORM_SUFFIX = ".schema.json"
GENERATED_FORM = "@"  # the name of a generated form: this prefix and the task's element id
_UNQUOTED_ISO = re.compile(r"^(R\d*/)?P[0-9TYMWDHS.]+$|^\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class UserTaskInfo:
    element_id: str
    title: str  # the BPMN name (Chinese in our diagrams)
    lane: str | None
    form: str | None
    due_in: str | None
    result_key: str | None
    title_en: str | None = None  # spiffworkflow:property `title_en`
    # spiffworkflow:property `assigneeFrom`: the data field naming the user who gets the task
    # (e.g. the engineer chosen at dispatch); others of the lane's group see it only if unset.
    assignee_from: str | None = None
    # spiffworkflow:property `groupFrom`: the data field naming the group that does the task
    # (a lane whose group depends on the case); the lane's own group when the field is unset
    # or names no group.
    group_from: str | None = None
    # spiffworkflow:property `dueFrom`: the data field holding the instant the task is due by
    # (a deadline agreed in an earlier step); `dueIn` when the field is unset or not an instant.
    due_from: str | None = None
    kind: str = "userTask"  # or task / manualTask: done when marked done, no input
    # For a user task without a form file: the form generated from the Camunda form fields
    # declared on it, or from the variables the diagram's conditions and scripts read.
    generated_form: dict[str, Any] | None = None

    def localized_title(self, locale: str) -> str:
        return self.title_en if locale == "en" and self.title_en else self.title


@dataclass(frozen=True)
class DiagramProblem:
    """One thing wrong with a diagram: where (element id, line) and what."""

    code: str
    message: str
    element_id: str | None = None
    line: int | None = None


class DiagramInvalid(Exception):
    def __init__(self, problems: list[DiagramProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@dataclass
class ProcessModel:
    """A parsed, executable diagram. `spec` and `subprocess_specs` are engine objects that only
    `app.bpm.engine` touches."""

    process_id: str
    name: str
    user_tasks: dict[str, UserTaskInfo]
    spec: Any = field(repr=False)
    subprocess_specs: dict[str, Any] = field(repr=False, default_factory=dict)
    has_timers: bool = True  # any timer event: instances may wait on one
    has_messages: bool = True  # any message catch event
    elements: dict[str, str] = field(default_factory=dict)  # element id -> BPMN kind (userTask, endEvent...)
    message_starts: frozenset[str] = frozenset()  # messages whose arrival starts an instance
    signal_starts: frozenset[str] = frozenset()

    @property
    def forms(self) -> set[str]:
        return {t.form for t in self.user_tasks.values() if t.form}


def called_processes(content: bytes) -> dict[str, list[str]]:
    """The processes a diagram's call activities call that the diagram does not hold itself,
    with the ids of the call activities: they must be deployed, and the versions they call are
    passed to `parse_diagram`. Empty when the file cannot be read (parsing says why)."""
    try:
        root = parse_diagram_xml(content)
    except XmlProblem:
        return {}
    inside = _process_ids(root)
    found: dict[str, list[str]] = {}
    for element in root.iter():
        if isinstance(element.tag, str) and etree.QName(element).localname == "callActivity":
            called = (element.get("calledElement") or "").strip()
            if called and called not in inside:
                found.setdefault(called, []).append(element.get("id") or "")
    return found


def _process_ids(root: etree._Element) -> set[str]:
    return {e.get("id") or "" for e in root.iter() if isinstance(e.tag, str) and etree.QName(e).localname == "process"}


def _called_elements(root: etree._Element) -> set[str]:
    return {
        (e.get("calledElement") or "").strip()
        for e in root.iter()
        if isinstance(e.tag, str) and etree.QName(e).localname == "callActivity" and e.get("calledElement")
    }


def _prepared(content: bytes) -> etree._Element:
    root = parse_diagram_xml(content)
    _translate_jbpm_timers(root)
    _signal_refs_by_name(root)
    _quote_iso_timer_values(root)
    _translate_juel_conditions(root)
    _drop_data_stores(root)
    return root


def parse_diagram(
    content: bytes,
    filename: str = "diagram.bpmn",
    called: dict[str, bytes] | None = None,
    options: DeployOptions | None = None,
) -> ProcessModel:
    """Parse and check a diagram; raise DiagramInvalid listing every problem found. `called`
    holds the deployed diagrams of the processes its call activities name outside the file;
    `options` what the deployer chose for a diagram from another tool."""
    options = options or DeployOptions()
    try:
        root = _prepared(content)
    except XmlProblem as err:
        raise DiagramInvalid([DiagramProblem(f"xml_{err.code}", str(err), line=err.line)]) from None
    if options.process_id is not None:
        _mark_executable(root, options.process_id)  # the deployer chose it: run it even if marked not executable
    routes, refusals = describe(root) if options.descriptive else ([], [])
    refusals.extend(untranslatable(root, options.descriptive))
    early = _unsupported(root) + [DiagramProblem(r.code, r.message, r.element_id) for r in refusals]
    if early:
        raise DiagramInvalid(early)
    parser = SpiffBpmnParser()
    try:
        parser.add_bpmn_xml(etree.ElementTree(root), filename=filename)
        process_id = _chosen_process(root, parser, options)
        roots = [root]
        for called_id, other in sorted((called or {}).items()):
            roots.append(_prepared(other))
            parser.add_bpmn_xml(etree.ElementTree(roots[-1]), filename=f"{called_id}.bpmn")
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except ValidationException as err:
        problem = DiagramProblem(
            "bpmn_invalid",
            _with_advice(str(err).split("\n")[0]),
            element_id=getattr(err, "id", None) or None,
            line=getattr(err, "line_number", None) or None,
        )
        raise DiagramInvalid([problem]) from None
    except SpiffWorkflowException as err:
        raise DiagramInvalid([DiagramProblem("bpmn_invalid", str(err).split("\n")[0])]) from None
    except (TypeError, KeyError, AttributeError, ValueError) as err:
        # SpiffWorkflow raises these on some malformed diagrams (e.g. a dangling messageRef).
        message = f"the diagram could not be read ({type(err).__name__}: {err})"
        raise DiagramInvalid([DiagramProblem("bpmn_unreadable", message)]) from None
    all_specs = [spec, *[s for s in subprocess_specs.values() if s is not None]]
    problems = [p for s in all_specs for p in _check_expressions(s)]
    problems.extend(_check_reachability(root, process_id))
    problems.extend(p for s in all_specs for p in _bound_multi_instances(s))
    names = _names_read(all_specs)
    elements = {e.get("id"): e for r in reversed(roots) for e in r.iter() if isinstance(e.tag, str) and e.get("id")}
    names = {n: kind for n, kind in names.items() if not n.startswith(ROUTE_PREFIX)}
    user_tasks = {t.element_id: t for s in all_specs for t in _user_tasks(s, names, elements, options, routes)}
    for element_id, element in elements.items():
        if element_id in user_tasks and (odd := unsupported_camunda_types(element)):
            name = element.get("name") or element_id
            message = f"form fields of {name!r} have types this product has no field for: {', '.join(odd)}"
            problems.append(DiagramProblem("form_field_type", message, element_id))
    if problems:
        raise DiagramInvalid(problems)
    catching = [
        getattr(ts, "event_definition", None)
        for s in all_specs
        for ts in s.task_specs.values()
        if isinstance(ts, CatchingEvent)
    ]
    return ProcessModel(
        process_id=process_id,
        name=spec.description or process_id,
        user_tasks=user_tasks,
        spec=spec,
        subprocess_specs=subprocess_specs,
        has_timers=any(_contains(d, TimerEventDefinition) for d in catching),
        has_messages=any(_contains(d, MessageEventDefinition) for d in catching),
        elements=_flow_elements(root, process_id),
        message_starts=_start_events(spec, MessageEventDefinition),
        signal_starts=_start_events(spec, SignalEventDefinition),
    )


def _chosen_process(root: etree._Element, parser: Any, options: DeployOptions) -> str:
    """The process to run: the one the deployer chose; else the only executable one that the
    file's own call activities do not call. Otherwise the refusal names the pools."""
    pools = pool_names(root)
    everything = list(parser.process_parsers)
    if options.process_id is not None:
        if options.process_id in everything:
            return str(options.process_id)
        message = f"the file holds no process {options.process_id!r}; it holds: {_listed(pools, everything)}"
        raise DiagramInvalid([DiagramProblem("process_choice", message)])
    candidates = [p for p in parser.get_process_ids() if p not in _called_elements(root)]
    if len(candidates) == 1:
        return str(candidates[0])
    if candidates:
        message = (
            f"the file holds several executable processes ({_listed(pools, candidates)}): choose the one to run "
            "(process_id)"
        )
    else:
        message = (
            f'the file marks no process executable (isExecutable="true"): choose the one to run (process_id) from '
            f"{_listed(pools, everything) or 'none'}"
        )
    raise DiagramInvalid([DiagramProblem("executable_process_count", message)])


def _mark_executable(root: etree._Element, process_id: str) -> None:
    for element in root.iter():
        if (
            isinstance(element.tag, str)
            and etree.QName(element).localname == "process"
            and element.get("id") == process_id
        ):
            element.set("isExecutable", "true")


def _listed(pools: dict[str, str], process_ids: list[str]) -> str:
    return ", ".join(f"{pools[p]!r} ({p})" if pools.get(p) else p for p in process_ids)


def _start_events(spec: Any, kind: type) -> frozenset[str]:
    """The names of the messages (or signals) whose start events start the process."""
    return frozenset(
        str(getattr(d, "name", ""))
        for ts in spec.task_specs.values()
        if type(ts).__name__ == "StartEvent"
        for d in [getattr(ts, "event_definition", None)]
        if isinstance(d, kind)
    )


def _names_read(specs: list[Any]) -> dict[str, str]:
    """Every variable the process's conditions, scripts, timers and collections read."""
    expressions: list[str] = []
    scripts: list[str] = []
    for spec in specs:
        for task_spec in spec.task_specs.values():
            for condition, _target in getattr(task_spec, "cond_task_specs", None) or []:
                source = getattr(condition, "args", [condition])[0] if condition is not None else None
                if isinstance(source, str):
                    expressions.append(source)
            scripts.extend(
                s for s in (getattr(task_spec, "prescript", None), getattr(task_spec, "postscript", None)) if s
            )
            if isinstance(task_spec, ScriptTask) and task_spec.script:
                scripts.append(task_spec.script)
            definition = getattr(task_spec, "event_definition", None)
            if isinstance(definition, TimerEventDefinition):
                expressions.append(definition.expression)
            cardinality = getattr(task_spec, "cardinality", None)
            if isinstance(cardinality, str):
                expressions.append(cardinality)
    collections = {
        task_spec.data_input.bpmn_id
        for spec in specs
        for task_spec in spec.task_specs.values()
        if getattr(getattr(task_spec, "data_input", None), "bpmn_id", None)
    }
    # A collection a multi-instance activity runs over comes from the start or a script,
    # never from one person's task.
    return {name: kind for name, kind in read_names(expressions, scripts).items() if name not in collections}


def _bound_multi_instances(spec: Any) -> list[DiagramProblem]:
    """Every multi-instance activity checks its count before it starts; a constant count over
    the limit is refused now."""
    problems = []
    for task_spec in spec.task_specs.values():
        if not hasattr(task_spec, "cardinality") or not hasattr(task_spec, "data_input"):
            continue
        limits.bound_multi_instance(task_spec)
        cardinality = task_spec.cardinality
        if task_spec.data_input is None and cardinality is None:
            message = "the multi-instance activity has neither a collection nor a cardinality: set one of them"
            problems.append(DiagramProblem("multi_instance", message, task_spec.bpmn_id))
        elif (
            isinstance(cardinality, str)
            and cardinality.strip().isdigit()
            and int(cardinality) > limits.LIMITS.multi_instance_max
        ):
            message = (
                f"loop cardinality {cardinality.strip()} is more than the "
                f"{limits.LIMITS.multi_instance_max} instances one activity may run"
            )
            problems.append(DiagramProblem("multi_instance", message, task_spec.bpmn_id))
    return problems


_UNSUPPORTED_EVENTS = {
    "compensateEventDefinition": "compensation is not supported: model the undo step as a task on the path "
    "that needs it (or an error boundary event leading to it)",
    "conditionalEventDefinition": "conditional events are not supported: use a gateway with a condition after "
    "the task that changes the data",
}


def _unsupported(root: etree._Element) -> list[DiagramProblem]:
    """What the engine cannot run at all, every occurrence, before it reads the diagram (it
    would stop at the first, some with an internal error)."""
    problems = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        local = etree.QName(element).localname
        parent = element.getparent()
        if local in _UNSUPPORTED_EVENTS and parent is not None:
            name = parent.get("name") or parent.get("id")
            problems.append(DiagramProblem("unsupported", f"{name!r}: {_UNSUPPORTED_EVENTS[local]}", parent.get("id")))
        elif element.get("isForCompensation") == "true":
            name = element.get("name") or element.get("id")
            problems.append(
                DiagramProblem(
                    "unsupported", f"{name!r}: {_UNSUPPORTED_EVENTS['compensateEventDefinition']}", element.get("id")
                )
            )
    return problems


def _flow_elements(root: etree._Element, process_id: str) -> dict[str, str]:
    """The flow nodes of the executable process (sub-processes included), by id."""
    found: dict[str, str] = {}
    for process in root:
        if not isinstance(process.tag, str) or process.get("id") != process_id:
            continue
        for element in process.iter():
            if isinstance(element.tag, str) and element.get("id"):
                kind = etree.QName(element).localname
                if kind in _FLOW_NODES:
                    found[element.get("id") or ""] = kind
    return found


_FLOW_NODES = {
    "startEvent",
    "endEvent",
    "intermediateThrowEvent",
    "intermediateCatchEvent",
    "boundaryEvent",
    "task",
    "userTask",
    "manualTask",
    "scriptTask",
    "serviceTask",
    "sendTask",
    "receiveTask",
    "businessRuleTask",
    "callActivity",
    "subProcess",
    "transaction",
    "adHocSubProcess",
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "eventBasedGateway",
    "complexGateway",
}


def _check_reachability(root: etree._Element, process_id: str) -> list[DiagramProblem]:
    """Elements no path from a start event reaches (they would never run), and a process with
    nothing to do. Checked per process and per embedded subprocess."""
    process = next(
        (
            e
            for e in root.iter()
            if isinstance(e.tag, str) and etree.QName(e).localname == "process" and e.get("id") == process_id
        ),
        None,
    )
    if process is None:
        return []
    problems = _unreachable_in(process)
    nodes = [c for c in process if isinstance(c.tag, str) and etree.QName(c).localname in _FLOW_NODES]
    if nodes and all(etree.QName(n).localname == "startEvent" for n in nodes):
        message = "the process has nothing to do yet: add its tasks and an end event after the start event"
        problems.append(DiagramProblem("empty_process", message, nodes[0].get("id")))
    return problems


def _unreachable_in(container: etree._Element) -> list[DiagramProblem]:
    children = [c for c in container if isinstance(c.tag, str)]
    nodes = {c.get("id"): c for c in children if etree.QName(c).localname in _FLOW_NODES and c.get("id")}
    outgoing: dict[str, list[str]] = {}
    for flow in (c for c in children if etree.QName(c).localname == "sequenceFlow"):
        outgoing.setdefault(flow.get("sourceRef") or "", []).append(flow.get("targetRef") or "")
    boundary: dict[str, list[str]] = {}
    for node_id, node in nodes.items():
        if etree.QName(node).localname == "boundaryEvent":
            boundary.setdefault(node.get("attachedToRef") or "", []).append(node_id)
    reached: set[str] = set()
    queue = [
        node_id
        for node_id, node in nodes.items()
        if etree.QName(node).localname == "startEvent" or node.get("triggeredByEvent") == "true" or _is_link_catch(node)
    ]
    while queue:
        node_id = queue.pop()
        if node_id in reached or node_id not in nodes:
            continue
        reached.add(node_id)
        queue.extend(outgoing.get(node_id, []))
        queue.extend(boundary.get(node_id, []))
    problems = []
    for node_id, node in nodes.items():
        kind = etree.QName(node).localname
        if node_id not in reached:
            name = node.get("name") or node_id
            message = f"{kind} {name!r} is unreachable: no path from a start event leads to it; connect it or remove it"
            problems.append(DiagramProblem("unreachable", message, node_id))
        elif kind in ("subProcess", "transaction"):  # an ad-hoc subprocess has no start event
            problems.extend(_unreachable_in(node))
    return problems


def _is_link_catch(node: etree._Element) -> bool:
    """A link catch event is entered from its link throw event, not by a sequence flow."""
    return etree.QName(node).localname == "intermediateCatchEvent" and any(
        isinstance(c.tag, str) and etree.QName(c).localname == "linkEventDefinition" for c in node
    )


def _contains(definition: Any, kind: type) -> bool:
    """Whether an event definition is of `kind` or is a multiple-event definition holding one."""
    if isinstance(definition, kind):
        return True
    return any(_contains(d, kind) for d in getattr(definition, "event_definitions", []) or [])


_TIMER_TAGS = ("timeDuration", "timeDate", "timeCycle")
_ADVICE = {
    "A Service Task must have an operator": "service tasks (Camunda external tasks, Java delegates, "
    "connectors) cannot run here: make it a user task, a script task, or a plain task",
    "has no implementation": "data stores are not supported: remove the data store and its associations",
    "Exactly one start event is required in a SubWorkflow": "give the sub-process exactly one start event",
    "A multiinstance task must specify a cardinality": "set a loop cardinality or an input collection",
    "was not found. Did you mean": "deploy the called process first (or in the same file), or remove the call",
    "outgoing sequence flow without condition": "give this flow a condition, or make it the gateway's default flow",
}


def _with_advice(message: str) -> str:
    for known, advice in _ADVICE.items():
        if known in message:
            return f"{message.rstrip('. ')}: {advice}"
    return message


_JBPM_DURATION = re.compile(
    r"^(?:(?P<d>\d+)d)?\s*(?:(?P<h>\d+)h)?\s*(?:(?P<m>\d+)m(?!s))?\s*(?:(?P<s>\d+)s)?\s*(?:(?P<ms>\d+)ms)?$"
)


def _translate_jbpm_timers(root: etree._Element) -> None:
    """jBPM writes durations as `500ms`, `2h 30m`, `1d`: the same as ISO 8601."""
    for element in root.iter():
        if not isinstance(element.tag, str) or etree.QName(element).localname not in _TIMER_TAGS:
            continue
        value = (element.text or "").strip()
        match = _JBPM_DURATION.match(value) if value and not value.startswith(("P", "R", '"', "'")) else None
        if match is None or not any(match.groupdict().values()):
            continue
        parts = {k: int(v) for k, v in match.groupdict().items() if v}
        seconds = parts.get("s", 0) + parts.get("ms", 0) / 1000
        clock = "".join(f"{parts[k]}{k.upper()}" for k in ("h", "m") if k in parts)
        clock += f"{seconds:g}S" if seconds else ""
        element.text = "P" + (f"{parts['d']}D" if "d" in parts else "") + ("T" + clock if clock else "")


def _signal_refs_by_name(root: etree._Element) -> None:
    """jBPM's `signalRef` holds the signal's name where BPMN wants its id."""
    signals = {
        e.get("name"): e.get("id")
        for e in root.iter()
        if isinstance(e.tag, str) and etree.QName(e).localname == "signal"
    }
    ids = set(signals.values())
    for element in root.iter():
        if isinstance(element.tag, str) and etree.QName(element).localname == "signalEventDefinition":
            ref = element.get("signalRef")
            if ref and ref not in ids and ref in signals and signals[ref]:
                element.set("signalRef", signals[ref] or ref)


def _quote_iso_timer_values(root: etree._Element) -> None:
    """Other modelers write timer values as bare ISO 8601 (`PT1H`, `R3/PT10H`); SpiffWorkflow
    evaluates them as Python. Where the value is unambiguously ISO 8601, quote it."""
    for element in root.iter():
        if not isinstance(element.tag, str) or etree.QName(element).localname not in _TIMER_TAGS:
            continue
        value = (element.text or "").strip()
        if value and _UNQUOTED_ISO.match(value) and not value.startswith(("'", '"')):
            element.text = f'"{value}"'


_JUEL = re.compile(r"^\s*[$#]\{(?P<body>.*)\}\s*$", re.S)
_JAVA_RETURN = re.compile(r"^\s*return\s+(?P<body>[^;]+?)\s*;?\s*$", re.S)  # jBPM: `return x > 0;`
_JUEL_TOKEN = re.compile(
    r"\s*(?:(?P<string>'[^'\\]*'|\"[^\"\\]*\")|(?P<number>\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>===|!==|==|!=|<=|>=|&&|\|\||[<>!()]))"
)
_JUEL_WORDS = {
    "and": "and",
    "or": "or",
    "not": "not",
    "eq": "==",
    "ne": "!=",
    "lt": "<",
    "gt": ">",
    "le": "<=",
    "ge": ">=",
    "true": "True",
    "false": "False",
    "null": "None",
}
_JUEL_OPS = {"&&": "and", "||": "or", "!": "not", "===": "==", "!==": "!="}


def juel_to_python(expression: str) -> str | None:
    """A simple `${…}` or `#{…}` (JUEL) condition, or a jBPM `return …;`, as Python: names,
    literals, comparisons, `&&`, `||`, `!` and their word forms. Anything else (method calls,
    property paths, `empty`) is None: its intent is not unambiguous, so the diagram is refused
    with the reason instead."""
    match = _JUEL.match(expression)
    if not match and (java := _JAVA_RETURN.match(expression)):
        match = _JUEL.match("${" + java.group("body") + "}")
    if not match:
        return None
    body, position, out = match.group("body"), 0, []
    while position < len(body):
        if not body[position:].strip():
            break
        token = _JUEL_TOKEN.match(body, position)
        if token is None:
            return None
        position = token.end()
        if token.group("name"):
            word = token.group("name")
            if word in ("empty", "div", "mod", "instanceof"):
                return None
            out.append(_JUEL_WORDS.get(word, word))
        elif token.group("op"):
            out.append(_JUEL_OPS.get(token.group("op"), token.group("op")))
        else:
            out.append(token.group(0).strip())
    return " ".join(out) or None


def _translate_juel_conditions(root: etree._Element) -> None:
    """Conditions written for Camunda/Activiti/jBPM: translated where the meaning is plain."""
    for element in root.iter():
        if not isinstance(element.tag, str) or etree.QName(element).localname != "conditionExpression":
            continue
        python = juel_to_python(element.text or "")
        if python is not None:
            element.text = python


_DATA_ASSOCIATIONS = ("dataInputAssociation", "dataOutputAssociation")


def _drop_data_stores(root: etree._Element) -> None:
    """Data stores, and data associations that connect a task to anything but a data object
    (a data store, a process-level data input), only document where data lives: they need no
    implementation here and are dropped before the engine reads the diagram (the stored
    diagram keeps them)."""
    objects = {
        e.get("id")
        for e in root.iter()
        if isinstance(e.tag, str) and etree.QName(e).localname in ("dataObject", "dataObjectReference")
    }
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        local = etree.QName(element).localname
        if local in ("dataStoreReference", "dataStore"):
            drop = True
        elif local in _DATA_ASSOCIATIONS:
            end = "sourceRef" if local == "dataInputAssociation" else "targetRef"
            refs = [
                (c.text or "").strip() for c in element if isinstance(c.tag, str) and etree.QName(c).localname == end
            ]
            drop = bool(refs) and not set(refs) <= objects
        else:
            drop = False
        parent = element.getparent()
        if drop and parent is not None:
            parent.remove(element)


def _user_tasks(
    spec: Any,
    names: dict[str, str],
    elements: dict[str, etree._Element],
    options: DeployOptions,
    routes: list[RouteChoice],
) -> list[UserTaskInfo]:
    """The tasks people do: user tasks, and plain and manual tasks (done when marked done),
    each in the group its lane maps to."""
    found = []
    loops = {getattr(ts, "task_spec", None): ts for ts in spec.task_specs.values() if hasattr(ts, "output_item")}
    for task_spec in spec.task_specs.values():
        element_id = getattr(task_spec, "bpmn_id", None)
        if not getattr(task_spec, "manual", False) or not element_id:
            continue
        props: dict[str, str] = getattr(task_spec, "extensions", {}).get("properties", {})
        form_file = props.get(FORM_PROPERTY)
        form = form_file[: -len(FORM_SUFFIX)] if form_file and form_file.endswith(FORM_SUFFIX) else form_file
        title = task_spec.bpmn_name or element_id
        kind = "userTask" if isinstance(task_spec, UserTask) else etree.QName(elements[element_id]).localname
        element = elements[element_id]
        choices = {r.field: _route_field(r, elements) for r in routes if element_id in r.chosen_by}
        generated = None
        if kind == "userTask" and not form:
            generated = schema_from_camunda_fields(title, element) or schema_from_names(
                title, names | _multi_instance_outputs(loops.get(task_spec.name)), choices
            )
        elif choices:  # a plain task right before a conditionless gateway: its person chooses the way
            generated = schema_from_names(title, {}, choices)
        form = GENERATED_FORM + element_id if generated else form
        found.append(
            UserTaskInfo(
                element_id=task_spec.bpmn_id,
                title=title,
                lane=options.group_for(task_spec.lane, element),
                form=form or None,
                due_in=props.get("dueIn"),
                result_key=props.get("resultKey"),
                title_en=props.get("title_en"),
                assignee_from=props.get("assigneeFrom") or assignee_variable(element),
                group_from=props.get("groupFrom") or None,
                due_from=props.get("dueFrom") or None,
                kind=kind,
                generated_form=generated,
            )
        )
    return found


def _route_field(route: RouteChoice, elements: dict[str, etree._Element]) -> dict[str, Any]:
    gateway = elements.get(route.gateway_id)
    title = " ".join((gateway.get("name") or "").split()) if gateway is not None else ""
    return {
        "type": "string",
        "title": title or "下一步",
        "x-i18n": {"en": {"title": title or "Next step"}},
        "enum": [flow for flow, _ in route.options],
        "x-enumNames": [label for _, label in route.options],
    }


def _multi_instance_outputs(task_spec: Any) -> dict[str, str]:
    """The output item of a multi-instance task: what each instance's person supplies."""
    item = getattr(task_spec, "output_item", None)
    name = getattr(item, "bpmn_id", None)
    return {name: "string"} if name else {}


def _check_expressions(spec: Any) -> list[DiagramProblem]:
    problems: list[DiagramProblem] = []
    for task_spec in spec.task_specs.values():
        element_id = getattr(task_spec, "bpmn_id", None)
        problems.extend(_check_gateway(task_spec, element_id))
        problems.extend(_check_scripts(task_spec, element_id))
        problems.extend(_check_timer(task_spec, element_id))
    return problems


def _check_gateway(task_spec: Any, element_id: str | None) -> list[DiagramProblem]:
    if not isinstance(task_spec, ExclusiveGateway | InclusiveGateway):
        return []
    problems = []
    for condition, _target in getattr(task_spec, "cond_task_specs", []) or []:
        source = getattr(condition, "args", [condition])[0] if condition is not None else None
        if isinstance(source, str) and (reason := check_expression(source)):
            problems.append(DiagramProblem("condition", f"condition {source!r}: {reason}", element_id))
    return problems


def _check_scripts(task_spec: Any, element_id: str | None) -> list[DiagramProblem]:
    scripts = [getattr(task_spec, "prescript", None), getattr(task_spec, "postscript", None)]
    if isinstance(task_spec, ScriptTask):
        scripts.append(task_spec.script)
    return [
        DiagramProblem("script", f"script: {reason}", element_id)
        for script in scripts
        if script and (reason := check_script(script))
    ]


def _check_timer(task_spec: Any, element_id: str | None) -> list[DiagramProblem]:
    definition = getattr(task_spec, "event_definition", None) if isinstance(task_spec, CatchingEvent) else None
    if not isinstance(definition, TimerEventDefinition):
        return []
    if definition.expression.strip().startswith(("${", "#{")):
        message = (
            f"timer {definition.expression.strip()!r} is a JUEL expression, which cannot be read here: write a "
            'Python expression (a variable name) or an ISO 8601 value such as "PT1H"'
        )
        return [DiagramProblem("timer", message, element_id)]
    reason = check_expression(definition.expression)
    if reason is None and _UNQUOTED_ISO.match(definition.expression.strip()):
        reason = "an ISO 8601 value must be a quoted string"
    if reason is None and not definition.expression.strip():
        reason = "the timer has no value"
    if reason is None:
        literal = definition.expression.strip().strip("\"'")
        kind = {"CycleTimerEventDefinition": "timeCycle", "DurationTimerEventDefinition": "timeDuration"}.get(
            type(definition).__name__, "timeDate"
        )
        if (bound := limits.timer_problem(kind, literal)) is not None:
            return [DiagramProblem("timer", f"timer {literal}: {bound}", element_id)]
        return []
    message = f'timer {definition.expression!r}: {reason} (write ISO 8601 values in quotes, e.g. "PT1H")'
    return [DiagramProblem("timer", message, element_id)]


@dataclass(frozen=True)
class ElementSignature:
    """What an element is and does, for comparing two versions of a diagram: its kind, name,
    lane, and its other properties by name (attributes, condition, timer, form, script, the
    extension properties), each as a canonical text: attribute order and whitespace do not
    count."""

    element_id: str
    kind: str
    name: str
    lane: str | None
    properties: dict[str, str]


_DI_NS = (
    "http://www.omg.org/spec/BPMN/20100524/DI",
    "http://www.omg.org/spec/DD/20100524/DC",
    "http://www.omg.org/spec/DD/20100524/DI",
)
_IGNORED_CHILDREN = {"incoming", "outgoing", "flowNodeRef"}


def element_signatures(content: bytes) -> dict[str, ElementSignature]:
    """Every identified semantic element of a diagram (not its layout)."""
    root = parse_diagram_xml(content)
    lanes = {
        (ref.text or "").strip(): lane.get("name") or lane.get("id")
        for lane in root.iter()
        if isinstance(lane.tag, str) and etree.QName(lane).localname == "lane"
        for ref in lane
        if isinstance(ref.tag, str) and etree.QName(ref).localname == "flowNodeRef"
    }
    found: dict[str, ElementSignature] = {}
    for element in root.iter():
        if not isinstance(element.tag, str) or not element.get("id"):
            continue
        qname = etree.QName(element)
        if qname.namespace in _DI_NS or qname.localname in ("definitions", "laneSet", "collaboration"):
            continue
        if qname.localname not in _FLOW_NODES | {
            "sequenceFlow",
            "lane",
            "process",
            "participant",
            "dataStoreReference",
            "dataObjectReference",
            "message",
            "signal",
            "error",
        }:
            continue
        element_id = element.get("id") or ""
        found[element_id] = ElementSignature(
            element_id=element_id,
            kind=qname.localname,
            name=element.get("name") or "",
            lane=lanes.get(element_id),
            properties=_properties(element),
        )
    return found


_PROPERTY_NAMES = {
    "conditionExpression": "condition",
    "timerEventDefinition": "timer",
    "formJsonSchemaFilename": "form",
    "preScript": "script",
    "postScript": "script",
}
_SCRIPTS = ("script", "preScript", "postScript")


def _properties(element: etree._Element) -> dict[str, str]:
    """The element's attributes (but its id and name) and nested content, except child
    elements that have their own ids (compared on their own) and the incoming/outgoing
    bookkeeping; named as people know them (`condition`, `timer`, `form`, `script`, an
    extension property's own name)."""
    found: dict[str, list[str]] = {}
    for key, value in element.attrib.items():
        local = etree.QName(key).localname
        if local not in ("id", "name"):
            found.setdefault(local, []).append(" ".join(value.split()))
    for child in element:
        if not isinstance(child.tag, str):
            continue
        local = etree.QName(child).localname
        if local in _IGNORED_CHILDREN or (child.get("id") and local in _FLOW_NODES | {"sequenceFlow", "laneSet"}):
            continue
        if local == "extensionElements":
            _extension_properties(child, found)
            continue
        found.setdefault(_PROPERTY_NAMES.get(local, local), []).append(_canonical(child))
    return {name: "\n".join(sorted(values)) for name, values in found.items()}


def _extension_properties(extensions: etree._Element, found: dict[str, list[str]]) -> None:
    for extension in extensions:
        if not isinstance(extension.tag, str):
            continue
        local = etree.QName(extension).localname
        if local != "properties":
            found.setdefault(_PROPERTY_NAMES.get(local, local), []).append(_canonical(extension))
            continue
        for prop in extension:
            if isinstance(prop.tag, str) and prop.get("name"):
                name = prop.get("name") or ""
                found.setdefault(_PROPERTY_NAMES.get(name, name), []).append(
                    " ".join((prop.get("value") or "").split())
                )


def _canonical(element: etree._Element) -> str:
    """A subtree as text with its attributes sorted and its whitespace collapsed (scripts keep
    their lines and indentation: Python reads them)."""
    local = etree.QName(element).localname
    attributes = " ".join(
        f"{etree.QName(k).localname}={' '.join(v.split())}" for k, v in sorted(element.attrib.items())
    )
    raw = element.text or ""
    if local in _SCRIPTS:
        text = "\n".join(line.rstrip() for line in textwrap.dedent(raw).strip("\n").splitlines())
    else:
        text = " ".join(raw.split())
    children = [_canonical(c) for c in element if isinstance(c.tag, str)]
    return f"{local}[{attributes}]{text}({','.join(children)})"

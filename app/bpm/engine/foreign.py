"""Diagrams drawn for other engines (Camunda, Signavio, jBPM, bpmn.io), read as their owners
meant them where the meaning is kept, and refused precisely, element by element, where it is
not. The deployer's options (`DeployOptions`) say how lanes map to groups, which pool runs and
whether descriptive constructs become human work."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
# Camunda 7 and the engines it came from write implementations as the same attributes
_ENGINE_NS = (CAMUNDA_NS, "http://activiti.org/bpmn", "http://flowable.org/bpmn")
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
DEFAULT_LANE = "*"
ROUTE_PREFIX = "route_"
_IMPLEMENTED_BY = {
    "class": "calls the Java class {value}",
    "delegateExpression": "calls the Java delegate {value}",
    "expression": "evaluates the Java expression {value}",
    "topic": "is an external task on topic {value}",
}
_SCRIPT_LANGUAGES = {
    "javascript": "JavaScript",
    "js": "JavaScript",
    "ecmascript": "JavaScript",
    "groovy": "Groovy",
    "java": "Java",
    "juel": "JUEL",
    "feel": "FEEL",
}
_WORK_TASKS = ("serviceTask", "sendTask", "businessRuleTask")
_CAMUNDA_LISTENER = "the Camunda {kind} on {{name}} cannot run here: remove it, or put what it does in a script task"
_JBPM_SCRIPT = "the jBPM {kind} of {{name}} cannot run here: put it in a script task (Python)"
_LISTENERS = {
    "executionListener": _CAMUNDA_LISTENER.format(kind="executionListener") + " before or after",
    "taskListener": _CAMUNDA_LISTENER.format(kind="taskListener") + " before or after",
    "onEntry-script": _JBPM_SCRIPT.format(kind="onEntry-script"),
    "onExit-script": _JBPM_SCRIPT.format(kind="onExit-script"),
}
_DOCUMENTATION_ONLY = (
    "dataInputAssociation",
    "dataOutputAssociation",
    "ioSpecification",
    "dataObject",
    "dataObjectReference",
    "association",
)


@dataclass(frozen=True)
class DeployOptions:
    """What the deployer chose for a foreign diagram (API.md: `lane_groups`, `process_id`,
    `descriptive`). Stored with the version, so every load reads the diagram the same way."""

    lane_groups: Mapping[str, str] = field(default_factory=dict)  # lane name -> group; "*": any other
    process_id: str | None = None
    descriptive: bool = False

    def to_json(self) -> dict[str, Any] | None:
        if not self.lane_groups and self.process_id is None and not self.descriptive:
            return None
        return {"lane_groups": dict(self.lane_groups), "process_id": self.process_id, "descriptive": self.descriptive}

    @classmethod
    def from_json(cls, value: Any) -> DeployOptions:
        if not isinstance(value, dict):
            return cls()
        lanes = value.get("lane_groups") or {}
        return cls(
            lane_groups={str(k): str(v) for k, v in lanes.items()} if isinstance(lanes, dict) else {},
            process_id=value.get("process_id") or None,
            descriptive=bool(value.get("descriptive")),
        )

    def group_for(self, lane: str | None, element: etree._Element | None) -> str | None:
        """The group that does a human task: its lane mapped by the table; else a literal
        Camunda candidate group or jBPM potential owner naming one group; else the default."""
        if lane is not None and lane in self.lane_groups:
            return self.lane_groups[lane]
        literal = _literal_group(element) if element is not None else None
        if lane is None and literal is not None:
            return literal
        if self.lane_groups.get(DEFAULT_LANE):
            return self.lane_groups[DEFAULT_LANE]
        return lane


def _literal_group(element: etree._Element) -> str | None:
    groups = (element.get(f"{{{CAMUNDA_NS}}}candidateGroups") or "").strip()
    if groups and "," not in groups and "$" not in groups and "#" not in groups:
        return groups
    for owner in element:
        if isinstance(owner.tag, str) and etree.QName(owner).localname == "potentialOwner":
            names = [(e.text or "").strip() for e in owner.iter() if etree.QName(e).localname == "formalExpression"]
            if len(names) == 1 and names[0] and not names[0].startswith(("$", "#")):
                return names[0]
    return None


def assignee_variable(element: etree._Element) -> str | None:
    """`camunda:assignee="${approver}"`: the data field naming the user (our `assigneeFrom`)."""
    match = re.fullmatch(
        r"\s*[$#]\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\s*", element.get(f"{{{CAMUNDA_NS}}}assignee") or ""
    )
    return match.group(1) if match else None


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str
    element_id: str | None


def untranslatable(root: etree._Element, descriptive: bool) -> list[Refusal]:
    """Every element whose meaning cannot run here, each with what to change."""
    found: list[Refusal] = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        local = etree.QName(element).localname
        name = element.get("name") or element.get("id")
        if local in (*_WORK_TASKS, "scriptTask", "receiveTask", "userTask", "task", "manualTask"):
            for attribute, text in _IMPLEMENTED_BY.items():
                value = next((v for ns in _ENGINE_NS if (v := element.get(f"{{{ns}}}{attribute}"))), None)
                if value:
                    found.append(
                        Refusal(
                            "implementation",
                            f"{local} {name!r} {text.format(value=value)}, which cannot run here: make it a user "
                            "task, a script task (Python) or a plain task",
                            element.get("id"),
                        )
                    )
            zeebe_job = any(
                etree.QName(c).localname == "taskDefinition" for c in element.iter() if isinstance(c.tag, str)
            )
            if zeebe_job and not _engine_attribute(element, tuple(_IMPLEMENTED_BY)):
                found.append(
                    Refusal(
                        "implementation",
                        f"{local} {name!r} is a Zeebe job for an external worker, which cannot run here: make it a "
                        "user task, a script task (Python) or a plain task",
                        element.get("id"),
                    )
                )
        if local in ("scriptTask", "script"):
            language = (element.get("scriptFormat") or "").strip().lower()
            if language and language not in ("python", "text/x-python"):
                shown = _SCRIPT_LANGUAGES.get(language.split("/")[-1], language)
                owner = element if local == "scriptTask" else _owner(element)
                found.append(
                    Refusal(
                        "script_language",
                        f"the {shown} script of {owner.get('name') or owner.get('id')!r} cannot run here: scripts "
                        "are Python (rewrite it in Python, or make the step a user task)",
                        owner.get("id"),
                    )
                )
        if local in _LISTENERS:
            owner = _owner(element)
            name = owner.get("name") or owner.get("id")
            found.append(Refusal("listener", _LISTENERS[local].format(name=repr(name)), owner.get("id")))
        if local in _WORK_TASKS and not descriptive and not _implemented(element):
            found.append(
                Refusal(
                    "no_implementation",
                    f"{local} {name!r} has no implementation: make it a user task or a plain task, or deploy the "
                    "file as a descriptive model (it then becomes a task someone does and confirms)",
                    element.get("id"),
                )
            )
    return found


def _owner(element: etree._Element) -> etree._Element:
    """The flow element an extension element belongs to."""
    node = element.getparent()
    while node is not None and not node.get("id"):
        node = node.getparent()
    return node if node is not None else element


def _engine_attribute(element: etree._Element, names: tuple[str, ...]) -> bool:
    return any(element.get(f"{{{ns}}}{name}") for ns in _ENGINE_NS for name in names)


def _implemented(element: etree._Element) -> bool:
    if _engine_attribute(element, (*_IMPLEMENTED_BY, "type")):
        return True
    return any(
        isinstance(c.tag, str) and etree.QName(c).localname in ("serviceTaskOperator", "connector", "taskDefinition")
        for c in element.iter()
    )


@dataclass
class RouteChoice:
    """A conditionless exclusive gateway in a descriptive model: who was just before it chooses
    the way (a required field of that task's generated form)."""

    field: str
    gateway_id: str
    options: list[tuple[str, str]]  # (flow id, label)
    chosen_by: set[str]  # element ids of the tasks right before the gateway


def describe(root: etree._Element) -> tuple[list[RouteChoice], list[Refusal]]:
    """Translate a descriptive model in place: service, send and business-rule tasks without an
    implementation become plain tasks (done and confirmed by a person); an exclusive gateway
    whose flows carry no conditions is decided by the person of the task before it; data
    objects and their associations are dropped."""
    choices: list[RouteChoice] = []
    refusals: list[Refusal] = []
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        local = etree.QName(element).localname
        parent = element.getparent()
        if local in _DOCUMENTATION_ONLY and parent is not None:
            parent.remove(element)  # where data lives, drawn for readers: nothing to run
        elif local in _WORK_TASKS and not _implemented(element):
            element.tag = f"{{{etree.QName(element).namespace or BPMN_NS}}}task"
        elif local == "exclusiveGateway":
            choice = _route(element)
            if choice is not None:
                if not choice.chosen_by:
                    refusals.append(
                        Refusal(
                            "descriptive_choice",
                            f"gateway {element.get('name') or element.get('id')!r} has flows without conditions and "
                            "no task right before it where someone could choose the way: put a task before it, or "
                            "give its flows conditions",
                            element.get("id"),
                        )
                    )
                choices.append(choice)
    return choices, refusals


def _route(gateway: etree._Element) -> RouteChoice | None:
    container = gateway.getparent()
    if container is None:
        return None
    gateway_id = gateway.get("id") or ""
    flows = [
        c
        for c in container
        if isinstance(c.tag, str) and etree.QName(c).localname == "sequenceFlow" and c.get("sourceRef") == gateway_id
    ]
    default = gateway.get("default")
    bare = [f for f in flows if f.get("id") != default and not _has_condition(f)]
    if len(flows) < 2 or not bare:
        return None
    nodes = {c.get("id"): c for c in container if isinstance(c.tag, str) and c.get("id")}
    variable = (ROUTE_PREFIX + re.sub(r"\W", "_", gateway_id))[:63]
    options = []
    for flow in flows:
        target = nodes.get(flow.get("targetRef"))
        label = flow.get("name") or (target.get("name") if target is not None else None) or flow.get("targetRef") or ""
        options.append((flow.get("id") or "", " ".join(label.split())))
        if flow in bare:
            condition = etree.SubElement(flow, f"{{{etree.QName(flow).namespace or BPMN_NS}}}conditionExpression")
            condition.text = f"{variable} == {flow.get('id')!r}"
    human = ("userTask", "task", "manualTask")
    chosen_by = {
        f.get("sourceRef") or ""
        for f in container
        if isinstance(f.tag, str)
        and etree.QName(f).localname == "sequenceFlow"
        and f.get("targetRef") == gateway_id
        and (source := nodes.get(f.get("sourceRef"))) is not None
        and etree.QName(source).localname in human
    }
    return RouteChoice(variable, gateway_id, options, chosen_by)


def _has_condition(flow: etree._Element) -> bool:
    return any(
        isinstance(c.tag, str) and etree.QName(c).localname == "conditionExpression" and (c.text or "").strip()
        for c in flow
    )


def pool_names(root: etree._Element) -> dict[str, str]:
    """Each process's name as the modeler shows it: its pool (participant) or its own name."""
    names = {
        e.get("id") or "": e.get("name") or ""
        for e in root.iter()
        if isinstance(e.tag, str) and etree.QName(e).localname == "process"
    }
    for participant in root.iter():
        if isinstance(participant.tag, str) and etree.QName(participant).localname == "participant":
            ref = participant.get("processRef")
            if ref in names and participant.get("name"):
                names[ref] = " ".join((participant.get("name") or "").split())
    return names

"""Workflow state as JSON-able dicts, without a copy of the process definition.

SpiffWorkflow's default serializer embeds the whole spec in every instance; ours writes only
the task tree and data, and takes the spec from the parsed (cached) deployment on load.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

STATE_FORMAT = "shouhou-1"


class _SpeclessWorkflowConverter(BpmnWorkflowConverter):  # type: ignore[misc]
    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any]) -> BpmnWorkflow:
        spec = dct.pop("spec")
        subprocess_specs = dct.pop("subprocess_specs")
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _make_serializer() -> BpmnWorkflowSerializer:
    config = deepcopy(SPIFF_CONFIG)
    config[BpmnWorkflow] = _SpeclessWorkflowConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


_serializer: BpmnWorkflowSerializer | None = None


def serializer() -> BpmnWorkflowSerializer:
    global _serializer
    if _serializer is None:
        _serializer = _make_serializer()
    return _serializer


def dump_workflow(workflow: BpmnWorkflow) -> dict[str, Any]:
    state: dict[str, Any] = serializer().to_dict(workflow)
    state["format"] = STATE_FORMAT
    state[BpmnWorkflowSerializer.VERSION_KEY] = serializer().VERSION
    return state


def _parents_first(workflow_dct: dict[str, Any]) -> None:
    """Order a (sub)workflow's tasks so every parent comes before its children.

    SpiffWorkflow stores each task's data as a delta against its parent and rebuilds it while
    the tasks are restored one by one, so a child restored before its parent silently loses its
    data. JSON keeps the order it was written in, but PostgreSQL's JSONB does not."""
    tasks: dict[str, Any] = workflow_dct["tasks"]
    ordered: dict[str, Any] = {}
    queue = [workflow_dct["root"]]
    while queue:
        task_id = queue.pop(0)
        if task_id in ordered or task_id not in tasks:
            continue
        ordered[task_id] = tasks[task_id]
        queue.extend(tasks[task_id]["children"])
    ordered.update((k, v) for k, v in tasks.items() if k not in ordered)
    workflow_dct["tasks"] = ordered


def load_workflow(state: dict[str, Any], spec: Any, subprocess_specs: dict[str, Any]) -> BpmnWorkflow:
    """Restore a workflow; `state` is consumed (pass a freshly decoded dict)."""
    if state.get("format") != STATE_FORMAT:
        raise ValueError(f"unknown workflow state format {state.get('format')!r}")
    dct = {k: v for k, v in state.items() if k not in ("format", BpmnWorkflowSerializer.VERSION_KEY)}
    _parents_first(dct)
    for sub in dct.get("subprocesses", {}).values():
        _parents_first(sub)
    dct["spec"] = spec
    dct["subprocess_specs"] = subprocess_specs
    workflow: BpmnWorkflow = serializer().from_dict(dct)
    return workflow

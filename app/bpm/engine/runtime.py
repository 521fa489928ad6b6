"""Running process instances: start, load, complete user tasks, fire timers, take messages.

`ProcessRun` wraps one SpiffWorkflow workflow; callers see only the dataclasses below.
Every operation that comes from outside (a task id from a request, a message) is checked here
before SpiffWorkflow sees it, since `Task.run()` itself checks nothing.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any, ParamSpec, TypeVar
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition, SignalEventDefinition
from SpiffWorkflow.util.task import TaskState

from . import clock, limits
from .diagrams import ProcessModel
from .limits import BoundExceeded
from .scripting import ScriptRefused, make_script_engine
from .serialization import dump_workflow, load_workflow, serializer


class EngineError(Exception):
    """The process could not go on: a script failed, a condition matched no flow, ..."""

    def __init__(self, message: str, element_id: str | None = None) -> None:
        super().__init__(message)
        self.element_id = element_id


class TaskNotReady(Exception):
    """The task id is unknown in this instance, not a user task, or not ready."""


class NoMatchingEvent(Exception):
    """The instance is not waiting for that message."""


@dataclass(frozen=True)
class ReadyTask:
    task_id: str
    element_id: str
    lane: str | None


@dataclass(frozen=True)
class PendingTimer:
    task_id: str
    element_id: str
    due_at: datetime


@dataclass(frozen=True)
class MigrationCheck:
    """Whether an instance can move to another version, and why not (or what will happen)."""

    can_move: bool
    reasons: list[str]  # blockers, by element
    notes: list[str]  # what moving does: tasks re-created, timers kept


@dataclass(frozen=True)
class Snapshot:
    status: str  # running | completed
    data: dict[str, Any]
    ready_tasks: list[ReadyTask]
    timers: list[PendingTimer]
    waiting_messages: list[str]
    engine_steps: list[str] = field(default_factory=list)
    waiting_signals: list[str] = field(default_factory=list)
    # Running with nothing anyone or anything can do (no task, timer, message or signal to
    # wait for): the elements where it stopped. Empty otherwise.
    stalled_at: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class OpenWork:
    """The instance's open user tasks and waiting timers as the engine held them when it was
    loaded: what the task and timer tables hold for it, since every step keeps them in step."""

    task_ids: frozenset[str]
    timers: frozenset[tuple[str, datetime]]  # (task id, due at)

    @classmethod
    def none(cls) -> OpenWork:
        return cls(frozenset(), frozenset())

    def without(self, task_ids: Iterable[str] = (), timers: Iterable[tuple[str, datetime]] = ()) -> OpenWork:
        """Less what the caller settles itself (the task it completes, the timers it fires)."""
        return OpenWork(self.task_ids - set(task_ids), self.timers - set(timers))


@dataclass
class _OpenElements:
    ready: list[ReadyTask] = field(default_factory=list)
    timers: list[PendingTimer] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    signals: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)  # open, but waiting for nothing we can deliver


def _leaves(definition: Any) -> list[Any]:
    """An event definition, or the ones a multiple event (an event-based gateway) holds."""
    if isinstance(definition, MultipleEventDefinition):
        return [leaf for d in definition.event_definitions for leaf in _leaves(d)]
    return [] if definition is None else [definition]


def _is_message(definition: Any, name: str) -> bool:
    return isinstance(definition, MessageEventDefinition) and definition.name == name


P = ParamSpec("P")
R = TypeVar("R")


def _engine_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """SpiffWorkflow's exceptions (and its bugs on odd input) as EngineError, naming the
    element where it knows one; the wrapped method keeps its own signature and result."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except ScriptRefused as err:
            raise EngineError(f"script refused: {err}") from None
        except BoundExceeded as err:
            raise EngineError(str(err), err.element_id) from None
        except WorkflowException as err:
            spec = getattr(err, "task_spec", None) or getattr(getattr(err, "task", None), "task_spec", None)
            element_id = getattr(spec, "bpmn_id", None)
            raise EngineError(_first_line(err), element_id) from None
        except SpiffWorkflowException as err:
            raise EngineError(_first_line(err)) from None
        except (TaskNotReady, NoMatchingEvent):
            raise
        except Exception as err:  # noqa: BLE001 - a SpiffWorkflow bug on odd input must not be a 500
            raise EngineError(f"{type(err).__name__}: {err}") from None

    return wrapper


def _first_line(err: Exception) -> str:
    text = str(err).strip().split("\n")[0]
    notes = getattr(err, "__notes__", None)
    cause = getattr(err, "exception", None)
    if isinstance(cause, ScriptRefused):
        text = f"{text}: script refused: {cause}"
    elif cause is not None and str(cause) not in text:
        text = f"{text}: {type(cause).__name__}: {cause}"
    return text if not notes else f"{text} ({notes[0]})"


def prune_finished(workflow: BpmnWorkflow) -> int:
    """Drop the finished tasks above the open part of the task tree; returns how many.

    SpiffWorkflow keeps every completed task, so an instance's state and the cost of every step
    grow with its history, and a loop breaks outright after ~333 rounds (the task iterator stops
    at depth 1000). History lives in the audit trail, so the tree only needs its open part: the
    subtree under the deepest common ancestor of all unfinished tasks. Everything a join, a
    boundary event or a subprocess looks at is inside that subtree: parallel branches hang under
    their split, which is that ancestor or above it only when it is finished with no open
    branch. The subtree is hung directly under the root.
    """
    root = workflow.task_tree
    open_tasks = [t for t in workflow.tasks.values() if not t.has_state(TaskState.FINISHED_MASK)]
    if not open_tasks:
        return 0
    keep_from = _common_ancestor(open_tasks)
    if keep_from is root or keep_from.parent is root:
        return 0
    kept = {root.id: root}
    stack = [keep_from]
    while stack:
        task = stack.pop()
        kept[task.id] = task
        stack.extend(task.children)
    removed = [task_id for task_id in workflow.tasks if task_id not in kept]
    root._children = [keep_from.id]
    keep_from._parent = root.id
    workflow.tasks = kept
    for task_id in removed:
        workflow.subprocesses.pop(task_id, None)
    if workflow.last_task is not None and workflow.last_task.id not in kept:
        workflow.last_task = keep_from
    return len(removed)


def _common_ancestor(tasks: list[Any]) -> Any:
    def lineage(task: Any) -> list[Any]:
        chain = []
        while task is not None:
            chain.append(task)
            task = task.parent
        return chain[::-1]  # root first

    common = lineage(tasks[0])
    for task in tasks[1:]:
        other = lineage(task)
        depth = 0
        while depth < min(len(common), len(other)) and common[depth] is other[depth]:
            depth += 1
        common = common[:depth]
    return common[-1]


class ProcessRun:
    """One process instance in memory, between load and dump."""

    def __init__(self, model: ProcessModel, workflow: BpmnWorkflow) -> None:
        self.model = model
        self.workflow = workflow
        self.workflow.script_engine = make_script_engine()
        self._steps: list[str] = []
        self._budget = limits.LIMITS.steps_per_transaction

    # construction -------------------------------------------------------------------------
    @classmethod
    @_engine_errors
    def start(cls, model: ProcessModel, data: dict[str, Any], now: datetime | None = None) -> ProcessRun:
        clock.install()
        workflow = BpmnWorkflow(model.spec, model.subprocess_specs)
        run = cls(model, workflow)
        with clock.engine_time(now):
            start_task = workflow.task_tree
            start_task.data.update(data)
            for task in workflow.get_tasks(state=TaskState.READY):
                task.data.update(data)
            run._advance()
        return run

    @classmethod
    def load(cls, model: ProcessModel, state: dict[str, Any]) -> ProcessRun:
        clock.install()
        # The script engine is not serialized: ProcessRun.__init__ attaches ours every time.
        return cls(model, load_workflow(state, model.spec, model.subprocess_specs))

    def dump(self) -> dict[str, Any]:
        """The state to store: only the open part of the task tree (see `prune_finished`)."""
        prune_finished(self.workflow)
        return dump_workflow(self.workflow)

    # operations ---------------------------------------------------------------------------
    def _advance(self) -> None:
        self._budget = limits.LIMITS.steps_per_transaction
        self.workflow.do_engine_steps(did_complete_task=self._record_step)
        self.workflow.refresh_timers()
        self.workflow.do_engine_steps(did_complete_task=self._record_step)

    def _record_step(self, task: Any) -> None:
        element_id = getattr(task.task_spec, "bpmn_id", None)
        if element_id:
            self._steps.append(element_id)
            self._budget -= 1
            if self._budget < 0:
                # A script, gateway and flow back with nothing to wait for: stopped here rather
                # than at the task tree's depth limit, which looks like waiting.
                raise BoundExceeded(
                    f"loop without a wait state at {element_id}: more than "
                    f"{limits.LIMITS.steps_per_transaction} steps in one go",
                    element_id,
                )

    def _ready_user_task(self, task_id: str) -> Any:
        try:
            uuid = UUID(task_id)
        except ValueError:
            raise TaskNotReady(f"malformed task id {task_id!r}") from None
        task = self.workflow.get_task_from_id(uuid)
        if task is None:
            raise TaskNotReady(f"task {task_id} is not part of this instance")
        if not task.task_spec.manual or getattr(task.task_spec, "bpmn_id", None) not in self.model.user_tasks:
            raise TaskNotReady(f"task {task_id} is not a user task")
        if task.state != TaskState.READY:
            raise TaskNotReady(f"task {task_id} is {TaskState.get_name(task.state).lower()}, not ready")
        return task

    def task_data(self, task_id: str) -> dict[str, Any]:
        """A copy of the data a ready user task starts from: its own branch's, which in
        parallel branches lacks what the other branches have done since they split."""
        return copy.deepcopy(dict(self._ready_user_task(task_id).data))

    def known_data(self) -> dict[str, Any]:
        """The data as every branch has left it so far: the last finished task of each path,
        merged oldest first (a join would merge the same). With parallel branches open, the
        instance's data is only the latest branch's. The values are the engine's: read only."""
        workflows = [self.workflow, *self.workflow.subprocesses.values()]
        leaves = [
            task
            for workflow in workflows
            for task in workflow.get_tasks(state=TaskState.COMPLETED)
            if not any(child.state == TaskState.COMPLETED for child in task.children)
        ]
        known: dict[str, Any] = {}
        for task in sorted(leaves, key=lambda t: t.last_state_change):
            known.update(task.data)
        return known

    @_engine_errors
    def complete_user_task(self, task_id: str, data: dict[str, Any], now: datetime | None = None) -> None:
        task = self._ready_user_task(task_id)
        info = self.model.user_tasks[task.task_spec.bpmn_id]
        with clock.engine_time(now):
            if info.result_key:
                task.data[info.result_key] = data
            else:
                task.data.update(data)
            task.run()
            self._record_step(task)
            self._advance()

    @_engine_errors
    def fire_due_timers(self, now: datetime) -> list[str]:
        """Fire every timer due at or before `now`; returns the element ids that fired."""
        due = [t for t in self.pending_timers() if t.due_at <= now]
        if not due:
            return []
        self._skip_missed_repetitions(now)
        with clock.engine_time(now):
            self.workflow.refresh_timers()
            self._advance()
        still = {t.task_id for t in self.pending_timers()}
        return [t.element_id for t in due if t.task_id not in still or self._is_cycle(t.task_id)]

    def _skip_missed_repetitions(self, now: datetime) -> None:
        """A timer cycle fires at most once in a pass: after a worker was down, a cycle that
        missed several repetitions fires once now and goes on from there, its count intact
        (SpiffWorkflow would fire every missed one at once)."""
        for task in self.workflow.get_tasks(state=TaskState.WAITING):
            if not isinstance(getattr(task.task_spec, "event_definition", None), CycleTimerEventDefinition):
                continue
            value = task.internal_data.get("event_value")
            if not isinstance(value, dict) or not value.get("cycles") or not value.get("duration"):
                continue
            due, interval = datetime.fromisoformat(value["next"]), timedelta(seconds=value["duration"])
            if due + interval <= now:
                value["next"] = (due + interval * int((now - due) / interval)).isoformat()

    def _is_cycle(self, task_id: str) -> bool:
        task = self.workflow.get_task_from_id(UUID(task_id))
        return task is not None and isinstance(task.task_spec.event_definition, CycleTimerEventDefinition)

    @_engine_errors
    def deliver_message(
        self, name: str, payload: dict[str, Any], correlations: dict[str, Any], now: datetime | None = None
    ) -> None:
        waiting = self._waiting_message_tasks(name)
        if not waiting:
            raise NoMatchingEvent(f"this instance is not waiting for message {name!r}")
        for task in waiting:
            definition = next(d for d in _leaves(task.task_spec.event_definition) if _is_message(d, name))
            if getattr(definition, "message_var", None) is None:
                # No spiffworkflow:messageVariable in the diagram: the payload's fields become
                # process data (SpiffWorkflow would otherwise drop them).
                task.data.update(payload)
        with clock.engine_time(now):
            event = BpmnEvent(MessageEventDefinition(name), payload=payload, correlations=correlations)
            self.workflow.send_event(event)
            self._advance()

    # migration --------------------------------------------------------------------------------
    def _diffs(self, target: ProcessModel) -> tuple[Any, dict[Any, Any]]:
        return diff_workflow(serializer().registry, self.workflow, target.spec, target.subprocess_specs)  # type: ignore[no-any-return]

    @_engine_errors
    def check_migration(self, target: ProcessModel) -> MigrationCheck:
        """A dry run: every open element must exist in the target version."""
        if self.workflow.completed:
            return MigrationCheck(False, ["the instance has finished"], [])
        top, subprocesses = self._diffs(target)
        reasons, notes = [], []
        open_mask = TaskState.READY | TaskState.WAITING | TaskState.STARTED
        for diff in [top, *subprocesses.values()]:
            if diff is None:
                reasons.append("a running sub-process does not exist in the target version")
                continue
            for task in diff.removed:
                if task.has_state(open_mask) and getattr(task.task_spec, "bpmn_id", None):
                    reasons.append(f"{task.task_spec.bpmn_id}: open here, not in the target version")
            for task in diff.changed:
                if task.has_state(open_mask) and getattr(task.task_spec, "bpmn_id", None):
                    notes.append(f"{task.task_spec.bpmn_id}: changed; the open task is re-created")
            for task, spec in diff.alignment.items():
                old_id, new_id = getattr(task.task_spec, "bpmn_id", None), getattr(spec, "bpmn_id", None)
                if task.has_state(open_mask) and old_id and new_id and old_id != new_id:
                    notes.append(f"{old_id}: continues as {new_id} (same place in the flow)")
        for timer in self.pending_timers():
            notes.append(f"{timer.element_id}: waiting timer keeps its deadline {timer.due_at.isoformat()}")
        return MigrationCheck(not reasons, reasons, notes)

    @_engine_errors
    def migrate(self, target: ProcessModel, now: datetime | None = None) -> None:
        """Move to the target version (after `check_migration` said it can). SpiffWorkflow
        re-creates open tasks and restarts waiting timers; the original deadlines are put back."""
        deadlines = {t.element_id: t.due_at for t in self.pending_timers()}
        top, subprocesses = self._diffs(target)
        with clock.engine_time(now):
            migrate_workflow(top, self.workflow, target.spec)
            for sub_id, diff in subprocesses.items():
                sub = self.workflow.subprocesses[sub_id]
                migrate_workflow(diff, sub, target.subprocess_specs[sub.spec.name])
            self.workflow.subprocess_specs = target.subprocess_specs
            self.model = target
            self._advance()
        if self.workflow.last_task is None:  # reset by the migration: the open tasks hold the data
            waiting = self.workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)
            self.workflow.last_task = max(waiting, key=lambda t: t.last_state_change, default=None)
        for task in self.workflow.get_tasks(state=TaskState.WAITING):
            element_id = getattr(task.task_spec, "bpmn_id", None)
            if element_id in deadlines and "event_value" in task.internal_data:
                task.internal_data["event_value"] = deadlines[element_id].isoformat()

    # inspection ---------------------------------------------------------------------------
    def ready_tasks(self) -> list[ReadyTask]:
        return self._open_elements().ready

    def pending_timers(self) -> list[PendingTimer]:
        return self._open_elements().timers

    def _open_elements(self) -> _OpenElements:
        """Ready human tasks, waiting timers and awaited message and signal names, in one walk
        of the task tree (each walk visits every task, subprocesses included). The catch events
        behind an event-based gateway wait as one task, the gateway's, holding every event."""
        found = _OpenElements()
        for task in self.workflow.get_tasks(state=TaskState.READY | TaskState.WAITING):
            spec = task.task_spec
            element_id = getattr(spec, "bpmn_id", None)
            if task.state == TaskState.READY:
                if spec.manual and element_id in self.model.user_tasks:
                    found.ready.append(ReadyTask(str(task.id), element_id, spec.lane))
                elif element_id:
                    found.other.append(element_id)
                continue
            waits = False
            for definition in _leaves(getattr(spec, "event_definition", None)):
                if isinstance(definition, TimerEventDefinition):
                    value = definition.details(task).value
                    # (a cycle that has fired all its repetitions holds its bookkeeping, not a time)
                    if isinstance(value, str | datetime):
                        due = TimerEventDefinition.get_datetime(value) if isinstance(value, str) else value
                        found.timers.append(PendingTimer(str(task.id), element_id or "", due.astimezone(UTC)))
                        waits = True
                elif isinstance(definition, MessageEventDefinition):
                    found.messages.append(definition.name)
                    waits = True
                elif isinstance(definition, SignalEventDefinition):
                    found.signals.append(definition.name)
                    waits = True
            if not waits and element_id:
                found.other.append(element_id)
        return found

    def _waiting_message_tasks(self, name: str) -> list[Any]:
        return [
            task
            for task in self.workflow.get_tasks(state=TaskState.WAITING)
            if any(_is_message(d, name) for d in _leaves(getattr(task.task_spec, "event_definition", None)))
        ]

    def waiting_messages(self) -> list[str]:
        return self._open_elements().messages

    def message_lanes(self, name: str) -> set[str]:
        """The lanes in which this instance waits for message `name`: the lane of each catching
        event (a boundary event outside any lane counts in the lane of its task)."""
        lanes: set[str] = set()
        for task in self._waiting_message_tasks(name):
            holder = task
            while holder is not None and getattr(holder.task_spec, "lane", None) is None:
                holder = holder.parent
            if holder is not None:
                lanes.add(str(holder.task_spec.lane))
        return lanes

    def open_work(self) -> OpenWork:
        found = self._open_elements()
        return OpenWork(
            frozenset(t.task_id for t in found.ready), frozenset((t.task_id, t.due_at) for t in found.timers)
        )

    def snapshot(self) -> Snapshot:
        found = self._open_elements()
        completed = self.workflow.completed
        waits = found.ready or found.timers or found.messages or found.signals
        return Snapshot(
            status="completed" if completed else "running",
            data=dict(self.workflow.data if completed else self._current_data()),
            ready_tasks=found.ready,
            timers=found.timers,
            waiting_messages=found.messages,
            engine_steps=list(self._steps),
            waiting_signals=found.signals,
            stalled_at=[] if completed or waits else sorted(set(found.other)) or ["?"],
        )

    def thrown_signals(self) -> list[str]:
        """The signals this run threw since it was loaded (taken out of the engine): every
        other instance waiting for one of them receives it."""
        return [
            event.event_definition.name
            for event in self.workflow.get_events()
            if isinstance(event.event_definition, SignalEventDefinition)
        ]

    @_engine_errors
    def deliver_signal(self, name: str, now: datetime | None = None) -> None:
        with clock.engine_time(now):
            self.workflow.send_event(BpmnEvent(SignalEventDefinition(name)))
            self._advance()

    def _current_data(self) -> dict[str, Any]:
        """The business data as the latest finished task left it, inside subprocesses too
        (the top workflow's `last_task` does not move while a subprocess runs)."""
        candidates = [
            workflow.last_task
            for workflow in [self.workflow, *self.workflow.subprocesses.values()]
            if workflow.last_task is not None
        ]
        if candidates:
            return dict(max(candidates, key=lambda task: task.last_state_change).data)
        return dict(self.workflow.task_tree.data)

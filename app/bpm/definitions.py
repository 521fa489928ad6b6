"""Deployed process definitions: deploying new versions and the per-version parse cache (P1)."""

from __future__ import annotations

import hashlib
import html
import json
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from app.bpm import audit
from app.bpm.durations import parse_duration
from app.bpm.engine import (
    DeployOptions,
    DiagramInvalid,
    ProcessModel,
    UserTaskInfo,
    called_processes,
    element_signatures,
    parse_diagram,
)
from app.bpm.errors import DeploymentRejected, Forbidden, NotFound, ServiceError
from app.bpm.forms import FormDefinition, FormInvalid, load_form
from app.bpm.models import Group, ProcessDefinition, ProcessInstance, User, utcnow
from app.bpm.plugins import plugin_for
from app.bpm.policies import Console, can_deploy


@dataclass(frozen=True, eq=False)
class LoadedDefinition:
    """A deployed version, parsed: the engine model and its forms, ready to run."""

    id: int
    process_id: str
    version: int
    model: ProcessModel
    forms: dict[str, FormDefinition]

    @property
    def lanes(self) -> set[str]:
        return {t.lane for t in self.model.user_tasks.values() if t.lane}


class _DefinitionCache:
    """Parsed versions by row id and content hash: a version never changes, and the hash keeps
    two databases served by one process (tests, a migration) from sharing a wrong entry."""

    def __init__(self, size: int = 128) -> None:
        self._items: OrderedDict[tuple[int, str], LoadedDefinition] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, definition: ProcessDefinition) -> LoadedDefinition:
        key = (definition.id, definition.content_hash)
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        loaded = _load(definition)
        with self._lock:
            self._items[key] = loaded
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return loaded


_cache = _DefinitionCache()


def _load(definition: ProcessDefinition) -> LoadedDefinition:
    called = _called_diagrams(object_session(definition), definition.called_versions or {})
    options = DeployOptions.from_json(definition.deploy_options)
    model = parse_diagram(definition.bpmn_xml.encode("utf-8"), f"{definition.process_id}.bpmn", called, options)
    forms = {name: load_form(name, doc["schema"], doc.get("ui")) for name, doc in definition.forms.items()}
    forms.update(generated_forms(model))
    return LoadedDefinition(definition.id, definition.process_id, definition.version, model, forms)


def generated_forms(model: ProcessModel) -> dict[str, FormDefinition]:
    """The forms the engine generated for user tasks without a form file."""
    return {
        task.form: load_form(task.form, task.generated_form)
        for task in model.user_tasks.values()
        if task.form and task.generated_form is not None
    }


def _called_diagrams(session: Session | None, pins: dict[str, int]) -> dict[str, bytes]:
    """The diagrams of the versions call activities were pinned to at deploy, and of the
    versions those call, by process id."""
    found: dict[str, bytes] = {}
    pending = dict(pins)
    while pending and session is not None and len(found) < MAX_CALLED:
        process_id, definition_id = pending.popitem()
        if process_id in found:
            continue
        row = session.get(ProcessDefinition, definition_id)
        if row is None:
            continue
        found[process_id] = row.bpmn_xml.encode("utf-8")
        pending.update({k: v for k, v in (row.called_versions or {}).items() if k not in found})
    return found


MAX_CALLED = 50  # processes one diagram may reach through call activities


def loaded(definition: ProcessDefinition) -> LoadedDefinition:
    return _cache.get(definition)


def latest(session: Session, process_id: str, include_retired: bool = False) -> ProcessDefinition:
    """The version new instances start on: the newest one not retired."""
    query = select(ProcessDefinition).where(ProcessDefinition.process_id == process_id)
    if not include_retired:
        query = query.where(ProcessDefinition.retired_at.is_(None))
    found = session.scalars(query.order_by(ProcessDefinition.version.desc()).limit(1)).first()
    if found is None:
        raise NotFound("error.no_process", process_id=process_id)
    return found


def set_retired(session: Session, user: User, process_id: str, number: int, retired: bool) -> ProcessDefinition:
    """Retire a version (no new instances start on it; running ones finish on it), or put it
    back. Process owners only."""
    if not can_deploy(user):
        raise Forbidden("error.forbidden")
    row = version(session, process_id, number)
    now = utcnow()
    if retired and row.retired_at is None:
        row.retired_at, row.retired_by_id = now, user.id
        audit.record(session, "version_retired", user, now, details={"process_id": process_id, "version": number})
    elif not retired and row.retired_at is not None:
        row.retired_at, row.retired_by_id = None, None
        audit.record(session, "version_reinstated", user, now, details={"process_id": process_id, "version": number})
    session.commit()
    return row


def list_latest(session: Session) -> list[ProcessDefinition]:
    newest = (
        select(ProcessDefinition.process_id, func.max(ProcessDefinition.version).label("version"))
        .where(ProcessDefinition.retired_at.is_(None))
        .group_by(ProcessDefinition.process_id)
        .subquery()
    )
    return list(
        session.scalars(
            select(ProcessDefinition)
            .join(
                newest,
                (ProcessDefinition.process_id == newest.c.process_id) & (ProcessDefinition.version == newest.c.version),
            )
            .order_by(ProcessDefinition.process_id)
        )
    )


def list_all(session: Session) -> list[ProcessDefinition]:
    return list(
        session.scalars(select(ProcessDefinition).order_by(ProcessDefinition.process_id, ProcessDefinition.version))
    )


@dataclass(frozen=True)
class VersionRow:
    definition: ProcessDefinition
    running: int
    finished: int


def versions(session: Session) -> dict[str, list[VersionRow]]:
    """Every deployed version by process, newest first, with how many instances run on it."""
    counts = {
        (definition_id, status): count
        for definition_id, status, count in session.execute(
            select(ProcessInstance.definition_id, ProcessInstance.status, func.count()).group_by(
                ProcessInstance.definition_id, ProcessInstance.status
            )
        )
    }
    grouped: dict[str, list[VersionRow]] = {}
    for definition in reversed(list_all(session)):
        row = VersionRow(
            definition,
            running=counts.get((definition.id, "running"), 0),
            finished=counts.get((definition.id, "completed"), 0),
        )
        grouped.setdefault(definition.process_id, []).append(row)
    return dict(sorted(grouped.items()))


def content_hash(
    bpmn: bytes, forms: dict[str, Any], called_versions: dict[str, int] | None = None, options: Any = None
) -> str:
    digest = hashlib.sha256(bpmn)
    digest.update(json.dumps(forms, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    if called_versions:  # the same file calling newer versions is a new version
        digest.update(json.dumps(called_versions, sort_keys=True).encode("utf-8"))
    if options:  # so is the same file read with other options (another lane table, say)
        digest.update(json.dumps(options, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()


@dataclass(frozen=True)
class DeployResult:
    definition: ProcessDefinition
    created: bool


@dataclass(frozen=True)
class CheckedDiagram:
    model: ProcessModel
    forms: dict[str, dict[str, Any]]  # the forms the diagram uses, by name
    called_versions: dict[str, int]  # process id -> definition id of each process called outside the file


def check_diagram(
    session: Session,
    bpmn: bytes,
    available_forms: dict[str, dict[str, Any]],
    filename: str,
    options: DeployOptions | None = None,
) -> CheckedDiagram:
    """Parse and check a diagram with the forms it names; raise DeploymentRejected listing
    every problem by element."""
    try:
        bpmn.decode("utf-8")
    except UnicodeDecodeError:
        raise DeploymentRejected(
            [_problem("encoding", "the file is not UTF-8: save it as UTF-8 and upload again")]
        ) from None
    called_versions, called, problems = _called(session, bpmn)
    if problems:
        raise DeploymentRejected(problems)
    try:
        model = parse_diagram(bpmn, filename, called, options)
    except DiagramInvalid as err:
        raise DeploymentRejected([_problem(p.code, p.message, p.element_id, p.line) for p in err.problems]) from None
    groups = set(session.scalars(select(Group.id)))
    problems = _plugin_problems(session, model) + _lane_table_problems(options, groups)
    used: dict[str, dict[str, Any]] = {}
    for task in model.user_tasks.values():
        problems.extend(_task_problems(task, groups, available_forms, used))
    if problems:
        raise DeploymentRejected(problems)
    return CheckedDiagram(model, used, called_versions)


def _lane_table_problems(options: DeployOptions | None, groups: set[str]) -> list[dict[str, Any]]:
    return [
        _problem("unknown_group", f"lane_groups maps {lane!r} to {group!r}, which is no known group")
        for lane, group in sorted((options.lane_groups if options else {}).items())
        if group not in groups
    ]


def _task_problems(
    task: UserTaskInfo, groups: set[str], available_forms: dict[str, dict[str, Any]], used: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """What is wrong with one human task: its lane, due interval and form (a form it uses
    goes into `used`)."""
    problems: list[dict[str, Any]] = []
    if task.lane is None:
        problems.append(
            _problem(
                "no_lane",
                f"task {task.title!r} is not in a lane: put it in the lane of the group that does it, or "
                'choose a group for tasks outside lanes when deploying (lane_groups "*")',
                task.element_id,
            )
        )
    elif task.lane not in groups:
        problems.append(
            _problem(
                "unknown_group",
                f"lane {task.lane!r} of task {task.title!r} names no known group "
                f"(known: {', '.join(sorted(groups))}): rename the lane, or map it to a group when deploying "
                "(lane_groups)",
                task.element_id,
            )
        )
    if task.due_in and parse_duration(task.due_in) is None:
        message = f"dueIn {task.due_in!r} of user task {task.title!r} is not an ISO 8601 duration like PT1H or P3D"
        problems.append(_problem("due_in", message, task.element_id))
    if task.form is None:
        return problems
    if task.generated_form is not None:
        try:
            load_form(task.form, task.generated_form)
        except FormInvalid as err:
            problems.extend(_problem("invalid_form", str(p), task.element_id) for p in err.problems)
        return problems
    doc = available_forms.get(task.form)
    if doc is None:
        problems.append(
            _problem(
                "unknown_form",
                f"user task {task.title!r} names form {task.form!r}, which does not exist in forms/",
                task.element_id,
            )
        )
        return problems
    try:
        load_form(task.form, doc["schema"], doc.get("ui"))
    except FormInvalid as err:
        problems.extend(_problem("invalid_form", f"form {task.form}: {p}", task.element_id) for p in err.problems)
        return problems
    used[task.form] = doc
    return problems


def _called(session: Session, bpmn: bytes) -> tuple[dict[str, int], dict[str, bytes], list[dict[str, Any]]]:
    """The latest deployed version of each process the diagram calls outside the file (pinned
    at deploy: a later version of the called process does not change this one), their
    diagrams with those they call, and a problem for each called process not deployed."""
    pins: dict[str, int] = {}
    problems = []
    for process_id, call_ids in sorted(called_processes(bpmn).items()):
        try:
            row = latest(session, process_id)
        except NotFound:
            for element_id in call_ids:
                message = (
                    f"call activity {element_id!r} calls process {process_id!r}, which is neither in this file "
                    f"nor deployed: deploy {process_id} first, or put it in this file"
                )
                problems.append(_problem("called_process_missing", message, element_id))
            continue
        pins[process_id] = row.id
    return pins, _called_diagrams(session, pins), problems


def _plugin_problems(session: Session, model: ProcessModel) -> list[dict[str, Any]]:
    """The elements the process's own code relies on (its plugin's `requires`) must be there,
    as the same kind of element: a rename in the modeler would otherwise switch that code off
    without a word."""
    problems = []
    for element_id, kind, found in plugin_for(session, model.process_id).missing_elements(model.elements):
        if found is None:
            message = (
                f"element {element_id!r} ({kind}) is missing: the {model.process_id} process's own code relies "
                f"on it; keep an element with this id (rename it back if it was renamed)"
            )
        else:
            message = (
                f"element {element_id!r} is a {found}, but the {model.process_id} process's own code relies on "
                f"it being a {kind}"
            )
        problems.append(_problem("plugin_element_missing", message, element_id))
    return problems


def _problem(code: str, message: str, element_id: str | None = None, line: int | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "element_id": element_id, "line": line}


def deploy(
    session: Session,
    bpmn: bytes,
    available_forms: dict[str, dict[str, Any]],
    actor: User | Console,
    filename: str = "diagram.bpmn",
    options: DeployOptions | None = None,
) -> DeployResult:
    """Deploy a diagram as a new version unless the same content is already the latest."""
    if not can_deploy(actor):
        raise Forbidden("error.forbidden")
    checked = check_diagram(session, bpmn, available_forms, filename, options)
    model, forms = checked.model, checked.forms
    stored_options = options.to_json() if options else None
    digest = content_hash(bpmn, forms, checked.called_versions, stored_options)
    current = session.scalars(
        select(ProcessDefinition)
        .where(ProcessDefinition.process_id == model.process_id)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    ).first()
    if current is not None and current.content_hash == digest:
        return DeployResult(current, created=False)
    now = utcnow()
    definition = ProcessDefinition(
        process_id=model.process_id,
        version=(current.version + 1) if current else 1,
        name=model.name,
        content_hash=digest,
        bpmn_xml=bpmn.decode("utf-8"),
        forms=forms,
        called_versions=checked.called_versions or None,
        deploy_options=stored_options,
        deployed_at=now,
        deployed_by_id=actor.id,
    )
    session.add(definition)
    session.flush()
    audit.record(
        session,
        "deployed",
        actor if isinstance(actor, User) else None,
        now,
        details={"process_id": definition.process_id, "version": definition.version, "hash": digest},
    )
    session.commit()
    return DeployResult(definition, created=True)


def deploy_options_of(session: Session, process_id: str | None) -> DeployOptions | None:
    """The options the latest version of a process was deployed with (None for a new one)."""
    if not process_id:
        return None
    current = session.scalars(
        select(ProcessDefinition)
        .where(ProcessDefinition.process_id == process_id)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    ).first()
    return DeployOptions.from_json(current.deploy_options) if current is not None else None


def forms_for_editing(
    session: Session, available_forms: dict[str, dict[str, Any]], process_id: str | None
) -> dict[str, dict[str, Any]]:
    """The forms a modeler session starts from: those in forms/, overlaid with the forms the
    process's latest version was deployed with (edits made in the browser before)."""
    forms = dict(available_forms)
    if process_id:
        current = session.scalars(
            select(ProcessDefinition)
            .where(ProcessDefinition.process_id == process_id)
            .order_by(ProcessDefinition.version.desc())
            .limit(1)
        ).first()
        if current is not None:
            forms.update(current.forms or {})
    return forms


NEW_DIAGRAM = Path(__file__).with_name("new_diagram.bpmn")
PROCESS_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")


def new_diagram(process_id: str, name: str) -> str:
    """A blank diagram (one pool, one lane, a start event) for a new process."""
    if not PROCESS_ID.match(process_id):
        raise ServiceError("error.bad_process_id")
    template = NEW_DIAGRAM.read_text(encoding="utf-8")
    return template.format(pid=process_id, name=html.escape(name or process_id, quote=True))


@dataclass(frozen=True)
class ElementChange:
    element_id: str
    kind: str
    name: str
    change: str  # added | removed | changed
    what: list[str]  # for changed: kind, name, lane, then the properties that differ (condition, timer…)


@dataclass(frozen=True)
class VersionDiff:
    old: ProcessDefinition
    new: ProcessDefinition
    changes: list[ElementChange]


def version(session: Session, process_id: str, number: int) -> ProcessDefinition:
    row = session.scalars(
        select(ProcessDefinition).where(ProcessDefinition.process_id == process_id, ProcessDefinition.version == number)
    ).first()
    if row is None:
        raise NotFound("error.not_found")
    return row


def diff_versions(session: Session, process_id: str, old_version: int, new_version: int) -> VersionDiff:
    """Elements added, removed and changed between two versions (layout moves are not changes)."""
    old, new = version(session, process_id, old_version), version(session, process_id, new_version)
    before = element_signatures(old.bpmn_xml.encode("utf-8"))
    after = element_signatures(new.bpmn_xml.encode("utf-8"))
    changes = []
    for element_id in sorted(set(before) | set(after)):
        a, b = before.get(element_id), after.get(element_id)
        if a is None and b is not None:
            changes.append(ElementChange(element_id, b.kind, b.name, "added", []))
        elif b is None and a is not None:
            changes.append(ElementChange(element_id, a.kind, a.name, "removed", []))
        elif a is not None and b is not None and a != b:
            what = [field for field in ("kind", "name", "lane") if getattr(a, field) != getattr(b, field)]
            names = a.properties.keys() | b.properties.keys()
            what += sorted(n for n in names if a.properties.get(n) != b.properties.get(n))
            changes.append(ElementChange(element_id, b.kind, b.name or a.name, "changed", what))
    return VersionDiff(old, new, changes)

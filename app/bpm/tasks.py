"""The worklist and the life of a human task: claim, release, save a draft, complete (P2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.exc import StaleDataError

from app.bpm import audit, definitions
from app.bpm.engine import EngineError, ProcessRun, TaskNotReady
from app.bpm.errors import Conflict, Forbidden, FormRejected, NotFound, ProcessFailed
from app.bpm.forms import FormDefinition, validate_form_data
from app.bpm.instances import check_data_keys, work_context
from app.bpm.models import HumanTask, ProcessInstance, User, utcnow
from app.bpm.plugins import Choices, StepContext, WorkContext, plugin_for
from app.bpm.policies import can_claim, can_release, can_view_task, can_work_on
from app.bpm.runs import StepWrites, save_run
from app.bpm.unit_of_work import transactional
from app.i18n import translate

WORKLIST_LIMIT = 50


def _worklist_order(task: HumanTask) -> tuple[bool, datetime, datetime]:
    return (task.due_at is None, task.due_at or task.created_at, task.created_at)


def worklist(
    session: Session, user: User, instance_id: int | None = None, limit: int = WORKLIST_LIMIT
) -> list[HumanTask]:
    """Open tasks assigned to the user or unclaimed in one of their groups; overdue and
    soonest-due first, tasks without a due date last.

    One short index range scan per source (assigned to me; each of my groups) instead of one
    query with an OR, so the cost does not grow with the number of open tasks (issue 5)."""
    open_task = select(HumanTask).where(HumanTask.status == "ready")
    if instance_id is not None:
        visible = or_(
            HumanTask.assignee_id == user.id,
            HumanTask.assignee_id.is_(None) & HumanTask.candidate_group.in_(user.group_ids),
        )
        rows = session.scalars(open_task.where(HumanTask.instance_id == instance_id, visible)).all()
        return sorted(rows, key=_worklist_order)[:limit]
    sources = [open_task.where(HumanTask.assignee_id == user.id)] + [
        open_task.where(HumanTask.candidate_group == group, HumanTask.assignee_id.is_(None))
        for group in sorted(user.group_ids)
    ]
    found: list[HumanTask] = []
    for source in sources:
        dated = session.scalars(
            source.where(HumanTask.due_at.is_not(None)).order_by(HumanTask.due_at, HumanTask.created_at).limit(limit)
        ).all()
        found.extend(dated)
        if len(dated) < limit:
            undated = source.where(HumanTask.due_at.is_(None)).order_by(HumanTask.created_at)
            found.extend(session.scalars(undated.limit(limit - len(dated))).all())
    return sorted(found, key=_worklist_order)[:limit]


def open_task_count(session: Session, user: User) -> int:
    """How many open tasks wait for the user: assigned to them, or unclaimed in their groups
    (the number in the navigation)."""
    mine = (HumanTask.assignee_id == user.id) | (
        HumanTask.assignee_id.is_(None) & HumanTask.candidate_group.in_(sorted(user.group_ids))
    )
    query = select(func.count()).select_from(HumanTask).where(HumanTask.status == "ready", mine)
    return int(session.scalar(query) or 0)


def task_title(task: HumanTask, locale: str) -> str:
    """The task's display name in `locale` (the diagram's `title_en` for English)."""
    info = definitions.loaded(task.instance.definition).model.user_tasks.get(task.element_id)
    return info.localized_title(locale) if info else task.title


def element_title(instance: ProcessInstance, element_id: str, locale: str) -> str:
    """A user task's display name by element id (history filters), else the id itself."""
    info = definitions.loaded(instance.definition).model.user_tasks.get(element_id)
    return info.localized_title(locale) if info else element_id


@cache
def _task_query(for_update: bool, with_state: bool) -> Select[HumanTask]:
    """Built once per kind: building a query and its cache key costs more than running it."""
    query = select(HumanTask).where(HumanTask.id == bindparam("task_id"))
    if for_update:  # lock the task row only (its eager joins cannot be locked on PostgreSQL)
        query = query.with_for_update(of=HumanTask)
    if with_state:  # the engine state comes in the same query (completing needs it)
        query = query.options(joinedload(HumanTask.instance).undefer(ProcessInstance.state))
    return query


def _task(
    session: Session, user: User, task_id: str, *, for_update: bool = False, with_state: bool = False
) -> HumanTask:
    task = session.scalars(_task_query(for_update, with_state), {"task_id": task_id}).first()
    if task is None or not can_view_task(user, task):
        raise NotFound("error.not_found")
    return task


@dataclass(frozen=True)
class TaskView:
    task: HumanTask
    form: FormDefinition | None
    data: dict[str, Any]  # the instance's data overlaid with the saved draft
    choices: Choices  # options for fields filled from the database
    context: WorkContext | None  # the case behind the task, as its process describes it for this step


def task_form(session: Session, user: User, task_id: str) -> FormDefinition | None:
    """The form of a task the user may see: what a posted page is read with (without the
    choices and the case a page shows, which cost queries)."""
    task = _task(session, user, task_id)
    return definitions.loaded(task.instance.definition).forms.get(task.form) if task.form else None


def task_view(session: Session, user: User, task_id: str, locale: str = "zh_CN") -> TaskView:
    task = _task(session, user, task_id)
    loaded = definitions.loaded(task.instance.definition)
    form = loaded.forms.get(task.form) if task.form else None
    data = dict(task.instance.data)
    info = loaded.model.user_tasks.get(task.element_id)
    if info and info.result_key and isinstance(data.get(info.result_key), dict):
        data = dict(data[info.result_key])
    if task.draft:
        data.update(task.draft)
    context = StepContext(session, task.instance, user, utcnow(), locale, {}, element_id=task.element_id)
    choices = plugin_for(session, task.instance.process_id).field_choices(context)
    case = work_context(session, user, task.instance, locale, task.element_id)
    return TaskView(task, form, data, choices, case)


def _open_task(session: Session, user: User, task_id: str, with_state: bool = False) -> HumanTask:
    """The task, locked for this transaction; 409 when it is no longer open."""
    task = _task(session, user, task_id, for_update=True, with_state=with_state)
    if task.status != "ready":
        raise Conflict("error.conflict")
    return task


def _record_task_event(session: Session, action: str, user: User, task: HumanTask, now: datetime | None) -> None:
    audit.record(
        session,
        action,
        user,
        now or utcnow(),
        instance_id=task.instance_id,
        task_id=task.id,
        element_id=task.element_id,
    )


@transactional
def claim(session: Session, user: User, task_id: str, now: datetime | None = None) -> HumanTask:
    task = _open_task(session, user, task_id)
    if task.assignee_id == user.id:
        return task
    if task.assignee_id is not None:
        raise Conflict("error.task_taken", user=task.assignee.username if task.assignee else "?")
    if not can_claim(user, task):
        raise Forbidden("error.forbidden")
    task.assignee = user
    _record_task_event(session, "task_claimed", user, task, now)
    session.commit()
    return task


@transactional
def release(session: Session, user: User, task_id: str, now: datetime | None = None) -> HumanTask:
    task = _open_task(session, user, task_id)
    if task.assignee_id is None:
        return task
    if not can_release(user, task):
        raise Forbidden("error.forbidden")
    task.assignee = None
    _record_task_event(session, "task_released", user, task, now)
    session.commit()
    return task


@transactional
def save_draft(
    session: Session, user: User, task_id: str, data: dict[str, Any], now: datetime | None = None
) -> HumanTask:
    """Keep unfinished form input; only known fields are kept, nothing is validated."""
    task = _open_task(session, user, task_id)
    if not can_work_on(user, task):
        raise Forbidden("error.forbidden")
    form = definitions.loaded(task.instance.definition).forms.get(task.form) if task.form else None
    allowed = form.field_names if form else set()
    draft = {k: v for k, v in data.items() if k in allowed}
    before = task.draft or {}
    task.draft = draft
    if task.assignee_id is None:
        task.assignee = user
    old, new = audit.data_diff(before, draft)
    audit.record(
        session,
        "task_draft_saved",
        user,
        now or utcnow(),
        instance_id=task.instance_id,
        task_id=task.id,
        element_id=task.element_id,
        before=audit.without_images(old),
        after=audit.without_images(new),
    )
    session.commit()
    return task


@dataclass(frozen=True)
class Completion:
    instance: ProcessInstance
    open_tasks: list[HumanTask]  # the instance's open tasks after this step


@transactional
def complete(
    session: Session, user: User, task_id: str, data: dict[str, Any], locale: str, now: datetime | None = None
) -> Completion:
    """Validate the form, run the engine, refresh tasks and timers, audit; all or nothing."""
    now = now or utcnow()
    task = _open_task(session, user, task_id, with_state=True)
    if not can_work_on(user, task):
        if task.assignee_id is not None and task.assignee_id != user.id:
            raise Conflict("error.task_taken", user=task.assignee.username if task.assignee else "?")
        raise Forbidden("error.forbidden")
    instance = task.instance
    loaded = definitions.loaded(instance.definition)
    form = loaded.forms.get(task.form) if task.form else None
    if form is not None:
        clean, errors = validate_form_data(form, data, locale)
        if errors:
            raise FormRejected(errors)
    elif data:
        # A task without a form (a plain or manual task, marked done) takes no input: what was
        # sent would be dropped silently.
        raise FormRejected({key: [translate("error.task_takes_no_input", locale)] for key in sorted(data)[:20]})
    else:
        clean = {}
    check_data_keys(clean)
    context = StepContext(session, instance, user, now, locale, dict(clean), element_id=task.element_id)
    clean = plugin_for(session, instance.process_id).prepare_completion(context)
    try:
        run = ProcessRun.load(loaded.model, instance.state)
        before = {**run.known_data(), **instance.data}  # every branch's, not just the latest's
        previous = run.open_work().without(task_ids=[task.id])  # this task is settled below
        seen = run.task_data(task.id)  # its branch's data (parallel branches differ)
        run.complete_user_task(task.id, clean, now=now)
    except TaskNotReady:
        raise Conflict("error.conflict") from None
    except EngineError as err:
        session.rollback()
        raise ProcessFailed("error.engine", detail=str(err)) from None
    writes = StepWrites(instance)
    writes.complete_task(task, user, now)
    event = writes.record(
        "task_completed",
        user,
        now,
        instance_id=instance.id,
        task_id=task.id,
        element_id=task.element_id,
        details={"form": audit.without_images(clean)},
    )
    try:
        open_now = save_run(session, instance, run, loaded, now, user, previous, writes, locale)  # may complete it
        old, new = audit.step_diff(before, seen, instance.data)
        event["data_before"], event["data_after"] = audit.without_images(old), audit.without_images(new)
        writes.apply(session)
        session.commit()
    except StaleDataError:  # saved by someone else since it was loaded (a timer, say)
        session.rollback()
        raise Conflict("error.conflict") from None
    return Completion(instance, open_now)

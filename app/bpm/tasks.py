"""The worklist and the life of a human task: claim, release, save a draft, complete (P2)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, String, bindparam, cast, func, or_, select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.exc import StaleDataError

from app.bpm import audit, definitions
from app.bpm.engine import EngineError, ProcessRun, TaskNotReady
from app.bpm.errors import Conflict, Forbidden, FormRejected, NotFound, ProcessFailed, ServiceError
from app.bpm.forms import FormDefinition, draft_errors, validate_form_data
from app.bpm.instances import check_data_keys, work_context
from app.bpm.models import HumanTask, ProcessInstance, User, user_groups, utcnow
from app.bpm.plugins import Choices, StepContext, WorkContext, plugin_for
from app.bpm.policies import (
    can_claim,
    can_delegate,
    can_reassign,
    can_release,
    can_view_task,
    can_work_on,
    led_groups,
    may_hold,
)
from app.bpm.runs import StepWrites, check_data_size, save_run
from app.bpm.unit_of_work import transactional
from app.i18n import translate

WORKLIST_LIMIT = 50
PER_PAGE_MAX = 200
SORTS = ("due", "created", "process")
DEADLINE_BATCH = 500  # instance ids per deadline query (SQLite bounds the parameters of one statement)


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


# -- the worklist page: deadlines, sort, filters, search, pages (issue 13) --------------------


@dataclass(frozen=True)
class WorklistQuery:
    """What a worklist page or `GET /tasks` asks for; every field a GET parameter, so a lead can
    bookmark a view. `sort`: `due` (overdue first, then soonest due, undated last), `created`
    (oldest first) or `process`; `text` searches the task's title, the instance's business key
    and its data (a request number, a customer)."""

    sort: str = "due"
    process_id: str | None = None
    group: str | None = None
    overdue: bool = False
    text: str | None = None
    instance_id: int | None = None
    page: int = 1
    per_page: int = WORKLIST_LIMIT


@dataclass(frozen=True)
class Deadline:
    """When a row is due: the task's own due time (`label` None) or the process's deadline for
    the instance (`label` names it, e.g. a service-level clock)."""

    due_at: datetime
    warn_at: datetime | None
    label: str | None
    remaining_seconds: float
    overdue: bool
    warning: bool  # past the warning time, not yet due


@dataclass(frozen=True)
class WorklistRow:
    task: HumanTask
    deadline: Deadline | None


@dataclass(frozen=True)
class WorklistPage:
    rows: list[WorklistRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _visible_to(user: User) -> ColumnElement[bool]:
    return or_(
        HumanTask.assignee_id == user.id,
        HumanTask.assignee_id.is_(None) & HumanTask.candidate_group.in_(sorted(user.group_ids)),
    )


def worklist_page(
    session: Session, user: User, query: WorklistQuery, now: datetime | None = None, locale: str = "zh_CN"
) -> WorklistPage:
    """The user's open tasks (assigned to them, or unclaimed in one of their groups), each with
    its deadline, filtered, sorted and cut into pages."""
    return _page(session, _visible_to(user), query, now or utcnow(), locale)


def team_worklist(
    session: Session, user: User, query: WorklistQuery, now: datetime | None = None, locale: str = "zh_CN"
) -> WorklistPage:
    """Every open task of the groups the user leads, whoever holds it; 403 for anyone who leads none."""
    groups = led_groups(user)
    if not groups:
        raise Forbidden("error.forbidden")
    return _page(session, HumanTask.candidate_group.in_(sorted(groups)), query, now or utcnow(), locale)


def _candidates(session: Session, visible: ColumnElement[bool], query: WorklistQuery) -> Sequence[Any]:
    """The open tasks the page chooses from, as a few plain columns (one query)."""
    stmt = (
        select(
            HumanTask.id,
            HumanTask.instance_id,
            HumanTask.due_at,
            HumanTask.created_at,
            ProcessInstance.process_id,
        )
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(HumanTask.status == "ready", visible)
    )
    if query.process_id:
        stmt = stmt.where(ProcessInstance.process_id == query.process_id)
    if query.group:
        stmt = stmt.where(HumanTask.candidate_group == query.group)
    if query.instance_id is not None:
        stmt = stmt.where(HumanTask.instance_id == query.instance_id)
    if query.text and query.text.strip():
        needle = query.text.strip()[:100]
        escaped = json.dumps(needle)[1:-1]  # how the data's JSON text spells it (rows stored escaped)
        as_text = cast(ProcessInstance.data, String)
        stmt = stmt.where(
            or_(
                HumanTask.title.ilike(f"%{needle}%"),
                ProcessInstance.business_key.ilike(f"%{needle}%"),
                *[as_text.ilike(f"%{pattern}%") for pattern in {needle, escaped}],
            )
        )
    return session.execute(stmt).all()


def _deadlines(session: Session, rows: Sequence[Any], now: datetime, locale: str) -> dict[str, Deadline]:
    """Each row's deadline: the task's own due time, else the process's (its plugin answers for
    all the rows of one process at once)."""
    undated: dict[str, list[int]] = {}
    for row in rows:
        if row.due_at is None:
            undated.setdefault(row.process_id, []).append(row.instance_id)
    kept: dict[tuple[str, int], Any] = {}
    for process_id, ids in undated.items():
        plugin = plugin_for(session, process_id)
        if plugin.row_deadlines is None:
            continue
        unique = sorted(set(ids))
        for start in range(0, len(unique), DEADLINE_BATCH):
            found = plugin.deadlines(session, unique[start : start + DEADLINE_BATCH], now, locale)
            kept.update({(process_id, instance_id): d for instance_id, d in found.items()})
    out: dict[str, Deadline] = {}
    for row in rows:
        if row.due_at is not None:
            out[row.id] = _deadline(row.due_at, None, None, None, now)
        elif (own := kept.get((row.process_id, row.instance_id))) is not None:
            out[row.id] = _deadline(own.due_at, own.warn_at, own.label, own.remaining_seconds, now)
    return out


def _deadline(
    due_at: datetime, warn_at: datetime | None, label: str | None, remaining: float | None, now: datetime
) -> Deadline:
    overdue = due_at < now
    left = remaining if remaining is not None else (due_at - now).total_seconds()
    if overdue and left >= 0:  # a working-hours calendar counts no time outside its hours
        left = min(-60.0, (due_at - now).total_seconds())
    return Deadline(due_at, warn_at, label, left, overdue, not overdue and warn_at is not None and warn_at <= now)


def _sort_key(query: WorklistQuery, deadlines: dict[str, Deadline]) -> Any:
    far = datetime.max.replace(tzinfo=utcnow().tzinfo)

    def due(row: Any) -> tuple[bool, datetime]:
        found = deadlines.get(row.id)
        return (found is None, found.due_at if found else far)

    if query.sort == "created":
        return lambda row: (row.created_at, row.id)
    if query.sort == "process":
        return lambda row: (row.process_id, *due(row), row.created_at, row.id)
    return lambda row: (*due(row), row.created_at, row.id)


def _page(
    session: Session, visible: ColumnElement[bool], query: WorklistQuery, now: datetime, locale: str
) -> WorklistPage:
    rows = _candidates(session, visible, query)
    deadlines = _deadlines(session, rows, now, locale)
    if query.overdue:
        rows = [row for row in rows if row.id in deadlines and deadlines[row.id].overdue]
    ordered = sorted(rows, key=_sort_key(query, deadlines))
    per_page = min(max(query.per_page, 1), PER_PAGE_MAX)
    page = max(query.page, 1)  # beyond the last page: no rows (a client reading pages until empty stops)
    chosen = [row.id for row in ordered[(page - 1) * per_page : page * per_page]]
    loaded = {t.id: t for t in session.scalars(select(HumanTask).where(HumanTask.id.in_(chosen)))} if chosen else {}
    return WorklistPage(
        [WorklistRow(loaded[task_id], deadlines.get(task_id)) for task_id in chosen if task_id in loaded],
        len(ordered),
        page,
        per_page,
    )


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
    session: Session,
    user: User,
    task_id: str,
    data: dict[str, Any],
    locale: str = "zh_CN",
    now: datetime | None = None,
) -> HumanTask:
    """Keep unfinished form input, unvalidated but bounded (`draft_errors`: the form's own
    fields, its string bounds, a data URI only in its signature field; the instance data's
    size limit on the whole); 400 or 413 and nothing kept otherwise."""
    task = _open_task(session, user, task_id)
    if not can_work_on(user, task):
        raise Forbidden("error.forbidden")
    form = definitions.loaded(task.instance.definition).forms.get(task.form) if task.form else None
    if errors := draft_errors(form, data, locale):
        raise FormRejected(errors)
    check_data_size(session, data)
    draft = dict(data)
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
    return _complete(session, user, task, data, locale, now)


@transactional
def complete_on_behalf(
    session: Session, actor: User, task_id: str, data: dict[str, Any], locale: str, now: datetime | None = None
) -> Completion:
    """A task done by someone outside the staff (a page of the product's own that checked their
    right to this very task first), recorded as done by `actor`, the account that page acts
    with: an account in no group, so it can do nothing else. Same form check, same engine
    step, same audit as `complete`."""
    now = now or utcnow()
    task = session.scalars(_task_query(True, True), {"task_id": task_id}).first()
    if task is None:
        raise NotFound("error.not_found")
    if task.status != "ready":
        raise Conflict("error.conflict")
    return _complete(session, actor, task, data, locale, now)


def _complete(
    session: Session, user: User, task: HumanTask, data: dict[str, Any], locale: str, now: datetime
) -> Completion:
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


# -- handing tasks on: a lead reassigns within the team, a holder delegates (issue 13) -------


def _member(session: Session, username: str, task: HumanTask) -> User:
    """The user a task is handed to: an active member of the task's group, else 400 naming why."""
    target = session.scalars(select(User).where(User.username == username.strip()[:64])).first()
    if target is None or not may_hold(target, task):
        raise ServiceError("error.not_group_member")
    return target


def _hand_over(session: Session, action: str, actor: User, task: HumanTask, target: User, now: datetime | None) -> None:
    before = task.assignee.username if task.assignee else None
    task.assignee = target
    audit.record(
        session,
        action,
        actor,
        now or utcnow(),
        instance_id=task.instance_id,
        task_id=task.id,
        element_id=task.element_id,
        details={"from": before, "to": target.username},
    )


@transactional
def reassign(session: Session, user: User, task_id: str, username: str, now: datetime | None = None) -> HumanTask:
    """A lead gives an open task of their team to a member of the task's group (audited)."""
    return _hand(session, user, task_id, username, can_reassign, "task_reassigned", now)


@transactional
def delegate(session: Session, user: User, task_id: str, username: str, now: datetime | None = None) -> HumanTask:
    """The holder hands their task to a colleague of its group (audited)."""
    return _hand(session, user, task_id, username, can_delegate, "task_delegated", now)


def _hand(
    session: Session,
    user: User,
    task_id: str,
    username: str,
    may: Callable[[User, HumanTask], bool],
    action: str,
    now: datetime | None,
) -> HumanTask:
    task = _open_task(session, user, task_id)
    if not may(user, task):
        raise Forbidden("error.forbidden")
    target = _member(session, username, task)
    if task.assignee_id != target.id:  # (handing a task to who holds it changes nothing)
        _hand_over(session, action, user, task, target, now)
    session.commit()
    return task


def group_members(session: Session, user: User, groups: set[str]) -> dict[str, list[User]]:
    """The active members of groups the user leads or works in, by group: whom a task can go to."""
    allowed = sorted(groups & (led_groups(user) | user.group_ids))
    if not allowed:
        return {}
    query = (
        select(user_groups.c.group_id, User)
        .join(user_groups, user_groups.c.user_id == User.id)
        .where(user_groups.c.group_id.in_(allowed), User.active)
        .order_by(user_groups.c.group_id, User.username)
    )
    members: dict[str, list[User]] = {}
    for group_id, member in session.execute(query):
        members.setdefault(group_id, []).append(member)
    return members

"""Moving running instances to a newer version of their process (issue 4): a dry run says which
can move and why not; moving keeps each instance's data, open tasks (with their assignees and
drafts) and timer deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.bpm import audit, definitions
from app.bpm.engine import EngineError, MigrationCheck, ProcessRun
from app.bpm.errors import Forbidden, ServiceError
from app.bpm.models import HumanTask, ProcessDefinition, ProcessInstance, User, utcnow
from app.bpm.policies import can_deploy
from app.bpm.runs import save_run

LIMIT = 500


@dataclass(frozen=True)
class MigrationRow:
    instance: ProcessInstance
    check: MigrationCheck
    moved: bool = False


def _allowed(user: User) -> None:
    if not can_deploy(user):
        raise Forbidden("error.forbidden")


def dry_run(session: Session, user: User, process_id: str, target_version: int) -> list[MigrationRow]:
    """Every running instance on an older version, with whether it can move and why not."""
    _allowed(user)
    target = definitions.version(session, process_id, target_version)
    model = definitions.loaded(target).model
    rows = []
    for instance in _running_on_older(session, process_id, target_version):
        run = ProcessRun.load(definitions.loaded(instance.definition).model, instance.state)
        try:
            check = run.check_migration(model)
        except EngineError as err:
            check = MigrationCheck(False, [str(err)], [])
        rows.append(MigrationRow(instance, check))
    return rows


def _running_on_older(session: Session, process_id: str, target_version: int) -> list[ProcessInstance]:
    return list(
        session.scalars(
            select(ProcessInstance)
            .join(ProcessInstance.definition)
            .where(
                ProcessInstance.process_id == process_id,
                ProcessInstance.status == "running",
                ProcessDefinition.version < target_version,
            )
            .order_by(ProcessInstance.id)
            .limit(LIMIT)
        )
    )


def migrate(
    session: Session,
    user: User,
    process_id: str,
    target_version: int,
    instance_ids: list[int],
    now: datetime | None = None,
) -> list[MigrationRow]:
    """Move the chosen instances that the dry run allows; one transaction per instance, so one
    that cannot move (or changed meanwhile) does not hold the others back."""
    _allowed(user)
    now = now or utcnow()
    target = definitions.version(session, process_id, target_version)
    loaded = definitions.loaded(target)
    wanted = set(instance_ids)
    results = []
    for instance in _running_on_older(session, process_id, target_version):
        if instance.id not in wanted:
            continue
        source = instance.definition
        run = ProcessRun.load(definitions.loaded(source).model, instance.state)
        try:
            check = run.check_migration(loaded.model)
            if check.can_move:
                run.migrate(loaded.model, now=now)
        except EngineError as err:
            check = MigrationCheck(False, [str(err)], [])
        if not check.can_move:
            session.rollback()
            results.append(MigrationRow(instance, check))
            continue
        before = _open_tasks(session, instance.id)
        instance.definition_id = target.id
        instance.definition = target
        audit.record(
            session,
            "instance_migrated",
            user,
            now,
            instance_id=instance.id,
            details={"from_version": source.version, "to_version": target.version, "notes": check.notes},
        )
        try:
            opened = save_run(session, instance, run, loaded, now, user)
            _carry_over(before, opened)
            session.commit()
        except StaleDataError:
            session.rollback()
            check = MigrationCheck(False, ["the instance changed meanwhile; run the dry run again"], [])
            results.append(MigrationRow(instance, check))
            continue
        results.append(MigrationRow(instance, check, moved=True))
    if not results:
        raise ServiceError("error.nothing_to_migrate")
    return results


def _open_tasks(session: Session, instance_id: int) -> dict[str, HumanTask]:
    rows = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "ready"))
    return {row.element_id: row for row in rows}


def _carry_over(before: dict[str, HumanTask], opened: list[HumanTask]) -> None:
    """A task SpiffWorkflow re-created keeps its assignee and draft."""
    for row in opened:
        old = before.get(row.element_id)
        if old is not None and old is not row:
            row.assignee_id = row.assignee_id or old.assignee_id
            row.draft = row.draft or old.draft

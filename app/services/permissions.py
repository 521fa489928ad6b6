"""Who may do what, decided against the objects themselves (P2)."""

from __future__ import annotations

from app.models import HumanTask, User

ADMINS = "admins"
AUDITORS = "auditors"
PROCESS_OWNERS = "process_owners"


def can_view_task(user: User, task: HumanTask) -> bool:
    return (
        task.assignee_id == user.id
        or task.candidate_group in user.group_ids
        or bool({ADMINS, AUDITORS} & user.group_ids)
    )


def can_claim(user: User, task: HumanTask) -> bool:
    return task.status == "ready" and task.assignee_id is None and task.candidate_group in user.group_ids


def can_release(user: User, task: HumanTask) -> bool:
    return (
        task.status == "ready"
        and task.assignee_id is not None
        and (task.assignee_id == user.id or ADMINS in user.group_ids)
    )


def can_work_on(user: User, task: HumanTask) -> bool:
    """Complete or save a draft: the assignee, or any member of the group while unclaimed."""
    if task.status != "ready":
        return False
    if task.assignee_id is not None:
        return task.assignee_id == user.id
    return task.candidate_group in user.group_ids


def can_view_instance(user: User, lane_groups: set[str], started_by_id: int | None) -> bool:
    return (
        started_by_id == user.id
        or bool(lane_groups & user.group_ids)
        or bool({ADMINS, AUDITORS, PROCESS_OWNERS} & user.group_ids)
    )


def can_start(user: User, definition_lanes: set[str]) -> bool:
    return bool(definition_lanes & user.group_ids) or ADMINS in user.group_ids


def can_deploy(user: User | None) -> bool:
    return user is None or bool({PROCESS_OWNERS, ADMINS} & user.group_ids)

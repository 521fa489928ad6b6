"""Who may do what on the platform, decided against the objects themselves (P2): tasks,
instances, deploying and retiring versions, retrying a failed instance. The after-sales
business's rules are in `app.aftersales.policies`; no other module compares group ids (a test
checks it). Each rule has an allow and a refuse test in tests/bpm/test_policies.py."""

from __future__ import annotations

from app.bpm.models import HumanTask, User

ADMINS = "admins"
AUDITORS = "auditors"
INTEGRATIONS = "integrations"
PROCESS_OWNERS = "process_owners"
# A group's leads are the members of the group with this suffix: `<group>_leads` leads `<group>`.
LEADS_SUFFIX = "_leads"


class Console:
    """The operator at the server's console (`flask deploy`, the set-up scripts): trusted as
    whoever can already write the database. Never a web or API caller."""

    id = None

    def __repr__(self) -> str:
        return "CONSOLE"


CONSOLE = Console()


def can_view_task(user: User, task: HumanTask) -> bool:
    return (
        task.assignee_id == user.id
        or task.candidate_group in user.group_ids
        or can_lead(user, task.candidate_group)
        or bool({ADMINS, AUDITORS} & user.group_ids)
    )


def led_groups(user: User) -> set[str]:
    """The groups whose team worklist the user sees and whose tasks they may hand out: a member
    of the group `<group>_leads` leads `<group>` (the lead relation is the organisation's own
    naming of its groups; the platform names none). Leading a group is not membership: a lead
    does not work the team's tasks unless also a member."""
    return {
        group.removesuffix(LEADS_SUFFIX)
        for group in user.group_ids
        if group.endswith(LEADS_SUFFIX) and len(group) > len(LEADS_SUFFIX)
    }


def can_lead(user: User, group: str | None) -> bool:
    return group is not None and group in led_groups(user)


def can_reassign(user: User, task: HumanTask) -> bool:
    """Give an open task of one's team to a member of its group (or take it from whoever holds it)."""
    return task.status == "ready" and can_lead(user, task.candidate_group)


def can_delegate(user: User, task: HumanTask) -> bool:
    """Hand one's own open task to a colleague of its group."""
    return task.status == "ready" and task.assignee_id == user.id and task.candidate_group is not None


def may_hold(assignee: User, task: HumanTask) -> bool:
    """Who may be given a task by a lead or a colleague: an active member of the task's group."""
    return assignee.active and works_in(assignee, task.candidate_group)


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


def works_in(user: User, group: str | None) -> bool:
    """The user is a member of the group (a lane's group, a task's candidate group)."""
    return group is not None and group in user.group_ids


def can_view_instance(user: User, lane_groups: set[str], started_by_id: int | None) -> bool:
    return (
        started_by_id == user.id
        or bool(lane_groups & user.group_ids)
        or bool({ADMINS, AUDITORS, PROCESS_OWNERS} & user.group_ids)
    )


def sees_every_instance(user: User) -> bool:
    """Lists and searches show this user every instance, not only those they work on."""
    return bool({ADMINS, AUDITORS, PROCESS_OWNERS} & user.group_ids)


def can_start(user: User, definition_lanes: set[str]) -> bool:
    return bool(definition_lanes & user.group_ids) or ADMINS in user.group_ids


def can_deploy(actor: User | Console) -> bool:
    """Deploy, retire and reinstate versions, move instances between them: deploying a diagram
    is deploying code (its scripts and conditions run on the server)."""
    return isinstance(actor, Console) or bool({PROCESS_OWNERS, ADMINS} & actor.group_ids)


def can_retry(user: User) -> bool:
    """Put an instance that failed back to running, once the cause is fixed."""
    return ADMINS in user.group_ids


def can_administer_users(user: User) -> bool:
    """End a user's sessions and tokens (a lost laptop, a leaver)."""
    return ADMINS in user.group_ids


def can_send_message(user: User, waiting_lanes: set[str]) -> bool:
    """Deliver a message to an instance that waits for it: an integration account (the
    `integrations` group: the systems that report parts arrived, customer replies...), or a
    member of the lane in which the instance waits for the message, the group whose work the
    message moves on. Reading an instance (auditors, process owners) is not sending to it."""
    return INTEGRATIONS in user.group_ids or bool(waiting_lanes & user.group_ids)

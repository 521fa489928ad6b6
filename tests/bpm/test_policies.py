"""Each platform permission rule (app/bpm/policies.py) with a user it allows and one it refuses.
Pure functions over objects: no database needed."""

from __future__ import annotations

import pytest

from app.bpm import policies
from app.bpm.models import Group, HumanTask, User


def person(user_id: int, *groups: str) -> User:
    return User(id=user_id, username=f"u{user_id}", groups=[Group(id=g) for g in groups])


def task(group: str = "after_sales", assignee: int | None = None, status: str = "ready") -> HumanTask:
    return HumanTask(id="t", candidate_group=group, assignee_id=assignee, status=status)


CLERK, OTHER_CLERK, ENGINEER = person(1, "after_sales"), person(2, "after_sales"), person(3, "engineers")
ADMIN, AUDITOR, OWNER = person(4, "admins"), person(5, "auditors"), person(6, "process_owners")


@pytest.mark.parametrize(
    ("rule", "allowed", "refused"),
    [
        (lambda u: policies.can_view_task(u, task()), CLERK, ENGINEER),
        (lambda u: policies.can_view_task(u, task()), AUDITOR, OWNER),
        (lambda u: policies.can_claim(u, task()), CLERK, ENGINEER),
        (lambda u: policies.can_release(u, task(assignee=1)), CLERK, OTHER_CLERK),
        (lambda u: policies.can_release(u, task(assignee=1)), ADMIN, AUDITOR),
        (lambda u: policies.can_work_on(u, task()), CLERK, AUDITOR),
        (lambda u: policies.can_work_on(u, task(assignee=2)), OTHER_CLERK, CLERK),
        (lambda u: policies.can_view_instance(u, {"engineers"}, None), ENGINEER, CLERK),
        (lambda u: policies.can_view_instance(u, {"engineers"}, 1), CLERK, OTHER_CLERK),  # the starter
        (lambda u: policies.can_view_instance(u, {"engineers"}, None), OWNER, CLERK),
        (policies.sees_every_instance, AUDITOR, CLERK),
        (lambda u: policies.can_start(u, {"after_sales"}), CLERK, ENGINEER),
        (lambda u: policies.can_start(u, {"after_sales"}), ADMIN, AUDITOR),
        (policies.can_deploy, OWNER, CLERK),
        (policies.can_deploy, ADMIN, AUDITOR),
        (policies.can_retry, ADMIN, OWNER),
        (lambda u: policies.works_in(u, "engineers"), ENGINEER, CLERK),
        (policies.can_administer_users, ADMIN, AUDITOR),
        (lambda u: policies.can_send_message(u, {"after_sales"}), CLERK, AUDITOR),
        (lambda u: policies.can_send_message(u, {"after_sales"}), person(7, "integrations"), OWNER),
    ],
)
def test_rule_allows_one_and_refuses_another(rule: object, allowed: User, refused: User) -> None:
    assert callable(rule)
    assert rule(allowed) is True
    assert rule(refused) is False


def test_a_finished_task_can_be_worked_on_by_nobody() -> None:
    assert not policies.can_work_on(CLERK, task(status="completed"))
    assert not policies.can_claim(CLERK, task(status="completed"))
    assert not policies.can_claim(OTHER_CLERK, task(assignee=1))  # taken: nobody else claims it


def test_the_console_may_deploy_and_no_user_without_the_group() -> None:
    assert policies.can_deploy(policies.CONSOLE)
    assert not policies.works_in(CLERK, None)

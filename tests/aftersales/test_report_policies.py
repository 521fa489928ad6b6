"""The rules of the reports and the survey (app/aftersales/policies.py), each with a user it
allows and one it refuses."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.aftersales import policies
from app.bpm.models import Group, User


def person(*groups: str, user_id: int = 1) -> User:
    return User(id=user_id, username=f"u{user_id}", groups=[Group(id=g) for g in groups])


@pytest.mark.parametrize(
    ("rule", "allowed", "refused"),
    [
        (policies.can_read_reports, person("after_sales"), person("engineers")),
        (policies.can_read_reports, person("auditors"), person("sales")),
        (policies.can_run_surveys, person("after_sales"), person("office")),
        # a lead approves the analysis, never the one who wrote it
        (
            lambda u: policies.can_approve_survey_analysis(u, written_by_id=2),
            person("after_sales_leads"),
            person("after_sales"),
        ),
        (
            lambda u: policies.can_approve_survey_analysis(u, written_by_id=1),
            person("after_sales_leads", user_id=3),
            person("after_sales_leads", user_id=1),
        ),
        # the monthly management pack: leads, the office and admins regenerate it; a lead or
        # the office issues a version, never the one who generated it (the worker's have none)
        (policies.can_generate_monthly_pack, person("office"), person("auditors")),
        (lambda u: policies.can_approve_monthly_pack(u, None), person("after_sales_leads"), person("admins")),
        (
            lambda u: policies.can_approve_monthly_pack(u, generated_by_id=1),
            person("office", user_id=3),
            person("office", user_id=1),
        ),
    ],
)
def test_rule(rule: Callable[[User], bool], allowed: User, refused: User) -> None:
    assert rule(allowed) is True
    assert rule(refused) is False

"""Each after-sales permission rule (app/aftersales/policies.py) with a user it allows and one
it refuses."""

from __future__ import annotations

import pytest

from app.aftersales import policies
from app.aftersales.approvals.models import PendingChange
from app.aftersales.archive.models import Contract
from app.bpm.models import Group, User


def person(*groups: str, user_id: int = 1) -> User:
    return User(id=user_id, username=f"u{user_id}", groups=[Group(id=g) for g in groups])


def asked_by(asker: User) -> PendingChange:
    return PendingChange(id=1, kind="contract_terms", asked_by_id=asker.id, asked_by=asker, decision="pending")


CONTRACT = Contract(id=1, number="HT-1")
ASKER_IN_BOTH = person("after_sales_leads", "office")  # asks, and is in an approving group too


@pytest.mark.parametrize(
    ("rule", "allowed", "refused"),
    [
        (policies.can_edit_archive, person("sales"), person("engineers")),
        (policies.can_edit_archive, person("office"), person("qc")),
        (policies.can_keep_stock, person("after_sales"), person("engineers")),
        (policies.can_keep_stock, person("admins"), person("sales")),
        (policies.can_use_parts, person("engineers"), person("sales")),
        (lambda u: policies.can_read_contract_terms(u, CONTRACT), person("sales"), person("qc")),
        (lambda u: policies.can_read_contract_terms(u, CONTRACT), person("auditors"), person("engineers")),
        (policies.can_approve_changes, person("office"), person("sales")),
        (policies.can_plan_software_campaign, person("after_sales"), person("engineers")),
        (policies.can_approve_changes, person("admins"), person("after_sales_leads")),
        # one asks, another of an approving group the asker is not in decides; never the asker
        (
            lambda u: policies.can_decide_change(u, asked_by(person("sales"))),
            person("office", user_id=2),
            person("sales", user_id=2),
        ),
        (
            lambda u: policies.can_decide_change(u, asked_by(person("office"))),
            person("admins", user_id=2),
            person("office", user_id=2),
        ),
        (
            lambda u: policies.can_decide_change(u, asked_by(ASKER_IN_BOTH)),
            person("admins", user_id=2),
            ASKER_IN_BOTH,
        ),
    ],
)
def test_rule_allows_one_and_refuses_another(rule: object, allowed: User, refused: User) -> None:
    assert callable(rule)
    assert rule(allowed) is True
    assert rule(refused) is False

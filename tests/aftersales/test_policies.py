"""Each after-sales permission rule (app/aftersales/policies.py) with a user it allows and one
it refuses."""

from __future__ import annotations

import pytest

from app.aftersales import policies
from app.aftersales.archive.models import Contract
from app.bpm.models import Group, User


def person(*groups: str) -> User:
    return User(id=1, username="u", groups=[Group(id=g) for g in groups])


CONTRACT = Contract(id=1, number="HT-1")


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
    ],
)
def test_rule_allows_one_and_refuses_another(rule: object, allowed: User, refused: User) -> None:
    assert callable(rule)
    assert rule(allowed) is True
    assert rule(refused) is False

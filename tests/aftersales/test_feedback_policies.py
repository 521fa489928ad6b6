"""The feedback card's question-set rule (app/aftersales/policies.py) with users it allows and
ones it refuses."""

from __future__ import annotations

import pytest

from app.aftersales import policies
from app.bpm.models import Group, User


def person(*groups: str) -> User:
    return User(id=1, username="u1", groups=[Group(id=g) for g in groups])


@pytest.mark.parametrize(
    ("allowed", "refused"),
    [(person("after_sales_leads"), person("after_sales")), (person("admins"), person("qc"))],
)
def test_only_leads_and_admins_edit_the_feedback_questions(allowed: User, refused: User) -> None:
    assert policies.can_edit_feedback_questions(allowed) is True
    assert policies.can_edit_feedback_questions(refused) is False

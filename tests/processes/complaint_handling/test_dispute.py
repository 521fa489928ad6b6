"""A dispute with the customer goes to a designated coordinator (R17): named at the
negotiation, the coordinator gets a task of their own; not resolved, the solution is agreed
again; resolved, the departments approve as after an agreement."""

from __future__ import annotations

import pytest

from harness.servers import LiveServer
from harness.walks import complaint_to_analysis, done, open_tasks, step


@pytest.fixture(scope="module")
def base(live_server: LiveServer) -> str:
    return live_server.url


def _to_negotiation(base: str) -> int:
    instance = complaint_to_analysis(base, "2026-11-20T10:00:00+08:00", "technical", severity="severe")
    done(base, "after_sales1", instance, "fill_handling_form", {"problem_summary": "批量卡纸", "impact": "影响门诊"})
    measures = {"measures": "更换定影组件", "estimated_days": 3}
    done(base, "technical1", instance, "propose_technical_measures", measures)
    done(base, "production1", instance, "propose_production_measures", measures)
    done(base, "sales1", instance, "agree_solution", {"solution": "免费更换"})
    return instance


def test_a_dispute_goes_to_the_coordinator_named_at_the_negotiation(base: str) -> None:
    instance = _to_negotiation(base)
    no_one = step(
        base,
        "after_sales1",
        instance,
        "negotiate_with_customer",
        {
            "customer_agreed": False,
            "negotiation_notes": "客户不认可",
            "dispute": True,
        },
    )
    assert no_one[0] == 400 and no_one[1]["errors"]["coordinator"] == ["有争议时请指定协调人。"]
    not_a_lead = step(
        base,
        "after_sales1",
        instance,
        "negotiate_with_customer",
        {
            "customer_agreed": False,
            "negotiation_notes": "客户不认可",
            "dispute": True,
            "coordinator": "sales1",
        },
    )
    assert not_a_lead[0] == 400 and "coordinator" in not_a_lead[1]["errors"]
    agreed = step(
        base,
        "after_sales1",
        instance,
        "negotiate_with_customer",
        {
            "customer_agreed": True,
            "negotiation_notes": "x",
            "dispute": True,
            "coordinator": "after_sales_leads1",
        },
    )
    assert agreed[0] == 400 and "dispute" in agreed[1]["errors"]

    disputed = {
        "customer_agreed": False,
        "negotiation_notes": "客户认为应整机更换",
        "dispute": True,
        "coordinator": "after_sales_leads1",
    }
    done(base, "after_sales1", instance, "negotiate_with_customer", disputed)
    [task] = open_tasks(base, "after_sales_leads1", instance)
    assert task["name"] == "coordinate_dispute" and task["assignee"] == "after_sales_leads1"  # the coordinator's own
    # not resolved: the solution is agreed again, then negotiated again
    renegotiate = {"contract_terms": "合同第八条", "coordination_notes": "客户坚持", "dispute_outcome": "renegotiate"}
    done(base, "after_sales_leads1", instance, "coordinate_dispute", renegotiate)
    done(base, "sales1", instance, "agree_solution", {"solution": "更换整机"})
    done(base, "after_sales1", instance, "negotiate_with_customer", disputed)
    resolved = {"coordination_notes": "按合同第八条达成一致", "dispute_outcome": "resolved"}
    done(base, "after_sales_leads1", instance, "coordinate_dispute", resolved)
    approvals = {t["name"] for t in open_tasks(base, "technical1", instance) + open_tasks(base, "sales1", instance)}
    assert approvals == {"approve_technical", "approve_sales"}


def test_without_a_dispute_a_refusal_is_negotiated_again_as_before(base: str) -> None:
    instance = _to_negotiation(base)
    done(
        base,
        "after_sales1",
        instance,
        "negotiate_with_customer",
        {"customer_agreed": False, "negotiation_notes": "再议"},
    )
    assert [t["name"] for t in open_tasks(base, "sales1", instance)] == ["agree_solution"]
    assert open_tasks(base, "after_sales_leads1", instance) == []

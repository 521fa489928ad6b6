"""The service network as data (R30): the head-office service centre, the branch offices and
the local team, each a group whose members are its staff, each serving its customers; who may
see it; the demo network seeded once however often it is seeded."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.aftersales.archive.models import Customer
from app.aftersales.branches.models import Branch, BranchCustomer
from app.aftersales.branches.service import branch_of_customer, network, seed_branches
from app.aftersales.policies import can_approve_refund, can_edit_branches, can_register_return, can_see_branches
from app.bpm.errors import Forbidden
from app.demo import DEMO_PASSWORD
from harness.apps import user
from harness.servers import LiveServer
from harness.web_client import WebClient


def test_the_network_lists_each_branch_with_its_staff_and_customers(session: Session) -> None:
    views = network(session, user(session, "after_sales1"), "zh_CN")
    rows = {v.branch.code: v for v in views}
    assert [v.branch.kind for v in views][:1] == ["head_office_service_centre"]  # head office first
    assert {rows[c].branch.kind for c in ("BO-EAST", "BO-WEST")} == {"branch_office"}
    assert rows["LT-CITY"].branch.kind == "local_team"
    assert [u.username for u in rows["BO-EAST"].staff] == ["branch_east1"]
    assert [c.code for c in rows["BO-EAST"].customers] == ["C-0002"]
    assert [c.code for c in rows["LT-CITY"].customers] == ["C-0001"]
    assert "after_sales1" in [u.username for u in rows["HQ"].staff]
    assert network(session, user(session, "after_sales1"), "en")[0].group_name == "After-sales service"


def test_the_branch_serving_a_customer(session: Session) -> None:
    east = session.scalars(select(Customer.id).where(Customer.code == "C-0002")).one()
    branch = branch_of_customer(session, east)
    assert branch is not None and branch.group_id == "branch_east"
    session.add(Customer(code="C-9999", name="无网点客户", category="other"))
    session.flush()
    lonely = session.scalars(select(Customer.id).where(Customer.code == "C-9999")).one()
    assert branch_of_customer(session, lonely) is None


@pytest.mark.parametrize(
    ("username", "sees", "edits", "registers"),
    [
        ("branch_east1", True, False, True),
        ("after_sales1", True, False, True),
        ("office1", True, True, False),
        ("auditors1", True, False, False),
        ("engineers1", False, False, False),
        ("integrations1", False, False, False),
    ],
)
def test_who_may_see_edit_and_register(
    session: Session, username: str, sees: bool, edits: bool, registers: bool
) -> None:
    reader = user(session, username)
    assert (can_see_branches(reader), can_edit_branches(reader), can_register_return(reader)) == (
        sees,
        edits,
        registers,
    )
    if not sees:
        with pytest.raises(Forbidden):
            network(session, reader, "zh_CN")


def test_a_refund_is_approved_by_another_person_of_another_group(session: Session) -> None:
    asker, office, admin = user(session, "after_sales1"), user(session, "office1"), user(session, "admins1")
    assert can_approve_refund(office, asker) and can_approve_refund(admin, asker)
    assert not can_approve_refund(office, office)  # never the asker
    assert not can_approve_refund(user(session, "after_sales_leads1"), asker)  # no approving group
    assert not can_approve_refund(office, None)


def test_seeding_twice_changes_nothing(session: Session) -> None:
    counts = (
        session.scalar(select(func.count(Branch.id))),
        session.scalar(select(func.count(BranchCustomer.customer_id))),
    )
    seed_branches(session, DEMO_PASSWORD)
    again = (
        session.scalar(select(func.count(Branch.id))),
        session.scalar(select(func.count(BranchCustomer.customer_id))),
    )
    assert counts == again == (4, 3)


def test_the_network_page(live_server: LiveServer, app: Flask) -> None:
    web = WebClient(live_server.url)
    web.login("branch_west1")
    status, page = web.get("/branches")
    assert status == 200
    for words in ("总部售后服务中心", "东区办事处", "西区办事处", "本地服务组", "区政务服务中心", "实验中学"):
        assert words in page
    outsider = WebClient(live_server.url)
    outsider.login("engineers1")
    assert outsider.get("/branches")[0] == 403


def test_the_office_assigns_a_customer_to_a_branch_and_is_audited(session: Session) -> None:
    from app.aftersales.branches.service import assign_customer
    from app.bpm.errors import FormRejected
    from app.bpm.models import AuditEvent

    office = user(session, "office1")
    with pytest.raises(Forbidden):
        assign_customer(session, user(session, "branch_east1"), "C-0003", "BO-EAST", "zh_CN")
    with pytest.raises(FormRejected) as refused:
        assign_customer(session, office, "C-404", "", "zh_CN")
    assert set(refused.value.errors) == {"customer", "branch"}
    assert assign_customer(session, office, "C-0003", "BO-EAST", "zh_CN").code == "BO-EAST"
    west = session.scalars(select(Customer.id).where(Customer.code == "C-0003")).one()
    moved = branch_of_customer(session, west)
    assert moved is not None and moved.code == "BO-EAST"
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "branch_customer_assigned")).one()
    assert (event.data_before, event.data_after, event.actor_name) == (
        {"branch": "BO-WEST"},
        {"branch": "BO-EAST"},
        "office1",
    )

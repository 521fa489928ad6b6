"""The service network (R30): the branches with their staff and customers, the branch that
serves a customer (return and exchange tasks go to its group), and the demo network."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.aftersales.archive.models import Customer
from app.aftersales.branches.models import (
    BRANCH_OFFICE,
    HEAD_OFFICE_SERVICE_CENTRE,
    LOCAL_TEAM,
    Branch,
    BranchCustomer,
)
from app.aftersales.policies import BRANCH_STAFF, can_edit_branches, can_see_branches
from app.bpm import audit
from app.bpm.errors import Forbidden, FormRejected
from app.bpm.models import Group, User, user_groups, utcnow
from app.bpm.unit_of_work import transactional
from app.bpm.users import ensure_group, ensure_user
from app.i18n import translate


@dataclass(frozen=True)
class BranchView:
    branch: Branch
    group_name: str
    staff: list[User]
    customers: list[Customer]


def network(session: Session, user: User, locale: str) -> list[BranchView]:
    """Every branch, head office first, with its staff (the members of its group) and customers."""
    if not can_see_branches(user):
        raise Forbidden("error.forbidden")
    branches = session.scalars(select(Branch).options(selectinload(Branch.customers)).order_by(Branch.code)).all()
    order = {HEAD_OFFICE_SERVICE_CENTRE: 0, BRANCH_OFFICE: 1, LOCAL_TEAM: 2}
    views = []
    for branch in sorted(branches, key=lambda b: (order.get(b.kind, 9), b.code)):
        group = session.get(Group, branch.group_id)
        members = select(User).join(user_groups).where(user_groups.c.group_id == branch.group_id, User.active)
        staff = list(session.scalars(members.order_by(User.username)))
        ids = [link.customer_id for link in branch.customers]
        customers = list(session.scalars(select(Customer).where(Customer.id.in_(ids)).order_by(Customer.code)))
        views.append(BranchView(branch, group.name(locale) if group else branch.group_id, staff, customers))
    return views


def branch_of_customer(session: Session, customer_id: int) -> Branch | None:
    """The branch that serves the customer (None: no branch: head office itself serves it)."""
    return session.scalars(select(Branch).join(BranchCustomer).where(BranchCustomer.customer_id == customer_id)).first()


def head_office(session: Session) -> Branch | None:
    return session.scalars(select(Branch).where(Branch.kind == HEAD_OFFICE_SERVICE_CENTRE)).first()


# code, name, kind, city, group (id, zh, en), demo user, customers served (codes)
DEMO_NETWORK: list[tuple[str, str, str, str, tuple[str, str, str], str | None, list[str]]] = [
    (
        "HQ",
        "总部售后服务中心",
        HEAD_OFFICE_SERVICE_CENTRE,
        "本市",
        ("after_sales", "售后服务部", "After-sales service"),
        None,
        [],
    ),
    (
        "BO-EAST",
        "东区办事处",
        BRANCH_OFFICE,
        "东城",
        ("branch_east", "东区办事处", "East branch office"),
        "branch_east1",
        ["C-0002"],
    ),
    (
        "BO-WEST",
        "西区办事处",
        BRANCH_OFFICE,
        "西城",
        ("branch_west", "西区办事处", "West branch office"),
        "branch_west1",
        ["C-0003"],
    ),
    (
        "LT-CITY",
        "本地服务组",
        LOCAL_TEAM,
        "本市",
        ("local_team", "本地服务组", "Local team"),
        "local_team1",
        ["C-0001"],
    ),
]


def seed_branches(session: Session, password: str) -> list[str]:
    """Idempotent: the demo network, its groups with one user each (also in the branch-staff
    group), and the customers each branch serves."""
    staff = ensure_group(session, BRANCH_STAFF, "办事处及服务网点", "Branch staff")
    names = []
    for code, name, kind, city, (group_id, zh, en), username, served in DEMO_NETWORK:
        group = ensure_group(session, group_id, zh, en)
        session.flush()
        if username is not None:
            ensure_user(session, username, f"{zh}1", password, [group, staff])
            names.append(username)
        branch = session.scalars(select(Branch).where(Branch.code == code)).first()
        if branch is None:
            branch = Branch(code=code, name=name, kind=kind, city=city, group_id=group_id)
            session.add(branch)
            session.flush()
        for customer in session.scalars(select(Customer).where(Customer.code.in_(served))):
            if session.get(BranchCustomer, customer.id) is None:
                session.add(BranchCustomer(customer_id=customer.id, branch_id=branch.id))
    session.commit()
    return names


@transactional
def assign_customer(
    session: Session, user: User, customer_code: str, branch_code: str, locale: str, now: datetime | None = None
) -> Branch:
    """Which branch serves a customer (office, admins): both must exist; audited with the
    branch it had before. Refused field by field, nothing changed."""
    if not can_edit_branches(user):
        raise Forbidden("error.forbidden")
    now = now or utcnow()
    errors: dict[str, list[str]] = {}
    customer = session.scalars(select(Customer).where(Customer.code == customer_code.strip())).first()
    branch = session.scalars(select(Branch).where(Branch.code == branch_code.strip())).first()
    if customer is None:
        errors["customer"] = [translate("branches.error.customer", locale)]
    if branch is None:
        errors["branch"] = [translate("branches.error.branch", locale)]
    if errors:
        raise FormRejected(errors)
    assert customer is not None and branch is not None
    link = session.get(BranchCustomer, customer.id)
    before = link.branch.code if link is not None else None
    if link is None:
        session.add(BranchCustomer(customer_id=customer.id, branch_id=branch.id))
    else:
        link.branch_id = branch.id
    audit.record(
        session,
        "branch_customer_assigned",
        user,
        now,
        before={"branch": before},
        after={"branch": branch.code},
        details={"customer": customer.code},
    )
    session.commit()
    return branch


def all_customers(session: Session) -> list[Customer]:
    return list(session.scalars(select(Customer).order_by(Customer.code)))

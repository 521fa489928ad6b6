"""Registering a return or exchange at the branch that serves the customer (R29, R30): the
instance's branch tasks go to that branch's group (the diagram's `groupFrom branch_group`),
the branch's check runs on a clock of 2 working days; and the returns a unit's history shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.aftersales.archive.models import Customer, EquipmentUnit
from app.aftersales.archive.service import UnitSection
from app.aftersales.branches.models import Branch
from app.aftersales.branches.service import branch_of_customer, head_office
from app.aftersales.policies import can_register_return, may_register_for_branch
from app.bpm import audit
from app.bpm.errors import Forbidden, FormRejected
from app.bpm.forms import FormDefinition, load_form, read_forms_dir, validate_form_data
from app.bpm.instances import begin_instance, visible_ids
from app.bpm.models import ProcessInstance, User, utcnow
from app.bpm.plugins import Choices
from app.bpm.unit_of_work import transactional
from app.i18n import translate
from app.processes.return_exchange.clocks import CHECK_WITHIN, working_deadline
from app.processes.return_exchange.models import ReturnCase
from app.processes.return_exchange.plugin import RETURN_PROCESS

FORMS_DIR = Path(__file__).parent / "forms"
REGISTER_FORM = "return_register"


@lru_cache(maxsize=1)
def register_form() -> FormDefinition:
    doc = read_forms_dir(FORMS_DIR)[REGISTER_FORM]
    return load_form(REGISTER_FORM, doc["schema"], doc["ui"])


def _check_registrar(user: User) -> None:
    if not can_register_return(user):
        raise Forbidden("error.forbidden")


def unit_choices(session: Session, user: User) -> Choices:
    """The units a registrar may register: of the customers their branch serves (head office: all)."""
    _check_registrar(user)
    units = session.scalars(select(EquipmentUnit).order_by(EquipmentUnit.serial)).all()
    options = []
    for unit in units:
        branch = branch_of_customer(session, unit.customer_id)
        if branch is None or may_register_for_branch(user, branch.group_id):
            customer = session.get(Customer, unit.customer_id)
            options.append((str(unit.id), f"{unit.serial} · {customer.name if customer else ''}"))
    return {"unit": options}


@dataclass(frozen=True)
class Registered:
    instance: ProcessInstance
    case: ReturnCase
    branch_name: str


@transactional
def register_return(
    session: Session, user: User, values: dict[str, Any], locale: str, now: datetime | None = None
) -> Registered:
    """Validate the registration, start the process at the customer's branch (head office when
    no branch serves the customer) and record the case; refused field by field."""
    _check_registrar(user)
    now = now or utcnow()
    clean, errors = validate_form_data(register_form(), values, locale)
    if errors:
        raise FormRejected(errors)
    chosen = str(clean.get("unit") or "")
    unit = session.get(EquipmentUnit, int(chosen)) if chosen.isdigit() else None
    if unit is None:
        raise FormRejected({"unit": [translate("return.error.unit", locale)]})
    branch: Branch | None = branch_of_customer(session, unit.customer_id) or head_office(session)
    if branch is not None and not may_register_for_branch(user, branch.group_id):
        raise FormRejected({"unit": [translate("return.error.not_your_customer", locale)]})
    customer = session.get(Customer, unit.customer_id)
    assert customer is not None
    data = {
        "customer_id": customer.id,
        "unit_id": unit.id,
        "customer_name": customer.name,
        "unit_serial": unit.serial,
        "branch_group": branch.group_id if branch else None,
        "branch_name": branch.name if branch else "",
        "wanted": clean["wanted"],
        "reason": clean["reason"],
        "check_due_at": working_deadline(now, CHECK_WITHIN),
    }
    instance = begin_instance(session, user, RETURN_PROCESS, data, now=now)
    case = ReturnCase(
        instance_id=instance.id,
        customer_id=customer.id,
        unit_id=unit.id,
        branch_id=branch.id if branch else None,
        wanted=clean["wanted"],
        reason=clean["reason"],
        registered_at=now,
        status="open",
    )
    session.add(case)
    session.flush()
    audit.record(
        session,
        "return_registered",
        user,
        now,
        instance_id=instance.id,
        after={"unit": unit.serial, "wanted": clean["wanted"], "branch": branch.code if branch else None},
        details={"case_id": case.id},
    )
    session.commit()
    return Registered(instance, case, branch.name if branch else "")


def unit_section(session: Session, user: User, unit: EquipmentUnit) -> UnitSection:
    """The returns and exchanges of the unit (R29) that the reader may see."""
    query = select(ReturnCase).where(ReturnCase.unit_id == unit.id).order_by(ReturnCase.id.desc())
    found = list(session.scalars(query))
    visible = visible_ids(session, user, [r.instance_id for r in found])
    cases = [r for r in found if r.instance_id in visible]
    branches = {b.id: b for b in session.scalars(select(Branch))}
    api = [
        {
            "instance_id": c.instance_id,
            "registered_at": c.registered_at.isoformat(),
            "wanted": c.wanted,
            "status": c.status,
            "branch": branches[c.branch_id].code if c.branch_id in branches else None,
            "refund_amount": str(c.refund_amount) if c.refund_amount is not None else None,
        }
        for c in cases
    ]
    return UnitSection(
        name=RETURN_PROCESS,
        template="return_exchange/_unit_section.html",
        values={"cases": cases, "branches": branches},
        api={"returns": api},
    )

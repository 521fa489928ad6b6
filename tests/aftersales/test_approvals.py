"""Two people for money and contract terms (R3, R10): one asks, another of a different group
approves or rejects; both in the audit trail; only an approved change counts, once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.aftersales.approvals import service as approvals
from app.aftersales.approvals.models import PendingChange
from app.aftersales.archive import editing, terms
from app.aftersales.archive import service as archive
from app.aftersales.archive.models import Contract, EquipmentUnit
from app.bpm.errors import Conflict, Forbidden, FormRejected
from app.bpm.models import AuditEvent
from harness.apps import build_app, user

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def contract(session: Session, number: str) -> Contract:
    return session.scalars(select(Contract).where(Contract.number == number)).one()


def form_of(session: Session, found: Contract, **changes: object) -> dict[str, object]:
    values = editing.contract_values(found)
    values.update(changes)
    return values


def events(session: Session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def ask_deduction(session: Session, username: str, found: Contract, amount: str) -> int:
    values = {"amount": amount, "team": "某技术公司", "invoice_number": "FP-1", "request_id": None}
    change = approvals.propose(session, user(session, username), terms.DEDUCTION, found, "另请团队", values, {}, T0)
    session.commit()
    return change.id


def test_a_terms_change_is_audited_on_ask_and_on_approval(session: Session) -> None:
    found = contract(session, "HT-2023-045")
    sales = user(session, "sales1")
    editing.save_contract(session, sales, found.id, form_of(session, found, warranty_years=8), "zh_CN")
    assert contract(session, "HT-2023-045").warranty_years == 6  # asked, not in force
    (asked,) = events(session, "change_asked")
    assert asked.actor_name == "sales1"
    assert (asked.data_before, asked.data_after) == ({"warranty_years": 6}, {"warranty_years": 8})
    change_id = asked.details["change_id"] if asked.details else None
    assert isinstance(change_id, int)
    with pytest.raises(Forbidden):
        approvals.decide(session, user(session, "sales1"), change_id, True, None, "zh_CN", now=T0)
    with pytest.raises(Forbidden):  # a second person, but not of an approving group
        approvals.decide(session, user(session, "after_sales1"), change_id, True, None, "zh_CN", now=T0)
    approvals.decide(session, user(session, "office1"), change_id, True, None, "zh_CN", now=T0)
    assert contract(session, "HT-2023-045").warranty_years == 8
    (approved,) = events(session, "change_approved")
    assert approved.actor_name == "office1" and approved.details is not None
    assert approved.details["asked_by"] == "sales1" and approved.data_after == {"warranty_years": 8}


def test_a_rejected_change_changes_nothing_and_says_why(session: Session) -> None:
    found = contract(session, "HT-2025-003")
    before = terms.terms_of(session, found)
    asked = form_of(session, found, deposit_amount=0, part_prices="ROLLER-LP800 = 0", maintenance_years=10)
    editing.save_contract(session, user(session, "sales1"), found.id, asked, "en")
    (change,) = approvals.pending_of(session, found.id)
    office = user(session, "office1")
    with pytest.raises(FormRejected) as no_reason:
        approvals.decide(session, office, change.id, False, "  ", "en", now=T0)
    assert no_reason.value.errors == {"reason": ["This field is required."]}
    approvals.decide(session, office, change.id, False, "Not in the signed contract", "en", now=T0)
    assert terms.terms_of(session, contract(session, "HT-2025-003")) == before
    (rejected,) = events(session, "change_rejected")
    assert rejected.actor_name == "office1" and rejected.details is not None
    assert rejected.details["reason"] == "Not in the signed contract"
    with pytest.raises(Conflict):  # decided once
        approvals.decide(session, user(session, "admins1"), change.id, True, None, "en", now=T0)
    assert terms.terms_of(session, contract(session, "HT-2025-003")) == before


@pytest.mark.parametrize(
    ("field", "value"),
    [("warranty_years", 20), ("warranty_years", 0), ("maintenance_years", 11), ("deposit_amount", -1)],
)
def test_terms_are_bounded_on_the_field(session: Session, field: str, value: int) -> None:
    found = contract(session, "HT-2023-045")
    with pytest.raises(FormRejected) as rejected:
        form = form_of(session, found, **{field: value})
        editing.save_contract(session, user(session, "sales1"), found.id, form, "en")
    assert list(rejected.value.errors) == [field]
    assert approvals.pending_of(session, found.id) == []


def test_a_price_above_the_bound_is_refused(session: Session) -> None:
    found = contract(session, "HT-2023-045")
    with pytest.raises(FormRejected) as rejected:
        form = form_of(session, found, part_prices="ROLLER-LP800 = 2000000")
        editing.save_contract(session, user(session, "sales1"), found.id, form, "en")
    assert "Line 1" in rejected.value.errors["part_prices"][0]


def test_a_new_contract_within_bounds_is_in_force_at_once(session: Session) -> None:
    """No unit, request or ledger hangs on a new contract yet: one person enters it as signed."""
    found = contract(session, "HT-2023-045")
    form = form_of(session, found, number="HT-2026-100", warranty_years=3, part_prices="ROLLER-LP800 = 45")
    created = editing.save_contract(session, user(session, "sales1"), None, form, "zh_CN")
    assert created.warranty_years == 3 and terms.prices_of(session, created.id) == {"ROLLER-LP800": "45.00"}
    assert approvals.pending_of(session, created.id) == []


def test_deductions_asked_together_never_overdraw_the_deposit(session: Session) -> None:
    """Two deductions asked at the same moment each saw 80,000 available; the second approval
    finds the balance short and is refused, so the ledger never goes below zero."""
    found = contract(session, "HT-2023-045")
    first = ask_deduction(session, "after_sales_leads1", found, "50000.00")
    second = ask_deduction(session, "after_sales_leads1", found, "50000.00")
    office = user(session, "office1")
    approvals.decide(session, office, first, True, None, "zh_CN", now=T0)
    with pytest.raises(Conflict) as short:
        approvals.decide(session, office, second, True, None, "zh_CN", now=T0 + timedelta(minutes=1))
    assert short.value.message_key == "error.deduction_exceeds_balance"
    ledger = archive.deposit_ledger(session, office, found.id)
    assert ledger.balance == Decimal("30000.00")
    assert [(line.status, line.amount) for line in ledger.entries] == [
        ("approved", Decimal("-50000.00")),
        ("pending", Decimal("-50000.00")),
    ]


def test_a_deposit_cut_below_what_was_deducted_is_refused_at_approval(session: Session) -> None:
    found = contract(session, "HT-2023-045")
    office = user(session, "office1")
    approvals.decide(session, office, ask_deduction(session, "after_sales_leads1", found, "30000.00"), True, None, "en")
    form = form_of(session, found, deposit_amount=20000)
    editing.save_contract(session, user(session, "sales1"), found.id, form, "en")
    (change,) = approvals.pending_of(session, found.id)
    with pytest.raises(Conflict) as refused:
        approvals.decide(session, office, change.id, True, None, "en")
    assert refused.value.message_key == "error.deposit_below_deductions"
    assert contract(session, "HT-2023-045").deposit_amount == Decimal("80000.00")


def unit(session: Session, serial: str) -> EquipmentUnit:
    found = session.scalars(select(EquipmentUnit).where(EquipmentUnit.serial == serial)).one()
    session.refresh(found)
    return found


def unit_form(found: EquipmentUnit, **changes: object) -> dict[str, object]:
    """The unit's edit form as a page posts it back (an empty field is not sent)."""
    values = editing.unit_values(found)
    values.update(changes)
    return {name: value for name, value in values.items() if value is not None}


def generous_contract(session: Session, username: str, number: str = "HT-2026-200") -> Contract:
    """What the finding did first: a new contract of 10 years, in force at once (one person)."""
    form = form_of(session, contract(session, "HT-2022-017"), number=number, warranty_years=10)
    return editing.save_contract(session, user(session, username), None, form, "zh_CN")


def test_moving_a_unit_to_another_contract_waits_for_a_second_person(session: Session) -> None:
    """The finding: sales1 entered a 10-year contract and moved an out-of-warranty unit onto it,
    in force at once. Now the move is asked, shown on the unit's page and to the approvers, and
    counts only once another person of another group approves it; both steps are audited."""
    sales = user(session, "sales1")
    generous = generous_contract(session, "sales1")
    found = unit(session, "SN-C3000-0001")
    old_id = found.contract_id
    editing.save_unit(session, sales, found.id, unit_form(found, contract_id=str(generous.id)), "zh_CN")
    assert unit(session, "SN-C3000-0001").contract_id == old_id  # asked, not in force
    assert archive.get_unit(session, found.id).in_warranty is False
    (asked,) = events(session, "change_asked")
    assert asked.actor_name == "sales1" and asked.details is not None
    assert asked.details["kind"] == terms.UNIT_CONTRACT and asked.details["unit_id"] == found.id
    assert asked.data_before == {"contract_id": old_id, "contract_number": "HT-2022-017"}
    assert asked.data_after is not None and asked.data_after["contract_number"] == "HT-2026-200"
    (on_page,) = archive.unit_changes(session, sales, found.id, "en")
    assert on_page.kind_label == "Unit's contract" and on_page.may_decide is False
    assert [(r.label, r.old, r.new) for r in on_page.rows] == [
        ("Unit serial", None, "SN-C3000-0001"),
        ("Contract", "HT-2022-017", "HT-2026-200"),
    ]
    office = user(session, "office1")
    (listed,) = [v for v in approvals.waiting(session, office, "zh_CN") if v.change.id == on_page.change.id]
    assert listed.may_decide is True and listed.contract_number == "HT-2026-200"
    with pytest.raises(FormRejected) as again:  # one waiting move per unit
        other = generous_contract(session, "sales1", "HT-2026-201")
        editing.save_unit(session, sales, found.id, unit_form(found, contract_id=str(other.id)), "zh_CN")
    assert list(again.value.errors) == ["contract_id"]
    with pytest.raises(Forbidden):
        approvals.decide(session, sales, on_page.change.id, True, None, "zh_CN", now=T0)
    with pytest.raises(Forbidden):  # a second person, but not of an approving group
        approvals.decide(session, user(session, "after_sales1"), on_page.change.id, True, None, "zh_CN", now=T0)
    approvals.decide(session, office, on_page.change.id, True, None, "zh_CN", now=T0)
    assert unit(session, "SN-C3000-0001").contract_id == generous.id
    assert archive.get_unit(session, found.id).in_warranty is True
    assert archive.unit_changes(session, sales, found.id, "zh_CN") == []
    (approved,) = events(session, "change_approved")
    assert approved.actor_name == "office1" and approved.details is not None
    assert approved.details["asked_by"] == "sales1" and approved.details["unit_id"] == found.id


def test_a_unit_leaving_its_contract_also_waits_and_a_rejection_keeps_it(session: Session) -> None:
    found = unit(session, "SN-LP800-0006")
    before = found.contract_id
    editing.save_unit(session, user(session, "after_sales1"), found.id, unit_form(found, contract_id=None), "en")
    (change,) = approvals.pending_of_unit(session, found.id)
    assert change.contract_id == before and change.values["contract_id"] is None
    approvals.decide(session, user(session, "office1"), change.id, False, "合同仍有效", "en", now=T0)
    assert unit(session, "SN-LP800-0006").contract_id == before
    assert events(session, "change_rejected")[0].details["reason"] == "合同仍有效"  # type: ignore[index]


def test_other_unit_fields_save_at_once_beside_an_asked_move(session: Session) -> None:
    generous = generous_contract(session, "sales1")
    found = unit(session, "SN-C3000-0001")
    form = unit_form(found, contract_id=str(generous.id), location="门诊楼 4 层")
    editing.save_unit(session, user(session, "sales1"), found.id, form, "zh_CN")
    saved = unit(session, "SN-C3000-0001")
    assert saved.location == "门诊楼 4 层" and saved.contract is not None and saved.contract.number == "HT-2022-017"


def test_a_move_is_refused_at_approval_when_the_contract_went_to_another_customer(session: Session) -> None:
    generous = generous_contract(session, "sales1")
    found = unit(session, "SN-C3000-0001")
    editing.save_unit(session, user(session, "sales1"), found.id, unit_form(found, contract_id=str(generous.id)), "en")
    (change,) = approvals.pending_of_unit(session, found.id)
    other_customer = str(contract(session, "HT-2023-045").customer_id)
    form = form_of(session, generous, customer_id=other_customer)
    editing.save_contract(session, user(session, "sales1"), generous.id, form, "en")
    with pytest.raises(Conflict) as refused:
        approvals.decide(session, user(session, "office1"), change.id, True, None, "en", now=T0)
    assert refused.value.message_key == "error.unit_contract_changed"
    assert unit(session, "SN-C3000-0001").contract is not None
    assert unit(session, "SN-C3000-0001").contract.number == "HT-2022-017"  # type: ignore[union-attr]


def test_a_unit_keeps_its_customer_while_its_old_contract_is_in_force(session: Session) -> None:
    found = unit(session, "SN-C3000-0001")
    target = contract(session, "HT-2023-045")  # the other customer's
    form = unit_form(found, customer_id=str(target.customer_id), contract_id=str(target.id), department_id=None)
    with pytest.raises(FormRejected) as refused:
        editing.save_unit(session, user(session, "sales1"), found.id, form, "en")
    assert list(refused.value.errors) == ["customer_id"]
    assert approvals.pending_of_unit(session, found.id) == []


def test_a_new_unit_is_entered_on_its_contract_by_one_person(session: Session) -> None:
    generous = generous_contract(session, "sales1")
    form = unit_form(unit(session, "SN-C3000-0001"), serial="SN-C3000-0099", contract_id=str(generous.id))
    created = editing.save_unit(session, user(session, "sales1"), None, form, "zh_CN")
    assert created.contract_id == generous.id
    assert approvals.pending_of_unit(session, created.id) == []
    assert events(session, "change_asked") == []


@pytest.fixture
def pg_app(database_url_pg: str, tmp_path: Path) -> Iterator[Flask]:
    application = build_app(database_url_pg, tmp_path)
    yield application
    application.extensions["shouhou_db"].engine.dispose()


@pytest.mark.postgres
def test_two_approvers_at_once_apply_a_change_once(pg_app: Flask) -> None:
    """Both approvers loaded the waiting deduction; the first decides; the second's decision
    finds it decided (the conditional update) and applies nothing."""
    factory = pg_app.extensions["shouhou_db"].session_factory
    with pg_app.app_context(), factory() as asking, factory() as one, factory() as other:
        found = contract(asking, "HT-2023-045")
        change_id = ask_deduction(asking, "after_sales_leads1", found, "1000.00")
        office, admin = user(one, "office1"), user(other, "admins1")
        assert one.get(PendingChange, change_id) is not None
        assert other.get(PendingChange, change_id) is not None  # both loaded it waiting
        approvals.decide(one, office, change_id, True, None, "zh_CN", now=T0)
        with pytest.raises(Conflict):
            approvals.decide(other, admin, change_id, True, None, "zh_CN", now=T0)
        ledger = archive.deposit_ledger(asking, user(asking, "office1"), found.id)
        assert [line.amount for line in ledger.entries] == [Decimal("-1000.00")]
        assert ledger.balance == Decimal("79000.00")
        approver = ledger.entries[0].approved_by
        assert approver is not None and approver.username == "office1"

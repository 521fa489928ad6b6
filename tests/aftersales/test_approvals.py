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
from app.aftersales.archive.models import Contract
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

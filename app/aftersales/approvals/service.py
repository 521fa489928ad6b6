"""Two people for money and contract terms (R3, R10): `propose` records what one person asks
(within the caller's unit of work), `decide` lets another of a different group approve or
reject it. Only an approved change is applied, by its kind's function in `KINDS`; a change is
decided once, however many approvers press at the same moment (a conditional update: the
second finds it decided and gets a conflict). Asking and deciding are both audited."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.aftersales.approvals.models import APPROVED, PENDING, REJECTED, PendingChange
from app.aftersales.archive import terms
from app.aftersales.archive.models import Contract
from app.aftersales.archive.terms import DiffRow
from app.aftersales.policies import can_approve_changes, can_decide_change
from app.bpm import audit
from app.bpm.errors import Conflict, Forbidden, FormRejected, NotFound
from app.bpm.models import User, utcnow
from app.bpm.unit_of_work import transactional
from app.i18n import translate

REASON_MAX = 2000


@dataclass(frozen=True)
class ChangeKind:
    """What a kind of change does once approved, and how an approver reads it."""

    apply: Callable[[Session, PendingChange, datetime], None]
    rows: Callable[[PendingChange, str], list[DiffRow]]


KINDS: dict[str, ChangeKind] = {
    terms.DEDUCTION: ChangeKind(terms.apply_deduction, terms.deduction_rows),
    terms.CONTRACT_TERMS: ChangeKind(terms.apply_terms, terms.terms_rows),
    terms.UNIT_CONTRACT: ChangeKind(terms.apply_unit_contract, terms.unit_contract_rows),
}


@dataclass(frozen=True)
class ChangeView:
    """A change as a page or the API shows it: its rows (old → new) and whether the reader
    may decide it."""

    change: PendingChange
    contract_number: str
    kind_label: str
    rows: list[DiffRow]
    may_decide: bool


def _details(change: PendingChange, contract: Contract) -> dict[str, Any]:
    details: dict[str, Any] = {
        "change_id": change.id,
        "kind": change.kind,
        "contract": contract.number,
        "summary": change.summary,
    }
    if change.unit_id is not None:
        details["unit_id"] = change.unit_id
    return details


def propose(
    session: Session,
    user: User,
    kind: str,
    contract: Contract,
    summary: str,
    values: dict[str, Any],
    previous: dict[str, Any],
    now: datetime,
    unit_id: int | None = None,
) -> PendingChange:
    """Record an asked change in the caller's transaction (no commit: it belongs to the task or
    edit that asked it); `unit_id` for a change of the unit's contract."""
    if kind not in KINDS:
        raise ValueError(f"unknown change kind {kind!r}")
    change = PendingChange(
        kind=kind,
        contract_id=contract.id,
        unit_id=unit_id,
        summary=summary[:300],
        values=values,
        previous=previous,
        asked_by_id=user.id,
        asked_at=now,
        decision=PENDING,
    )
    session.add(change)
    session.flush()
    audit.record(session, "change_asked", user, now, before=previous, after=values, details=_details(change, contract))
    return change


def pending_of(session: Session, contract_id: int, kind: str | None = None) -> list[PendingChange]:
    query = select(PendingChange).where(PendingChange.contract_id == contract_id, PendingChange.decision == PENDING)
    if kind is not None:
        query = query.where(PendingChange.kind == kind)
    return list(session.scalars(query.order_by(PendingChange.id)))


def pending_of_unit(session: Session, unit_id: int) -> list[PendingChange]:
    """The changes of the unit's contract waiting for a decision."""
    query = select(PendingChange).where(PendingChange.unit_id == unit_id, PendingChange.decision == PENDING)
    return list(session.scalars(query.order_by(PendingChange.id)))


def view_of(session: Session, user: User, change: PendingChange, locale: str) -> ChangeView:
    contract = session.get(Contract, change.contract_id)
    number = contract.number if contract else ""
    label = translate(f"change.kind.{change.kind}", locale)
    return ChangeView(change, number, label, KINDS[change.kind].rows(change, locale), can_decide_change(user, change))


def waiting(session: Session, user: User, locale: str) -> list[ChangeView]:
    """Every change waiting for a decision, oldest first, for the approvers."""
    if not can_approve_changes(user):
        raise Forbidden("error.forbidden")
    changes = session.scalars(select(PendingChange).where(PendingChange.decision == PENDING).order_by(PendingChange.id))
    return [view_of(session, user, change, locale) for change in changes]


@transactional
def decide(
    session: Session,
    user: User,
    change_id: int,
    approve: bool,
    reason: str | None,
    locale: str,
    now: datetime | None = None,
) -> PendingChange:
    """Approve (apply) or reject (with a reason; nothing changes) one waiting change."""
    now = now or utcnow()
    change = session.get(PendingChange, change_id)
    if change is None:
        raise NotFound("error.not_found")
    if change.decision != PENDING:
        raise Conflict("error.change_decided")
    if not can_decide_change(user, change):
        raise Forbidden("error.change_not_yours")
    reason = (reason or "").strip()
    if not approve and not reason:
        raise FormRejected({"reason": [translate("form.required", locale)]})
    if len(reason) > REASON_MAX:
        raise FormRejected({"reason": [translate("form.length", locale, min=1, max=REASON_MAX)]})
    decision = APPROVED if approve else REJECTED
    claimed = session.execute(
        update(PendingChange)
        .where(PendingChange.id == change.id, PendingChange.decision == PENDING)
        .values(decision=decision, decided_by_id=user.id, decided_at=now, reason=reason or None)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("error.change_decided")
    session.refresh(change)
    if approve:
        KINDS[change.kind].apply(session, change, now)
    contract = session.get(Contract, change.contract_id)
    assert contract is not None
    details = {**_details(change, contract), "asked_by": change.asked_by.username, "reason": reason or None}
    audit.record(session, f"change_{decision}", user, now, before=change.previous, after=change.values, details=details)
    session.commit()
    return change

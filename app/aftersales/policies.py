"""Who may do what with the shared after-sales business (archive, contracts, warehouse),
decided against the user (and, where it matters, the object). The platform's own rules
(tasks, instances, deploying) are in `app.bpm.policies`; no other module compares group ids.
Each rule has an allow and a refuse test in tests/aftersales/test_policies.py."""

from __future__ import annotations

from app.aftersales.approvals.models import PENDING, PendingChange
from app.aftersales.archive.models import Contract
from app.bpm.models import User
from app.bpm.policies import ADMINS, AUDITORS

AFTER_SALES = "after_sales"
SALES = "sales"
OFFICE = "office"
ENGINEERS = "engineers"

ARCHIVE_EDITORS = frozenset({AFTER_SALES, SALES, OFFICE, ADMINS})
STOCK_KEEPERS = frozenset({AFTER_SALES, OFFICE, ADMINS})
PART_USERS = STOCK_KEEPERS | {ENGINEERS}
CONTRACT_READERS = frozenset({AFTER_SALES, SALES, OFFICE, ADMINS, AUDITORS})
CHANGE_APPROVERS = frozenset({OFFICE, ADMINS})


def can_edit_archive(user: User) -> bool:
    """Customers, contacts, units, contracts and correspondence."""
    return bool(ARCHIVE_EDITORS & user.group_ids)


def can_keep_stock(user: User) -> bool:
    """Receive parts into the warehouse."""
    return bool(STOCK_KEEPERS & user.group_ids)


def can_use_parts(user: User) -> bool:
    """Issue parts to a repair and take unused ones back."""
    return bool(PART_USERS & user.group_ids)


def can_read_contract_terms(user: User, contract: Contract) -> bool:
    """A contract's deposit ledger, prices and SLA policy: staff who handle contracts and
    repairs, and auditors."""
    return bool(CONTRACT_READERS & user.group_ids)


def can_approve_changes(user: User) -> bool:
    """Sees the money and contract-terms changes waiting for a second person."""
    return bool(CHANGE_APPROVERS & user.group_ids)


def can_decide_change(user: User, change: PendingChange) -> bool:
    """Approve or reject a waiting change: never the person who asked (whatever their
    groups), and only someone holding an approving group (office, admins) that the asker
    does not hold: one asks, another of a different group approves."""
    if change.decision != PENDING or user.id == change.asked_by_id:
        return False
    return bool((CHANGE_APPROVERS & user.group_ids) - change.asked_by.group_ids)


AFTER_SALES_LEADS = "after_sales_leads"
REPORT_READERS = frozenset({AFTER_SALES, AFTER_SALES_LEADS, OFFICE, ADMINS, AUDITORS})
SURVEY_STAFF = frozenset({AFTER_SALES, AFTER_SALES_LEADS, ADMINS})
SURVEY_APPROVERS = frozenset({AFTER_SALES_LEADS})


def can_read_reports(user: User) -> bool:
    """The figures of complaints and surveys (R16, R20)."""
    return bool(REPORT_READERS & user.group_ids)


def can_run_surveys(user: User) -> bool:
    """Open a yearly survey campaign and write its analysis report (R20)."""
    return bool(SURVEY_STAFF & user.group_ids)


def can_approve_survey_analysis(user: User, written_by_id: int | None) -> bool:
    """An after-sales lead who is not the report's writer (R20: a second person approves)."""
    return user.id != written_by_id and bool(SURVEY_APPROVERS & user.group_ids)

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
AFTER_SALES_LEADS = "after_sales_leads"
OBLIGATION_READERS = CONTRACT_READERS | {AFTER_SALES_LEADS, ENGINEERS}


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


def can_read_obligations(user: User) -> bool:
    """The recurring promises per customer and unit (due, met, overdue, with their evidence):
    the staff who keep them or the contracts behind them, and auditors."""
    return bool(OBLIGATION_READERS & user.group_ids)


VISIT_REPORT_WRITERS = frozenset({AFTER_SALES, AFTER_SALES_LEADS, ADMINS})
VISIT_REPORT_APPROVERS = frozenset({AFTER_SALES_LEADS, ADMINS})


def can_write_visit_report(user: User) -> bool:
    """Draft and edit a key customer's yearly visit report (R19): after-sales staff and leads."""
    return bool(VISIT_REPORT_WRITERS & user.group_ids)


def can_approve_visit_report(user: User, written_by_id: int) -> bool:
    """Approve a visit report: an after-sales lead (or admin) who is not the one who last wrote it."""
    return user.id != written_by_id and bool(VISIT_REPORT_APPROVERS & user.group_ids)


QUESTION_SET_EDITORS = frozenset({AFTER_SALES_LEADS, ADMINS})


def can_edit_feedback_questions(user: User) -> bool:
    """Write the next version of the feedback card's questions (answered versions never change)."""
    return bool(QUESTION_SET_EDITORS & user.group_ids)


def can_edit_obligation_rules(user: User) -> bool:
    """Change a recurring promise's rule (its period, who meets it, who is escalated to): admins."""
    return ADMINS in user.group_ids


BRANCH_STAFF = "branch_offices"  # every member of a branch's own group is also in this one
BRANCH_READERS = frozenset({AFTER_SALES, AFTER_SALES_LEADS, SALES, OFFICE, ADMINS, AUDITORS, BRANCH_STAFF})
BRANCH_EDITORS = frozenset({OFFICE, ADMINS})
RETURN_REGISTRARS = frozenset({BRANCH_STAFF, AFTER_SALES})


def can_see_branches(user: User) -> bool:
    """The service network: its branches, their staff and the customers each serves."""
    return bool(BRANCH_READERS & user.group_ids)


def can_edit_branches(user: User) -> bool:
    """Which customers a branch serves, its name and city."""
    return bool(BRANCH_EDITORS & user.group_ids)


def can_register_return(user: User) -> bool:
    """Register a return or exchange: a branch's staff, or the head-office service centre."""
    return bool(RETURN_REGISTRARS & user.group_ids)


def can_approve_refund(user: User, asked_by: User | None) -> bool:
    """A refund moves money: approved never by the person who asked for it, and only by
    someone of an approving group (office, admins) that the asker does not hold."""
    if asked_by is None or user.id == asked_by.id:
        return False
    return bool((CHANGE_APPROVERS & user.group_ids) - asked_by.group_ids)


def may_register_for_branch(user: User, branch_group: str) -> bool:
    """A branch registers returns of the customers it serves; head office any customer's."""
    return AFTER_SALES in user.group_ids or branch_group in user.group_ids


PACK_MAKERS = frozenset({AFTER_SALES_LEADS, OFFICE, ADMINS})
PACK_APPROVERS = frozenset({AFTER_SALES_LEADS, OFFICE})


def can_generate_monthly_pack(user: User) -> bool:
    """Regenerate a month's management pack from today's data (a new version; R31)."""
    return bool(PACK_MAKERS & user.group_ids)


def can_approve_monthly_pack(user: User, generated_by_id: int | None) -> bool:
    """Issue a version of the monthly pack: an after-sales lead or the office, never the person
    who generated that version (the worker's versions have no such person)."""
    return user.id != generated_by_id and bool(PACK_APPROVERS & user.group_ids)


SOFTWARE_PLANNERS = frozenset({AFTER_SALES, ADMINS})


def can_plan_software_campaign(user: User) -> bool:
    """Plan one software upgrade for every unit of a model at once (a campaign)."""
    return bool(SOFTWARE_PLANNERS & user.group_ids)

"""Who may do what with the shared after-sales business (archive, contracts, warehouse),
decided against the user (and, where it matters, the object). The platform's own rules
(tasks, instances, deploying) are in `app.bpm.policies`; no other module compares group ids.
Each rule has an allow and a refuse test in tests/aftersales/test_policies.py."""

from __future__ import annotations

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

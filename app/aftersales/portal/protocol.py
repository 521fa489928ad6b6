"""What the customer portal asks of the processes, and what they give it: the portal imports
no process. Each process module contributes to an extension point by name:

- `"portal_requests"`: one function `(session, customer_id, now, locale, request_id=None) ->
  list[PortalRequest]`, the customer's service requests (newest first, at most `LIST_LIMIT`;
  with `request_id`, that one only, or none when it is not this customer's), contributed by
  the repair process.
- `"portal_record_signing"`: one function `(session, actor, request_id, RemoteSignature,
  locale, now) -> None` that records the contact's drawn signature on a service record waiting
  for it and moves the process on (NotFound when the request is not the actor's customer's
  or nothing waits; FormRejected per field).
- `"portal_actions"`: `PortalAction`s, each something a contact can do for their customer (the
  feedback card, the yearly survey, a suggestion): which cases it applies to, the fields it
  asks, and the handler that completes its task or starts its process on the contact's behalf.

A contact is no staff user: what the portal does is recorded as done by the portal's own
account (`PORTAL_ACCOUNT`), which holds no group and cannot sign in."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bpm.models import User

PORTAL_REQUESTS = "portal_requests"
PORTAL_RECORD_SIGNING = "portal_record_signing"
PORTAL_ACTIONS = "portal_actions"
PORTAL_ACCOUNT = "portal"
LIST_LIMIT = 100


@dataclass(frozen=True)
class PortalActor:
    """The contact behind a portal session, and the account their steps are recorded under."""

    contact_id: int
    customer_id: int
    name: str
    email: str
    account: User


def portal_account(session: Session) -> User:
    """The portal's account: in no group, no usable password, inactive (it never signs in)."""
    account = session.scalars(select(User).where(User.username == PORTAL_ACCOUNT)).first()
    if account is None:
        unusable = "!"  # no hash matches it: the account has no password
        account = User(username=PORTAL_ACCOUNT, display_name="客户门户", password_hash=unusable, active=False)
        session.add(account)
        session.flush()
    return account


def is_portal_account(user: User | None) -> bool:
    return user is not None and user.username == PORTAL_ACCOUNT and not user.active


@dataclass(frozen=True)
class PortalClock:
    label: str  # in the reader's language
    due_at: datetime
    status: str  # pending | running | met | closed
    breached: bool
    done_at: datetime | None


@dataclass(frozen=True)
class AwaitingSignature:
    """A service record the engineer wrote for a customer who was not on site."""

    summary: str


@dataclass(frozen=True)
class SignedRecord:
    signer_name: str | None
    signed_at: datetime | None
    signed_via: str | None  # on_site | portal


@dataclass(frozen=True)
class PortalRequest:
    id: int
    number: str
    unit_id: int
    unit_label: str
    status: str  # open | resolved | closed | declined
    reported_at: datetime
    description: str
    engineer: str | None
    arrival_by: datetime | None  # the arrival clock's due time
    arrived_at: datetime | None
    clocks: tuple[PortalClock, ...]
    awaiting_signature: AwaitingSignature | None = None
    signed: SignedRecord | None = None


@dataclass(frozen=True)
class RemoteSignature:
    signer_name: str
    opinion: str
    signature: str  # the canvas's PNG data URL


RequestsReader = Callable[..., list[PortalRequest]]
RecordSigner = Callable[[Session, PortalActor, int, RemoteSignature, str, datetime], None]


@dataclass(frozen=True)
class PortalField:
    """One field a portal action asks (its label already in the reader's language)."""

    name: str
    label: str
    kind: str = "text"  # text | textarea | score (1–5) | choice
    required: bool = True
    max_length: int | None = None
    options: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class PortalCase:
    """Something the action applies to for this customer: `key` comes back to the handler (a
    task's id, say) and is never shown; the portal only passes keys of the actor's own cases."""

    key: str
    label: str


@dataclass(frozen=True)
class PortalAction:
    name: str  # ASCII, in the portal's URLs
    title_key: str
    done_key: str
    cases: Callable[[Session, PortalActor, str], list[PortalCase]]
    fields: Callable[[Session, PortalActor, str], list[PortalField]]
    handle: Callable[[Session, PortalActor, str, Mapping[str, str], str, datetime], None]

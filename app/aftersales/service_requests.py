"""Opening a service request from another process's step (an inspection finds a fault, a
follow-up or a feedback card a quality problem): the protocol between those processes and the
repair process, which contributes the opener to the extension point `service_request_opener`.
No process imports another; they meet here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.bpm.models import User
from app.bpm.modules import contributions

OPENER = "service_request_opener"


@dataclass(frozen=True)
class RequestOpening:
    """What the other process knows of the fault. `channel` is one of the repair intake's
    channels (a visit on site, a phone call). `attend_within`: the engineer must be on site
    within this time (the seed's 24 小时内到位 for a quality problem a follow-up found), when
    sooner than the contract's own arrival clock."""

    unit_id: int
    description: str
    channel: str
    origin_instance_id: int | None = None
    contact_name: str | None = None
    attend_within: timedelta | None = None


@dataclass(frozen=True)
class OpenedRequest:
    id: int
    number: str
    instance_id: int


Opener = Callable[[Session, User, RequestOpening, datetime], OpenedRequest]


def open_service_request(session: Session, user: User, opening: RequestOpening, now: datetime) -> OpenedRequest:
    """Open the request inside the caller's transaction (nothing is committed)."""
    openers = contributions(OPENER)
    if len(openers) != 1:
        raise RuntimeError(f"exactly one module must contribute {OPENER!r}; found {len(openers)}")
    opener: Opener = openers[0]
    return opener(session, user, opening, now)


# -- what is still open on a unit (the handover checks it) ----------------------------------------

OPEN_REQUESTS = "open_service_requests"
MAX_OPEN_LISTED = 50


@dataclass(frozen=True)
class OpenRequest:
    """A service request of the unit not closed yet (a repair still pending), as the repair
    process tells it: its number, status and what was reported."""

    id: int
    number: str
    status: str
    description: str
    reported_at: datetime


OpenRequestsOf = Callable[[Session, int], list[OpenRequest]]


def open_requests_of(session: Session, unit_id: int) -> list[OpenRequest]:
    """The unit's requests still open, from every module that keeps requests (at least one)."""
    sources: tuple[OpenRequestsOf, ...] = contributions(OPEN_REQUESTS)
    if not sources:
        raise RuntimeError(f"a module must contribute {OPEN_REQUESTS!r}")
    found = [request for source in sources for request in source(session, unit_id)]
    return sorted(found, key=lambda r: r.reported_at)[:MAX_OPEN_LISTED]

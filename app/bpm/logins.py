"""Log-in with throttling: failures are counted per account and per client address in the
database (every web process sees the same counts), and checked before the password hash is
computed, so guessing is slow and a flood of wrong passwords cannot keep the server busy
hashing. A success resets the account's count; each failure is in the audit trail."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from app.bpm import audit, users
from app.bpm.errors import ServiceError
from app.bpm.models import LoginAttempt, User, utcnow
from app.bpm.unit_of_work import transactional
from app.config import Config


@dataclass(frozen=True)
class Throttle:
    window: timedelta
    per_account: int
    per_address: int

    @classmethod
    def of(cls, config: Config) -> Throttle:
        window = timedelta(minutes=config.login_window_minutes)
        return cls(window, config.login_failures_per_account, config.login_failures_per_address)


class TooManyAttempts(ServiceError):
    status = 429
    code = "too_many_attempts"

    def __init__(self, retry_after: int) -> None:
        super().__init__("error.too_many_attempts", minutes=max(1, math.ceil(retry_after / 60)))
        self.retry_after = retry_after


def _check(session: Session, throttle: Throttle, username: str, address: str, now: datetime, allowed: int) -> None:
    """Refuse when the account or the address already has more than `allowed` of its limit's
    attempts in the window; Retry-After is when the oldest of them leaves the window."""
    since = now - throttle.window
    keys: list[tuple[ColumnElement[bool], int]] = [
        (LoginAttempt.username == username, throttle.per_account),
        (LoginAttempt.address == address, throttle.per_address),
    ]
    for condition, limit in keys:
        count, oldest = session.execute(
            select(func.count(), func.min(LoginAttempt.at)).where(condition, LoginAttempt.at > since)
        ).one()
        if count > limit - allowed:
            raise TooManyAttempts(max(1, math.ceil((oldest + throttle.window - now).total_seconds())))


@transactional
def sign_in(
    session: Session, throttle: Throttle, username: str, password: str, address: str, now: datetime | None = None
) -> User | None:
    """The user whose name and password these are, or None; TooManyAttempts when the account
    or the address is over its limit (then no password is checked at all).

    The attempt is committed before the hash is computed and counted again after, so parallel
    guesses see each other: at most the limit of them ever reach the hash in one window."""
    now = now or utcnow()
    username, address = username[:64], address[:64]
    _check(session, throttle, username, address, now, allowed=1)
    since = now - throttle.window
    session.execute(delete(LoginAttempt).where(LoginAttempt.username == username, LoginAttempt.at <= since))
    session.execute(delete(LoginAttempt).where(LoginAttempt.address == address, LoginAttempt.at <= since))
    attempt = LoginAttempt(username=username, address=address, at=now)
    session.add(attempt)
    session.commit()
    try:
        _check(session, throttle, username, address, now, allowed=0)
    except TooManyAttempts:
        session.delete(attempt)  # lost the race: this one never reached the hash
        session.commit()
        raise
    found = users.active_user(session, username)
    user_id, stored_hash = (found.id, found.password_hash) if found else (None, None)
    session.commit()  # no transaction (on SQLite: no write lock) is held while hashing
    if not users.password_matches(stored_hash, password):
        audit.record(session, "login_failed", None, now, details={"username": username, "address": address})
        session.commit()
        return None
    session.execute(delete(LoginAttempt).where(LoginAttempt.username == username))
    session.commit()
    return session.get(User, user_id)

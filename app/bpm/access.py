"""Who is signed in, and how that ends: web sessions (a random id in the signed cookie, its
SHA-256 in `web_sessions`) and API tokens. Logging out deletes the session's row; revoking a
token deletes the token; changing one's password ends every other session and token of the
user; an admin can end all of a user's sessions and tokens at once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from app.bpm import audit
from app.bpm.errors import Forbidden, NotFound, ServiceError
from app.bpm.models import ApiToken, User, WebSession, user_groups, utcnow
from app.bpm.policies import can_administer_users
from app.bpm.unit_of_work import transactional
from app.bpm.users import attach_user, secret_digest

# A session's `last_seen_at` is written at most this often: most requests only read.
SEEN_EVERY = timedelta(minutes=5)
MIN_PASSWORD = 8


@transactional
def open_session(
    session: Session,
    user: User,
    user_agent: str | None,
    address: str | None,
    idle: timedelta,
    now: datetime | None = None,
) -> str:
    """A new web session for `user`; the id returned goes into the signed cookie. The user's
    sessions idle longer than `idle` (browsers closed without logging out) are deleted."""
    now = now or utcnow()
    session.execute(delete(WebSession).where(WebSession.user_id == user.id, WebSession.last_seen_at <= now - idle))
    session_id = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            user_id=user.id,
            token_hash=secret_digest(session_id),
            created_at=now,
            last_seen_at=now,
            user_agent=(user_agent or "")[:200] or None,
            address=(address or "")[:64] or None,
        )
    )
    session.commit()
    return session_id


# Every page asks, so the session's user and group ids come as plain rows of one indexed
# query (the unique token hash), as for API tokens.
_SESSION_USER = (
    select(
        WebSession.id.label("session_row"),
        WebSession.last_seen_at,
        User.id,
        User.username,
        User.display_name,
        User.active,
        user_groups.c.group_id,
    )
    .join(User, User.id == WebSession.user_id)
    .outerjoin(user_groups, user_groups.c.user_id == User.id)
    .where(WebSession.token_hash == bindparam("token_hash"))
)


def user_for_session(session: Session, session_id: str, idle: timedelta, now: datetime | None = None) -> User | None:
    """The session's active user with its groups, or None when the session was ended, has
    been idle longer than `idle`, or its user was deactivated."""
    now = now or utcnow()
    rows = session.execute(_SESSION_USER, {"token_hash": secret_digest(session_id)}).all()
    if not rows or not rows[0].active or rows[0].last_seen_at <= now - idle:
        return None
    if rows[0].last_seen_at <= now - SEEN_EVERY:
        session.execute(update(WebSession).where(WebSession.id == rows[0].session_row).values(last_seen_at=now))
        session.commit()
    return attach_user(session, rows[0], sorted(row.group_id for row in rows if row.group_id is not None))


@transactional
def end_session(session: Session, session_id: str) -> None:
    """Log out: the cookie's session no longer exists, wherever the cookie was copied to."""
    session.execute(delete(WebSession).where(WebSession.token_hash == secret_digest(session_id)))
    session.commit()


@transactional
def revoke_token(session: Session, token: str) -> None:
    session.execute(delete(ApiToken).where(ApiToken.token_hash == secret_digest(token)))
    session.commit()


@dataclass(frozen=True)
class Ended:
    sessions: int
    tokens: int


def _end_all(session: Session, user_id: int, keep_session: str | None, keep_token: str | None) -> Ended:
    sessions = delete(WebSession).where(WebSession.user_id == user_id)
    if keep_session:
        sessions = sessions.where(WebSession.token_hash != secret_digest(keep_session))
    tokens = delete(ApiToken).where(ApiToken.user_id == user_id)
    if keep_token:
        tokens = tokens.where(ApiToken.token_hash != secret_digest(keep_token))
    ended_sessions = session.execute(sessions).rowcount  # type: ignore[attr-defined]
    ended_tokens = session.execute(tokens).rowcount  # type: ignore[attr-defined]
    return Ended(int(ended_sessions or 0), int(ended_tokens or 0))


@transactional
def change_password(
    session: Session,
    user: User,
    current: str,
    new: str,
    keep_session: str | None = None,
    keep_token: str | None = None,
    now: datetime | None = None,
) -> Ended:
    """Set a new password and end every other session and token of the user (whoever copied
    a cookie or a token keeps nothing); the session or token in use stays signed in."""
    if not check_password_hash(user.password_hash, current):
        raise ServiceError("error.wrong_password")
    if len(new) < MIN_PASSWORD:
        raise ServiceError("error.password_short", min=MIN_PASSWORD)
    now = now or utcnow()
    user.password_hash = generate_password_hash(new)
    ended = _end_all(session, user.id, keep_session, keep_token)
    audit.record(session, "password_changed", user, now, details={"sessions_ended": ended.sessions})
    session.commit()
    return ended


@transactional
def revoke_access(session: Session, actor: User, user_id: int, now: datetime | None = None) -> Ended:
    """An admin ends every session and token of a user (a lost laptop, a leaver)."""
    if not can_administer_users(actor):
        raise Forbidden("error.forbidden")
    target = session.get(User, user_id)
    if target is None:
        raise NotFound("error.not_found")
    ended = _end_all(session, target.id, None, None)
    details = {"user": target.username, "sessions": ended.sessions, "tokens": ended.tokens}
    audit.record(session, "access_revoked", actor, now or utcnow(), details=details)
    session.commit()
    return ended

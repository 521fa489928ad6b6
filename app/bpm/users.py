"""Users, groups, log-in and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from werkzeug.security import check_password_hash, generate_password_hash

from app.bpm.models import ApiToken, Group, User, user_groups, utcnow

# Verifying against this keeps the time of a failed log-in the same for unknown users.
_DUMMY_HASH = generate_password_hash("not-a-password")


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = active_user(session, username)
    return user if password_matches(user.password_hash if user else None, password) else None


def active_user(session: Session, username: str) -> User | None:
    user = session.scalars(select(User).where(User.username == username)).first()
    return user if user is not None and user.active else None


def password_matches(stored_hash: str | None, password: str) -> bool:
    """Check a password against its stored hash; with no hash (unknown user) the same work is
    done against a dummy, so a failed log-in takes the same time either way."""
    if stored_hash is None:
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(stored_hash, password)


def get_user(session: Session, user_id: int) -> User | None:
    user = session.get(User, user_id)
    return user if user is not None and user.active else None


def secret_digest(token: str) -> str:
    """What is stored of a token or session id: its SHA-256, never the secret itself."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(session: Session, user: User, lifetime: timedelta, now: datetime | None = None) -> str:
    token = secrets.token_urlsafe(32)
    now = now or utcnow()
    session.add(ApiToken(user_id=user.id, token_hash=secret_digest(token), created_at=now, expires_at=now + lifetime))
    session.commit()
    return token


# Every API request asks, so the token's user and group ids come as plain rows of one query
# built once, and the user joins the session without a second query (see `attach_user`).
_TOKEN_USER = (
    select(ApiToken.expires_at, User.id, User.username, User.display_name, User.active, user_groups.c.group_id)
    .join(User, User.id == ApiToken.user_id)
    .outerjoin(user_groups, user_groups.c.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


def user_for_token(session: Session, token: str, now: datetime | None = None) -> User | None:
    """The token's active user with its groups, in one query, or None."""
    rows = session.execute(_TOKEN_USER, {"token_hash": secret_digest(token)}).all()
    if not rows or rows[0].expires_at <= (now or utcnow()) or not rows[0].active:
        return None
    return attach_user(session, rows[0], sorted(row.group_id for row in rows if row.group_id is not None))


def attach_user(session: Session, row: Any, group_ids: list[str]) -> User:
    """The user as a persistent object of this session, built from the row just read rather
    than loaded again; what the row did not carry (password hash, group names) loads on first
    use, as any expired attribute does."""
    known = session.identity_map.get(identity_key(User, row.id))
    if isinstance(known, User):
        return known
    user = User(id=row.id, username=row.username, display_name=row.display_name, active=row.active)
    make_transient_to_detached(user)
    session.add(user)
    groups = []
    for group_id in group_ids:
        group = session.identity_map.get(identity_key(Group, group_id))
        if not isinstance(group, Group):
            group = Group(id=group_id)
            make_transient_to_detached(group)
            session.add(group)
        groups.append(group)
    set_committed_value(user, "groups", groups)
    return user


def ensure_group(session: Session, group_id: str, name_zh: str, name_en: str) -> Group:
    group = session.get(Group, group_id)
    if group is None:
        group = Group(id=group_id, name_zh=name_zh, name_en=name_en)
        session.add(group)
    return group


def ensure_user(
    session: Session, username: str, display_name: str, password: str, groups: list[Group], email: str | None = None
) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        user = User(username=username, display_name=display_name, password_hash=generate_password_hash(password))
        session.add(user)
    if email is not None and user.email is None:
        user.email = email
    for group in groups:
        if group not in user.groups:
            user.groups.append(group)
    return user


def all_groups(session: Session) -> list[Group]:
    return list(session.scalars(select(Group).order_by(Group.id)))


def group_names(session: Session, locale: str) -> dict[str, str]:
    return {g.id: g.name(locale) for g in session.scalars(select(Group))}

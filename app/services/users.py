"""Users, groups, log-in and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from app.models import ApiToken, Group, User, utcnow

# Verifying against this keeps the time of a failed log-in the same for unknown users.
_DUMMY_HASH = generate_password_hash("not-a-password")


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def get_user(session: Session, user_id: int) -> User | None:
    user = session.get(User, user_id)
    return user if user is not None and user.active else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(session: Session, user: User, lifetime: timedelta, now: datetime | None = None) -> str:
    token = secrets.token_urlsafe(32)
    now = now or utcnow()
    session.add(ApiToken(user_id=user.id, token_hash=_digest(token), created_at=now, expires_at=now + lifetime))
    session.commit()
    return token


_TOKEN_USER = (  # built once (every API request asks)
    select(ApiToken)
    .where(ApiToken.token_hash == bindparam("token_hash"))
    .options(joinedload(ApiToken.user).joinedload(User.groups))
)


def user_for_token(session: Session, token: str, now: datetime | None = None) -> User | None:
    """The token's user with its groups, in one query (every API request asks)."""
    row = session.scalars(_TOKEN_USER, {"token_hash": _digest(token)}).unique().first()
    if row is None or row.expires_at <= (now or utcnow()) or not row.user.active:
        return None
    return row.user


def ensure_group(session: Session, group_id: str, name_zh: str, name_en: str) -> Group:
    group = session.get(Group, group_id)
    if group is None:
        group = Group(id=group_id, name_zh=name_zh, name_en=name_en)
        session.add(group)
    return group


def ensure_user(session: Session, username: str, display_name: str, password: str, groups: list[Group]) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        user = User(username=username, display_name=display_name, password_hash=generate_password_hash(password))
        session.add(user)
    for group in groups:
        if group not in user.groups:
            user.groups.append(group)
    return user


def group_names(session: Session, locale: str) -> dict[str, str]:
    return {g.id: g.name(locale) for g in session.scalars(select(Group))}

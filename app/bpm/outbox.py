"""Queue a mail in the caller's transaction (the outbox). Nothing is sent here: the worker
sends queued rows after the commit that wrote them, so a rolled-back step sends nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bpm.clock import utcnow
from app.bpm.models.mail import OutboxMail


def queue_mail(
    session: Session,
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    to_user_id: int | None = None,
    dedupe_key: str | None = None,
    now: datetime | None = None,
) -> OutboxMail:
    """The queued mail; with `dedupe_key`, the one already queued under that key if any."""
    if dedupe_key is not None:
        existing = session.scalar(select(OutboxMail).where(OutboxMail.dedupe_key == dedupe_key))
        if existing is not None:
            return existing
    at = now or utcnow()
    mail = OutboxMail(
        dedupe_key=dedupe_key,
        to_address=to,
        to_user_id=to_user_id,
        subject=subject[:300],
        body_text=text,
        body_html=html,
        created_at=at,
        next_attempt_at=at,
    )
    session.add(mail)
    session.flush()
    return mail

"""The customer portal's own rows: the personal links (only their hashes) with the session
each opened, the requests for a new link (for the rate limit), and the photos a contact
attached to their comments (filed as correspondence in the archive)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.aftersales.archive.models import Contact, Correspondence
from app.bpm.models import Base


class PortalLink(Base):
    """A personal link mailed to a contact (`/portal/access/<token>`): single-use, it opens one
    portal session. Only SHA-256 digests are kept, of the token and of the session's id."""

    __tablename__ = "portal_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    sent_to: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    session_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    session_expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    contact: Mapped[Contact] = relationship(lazy="joined")


class PortalLinkRequest(Base):
    """Someone typed an address on /portal/ to get a new link: counted per address (its digest)
    and per client address, whether or not the address is a contact's."""

    __tablename__ = "portal_link_requests"
    __table_args__ = (Index("ix_portal_link_requests_email_at", "email_hash", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email_hash: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime]


class PortalPhoto(Base):
    """A photo (JPEG or PNG, checked by its first bytes) a contact attached to a comment."""

    __tablename__ = "portal_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    correspondence_id: Mapped[int] = mapped_column(ForeignKey("correspondence.id", ondelete="CASCADE"), index=True)
    content_type: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(200))
    size: Mapped[int]
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))

    correspondence: Mapped[Correspondence] = relationship(lazy="joined")

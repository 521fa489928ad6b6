"""The customer portal's use cases: personal links (sent by staff or asked for by the contact,
single-use, expiring, revocable; only hashes stored), the portal session a link opens, and what
a contact does there for their own customer only. Every lookup starts from the session's
customer: an id of another customer's unit, request, photo or case is "not found" (404), as an
id that does not exist, so ids cannot be probed.

The processes' parts come through the extension points of protocol.py; this module imports
no process."""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.aftersales.archive.models import Contact, Correspondence, EquipmentUnit
from app.aftersales.archive.service import UnitSection
from app.aftersales.policies import can_edit_archive
from app.aftersales.portal.models import PortalLink, PortalLinkRequest, PortalPhoto
from app.aftersales.portal.protocol import (
    LIST_LIMIT,
    PORTAL_ACTIONS,
    PORTAL_RECORD_SIGNING,
    PORTAL_REQUESTS,
    PortalAction,
    PortalActor,
    PortalCase,
    PortalField,
    PortalRequest,
    RecordSigner,
    RemoteSignature,
    RequestsReader,
    portal_account,
)
from app.aftersales.service_requests import OpenedRequest, RequestOpening, open_service_request
from app.bpm import audit
from app.bpm.errors import Forbidden, FormRejected, NotFound, ServiceError
from app.bpm.models import User, utcnow
from app.bpm.modules import contributions
from app.bpm.outbox import queue_mail
from app.bpm.unit_of_work import transactional
from app.bpm.users import secret_digest
from app.i18n import translate

LINK_LIFETIME = timedelta(days=7)
SESSION_LIFETIME = timedelta(hours=8)
REQUEST_WINDOW = timedelta(hours=1)
REQUESTS_PER_EMAIL = 3  # new links asked for one address within the window
REQUESTS_PER_ADDRESS = 20  # asked from one client address within the window
CONTACTS_PER_EMAIL = 5  # contacts (of different customers) sharing one address: each gets its link
DESCRIPTION_MAX = 4000
COMMENT_MAX = 4000
PHOTO_MAX_BYTES = 3 * 1024 * 1024  # within the request limit (4 MB) with the form around it
PHOTO_TYPES = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))

LinkUrl = Callable[[str], str]  # token -> the absolute /portal/access/<token> address


class TooManyLinkRequests(ServiceError):
    status = 429
    code = "too_many_attempts"

    def __init__(self, retry_after: int) -> None:
        super().__init__("error.too_many_attempts", minutes=max(1, math.ceil(retry_after / 60)))
        self.retry_after = retry_after


# -- links ----------------------------------------------------------------------------------


def _new_link(session: Session, contact: Contact, by: User | None, link_url: LinkUrl, now: datetime) -> str:
    assert contact.email
    token = secrets.token_urlsafe(32)
    session.add(
        PortalLink(
            contact_id=contact.id,
            token_hash=secret_digest(token),
            sent_to=contact.email[:200],
            created_at=now,
            created_by_id=by.id if by else None,
            expires_at=now + LINK_LIFETIME,
        )
    )
    return link_url(token)


def link_for_mail(session: Session, contact_id: int, link_url: LinkUrl, now: datetime | None = None) -> str | None:
    """A new personal link for a contact with an archive address, for a mail another module
    writes (an acknowledgement, say), in the caller's transaction (nothing is committed);
    None when the contact has no address. `link_url` turns the token into the absolute
    address of `/portal/access/<token>`."""
    contact = session.get(Contact, contact_id)
    if contact is None or not (contact.email or "").strip():
        return None
    return _new_link(session, contact, None, link_url, now or utcnow())


def _issue(session: Session, contact: Contact, by: User | None, link_url: LinkUrl, locale: str, now: datetime) -> None:
    """A new link for the contact, mailed to their archive address in the caller's transaction."""
    assert contact.email
    link = _new_link(session, contact, by, link_url, now)
    params = {"name": contact.name, "customer": contact.customer.name, "link": link, "days": 7}
    queue_mail(
        session,
        to=contact.email,
        subject=translate("portal.mail.subject", locale, **params),
        text=translate("portal.mail.text", locale, **params),
        now=now,
    )
    details = {"contact": contact.name, "customer": contact.customer.name, "by": "staff" if by else "contact"}
    audit.record(session, "portal_link_sent", by, now, details=details)


def _contact_for_staff(session: Session, user: User, contact_id: int) -> Contact:
    if not can_edit_archive(user):
        raise Forbidden("error.forbidden")
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound("error.not_found")
    return contact


@transactional
def send_link(
    session: Session, user: User, contact_id: int, link_url: LinkUrl, locale: str = "zh_CN", now: datetime | None = None
) -> Contact:
    """Staff send a contact their personal link (from the customer's archive page)."""
    contact = _contact_for_staff(session, user, contact_id)
    if not (contact.email or "").strip():
        raise ServiceError("portal.error.no_email")
    _issue(session, contact, user, link_url, locale, now or utcnow())
    session.commit()
    return contact


@transactional
def revoke_links(session: Session, user: User, contact_id: int, now: datetime | None = None) -> tuple[int, int]:
    """Every link of the contact stops working, and every portal session they opened ends:
    (the contact's customer id, how many links were revoked)."""
    now = now or utcnow()
    contact = _contact_for_staff(session, user, contact_id)
    links = session.scalars(
        select(PortalLink).where(PortalLink.contact_id == contact.id, PortalLink.revoked_at.is_(None))
    )
    count = 0
    for link in links:
        link.revoked_at = now
        count += 1
    details = {"contact": contact.name, "customer": contact.customer.name, "links": count}
    audit.record(session, "portal_links_revoked", user, now, details=details)
    session.commit()
    return contact.customer_id, count


def _throttle(session: Session, email_hash: str, address: str, now: datetime) -> None:
    since = now - REQUEST_WINDOW
    for condition, limit in (
        (PortalLinkRequest.email_hash == email_hash, REQUESTS_PER_EMAIL),
        (PortalLinkRequest.address == address, REQUESTS_PER_ADDRESS),
    ):
        count, oldest = session.execute(
            select(func.count(), func.min(PortalLinkRequest.at)).where(condition, PortalLinkRequest.at > since)
        ).one()
        if count >= limit:
            raise TooManyLinkRequests(max(1, math.ceil((oldest + REQUEST_WINDOW - now).total_seconds())))


@transactional
def request_link(
    session: Session, email: str, address: str, link_url: LinkUrl, locale: str = "zh_CN", now: datetime | None = None
) -> None:
    """Someone typed an address on /portal/: each contact with that archive address gets a new
    link. The caller answers the same whether or not the address is known; only the rate limit
    (per address typed, per client address) answers differently, the same for every address."""
    now = now or utcnow()
    email = email.strip().lower()[:200]
    email_hash, address = secret_digest(email), address[:64]
    session.execute(delete(PortalLinkRequest).where(PortalLinkRequest.at <= now - REQUEST_WINDOW))
    _throttle(session, email_hash, address, now)
    session.add(PortalLinkRequest(email_hash=email_hash, address=address, at=now))
    if "@" in email:
        contacts = session.scalars(
            select(Contact).where(func.lower(Contact.email) == email).order_by(Contact.id).limit(CONTACTS_PER_EMAIL)
        )
        for contact in contacts:
            _issue(session, contact, None, link_url, locale, now)
    session.commit()


@dataclass(frozen=True)
class LinkPreview:
    contact_name: str
    customer_name: str


def _usable_link(session: Session, token: str, now: datetime, for_update: bool = False) -> PortalLink:
    query = select(PortalLink).where(PortalLink.token_hash == secret_digest(token[:100]))
    if for_update:  # two clicks at once: the second waits, then finds the link used
        query = query.with_for_update(of=PortalLink)
    link = session.scalars(query).first()
    if link is None or link.used_at is not None or link.revoked_at is not None or link.expires_at <= now:
        raise NotFound("portal.error.link_invalid")
    return link


def preview_link(session: Session, token: str, now: datetime | None = None) -> LinkPreview:
    """What the access page shows before the contact opens the session (a mail scanner that
    follows the link uses nothing up: only the page's button does)."""
    link = _usable_link(session, token, now or utcnow())
    return LinkPreview(link.contact.name, link.contact.customer.name)


@transactional
def open_link(session: Session, token: str, now: datetime | None = None) -> str:
    """Use the link (once): a portal session opens; its id is returned, only its hash kept."""
    now = now or utcnow()
    link = _usable_link(session, token, now, for_update=True)
    session_id = secrets.token_urlsafe(32)
    link.used_at = now
    link.session_hash = secret_digest(session_id)
    link.session_expires_at = now + SESSION_LIFETIME
    details = {"contact": link.contact.name, "customer": link.contact.customer.name}
    audit.record(session, "portal_session_opened", None, now, details=details)
    session.commit()
    return session_id


def actor_for_session(session: Session, session_id: str, now: datetime | None = None) -> PortalActor | None:
    """The contact of a live portal session (not expired, its link not revoked), else None."""
    now = now or utcnow()
    link = session.scalars(select(PortalLink).where(PortalLink.session_hash == secret_digest(session_id[:100]))).first()
    if link is None or link.revoked_at is not None or link.session_expires_at is None or link.session_expires_at <= now:
        return None
    contact = link.contact
    return PortalActor(contact.id, contact.customer_id, contact.name, contact.email or "", portal_account(session))


@transactional
def end_session(session: Session, session_id: str) -> None:
    link = session.scalars(select(PortalLink).where(PortalLink.session_hash == secret_digest(session_id[:100]))).first()
    if link is not None:
        link.session_expires_at = link.used_at
        session.commit()


# -- what the contact sees --------------------------------------------------------------------


def _reader() -> RequestsReader:
    found = contributions(PORTAL_REQUESTS)
    if len(found) != 1:
        raise RuntimeError(f"exactly one module must contribute {PORTAL_REQUESTS!r}; found {len(found)}")
    reader: RequestsReader = found[0]
    return reader


def units(session: Session, actor: PortalActor) -> list[EquipmentUnit]:
    query = (
        select(EquipmentUnit)
        .where(EquipmentUnit.customer_id == actor.customer_id)
        .order_by(EquipmentUnit.serial)
        .limit(LIST_LIMIT)
    )
    return list(session.scalars(query).unique())


def _unit(session: Session, actor: PortalActor, unit_id: int) -> EquipmentUnit:
    unit = session.get(EquipmentUnit, unit_id)
    if unit is None or unit.customer_id != actor.customer_id:
        raise NotFound("error.not_found")
    return unit


@dataclass(frozen=True)
class OpenAction:
    action: PortalAction
    cases: list[PortalCase]


@dataclass(frozen=True)
class Overview:
    customer_name: str
    units: list[EquipmentUnit]
    requests: list[PortalRequest]
    actions: list[OpenAction]


def overview(session: Session, actor: PortalActor, locale: str, now: datetime | None = None) -> Overview:
    now = now or utcnow()
    contact = session.get(Contact, actor.contact_id)
    assert contact is not None
    actions = [OpenAction(a, a.cases(session, actor, locale)) for a in contributions(PORTAL_ACTIONS)]
    return Overview(
        contact.customer.name,
        units(session, actor),
        _reader()(session, actor.customer_id, now, locale),
        [a for a in actions if a.cases],
    )


def request_of(
    session: Session, actor: PortalActor, request_id: int, locale: str, now: datetime | None = None
) -> PortalRequest:
    found = _reader()(session, actor.customer_id, now or utcnow(), locale, request_id=request_id)
    if not found:
        raise NotFound("error.not_found")
    return found[0]


@dataclass(frozen=True)
class Comment:
    letter: Correspondence
    photos: list[PortalPhoto]


def comments(session: Session, actor: PortalActor, request: PortalRequest) -> list[Comment]:
    """The request's correspondence (the contact's comments and photos, and replies filed on it)."""
    letters = list(
        session.scalars(
            select(Correspondence)
            .where(Correspondence.request_id == request.id, Correspondence.unit_id == request.unit_id)
            .order_by(Correspondence.id)
            .limit(LIST_LIMIT)
        )
    )
    photos: dict[int, list[PortalPhoto]] = {}
    ids = [c.id for c in letters]
    for photo in session.scalars(
        select(PortalPhoto).where(PortalPhoto.correspondence_id.in_(ids)).order_by(PortalPhoto.id)
    ):
        photos.setdefault(photo.correspondence_id, []).append(photo)
    return [Comment(c, photos.get(c.id, [])) for c in letters]


# -- what the contact does --------------------------------------------------------------------


@transactional
def report_fault(
    session: Session,
    actor: PortalActor,
    unit_id: int | None,
    description: str,
    locale: str,
    now: datetime | None = None,
) -> OpenedRequest:
    """A fault of one of the customer's units, channel `web`, through the repair process's opener."""
    now = now or utcnow()
    errors: dict[str, list[str]] = {}
    if unit_id is None:
        errors["unit_id"] = [translate("form.choice", locale)]
    else:
        _unit(session, actor, unit_id)
    description = description.strip()
    if not description or len(description) > DESCRIPTION_MAX:
        errors["description"] = [translate("error.bad_description", locale, max=DESCRIPTION_MAX)]
    if errors:
        raise FormRejected(errors)
    assert unit_id is not None
    opening = RequestOpening(unit_id=unit_id, description=description, channel="web", contact_name=actor.name)
    opened = open_service_request(session, actor.account, opening, now)
    session.commit()
    return opened


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def photo_type(data: bytes) -> str | None:
    """JPEG or PNG by the file's first bytes (never by its name or the type the browser sent)."""
    return next((kind for magic, kind in PHOTO_TYPES if data.startswith(magic)), None)


@transactional
def add_comment(
    session: Session,
    actor: PortalActor,
    request_id: int,
    text: str,
    photo: Upload | None,
    locale: str,
    now: datetime | None = None,
) -> Correspondence:
    """A comment and/or a photo on one of the customer's requests, filed as incoming
    correspondence of the unit (numbered as letters are: LH…)."""
    now = now or utcnow()
    request = request_of(session, actor, request_id, locale, now)
    text = text.strip()
    errors: dict[str, list[str]] = {}
    if len(text) > COMMENT_MAX:
        errors["text"] = [translate("portal.error.too_long", locale, max=COMMENT_MAX)]
    kind = None
    if photo is not None:
        kind = photo_type(photo.data)
        if len(photo.data) > PHOTO_MAX_BYTES:
            errors["photo"] = [translate("portal.error.photo_size", locale, mb=PHOTO_MAX_BYTES // (1024 * 1024))]
        elif kind is None:
            errors["photo"] = [translate("portal.error.photo_type", locale)]
    if not text and photo is None:
        errors["text"] = [translate("portal.error.comment_empty", locale)]
    if errors:
        raise FormRejected(errors)
    account = actor.account
    letter = Correspondence(
        number="pending",
        unit_id=request.unit_id,
        request_id=request.id,
        direction="incoming",
        channel="web",
        correspondent=f"{actor.name} <{actor.email}>"[:200],
        subject=translate("portal.comment_subject", "zh_CN", number=request.number)[:300],
        body=text or None,
        at=now,
        by_id=account.id,
    )
    session.add(letter)
    session.flush()
    letter.number = f"LH{now:%Y}-{letter.id:05d}"
    if photo is not None and kind is not None:
        name = photo.filename.replace("\\", "/").rsplit("/", 1)[-1][:200] or "photo"
        session.add(
            PortalPhoto(
                correspondence_id=letter.id, content_type=kind, filename=name, size=len(photo.data), data=photo.data
            )
        )
    details = {"number": letter.number, "request": request.number, "photo": photo is not None}
    audit.record(session, "correspondence_filed", account, now, details=details)
    session.commit()
    return letter


def photo_of(session: Session, actor: PortalActor, photo_id: int) -> PortalPhoto:
    photo = session.get(PortalPhoto, photo_id)
    if photo is None or photo.correspondence.request_id is None:
        raise NotFound("error.not_found")
    unit = session.get(EquipmentUnit, photo.correspondence.unit_id)
    if unit is None or unit.customer_id != actor.customer_id:
        raise NotFound("error.not_found")
    return photo


@transactional
def sign_record(
    session: Session,
    actor: PortalActor,
    request_id: int,
    signing: RemoteSignature,
    locale: str,
    now: datetime | None = None,
) -> None:
    """The contact signs the service record waiting for their signature (the repair process's part)."""
    errors: dict[str, list[str]] = {}
    if not signing.signer_name.strip():
        errors["signer_name"] = [translate("form.required", locale)]
    if not signing.signature:
        errors["customer_signature"] = [translate("error.signature_required", locale)]
    if errors:
        request_of(session, actor, request_id, locale, now)  # another customer's id: 404 first
        raise FormRejected(errors)
    signers = contributions(PORTAL_RECORD_SIGNING)
    if len(signers) != 1:
        raise RuntimeError(f"exactly one module must contribute {PORTAL_RECORD_SIGNING!r}")
    signer: RecordSigner = signers[0]
    signer(session, actor, request_id, signing, locale, now or utcnow())
    session.commit()


def action_of(
    session: Session, actor: PortalActor, name: str, key: str, locale: str
) -> tuple[PortalAction, PortalCase]:
    """The action and the case, when the case is one of this customer's; else 404."""
    action = next((a for a in contributions(PORTAL_ACTIONS) if a.name == name), None)
    if action is None:
        raise NotFound("error.not_found")
    case = next((c for c in action.cases(session, actor, locale) if c.key == key), None)
    if case is None:
        raise NotFound("error.not_found")
    return action, case


def action_fields(session: Session, actor: PortalActor, action: PortalAction, locale: str) -> list[PortalField]:
    return action.fields(session, actor, locale)


@transactional
def do_action(
    session: Session,
    actor: PortalActor,
    name: str,
    key: str,
    values: dict[str, str],
    locale: str,
    now: datetime | None = None,
) -> PortalAction:
    action, case = action_of(session, actor, name, key, locale)
    fields = action.fields(session, actor, locale)
    bounded = {f.name: str(values.get(f.name, ""))[: (f.max_length or 200) + 1] for f in fields}
    errors = {
        f.name: [translate("form.required", locale)] for f in fields if f.required and not bounded[f.name].strip()
    }
    if errors:
        raise FormRejected(errors)
    action.handle(session, actor, case.key, bounded, locale, now or utcnow())
    session.commit()
    return action


# -- what staff see of it ---------------------------------------------------------------------


def unit_section(session: Session, user: User, unit: EquipmentUnit) -> UnitSection:
    """The photos contacts attached in the portal, under the unit's page (its correspondence
    list shows the comments themselves): whoever may open the unit's page sees them."""
    query = (
        select(PortalPhoto)
        .join(Correspondence, Correspondence.id == PortalPhoto.correspondence_id)
        .where(Correspondence.unit_id == unit.id)
        .order_by(PortalPhoto.id.desc())
        .limit(LIST_LIMIT)
    )
    photos = list(session.scalars(query))
    api = [
        {"id": p.id, "letter": p.correspondence.number, "content_type": p.content_type, "size": p.size} for p in photos
    ]
    return UnitSection(
        name="portal", template="portal/_unit_section.html", values={"photos": photos}, api={"portal_photos": api}
    )


def staff_photo(session: Session, user: User, photo_id: int) -> PortalPhoto:
    photo = session.get(PortalPhoto, photo_id)
    if photo is None:
        raise NotFound("error.not_found")
    return photo

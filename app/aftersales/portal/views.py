"""The customer portal's pages (`/portal/`), for customers' contacts, phone-first. A portal
session is its own cookie key (`portal_sid`), never the staff's `sid`: a contact is no user and
holds no permission of the staff. The staff's two buttons (send a contact their link, revoke
the contact's links) are here too, posted from the customer's archive page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, session, url_for

from app.aftersales.portal import service as portal
from app.aftersales.portal.protocol import PortalActor, RemoteSignature
from app.aftersales.portal.service import TooManyLinkRequests, Upload
from app.bpm.db import db
from app.bpm.errors import FormRejected, ServiceError
from app.bpm.web.locale import current_locale
from app.bpm.web.views import _t, _user, login_required

portal_web = Blueprint(
    "portal",
    __name__,
    url_prefix="/portal",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
SESSION_KEY = "portal_sid"
F = TypeVar("F", bound=Callable[..., Any])


def _link_url(token: str) -> str:
    return url_for("portal.access", token=token, _external=True)


def portal_required(fn: F) -> F:
    """The page needs a live portal session; without one, the page to ask for a link."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        session_id = session.get(SESSION_KEY)
        actor = portal.actor_for_session(db.session(), session_id) if isinstance(session_id, str) else None
        if actor is None:
            session.pop(SESSION_KEY, None)
            return redirect(url_for("portal.home"))
        g.portal_actor = actor
        return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@portal_web.context_processor
def _portal_session() -> dict[str, Any]:
    return {"portal_actor": g.get("portal_actor")}


def _actor() -> PortalActor:
    actor: PortalActor = g.portal_actor
    return actor


@portal_web.get("/")
def home() -> Any:
    session_id = session.get(SESSION_KEY)
    actor = portal.actor_for_session(db.session(), session_id) if isinstance(session_id, str) else None
    if actor is None:
        return render_template("portal/landing.html", email="", sent=False, error=None)
    g.portal_actor = actor
    view = portal.overview(db.session(), actor, current_locale())
    return render_template("portal/home.html", actor=actor, view=view)


@portal_web.post("/link")
def ask_for_link() -> Any:
    email = request.form.get("email", "")[:200]
    address = request.remote_addr or "?"
    try:
        portal.request_link(db.session(), email, address, _link_url, current_locale())
    except TooManyLinkRequests as err:
        message = _t(err.message_key, **err.params)
        page = render_template("portal/landing.html", email=email, sent=False, error=message)
        return page, 429, {"Retry-After": str(err.retry_after)}
    return render_template("portal/landing.html", email="", sent=True, error=None)


@portal_web.get("/access/<token>")
def access(token: str) -> Any:
    preview = portal.preview_link(db.session(), token)
    return render_template("portal/access.html", preview=preview, token=token)


@portal_web.post("/access/<token>")
def open_session(token: str) -> Any:
    session_id = portal.open_link(db.session(), token)
    session[SESSION_KEY] = session_id
    return redirect(url_for("portal.home"))


@portal_web.post("/logout")
def logout() -> Any:
    session_id = session.pop(SESSION_KEY, None)
    if isinstance(session_id, str):
        portal.end_session(db.session(), session_id)
    return redirect(url_for("portal.home"))


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 12 else None


@portal_web.route("/report", methods=["GET", "POST"])
@portal_required
def report() -> Any:
    actor, locale = _actor(), current_locale()
    units = portal.units(db.session(), actor)
    if request.method == "GET":
        chosen = _int(request.args.get("unit"))
        if chosen is not None and chosen not in {u.id for u in units}:
            abort(404)
        return render_template("portal/report.html", units=units, values={"unit_id": str(chosen or "")}, errors={})
    values = {
        "unit_id": request.form.get("unit_id", "")[:12],
        "description": request.form.get("description", "")[:4100],
    }
    try:
        opened = portal.report_fault(db.session(), actor, _int(values["unit_id"]), values["description"], locale)
    except FormRejected as err:
        return render_template("portal/report.html", units=units, values=values, errors=err.errors), 400
    flash(_t("portal.reported", number=opened.number))
    return redirect(url_for("portal.request_page", request_id=opened.id))


@portal_web.get("/requests/<int:request_id>")
@portal_required
def request_page(request_id: int) -> Any:
    return _request_page(request_id, {}, {})


def _request_page(request_id: int, values: dict[str, str], errors: dict[str, list[str]], status: int = 200) -> Any:
    actor = _actor()
    found = portal.request_of(db.session(), actor, request_id, current_locale())
    comments = portal.comments(db.session(), actor, found)
    page = render_template("portal/request.html", item=found, comments=comments, values=values, errors=errors)
    return page, status


@portal_web.post("/requests/<int:request_id>/comments")
@portal_required
def add_comment(request_id: int) -> Any:
    text = request.form.get("text", "")[:4100]
    upload = request.files.get("photo")
    photo = None
    if upload is not None and upload.filename:
        photo = Upload(upload.filename, upload.stream.read(portal.PHOTO_MAX_BYTES + 1))
    try:
        portal.add_comment(db.session(), _actor(), request_id, text, photo, current_locale())
    except FormRejected as err:
        return _request_page(request_id, {"text": text}, err.errors, 400)
    flash(_t("portal.comment_filed"))
    return redirect(url_for("portal.request_page", request_id=request_id) + "#comments")


@portal_web.get("/photos/<int:photo_id>")
@portal_required
def photo(photo_id: int) -> Any:
    found = portal.photo_of(db.session(), _actor(), photo_id)
    response = Response(found.data, mimetype=found.content_type)
    response.headers["Content-Disposition"] = "inline"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@portal_web.get("/staff/photos/<int:photo_id>")
@login_required
def staff_photo(photo_id: int) -> Any:
    found = portal.staff_photo(db.session(), _user(), photo_id)
    response = Response(found.data, mimetype=found.content_type)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@portal_web.route("/requests/<int:request_id>/sign", methods=["GET", "POST"])
@portal_required
def sign(request_id: int) -> Any:
    actor, locale = _actor(), current_locale()
    found = portal.request_of(db.session(), actor, request_id, locale)
    if found.awaiting_signature is None:
        abort(404)
    if request.method == "GET":
        return render_template("portal/sign.html", item=found, values={"signer_name": actor.name}, errors={})
    values = {
        "signer_name": request.form.get("signer_name", "")[:100],
        "customer_opinion": request.form.get("customer_opinion", "")[:2000],
        "customer_signature": request.form.get("customer_signature", "")[:420000],
    }
    signing = RemoteSignature(values["signer_name"], values["customer_opinion"], values["customer_signature"])
    try:
        portal.sign_record(db.session(), actor, request_id, signing, locale)
    except FormRejected as err:
        return render_template("portal/sign.html", item=found, values=values, errors=err.errors), 400
    flash(_t("portal.signed"))
    return redirect(url_for("portal.request_page", request_id=request_id))


@portal_web.route("/actions/<name>/<key>", methods=["GET", "POST"])
@portal_required
def action(name: str, key: str) -> Any:
    actor, locale = _actor(), current_locale()
    found, case = portal.action_of(db.session(), actor, name[:60], key[:60], locale)
    fields = portal.action_fields(db.session(), actor, found, locale)
    if request.method == "GET":
        return render_template("portal/action.html", action=found, case=case, fields=fields, values={}, errors={})
    values = {f.name: request.form.get(f.name, "")[: (f.max_length or 200) + 1] for f in fields}
    try:
        portal.do_action(db.session(), actor, found.name, case.key, values, locale)
    except FormRejected as err:
        page = render_template(
            "portal/action.html", action=found, case=case, fields=fields, values=values, errors=err.errors
        )
        return page, 400
    flash(_t(found.done_key))
    return redirect(url_for("portal.home"))


# -- the staff's buttons on the customer's archive page ----------------------------------------


@portal_web.post("/contacts/<int:contact_id>/send-link")
@login_required
def send_link(contact_id: int) -> Any:
    try:
        contact = portal.send_link(db.session(), _user(), contact_id, _link_url, current_locale())
    except ServiceError as err:
        if err.status != 400:
            raise
        flash(_t(err.message_key, **err.params), "error")
        return redirect(url_for("archive.customers_page"))
    flash(_t("portal.link_sent", name=contact.name))
    return redirect(url_for("archive.customer_page", customer_id=contact.customer_id))


@portal_web.post("/contacts/<int:contact_id>/revoke")
@login_required
def revoke(contact_id: int) -> Any:
    customer_id, count = portal.revoke_links(db.session(), _user(), contact_id)
    flash(_t("portal.links_revoked", count=count))
    return redirect(url_for("archive.customer_page", customer_id=customer_id))

"""The customer portal over real HTTP (SQLite and PostgreSQL): the personal link (single-use,
expiring, revocable, only its hash stored), the neutral answer and the rate limit of asking for
one, a fault reported from the portal (channel web) followed with its engineer and clocks,
comments and photos filed as correspondence, the remote signature, the feedback card, the
survey and a suggestion, and every route refusing another customer's ids with a 404."""

from __future__ import annotations

import base64
import re
import urllib.request
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.aftersales.archive.models import Contact, Correspondence, Customer
from app.aftersales.portal import service as portal
from app.aftersales.portal.models import PortalLink, PortalPhoto
from app.bpm.models import AuditEvent, HumanTask, utcnow
from app.bpm.users import secret_digest
from app.processes.feedback_card.models import FeedbackCard
from app.processes.repair_dispatch.models import ServiceRecord, ServiceRequest
from app.processes.satisfaction_survey.models import SurveyResponse
from app.processes.suggestion.models import Suggestion
from harness.apps import user
from harness.browser import api_complete
from harness.servers import LiveServer
from harness.walks import start
from harness.web_client import WebClient
from tests.bpm.test_signature import canvas

from .portal_steps import (
    contact_with_email,
    last_link,
    mails_to,
    open_portal,
    portal_for,
    signing_waits,
    staff_sends_link,
    unit_id,
)

NEUTRAL = "如果该邮箱是我们登记的联系人邮箱"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000b4944415478da636000020000050001e9fadcd80000000049454e44ae426082"
)


@pytest.fixture(scope="module")
def base(live_server: LiveServer) -> str:
    return live_server.url


def post_photo(client: WebClient, path: str, text: str, filename: str, content: bytes) -> tuple[int, str]:
    boundary = "----portal-test"
    token = client.csrf_token(path.rsplit("/", 1)[0])
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\n{text}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="{filename}"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(client.base + path, data=body, method="POST")
    request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    return client._open(request)


def test_a_link_opens_one_session_once_expires_and_is_revoked(base: str, committed_session: Session) -> None:
    session = committed_session
    contact_id, customer_id = contact_with_email(session, "C-0001", "li@hospital.example")
    link = staff_sends_link(base, session, contact_id, customer_id, "li@hospital.example")
    token = link.rsplit("/", 1)[1]
    stored = session.scalars(select(PortalLink).where(PortalLink.contact_id == contact_id)).all()
    assert [row.token_hash for row in stored] == [secret_digest(token)]  # only the hash is kept
    session.rollback()

    visitor = WebClient(base)
    status, page = visitor.get(link)  # a mail scanner following the link uses nothing up
    assert status == 200 and 'id="enter-portal"' in page
    client = open_portal(base, link)
    status, home = client.get("/portal/")
    assert status == 200 and "SN-C3000-0001" in home and "SN-C3000-0004" not in home  # C-0002's unit
    assert 'name="password"' in client.get("/")[1]  # a portal session is no staff session
    assert "Report a fault" in client.get("/portal/?lang=en")[1]
    client.get("/portal/?lang=zh_CN")
    again = WebClient(base)
    assert again.get(link)[0] == 404  # single-use
    assert again.post(link, {"csrf_token": "x"})[0] in (400, 404)
    assert again.get("/portal/report")[1].count('id="link-form"') == 1  # no session: the landing page

    # Expired: a link sent 8 days ago no longer opens
    staff = user(session, "after_sales1")
    portal.send_link(session, staff, contact_id, lambda t: f"/portal/access/{t}", now=utcnow() - timedelta(days=8))
    session.rollback()
    old = last_link(session, "li@hospital.example")
    assert WebClient(base).get(old)[0] == 404

    # Revoked: the open session ends, an unused link stops working
    unused = staff_sends_link(base, session, contact_id, customer_id, "li@hospital.example")
    desk = WebClient(base)
    desk.login("after_sales1")
    status, _ = desk.post(f"/portal/contacts/{contact_id}/revoke", {}, csrf_from=f"/customers/{customer_id}")
    assert status == 200
    assert 'id="link-form"' in client.get("/portal/")[1]
    assert WebClient(base).get(unused)[0] == 404
    # Staff outside the archive editors may not send links
    engineer = WebClient(base)
    engineer.login("engineers1")
    token_page = "/portal/"
    status, _ = engineer.post(f"/portal/contacts/{contact_id}/send-link", {}, csrf_from=token_page)
    assert status == 403


def test_asking_for_a_link_answers_the_same_and_is_rate_limited(base: str, committed_session: Session) -> None:
    contact_with_email(committed_session, "C-0003", "Zhang@School.example")
    before = len(mails_to(committed_session, "Zhang@School.example"))
    asker = WebClient(base)
    status, known = asker.post("/portal/link", {"email": "zhang@school.example"}, csrf_from="/portal/")
    assert status == 200 and NEUTRAL in known
    status, unknown = asker.post("/portal/link", {"email": "nobody@nowhere.example"}, csrf_from="/portal/")
    assert status == 200 and NEUTRAL in unknown
    strip = re.compile(r'name="csrf_token" value="[^"]+"')
    assert strip.sub("", known) == strip.sub("", unknown)  # the same page, word for word
    assert len(mails_to(committed_session, "Zhang@School.example")) == before + 1  # case does not matter
    assert mails_to(committed_session, "nobody@nowhere.example") == []
    asker.post("/portal/link", {"email": "nobody@nowhere.example"}, csrf_from="/portal/")
    asker.post("/portal/link", {"email": "nobody@nowhere.example"}, csrf_from="/portal/")
    status, refused = asker.post("/portal/link", {"email": "nobody@nowhere.example"}, csrf_from="/portal/")
    assert status == 429 and "nobody@nowhere.example" in refused  # what was typed stays
    status, _ = asker.post("/portal/link", {"email": "zhang@school.example"}, csrf_from="/portal/")
    assert status == 200  # another address is not held up


def test_one_client_address_is_limited_across_addresses(session: Session) -> None:
    now = utcnow()
    for n in range(portal.REQUESTS_PER_ADDRESS):
        portal.request_link(session, f"guess{n}@example.com", "203.0.113.9", str, now=now)
    with pytest.raises(portal.TooManyLinkRequests) as refused:
        portal.request_link(session, "one-more@example.com", "203.0.113.9", str, now=now)
    assert 0 < refused.value.retry_after <= 3600
    portal.request_link(session, "one-more@example.com", "198.51.100.7", str, now=now)  # another client
    later = now + portal.REQUEST_WINDOW + timedelta(seconds=1)
    portal.request_link(session, "one-more@example.com", "203.0.113.9", str, now=later)  # the window moved on


def request_id_of(body: str) -> int:
    match = re.search(r'action="/portal/requests/(\d+)/comments"', body)
    assert match, body[:800]
    return int(match.group(1))


def test_a_fault_reported_in_the_portal_is_followed_with_its_engineer_and_clocks(
    base: str, committed_session: Session
) -> None:
    session = committed_session
    client = portal_for(base, session, "C-0002", "wang@gov.example")
    unit = unit_id(session, "SN-GATE-0005")
    status, page = client.post("/portal/report", {"unit_id": "", "description": "闸机不开"}, csrf_from="/portal/report")
    assert status == 400 and "闸机不开" in page  # nothing typed is lost
    status, page = client.post(
        "/portal/report", {"unit_id": str(unit), "description": "东门闸机不开"}, csrf_from=f"/portal/report?unit={unit}"
    )
    assert status == 200 and "已收到报修" in page and "响应" in page and "到场" in page
    request_id = request_id_of(page)
    row = session.get(ServiceRequest, request_id)
    assert row is not None and row.channel == "web" and row.contact_name and row.unit_id == unit
    instance_id = str(row.instance_id)
    session.rollback()
    assert "待派工" in page

    api_complete(
        base, "engineers1", instance_id, "remote_support", {"contact_summary": "需上门", "resolved_remotely": False}
    )
    api_complete(
        base, "after_sales1", instance_id, "dispatch_engineer", {"engineer": "engineers2", "extra_staff_needed": False}
    )
    status, page = client.get(f"/portal/requests/{request_id}")
    engineer = re.search(r'<dd id="engineer">([^<]*)</dd>', page)
    assert engineer and engineer.group(1).strip() not in ("", "待派工")
    assert "前到场" in page and "按时完成" in page  # the response clock met, the arrival due
    assert f"/portal/requests/{request_id}" in client.get("/portal/")[1]


def test_comments_and_photos_are_filed_as_correspondence(base: str, committed_session: Session) -> None:
    session = committed_session
    client = portal_for(base, session, "C-0002", "zhao@gov.example")
    unit = unit_id(session, "SN-C3000-0004")
    _, page = client.post("/portal/report", {"unit_id": str(unit), "description": "卡纸"}, csrf_from="/portal/report")
    request_id = request_id_of(page)
    path = f"/portal/requests/{request_id}/comments"
    status, page = post_photo(client, path, "纸盒照片见附件", "tray.png", PNG)
    assert status == 200 and "留言已收到" in page
    letter = session.scalars(select(Correspondence).where(Correspondence.request_id == request_id)).one()
    assert (letter.direction, letter.channel, letter.body) == ("incoming", "web", "纸盒照片见附件")
    assert letter.number.startswith("LH")
    photo = session.scalars(select(PortalPhoto).where(PortalPhoto.correspondence_id == letter.id)).one()
    photo_id, kind, letter_number = photo.id, photo.content_type, letter.number
    session.rollback()
    assert kind == "image/png"
    with client.opener.open(f"{base}/portal/photos/{photo_id}") as served:
        assert served.headers["Content-Type"] == "image/png" and served.read() == PNG

    # Staff see the photo under the unit's page; a portal session is no staff session
    desk = WebClient(base)
    desk.login("after_sales1")
    status, unit_page = desk.get(f"/equipment/{unit}")
    assert status == 200 and f"/portal/staff/photos/{photo_id}" in unit_page and letter_number in unit_page
    with desk.opener.open(f"{base}/portal/staff/photos/{photo_id}") as served:
        assert served.read() == PNG
    status, page = client.get(f"/portal/staff/photos/{photo_id}")
    assert 'name="password"' in page  # the staff log-in page, not the photo

    status, page = post_photo(client, path, "再看这张", "evil.jpg", b"<html><script>alert(1)</script>")
    assert status == 400 and "只接受 JPEG 或 PNG" in page and "再看这张" in page
    status, page = post_photo(client, path, "太大", "big.jpg", b"\xff\xd8\xff" + bytes(portal.PHOTO_MAX_BYTES))
    assert status == 400 and "不能超过" in page
    status, page = client.post(path, {"text": " "}, csrf_from=f"/portal/requests/{request_id}")
    assert status == 400 and "请填写留言或附上照片" in page
    assert client.post(path, {"text": "无 CSRF"})[0] == 400  # the form's token is required


def test_a_record_signed_in_the_portal_is_stored_as_signed_and_the_process_moves_on(
    base: str, committed_session: Session
) -> None:
    session = committed_session
    client = portal_for(base, session, "C-0003", "sun@school.example")
    instance_id, request_id = signing_waits(base, "SN-LP800-0006")
    status, home = client.get("/portal/")
    assert 'id="to-sign"' in home and f"/portal/requests/{request_id}/sign" in home
    sign_page = f"/portal/requests/{request_id}/sign"
    status, page = client.get(sign_page)
    assert status == 200 and "更换搓纸轮" in page and 'data-signature-for="input-customer_signature"' in page

    status, page = client.post(sign_page, {"signer_name": "孙主任", "customer_signature": ""}, csrf_from=sign_page)
    assert status == 400 and "孙主任" in page  # refused, what was typed kept
    hostile = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n<script>").decode()
    status, page = client.post(sign_page, {"signer_name": "孙主任", "customer_signature": hostile}, csrf_from=sign_page)
    assert status == 400
    drawing = "data:image/png;base64," + base64.b64encode(canvas(560, 180)).decode()
    fields = {"signer_name": "孙主任", "customer_opinion": "满意", "customer_signature": drawing}
    status, page = client.post(sign_page, fields, csrf_from=sign_page)
    assert status == 200 and "服务记录已签字" in page and "在线签字" in page

    record = session.scalars(select(ServiceRecord).where(ServiceRecord.request_id == request_id)).one()
    assert (record.kind, record.signed_via, record.signer_name, record.customer_opinion) == (
        "on_site",
        "portal",
        "孙主任",
        "满意",
    )
    assert record.signature_png and record.signature_png.startswith(b"\x89PNG") and "更换搓纸轮" in record.summary
    open_now = session.scalars(
        select(HumanTask.element_id).where(HumanTask.instance_id == int(instance_id), HumanTask.status == "ready")
    ).all()
    assert "file_service_record" in open_now and "complete_service_record" not in open_now
    completed = session.scalars(
        select(AuditEvent).where(AuditEvent.instance_id == int(instance_id), AuditEvent.action == "task_completed")
    ).all()
    assert completed[-1].actor_name == "portal"  # recorded as the portal's doing, not the engineer's
    session.rollback()
    assert client.get(sign_page)[0] == 404  # signed once: nothing waits any more


def test_feedback_survey_and_suggestion_from_the_portal(base: str, committed_session: Session) -> None:
    session = committed_session
    contact_id, customer_id = contact_with_email(session, "C-0003", "qian@school.example")
    client = open_portal(base, staff_sends_link(base, session, contact_id, customer_id, "qian@school.example"))
    _, home = client.get("/portal/")
    assert "/portal/actions/feedback_card/card" in home and "/portal/actions/suggestion/new" in home
    assert "/portal/actions/satisfaction_survey/" not in home  # no survey sent to this customer yet

    path = "/portal/actions/feedback_card/card"
    _, form = client.get(path)
    ratings = sorted(set(re.findall(r'name="(rating_\d+)"', form)))
    unit = unit_id(session, "SN-LP800-0006")
    status, page = client.post(path, {"unit_id": str(unit), "comment": "打印很清晰"}, csrf_from=path)
    assert status == 400 and "打印很清晰" in page  # the ratings are required
    fields = {"unit_id": str(unit), "comment": "打印很清晰", **dict.fromkeys(ratings, "5")}
    status, page = client.post(path, fields, csrf_from=path)
    assert status == 200 and "反馈卡已收到" in page
    card = session.scalars(select(FeedbackCard).where(FeedbackCard.unit_id == unit)).one()
    assert (card.source, card.comment, card.recorded_by_id) == ("portal", "打印很清晰", None)
    session.rollback()

    survey = start(base, "after_sales1", "satisfaction_survey", {})
    api_complete(base, "after_sales1", str(survey), "send_survey", {"customer_id": customer_id, "channel": "portal"})
    _, home = client.get("/portal/")
    key = re.search(r'/portal/actions/satisfaction_survey/([A-Za-z0-9-]+)"', home)
    assert key, home[:2000]
    path = f"/portal/actions/satisfaction_survey/{key.group(1)}"
    answers = {f"q_{code}": "4" for code in ("service", "response", "quality", "attitude", "overall")}
    status, page = client.post(path, {**answers, "comment": "响应及时"}, csrf_from=path)
    assert status == 200 and "答卷已收到" in page
    response = session.scalars(select(SurveyResponse).where(SurveyResponse.instance_id == survey)).one()
    contact = session.get(Contact, contact_id)
    assert contact is not None
    assert (response.channel, response.respondent, response.overall) == ("portal", contact.name, 4)
    session.rollback()
    assert client.get(path)[0] == 404  # answered: the case is gone

    path = "/portal/actions/suggestion/new"
    status, page = client.post(path, {"content": ""}, csrf_from=path)
    assert status == 400
    status, page = client.post(path, {"content": "希望增加周末上门服务"}, csrf_from=path)
    assert status == 200 and "建议已收到" in page
    suggestion = session.scalars(select(Suggestion).where(Suggestion.content == "希望增加周末上门服务")).one()
    assert (suggestion.channel, suggestion.customer_id, suggestion.sender_contact) == (
        "web",
        customer_id,
        "qian@school.example",
    )
    routed = session.scalars(
        select(HumanTask.element_id).where(HumanTask.instance_id == suggestion.instance_id, HumanTask.status == "ready")
    ).all()
    session.rollback()
    assert routed == ["route_suggestion"]


def test_every_portal_route_refuses_another_customers_ids(base: str, committed_session: Session) -> None:
    session = committed_session
    # What C-0001 has: a unit, a request with a comment and photo, a record waiting, a survey
    own = portal_for(base, session, "C-0002", "zhou@gov.example")
    _, request_id = signing_waits(base, "SN-C3000-0004")
    post_photo(own, f"/portal/requests/{request_id}/comments", "照片", "p.png", PNG)
    photo_id = session.scalars(
        select(PortalPhoto.id).join(Correspondence).where(Correspondence.request_id == request_id)
    ).one()
    session.rollback()
    customer_one = own.get("/portal/")[1]
    survey = start(base, "after_sales1", "satisfaction_survey", {})
    c1_id = session.scalars(select(Customer.id).where(Customer.code == "C-0002")).one()
    session.rollback()
    api_complete(base, "after_sales1", str(survey), "send_survey", {"customer_id": c1_id, "channel": "portal"})
    key = re.search(r'/portal/actions/satisfaction_survey/([A-Za-z0-9-]+)"', own.get("/portal/")[1])
    assert key and "SN-C3000-0004" in customer_one
    unit = unit_id(session, "SN-C3000-0004")

    other = portal_for(base, session, "C-0001", "wu@hospital.example")  # another customer's contact
    token = other.csrf_token("/portal/report")
    ratings = dict.fromkeys(
        set(re.findall(r'name="(rating_\d+)"', other.get("/portal/actions/feedback_card/card")[1])), "3"
    )
    refused = [
        other.get(f"/portal/report?unit={unit}"),
        other.post("/portal/report", {"csrf_token": token, "unit_id": str(unit), "description": "x"}),
        other.get(f"/portal/requests/{request_id}"),
        other.post(f"/portal/requests/{request_id}/comments", {"csrf_token": token, "text": "x"}),
        other.get(f"/portal/photos/{photo_id}"),
        other.get(f"/portal/requests/{request_id}/sign"),
        other.post(f"/portal/requests/{request_id}/sign", {"csrf_token": token, "signer_name": "x"}),
        other.get(f"/portal/actions/satisfaction_survey/{key.group(1)}"),
        other.post(f"/portal/actions/satisfaction_survey/{key.group(1)}", {"csrf_token": token, "q_overall": "1"}),
        other.post("/portal/actions/feedback_card/card", {"csrf_token": token, "unit_id": str(unit), **ratings}),
        other.get("/portal/actions/no_such_action/x"),
    ]
    assert [status for status, _ in refused] == [404] * len(refused)
    number = session.get(ServiceRequest, request_id).number  # type: ignore[union-attr]
    session.rollback()
    assert all(number not in body for _, body in refused)  # nothing of it shows
    assert own.get(f"/portal/requests/{request_id}")[0] == 200  # their own customer's still opens


def test_a_contact_without_an_address_gets_no_link(session: Session) -> None:
    contact = session.scalars(select(Contact).order_by(Contact.id)).first()
    assert contact is not None
    contact.email = None
    with pytest.raises(portal.ServiceError) as refused:
        portal.send_link(session, user(session, "office1"), contact.id, str)
    assert refused.value.message_key == "portal.error.no_email"


def test_another_module_puts_a_link_in_its_own_mail(session: Session) -> None:
    contact = session.scalars(select(Contact).order_by(Contact.id)).first()
    assert contact is not None
    contact.email = None
    assert portal.link_for_mail(session, contact.id, str) is None
    contact.email = "ack@hospital.example"
    token = portal.link_for_mail(session, contact.id, str)
    assert token is not None
    actor = portal.actor_for_session(session, portal.open_link(session, token))
    assert actor is not None and actor.customer_id == contact.customer_id and not actor.account.groups

"""Steps the portal tests share: a contact with an e-mail address, the link staff mail them
(read from the outbox), a portal session opened with it, and a repair request whose record
waits for the customer's signature."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.aftersales.archive.models import Contact, Customer, EquipmentUnit
from app.bpm.models.mail import OutboxMail
from harness.browser import api_complete
from harness.http_client import call, login
from harness.web_client import WebClient

LINK = re.compile(r"/portal/access/[A-Za-z0-9_-]+")


def contact_with_email(session: Session, customer_code: str, email: str) -> tuple[int, int]:
    """(contact id, customer id): the customer's first contact, given the address."""
    customer = session.scalars(select(Customer).where(Customer.code == customer_code)).one()
    contact = session.scalars(select(Contact).where(Contact.customer_id == customer.id).order_by(Contact.id)).first()
    assert contact is not None
    contact.email = email
    ids = contact.id, customer.id
    session.commit()
    return ids


def mails_to(session: Session, email: str) -> list[str]:
    """The texts of the mails queued to the address (the test's transaction ends before the
    server goes on: SQLite's transactions here take the write lock from their start)."""
    session.rollback()
    query = select(OutboxMail.body_text).where(OutboxMail.to_address == email).order_by(OutboxMail.id)
    found = list(session.scalars(query))
    session.rollback()
    return found


def last_link(session: Session, email: str) -> str:
    mails = mails_to(session, email)
    assert mails, f"no mail to {email}"
    match = LINK.search(mails[-1])
    assert match, mails[-1]
    return match.group(0)


def staff_sends_link(base: str, session: Session, contact_id: int, customer_id: int, email: str) -> str:
    staff = WebClient(base)
    staff.login("after_sales1")
    status, body = staff.post(f"/portal/contacts/{contact_id}/send-link", {}, csrf_from=f"/customers/{customer_id}")
    assert status == 200, body[:500]
    return last_link(session, email)


def open_portal(base: str, link: str) -> WebClient:
    client = WebClient(base)
    status, body = client.post(link, {}, csrf_from=link)
    assert status == 200 and 'id="report-fault"' in body, body[:500]
    return client


def portal_for(base: str, session: Session, customer_code: str, email: str) -> WebClient:
    contact_id, customer_id = contact_with_email(session, customer_code, email)
    return open_portal(base, staff_sends_link(base, session, contact_id, customer_id, email))


def unit_id(session: Session, serial: str) -> int:
    found = session.scalars(select(EquipmentUnit.id).where(EquipmentUnit.serial == serial)).one()
    session.rollback()
    return found


def signing_waits(base: str, serial: str, summary: str = "更换搓纸轮，测试复印 20 张正常") -> tuple[str, int]:
    """A repair of the unit walked to its signing task, the engineer's record saved as a draft
    without a signature (the customer was not on site): (instance id, request id)."""
    token = login(base, "after_sales1")
    _, units = call(base, "GET", f"/api/v1/equipment?q={serial}", token=token)
    body = {"equipment_id": units[0]["id"], "channel": "phone", "description": "卡纸，无法复印"}
    status, created = call(base, "POST", "/api/v1/service-requests", body, token=token)
    assert status == 201, created
    instance_id = str(created["process_instance_id"])
    steps: list[tuple[str, str, dict[str, Any]]] = [
        ("engineers1", "remote_support", {"contact_summary": "电话指导无效", "resolved_remotely": False}),
        ("after_sales1", "dispatch_engineer", {"engineer": "engineers1", "extra_staff_needed": False}),
        ("engineers1", "arrive_on_site", {"findings": "搓纸轮磨损"}),
        ("engineers1", "repair_on_site", {"work_done": "更换搓纸轮", "repair_outcome": "repaired"}),
    ]
    for user, task, data in steps:
        api_complete(base, user, instance_id, task, data)
    engineer = login(base, "engineers1")
    _, open_tasks = call(base, "GET", f"/api/v1/tasks?process_instance_id={instance_id}", token=engineer)
    (signing,) = [t for t in open_tasks if t["name"] == "complete_service_record"]
    draft = {"data": {"work_summary": summary}}
    status, saved = call(base, "POST", f"/api/v1/tasks/{signing['id']}/draft", draft, token=engineer)
    assert status == 200, saved
    return instance_id, int(created["id"])

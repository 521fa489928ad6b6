"""The repair process's part of the customer portal (app/aftersales/portal/protocol.py): the
customer's requests with their engineer, arrival and clocks, and the remote signature of a
service record.

A record waits for the customer's signature when the engineer wrote it and saved the signing
task as a draft without a signature (the customer was not on site): the contact signs it in the
portal, and that completes the task through the platform's completion (the same form check and
hooks as on site), so the process goes on to filing; the record says it was signed via the portal."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.aftersales.archive.models import EquipmentUnit
from app.aftersales.portal.protocol import (
    LIST_LIMIT,
    AwaitingSignature,
    PortalActor,
    PortalClock,
    PortalRequest,
    RemoteSignature,
    SignedRecord,
)
from app.bpm import tasks
from app.bpm.errors import NotFound
from app.bpm.models import HumanTask, User
from app.i18n import translate
from app.processes.repair_dispatch.models import ServiceRecord, ServiceRequest
from app.processes.repair_dispatch.service import clock_views

SIGNING_TASK = "complete_service_record"


def _clock_label(name: str, locale: str) -> str:
    label = translate(f"clock.{name}", locale)
    return name if label == f"clock.{name}" else label


def _signing_tasks(session: Session, instance_ids: list[int]) -> dict[int, HumanTask]:
    """Each instance's open signing task whose draft has the engineer's record but no signature."""
    query = select(HumanTask).where(
        HumanTask.instance_id.in_(instance_ids), HumanTask.element_id == SIGNING_TASK, HumanTask.status == "ready"
    )
    return {
        t.instance_id: t
        for t in session.scalars(query)
        if t.draft and str(t.draft.get("work_summary") or "").strip() and not t.draft.get("customer_signature")
    }


def portal_requests(
    session: Session, customer_id: int, now: datetime, locale: str, request_id: int | None = None
) -> list[PortalRequest]:
    query = (
        select(ServiceRequest)
        .join(EquipmentUnit, EquipmentUnit.id == ServiceRequest.unit_id)
        .where(EquipmentUnit.customer_id == customer_id, ServiceRequest.instance_id.is_not(None))
        .options(selectinload(ServiceRequest.clocks), selectinload(ServiceRequest.instance))
        .order_by(ServiceRequest.id.desc())
        .limit(LIST_LIMIT)
    )
    if request_id is not None:
        query = query.where(ServiceRequest.id == request_id)
    requests = list(session.scalars(query).unique())
    ids = [r.id for r in requests]
    records = {r.request_id: r for r in session.scalars(select(ServiceRecord).where(ServiceRecord.request_id.in_(ids)))}
    waiting = _signing_tasks(session, [r.instance_id for r in requests if r.instance_id is not None])
    engineers = _engineers(session, [r.instance.data if r.instance else {} for r in requests])
    return [_portal_view(r, records.get(r.id), waiting, engineers, now, locale) for r in requests]


def _engineers(session: Session, datas: list[dict[str, Any]]) -> dict[str, str]:
    names = {str(d["engineer"]) for d in datas if d.get("engineer")}
    if not names:
        return {}
    return {
        u.username: u.display_name or u.username for u in session.scalars(select(User).where(User.username.in_(names)))
    }


def _portal_view(
    request: ServiceRequest,
    record: ServiceRecord | None,
    waiting: dict[int, HumanTask],
    engineers: dict[str, str],
    now: datetime,
    locale: str,
) -> PortalRequest:
    clocks = clock_views(request, now)
    arrival = next((c for c in clocks if c.name == "arrival"), None)
    task = waiting.get(request.instance_id or 0)
    data = request.instance.data if request.instance else {}
    signed = None
    if record is not None and record.signed_at is not None:
        signed = SignedRecord(record.signer_name, record.signed_at, record.signed_via)
    return PortalRequest(
        id=request.id,
        number=request.number,
        unit_id=request.unit_id,
        unit_label=f"{request.unit.model.name} · {request.unit.serial}",
        status=request.status,
        reported_at=request.reported_at,
        description=request.description,
        engineer=engineers.get(str(data.get("engineer") or "")),
        arrival_by=arrival.due_at if arrival else None,
        arrived_at=arrival.met_at if arrival else None,
        clocks=tuple(
            PortalClock(_clock_label(c.name, locale), c.due_at, c.status, c.breached, c.met_at or c.closed_at)
            for c in clocks
        ),
        awaiting_signature=AwaitingSignature(str(task.draft["work_summary"])) if task and task.draft else None,
        signed=signed,
    )


def sign_remotely(
    session: Session, actor: PortalActor, request_id: int, signing: RemoteSignature, locale: str, now: datetime
) -> None:
    """The contact signs the record waiting for them: the signing task completes with the
    engineer's record and the contact's name, opinion and drawing (checked as on site)."""
    found = portal_requests(session, actor.customer_id, now, locale, request_id=request_id)
    if not found or found[0].awaiting_signature is None:
        raise NotFound("error.not_found")
    request = session.get(ServiceRequest, request_id)
    assert request is not None and request.instance_id is not None
    task = _signing_tasks(session, [request.instance_id])[request.instance_id]
    draft = dict(task.draft or {})
    data = {
        "work_summary": str(draft.get("work_summary") or ""),
        "signer_name": signing.signer_name.strip(),
        "customer_signature": signing.signature,
    }
    opinion = signing.opinion.strip() or str(draft.get("customer_opinion") or "").strip()
    if opinion:
        data["customer_opinion"] = opinion
    tasks.complete_on_behalf(session, actor.account, task.id, data, locale, now=now)

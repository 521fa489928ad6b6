"""Fault reports and their service requests (R4–R11): intake from every channel with the
warranty check and the SLA clocks, the request with its clocks, record, parts and loans, parts
issued to a repair, and the repair section of a unit's history. What the diagram's elements do
to these is in plugin.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.aftersales.archive.models import EquipmentModel, EquipmentUnit
from app.aftersales.archive.service import UnitSection
from app.aftersales.policies import can_read_contract_terms, can_use_parts
from app.aftersales.rules.sla import REPORTED, SEED_POLICY, Deadline, PolicyError, SlaPolicy
from app.aftersales.rules.warranty import coverage
from app.aftersales.service_requests import MAX_OPEN_LISTED, OpenedRequest, OpenRequest, RequestOpening
from app.aftersales.warehouse import service as warehouse
from app.aftersales.warehouse.models import LoanerUnit, PartMovement
from app.aftersales.warehouse.service import Destination
from app.bpm import audit, definitions
from app.bpm.errors import Conflict, Forbidden, NotFound, ServiceError
from app.bpm.forms.signature import NotASignature, clean_png
from app.bpm.instances import begin_instance, get_instance, may_view
from app.bpm.models import User, utcnow
from app.bpm.policies import can_start, can_view_instance
from app.bpm.unit_of_work import transactional
from app.processes.repair_dispatch.models import CHANNELS as CHANNELS  # the intake channels, for pages and the API
from app.processes.repair_dispatch.models import Loan, ServiceRecord, ServiceRequest, SlaClock

REPAIR_PROCESS = "repair_dispatch"
DESCRIPTION_MAX = 4000
LIST_LIMIT = 200


def usable_policy(data: Any) -> dict[str, Any]:
    """The policy data itself when it parses; otherwise the seed's commitment, so that a
    contract with a broken policy never loses a fault report."""
    try:
        SlaPolicy.from_data(data)
    except PolicyError:
        return SEED_POLICY
    return dict(data)


def policy_of(data: Any) -> SlaPolicy:
    return SlaPolicy.from_data(usable_policy(data))


def _local_today(policy: SlaPolicy, now: datetime) -> Any:
    return now.astimezone(policy.calendar.tz).date()


def may_report(session: Session, user: User) -> bool:
    """Whoever may start the repair process (its lanes' groups, admins) may report a fault."""
    return can_start(user, definitions.loaded(definitions.latest(session, REPAIR_PROCESS)).lanes)


def check_may_report(session: Session, user: User) -> None:
    if not may_report(session, user):
        raise Forbidden("error.forbidden")


@dataclass(frozen=True)
class FaultReport:
    """What a customer reports, from any channel (R4)."""

    unit_id: int
    channel: str
    description: str
    contact_name: str | None = None
    contact_phone: str | None = None


@transactional
def report_fault(session: Session, user: User, report: FaultReport, now: datetime | None = None) -> ServiceRequest:
    """Record a fault report (R4), check the warranty (R9), start the clocks (R6) and the
    repair process, all in one transaction."""
    request = _open_request(session, user, report, now or utcnow(), starter=user)
    session.commit()
    return request


def open_for_process(session: Session, user: User, opening: RequestOpening, now: datetime) -> OpenedRequest:
    """A service request another process opens (an inspection's fault, a follow-up's quality
    problem), inside that process's step: nothing is committed here. The repair process is
    started by the calendar's account (no lane check: the person who found the fault need
    not be one who takes calls), the request is reported by `user`."""
    report = FaultReport(opening.unit_id, opening.channel, opening.description, opening.contact_name)
    request = _open_request(session, user, report, now, starter=None, origin=opening)
    return OpenedRequest(request.id, request.number, request.instance_id or 0)


def open_of_unit(session: Session, unit_id: int) -> list[OpenRequest]:
    """The unit's requests not closed yet (open, or repaired with the record still to file):
    what the handover at the warranty's end waits for."""
    query = (
        select(ServiceRequest)
        .where(ServiceRequest.unit_id == unit_id, ServiceRequest.status.in_(("open", "resolved")))
        .order_by(ServiceRequest.reported_at)
        .limit(MAX_OPEN_LISTED)
    )
    return [OpenRequest(r.id, r.number, r.status, r.description, r.reported_at) for r in session.scalars(query)]


ARRIVAL = "arrival"  # the policy's clock for the engineer's arrival on site


def _sooner(deadline: Deadline, due_at: datetime) -> Deadline:
    """The arrival clock brought forward to `due_at` when that is sooner, warning as far
    ahead of it as the policy's own clock warned (at least at the start)."""
    if due_at >= deadline.due_at:
        return deadline
    ahead = deadline.due_at - deadline.warn_at if deadline.warn_at else None
    warn_at = max(deadline.starts_at, due_at - ahead) if ahead is not None else None
    return Deadline(starts_at=deadline.starts_at, due_at=due_at, warn_at=warn_at)


def _open_request(
    session: Session,
    user: User,
    report: FaultReport,
    now: datetime,
    starter: User | None,
    origin: RequestOpening | None = None,
) -> ServiceRequest:
    unit = session.get(EquipmentUnit, report.unit_id)
    if unit is None:
        raise NotFound("error.unit_not_found")
    channel, contact_name, contact_phone = report.channel, report.contact_name, report.contact_phone
    if channel not in CHANNELS:
        raise ServiceError("error.bad_channel", channels=", ".join(CHANNELS))
    description = (report.description or "").strip()
    if not description or len(description) > DESCRIPTION_MAX:
        raise ServiceError("error.bad_description", max=DESCRIPTION_MAX)
    stored_policy = usable_policy(unit.contract.sla_policy if unit.contract else SEED_POLICY)
    policy = SlaPolicy.from_data(stored_policy)
    years = unit.contract.warranty_years if unit.contract else 0
    in_warranty = coverage(unit.accepted_on, years).in_warranty(_local_today(policy, now))
    request = ServiceRequest(
        number=f"BX{now.astimezone(policy.calendar.tz):%Y%m%d%H%M%S%f}",
        unit_id=unit.id,
        contract_id=unit.contract_id,
        channel=channel,
        description=description,
        contact_name=(contact_name or "").strip()[:100] or None,
        contact_phone=(contact_phone or "").strip()[:40] or None,
        reported_at=now,
        reported_by_id=user.id,
        in_warranty=in_warranty,
        sla_policy=stored_policy,
        status="open",
    )
    session.add(request)
    session.flush()
    request.number = f"BX{now.astimezone(policy.calendar.tz):%Y%m%d}-{request.id:05d}"
    sla: dict[str, Any] = {}
    for rule in policy.starting_at(REPORTED):
        deadline = policy.deadline(rule, now)
        if rule.name == ARRIVAL and origin is not None and origin.attend_within is not None:
            deadline = _sooner(deadline, now + origin.attend_within)
        sla[rule.name] = deadline.as_data()
        request.clocks.append(
            SlaClock(name=rule.name, starts_at=deadline.starts_at, due_at=deadline.due_at, warn_at=deadline.warn_at)
        )
    data = {
        "request_id": request.id,
        "request_number": request.number,
        "equipment_id": unit.id,
        "serial": unit.serial,
        "model": unit.model.name,
        "customer": unit.customer.name,
        "location": unit.location or "",
        "channel": channel,
        "description": description,
        "in_warranty": in_warranty,
        "sla": sla,
    }
    details: dict[str, Any] = {"request": request.number, "channel": channel, "in_warranty": in_warranty}
    if origin is not None:
        data["origin_instance_id"] = origin.origin_instance_id
        details["origin_instance_id"] = origin.origin_instance_id
    instance = begin_instance(session, starter, REPAIR_PROCESS, data, business_key=unit.serial, now=now)
    request.instance_id = instance.id
    audit.record(session, "service_request_reported", user, now, instance_id=instance.id, details=details)
    return request


@dataclass(frozen=True)
class ClockView:
    name: str
    starts_at: datetime
    due_at: datetime
    warn_at: datetime | None
    met_at: datetime | None
    closed_at: datetime | None
    status: str  # pending | running | met | closed
    breached: bool
    remaining_seconds: float | None  # on the policy's calendar; None once stopped


def clock_views(request: ServiceRequest, now: datetime) -> list[ClockView]:
    policy = policy_of(request.sla_policy)
    views = []
    for clock in request.clocks:
        status = clock.status
        if status == "running" and clock.starts_at > now:
            status = "pending"
        remaining = None
        if clock.status == "running":
            remaining = policy.calendar.working_seconds(now, clock.due_at)
        views.append(
            ClockView(
                name=clock.name,
                starts_at=clock.starts_at,
                due_at=clock.due_at,
                warn_at=clock.warn_at,
                met_at=clock.met_at,
                closed_at=clock.closed_at,
                status=status,
                breached=clock.breached(now),
                remaining_seconds=remaining,
            )
        )
    return views


@dataclass(frozen=True)
class OpenDeadline:
    """The most urgent running clock of an instance's request, with the time left on its calendar."""

    clock: str
    due_at: datetime
    warn_at: datetime | None
    remaining_seconds: float


def open_deadlines(session: Session, instance_ids: Sequence[int], now: datetime) -> dict[int, OpenDeadline]:
    """For a batch of instances (a worklist page), one query: each one's running clock that has
    started and is due soonest."""
    query = (
        select(SlaClock.name, SlaClock.due_at, SlaClock.warn_at, ServiceRequest.instance_id, ServiceRequest.sla_policy)
        .join(ServiceRequest, ServiceRequest.id == SlaClock.request_id)
        .where(
            ServiceRequest.instance_id.in_(sorted(set(instance_ids))),
            SlaClock.status == "running",
            SlaClock.starts_at <= now,
        )
        .order_by(SlaClock.due_at, SlaClock.id)
    )
    found: dict[int, OpenDeadline] = {}
    for name, due_at, warn_at, instance_id, policy in session.execute(query):
        if instance_id not in found:
            left = policy_of(policy).calendar.working_seconds(now, due_at)
            found[instance_id] = OpenDeadline(name, due_at, warn_at, left)
    return found


@dataclass(frozen=True)
class RequestView:
    request: ServiceRequest
    clocks: list[ClockView]
    record: ServiceRecord | None
    parts: list[PartMovement]
    loans: list[Loan]
    may_read_terms: bool = False  # the contract's deposit page is the reader's to open


def get_request(session: Session, user: User, request_id: int) -> ServiceRequest:
    request = session.get(ServiceRequest, request_id)
    if request is None or request.instance_id is None:
        raise NotFound("error.not_found")
    get_instance(session, user, request.instance_id)  # the instance's visibility rules apply
    return request


def request_view(session: Session, user: User, request_id: int, now: datetime | None = None) -> RequestView:
    request = get_request(session, user, request_id)
    view = _view(session, request, now or utcnow())
    contract = request.contract
    return replace(view, may_read_terms=contract is not None and can_read_contract_terms(user, contract))


def _view(session: Session, request: ServiceRequest, now: datetime) -> RequestView:
    record = session.scalars(select(ServiceRecord).where(ServiceRecord.request_id == request.id)).first()
    parts = session.scalars(
        select(PartMovement).where(PartMovement.request_id == request.id).order_by(PartMovement.id)
    ).all()
    loans = session.scalars(select(Loan).where(Loan.request_id == request.id).order_by(Loan.id)).all()
    return RequestView(request, clock_views(request, now), record, list(parts), list(loans))


@dataclass(frozen=True)
class RequestRow:
    request: ServiceRequest
    clocks: list[ClockView]


def list_requests(
    session: Session, user: User, status: str | None = None, now: datetime | None = None
) -> list[RequestRow]:
    """The newest requests with their clocks: all of them for staff who work in the repair
    process (its lanes) and for admins, auditors and process owners; otherwise the caller's."""
    now = now or utcnow()
    lanes = definitions.loaded(definitions.latest(session, REPAIR_PROCESS, include_retired=True)).lanes
    query = (
        select(ServiceRequest)
        .options(selectinload(ServiceRequest.clocks))
        .order_by(ServiceRequest.id.desc())
        .limit(LIST_LIMIT)
    )
    if not can_view_instance(user, lanes, None):
        query = query.where(ServiceRequest.reported_by_id == user.id)
    if status:
        query = query.where(ServiceRequest.status == status)
    return [RequestRow(r, clock_views(r, now)) for r in session.scalars(query).unique()]


def signature_png(session: Session, user: User, request_id: int) -> bytes:
    request = get_request(session, user, request_id)
    record = session.scalars(select(ServiceRecord).where(ServiceRecord.request_id == request.id)).first()
    if record is None or not record.signature_png:
        raise NotFound("error.not_found")
    try:  # written anew on the way out too: a drawing stored before the check is served clean or not at all
        return clean_png(record.signature_png)
    except NotASignature:
        raise NotFound("error.not_found") from None


@dataclass(frozen=True)
class RecordSheet:
    """The filed (or signed) 《售后服务记录》 as its paper form shows it: the request with its
    parts, the record, who wrote it and the customer's drawn signature (checked, re-encoded)."""

    view: RequestView
    record: ServiceRecord
    engineer: str | None
    signature: bytes | None


def record_sheet(session: Session, user: User, request_id: int) -> RecordSheet:
    """Whoever may see the request may print its record; no record yet, nothing to print."""
    view = request_view(session, user, request_id)
    record = view.record
    if record is None:
        raise NotFound("error.not_found")
    signature = None
    if record.signature_png:
        try:
            signature = clean_png(record.signature_png)
        except NotASignature:
            signature = None  # a drawing stored before the check is not printed
    engineer = record.written_by.display_name if record.written_by else None
    return RecordSheet(view, record, engineer, signature)


def request_for_instance(session: Session, instance_id: int) -> ServiceRequest | None:
    return session.scalars(select(ServiceRequest).where(ServiceRequest.instance_id == instance_id)).first()


def eligible_loaners(session: Session, unit: EquipmentUnit) -> list[LoanerUnit]:
    """Available loaners of the same kind and no lower specification (R6)."""
    return list(
        session.scalars(
            select(LoanerUnit)
            .join(LoanerUnit.model)
            .where(
                LoanerUnit.status == "available",
                EquipmentModel.kind == unit.model.kind,
                EquipmentModel.spec_level >= unit.model.spec_level,
            )
            .order_by(EquipmentModel.spec_level, LoanerUnit.serial)
        ).unique()
    )


def _destination(request: ServiceRequest) -> Destination:
    return Destination(
        request_id=request.id,
        unit_id=request.unit_id,
        contract_id=request.contract_id,
        in_warranty=request.in_warranty,
        label=request.number,
        instance_id=request.instance_id,
    )


def _request_for_parts(session: Session, user: User, request_id: int) -> ServiceRequest:
    request = get_request(session, user, request_id)
    if not can_use_parts(user):
        raise Forbidden("error.forbidden")
    return request


@transactional
def issue_part(
    session: Session, user: User, request_id: int, code: str, quantity: int, now: datetime | None = None
) -> PartMovement:
    """Parts from stock to a repair (charged by the warranty and the contract's prices)."""
    request = _request_for_parts(session, user, request_id)
    if request.status in ("closed", "declined"):
        raise Conflict("error.request_closed")
    return warehouse.issue(session, user, _destination(request), code, quantity, now or utcnow())


@transactional
def return_part(
    session: Session, user: User, request_id: int, code: str, quantity: int, now: datetime | None = None
) -> PartMovement:
    """Unused parts back to stock; no more than were issued to the request."""
    request = _request_for_parts(session, user, request_id)
    return warehouse.take_back(session, user, _destination(request), code, quantity, now or utcnow())


def unit_section(session: Session, user: User, unit: EquipmentUnit) -> UnitSection:
    """The repair part of a unit's history (R2): its service requests that the reader may see
    (the rule of the request's own page), with their records and the loaners lent meanwhile."""
    query = select(ServiceRequest).where(ServiceRequest.unit_id == unit.id).order_by(ServiceRequest.id.desc())
    requests = [r for r in session.scalars(query) if r.instance is not None and may_view(user, r.instance)]
    ids = [r.id for r in requests]
    records = {r.request_id: r for r in session.scalars(select(ServiceRecord).where(ServiceRecord.request_id.in_(ids)))}
    loans = list(session.scalars(select(Loan).where(Loan.request_id.in_(ids)).order_by(Loan.id.desc())))
    api = [
        {
            "id": r.id,
            "number": r.number,
            "reported_at": r.reported_at.isoformat(),
            "status": r.status,
            "record_signed": bool(records.get(r.id) and records[r.id].signed_at),
        }
        for r in requests
    ]
    return UnitSection(
        name=REPAIR_PROCESS,
        template="repair_dispatch/_unit_section.html",
        values={"requests": requests, "records": records, "loans": loans, "may_report": may_report(session, user)},
        api={"service_requests": api},
    )

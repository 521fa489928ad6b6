"""Fault reports and the repair process (R4–R11): intake from every channel, the warranty
check, SLA clocks kept from the process's recorded events, the signed service record, parts,
loaners and deposit deductions."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.domain.sla import REPORTED, SEED_POLICY, PolicyError, SlaPolicy
from app.domain.warranty import coverage
from app.i18n import translate
from app.models import (
    CHANNELS,
    DepositEntry,
    EquipmentModel,
    EquipmentUnit,
    Group,
    Loan,
    LoanerUnit,
    PartMovement,
    ProcessInstance,
    ServiceRecord,
    ServiceRequest,
    SlaClock,
    User,
    utcnow,
)

from . import audit, definitions, extensions
from .errors import FormRejected, NotFound, ServiceError
from .instances import begin_instance, get_instance
from .permissions import can_view_instance

REPAIR_PROCESS = "repair_dispatch"
DESCRIPTION_MAX = 4000
SIGNATURE_MAX_BYTES = 300_000
_PNG_PREFIX = "data:image/png;base64,"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
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


def report_fault(
    session: Session,
    user: User,
    unit_id: int,
    channel: str,
    description: str,
    contact_name: str | None = None,
    contact_phone: str | None = None,
    now: datetime | None = None,
) -> ServiceRequest:
    """Record a fault report (R4), check the warranty (R9), start the clocks (R6) and the
    repair process, all in one transaction."""
    now = now or utcnow()
    unit = session.get(EquipmentUnit, unit_id)
    if unit is None:
        raise NotFound("error.unit_not_found")
    if channel not in CHANNELS:
        raise ServiceError("error.bad_channel", channels=", ".join(CHANNELS))
    description = (description or "").strip()
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
    instance = begin_instance(session, user, REPAIR_PROCESS, data, business_key=unit.serial, now=now)
    request.instance_id = instance.id
    audit.record(
        session,
        "service_request_reported",
        user,
        now,
        instance_id=instance.id,
        details={"request": request.number, "channel": channel, "in_warranty": in_warranty},
    )
    session.commit()
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
class RequestView:
    request: ServiceRequest
    clocks: list[ClockView]
    record: ServiceRecord | None
    parts: list[PartMovement]
    loans: list[Loan]


def get_request(session: Session, user: User, request_id: int) -> ServiceRequest:
    request = session.get(ServiceRequest, request_id)
    if request is None or request.instance_id is None:
        raise NotFound("error.not_found")
    get_instance(session, user, request.instance_id)  # the instance's visibility rules apply
    return request


def request_view(session: Session, user: User, request_id: int, now: datetime | None = None) -> RequestView:
    request = get_request(session, user, request_id)
    return _view(session, request, now or utcnow())


def _view(session: Session, request: ServiceRequest, now: datetime) -> RequestView:
    record = session.scalars(select(ServiceRecord).where(ServiceRecord.request_id == request.id)).first()
    parts = session.scalars(
        select(PartMovement).where(PartMovement.request_id == request.id).order_by(PartMovement.id)
    ).all()
    loans = session.scalars(select(Loan).where(Loan.request_id == request.id).order_by(Loan.id)).all()
    return RequestView(request, clock_views(request, now), record, list(parts), list(loans))


def list_requests(
    session: Session, user: User, status: str | None = None, now: datetime | None = None
) -> list[tuple[ServiceRequest, list[ClockView]]]:
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
    return [(r, clock_views(r, now)) for r in session.scalars(query).unique()]


def signature_png(session: Session, user: User, request_id: int) -> bytes:
    request = get_request(session, user, request_id)
    record = session.scalars(select(ServiceRecord).where(ServiceRecord.request_id == request.id)).first()
    if record is None or not record.signature_png:
        raise NotFound("error.not_found")
    return record.signature_png


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


def _decode_signature(value: Any) -> bytes | None:
    if not isinstance(value, str) or not value.startswith(_PNG_PREFIX):
        return None
    try:
        raw = base64.b64decode(value[len(_PNG_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        return None
    if not raw.startswith(_PNG_MAGIC) or len(raw) > SIGNATURE_MAX_BYTES:
        return None
    return raw


def _money(value: Any) -> Decimal | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


class RepairExtension(extensions.ProcessExtension):
    """What the repair diagram's elements mean to the service desk (see bpmn/repair_dispatch.bpmn
    and app.domain.sla.SEED_POLICY for the element ids)."""

    process_id = REPAIR_PROCESS
    intake_endpoint = "web.new_service_request"

    def work_context(self, session: Session, instance: ProcessInstance, now: datetime) -> extensions.WorkContext | None:
        """The request behind a repair task: its number, unit, customer and SLA clocks."""
        request = request_for_instance(session, instance.id)
        if request is None:
            return None
        label = f"{request.number} · {request.unit.serial} · {request.unit.customer.name}"
        args = {"request_id": request.id}
        return extensions.WorkContext(label, "web.service_request_page", args, clock_views(request, now))

    def field_choices(
        self, session: Session, instance: ProcessInstance, element_id: str, locale: str
    ) -> extensions.Choices:
        if element_id == "dispatch_engineer":
            return {"engineer": [(u.username, u.display_name or u.username) for u in _members(session, "engineers")]}
        if element_id == "provide_loaner":
            request = request_for_instance(session, instance.id)
            if request is None:
                return {}
            return {
                "loaner_serial": [
                    (loaner.serial, f"{loaner.serial} · {loaner.model.name} (L{loaner.model.spec_level})")
                    for loaner in eligible_loaners(session, request.unit)
                ]
            }
        return {}

    def before_complete(
        self,
        session: Session,
        instance: ProcessInstance,
        element_id: str,
        data: dict[str, Any],
        user: User,
        now: datetime,
        locale: str,
    ) -> dict[str, Any]:
        request = request_for_instance(session, instance.id)
        if request is None:
            return data
        data = dict(data)
        if element_id == "dispatch_engineer" and data.get("engineer") not in {
            u.username for u in _members(session, "engineers")
        }:
            raise FormRejected({"engineer": [translate("error.not_an_engineer", locale)]})
        if element_id == "provide_loaner" and data.get("loaner_outcome") == "delivered":
            serials = {loaner.serial for loaner in eligible_loaners(session, request.unit)}
            if data.get("loaner_serial") not in serials:
                raise FormRejected({"loaner_serial": [translate("error.loaner_not_eligible", locale)]})
        if element_id == "complete_service_record":
            signature = _decode_signature(data.get("customer_signature"))
            if signature is None:
                raise FormRejected({"customer_signature": [translate("error.signature_required", locale)]})
            _write_record(session, request, "on_site", data, user, now, signature)
            data["customer_signature"] = f"service_records/{request.id}"  # the image stays out of the state
        policy = policy_of(request.sla_policy)
        started = policy.starting_at(element_id)
        if started:
            sla = dict(instance.data.get("sla") or {})
            for rule in started:
                sla[rule.name] = policy.deadline(rule, now).as_data()
            data["sla"] = sla
        return data

    def after_step(
        self,
        session: Session,
        instance: ProcessInstance,
        steps: list[str],
        data: dict[str, Any],
        now: datetime,
        actor: User | None,
    ) -> None:
        if not steps:
            return
        request = request_for_instance(session, instance.id)
        if request is None:
            return
        passed = set(steps)
        self._update_clocks(request, passed, data, now)
        if "remote_support" in passed and data.get("resolved_remotely"):
            _write_record(session, request, "remote", data, actor, now, None)
        if "file_service_record" in passed:
            record = session.scalars(select(ServiceRecord).where(ServiceRecord.request_id == request.id)).first()
            if record is not None and record.filed_at is None:
                record.filed_at = now
                record.filed_by_id = actor.id if actor else None
                record.archive_number = str(data.get("archive_number") or "")[:60] or None
        if "provide_loaner" in passed and data.get("loaner_outcome") == "delivered":
            _lend(session, request, str(data.get("loaner_serial")), actor, now)
        if "unit_repaired" in passed:
            _collect_loaners(session, request, now)
        if "escalate_resolution" in passed:
            _deduct_from_deposit(session, request, data, actor, now)
        if "end_resolved_remotely" in passed or "unit_repaired" in passed:
            request.status = "resolved"
        if "end_paid_service_declined" in passed:
            request.status = "declined"
        if instance.status == "completed" and request.status != "declined":
            request.status = "closed"

    def _update_clocks(self, request: ServiceRequest, passed: set[str], data: dict[str, Any], now: datetime) -> None:
        policy = policy_of(request.sla_policy)
        have = {clock.name: clock for clock in request.clocks}
        sla = data.get("sla") or {}
        for element in passed:
            for rule in policy.starting_at(element):
                if rule.name in have:
                    continue
                planned = sla.get(rule.name) or policy.deadline(rule, now).as_data()
                clock = SlaClock(
                    name=rule.name,
                    starts_at=datetime.fromisoformat(planned["starts_at"]),
                    due_at=datetime.fromisoformat(planned["due_at"]),
                    warn_at=datetime.fromisoformat(planned["warn_at"]),
                )
                request.clocks.append(clock)
                have[rule.name] = clock
        for clock in request.clocks:
            clock_rule = policy.rule(clock.name)
            if clock_rule is None or clock.status != "running":
                continue
            if passed & set(clock_rule.stop):
                clock.status, clock.met_at = "met", now
            elif passed & set(clock_rule.close):
                clock.status, clock.closed_at = "closed", now


def _members(session: Session, group_id: str) -> list[User]:
    query = select(User).join(User.groups).where(Group.id == group_id, User.active).order_by(User.username)
    return list(session.scalars(query))


def _write_record(
    session: Session,
    request: ServiceRequest,
    kind: str,
    data: dict[str, Any],
    user: User | None,
    now: datetime,
    signature: bytes | None,
) -> None:
    record = session.scalars(select(ServiceRecord).where(ServiceRecord.request_id == request.id)).first()
    if record is None:
        record = ServiceRecord(request_id=request.id, kind=kind, summary="")
        session.add(record)
    record.kind = kind
    if kind == "remote":
        record.summary = str(data.get("remote_solution") or data.get("diagnosis") or "")
    else:
        record.summary = str(data.get("work_summary") or "")
        record.customer_opinion = data.get("customer_opinion")
        record.signer_name = data.get("signer_name")
        record.signature_png = signature
        record.signed_at = now
    record.written_by_id = user.id if user else None


def _lend(session: Session, request: ServiceRequest, serial: str, user: User | None, now: datetime) -> None:
    loaner = session.scalars(
        select(LoanerUnit).where(LoanerUnit.serial == serial).with_for_update(of=LoanerUnit)
    ).first()
    if loaner is None or loaner.status != "available":
        raise FormRejected({"loaner_serial": [translate("error.loaner_not_eligible", "zh_CN")]})
    loaner.status = "lent"
    session.add(Loan(loaner_id=loaner.id, request_id=request.id, lent_at=now, lent_by_id=user.id if user else None))


def _collect_loaners(session: Session, request: ServiceRequest, now: datetime) -> None:
    """The loaner stays until the customer's unit is repaired (R6), then comes back to the pool."""
    for loan in session.scalars(select(Loan).where(Loan.request_id == request.id, Loan.returned_at.is_(None))):
        loan.returned_at = now
        loan.loaner.status = "available"


def _deduct_from_deposit(
    session: Session, request: ServiceRequest, data: dict[str, Any], user: User | None, now: datetime
) -> None:
    """R10: the customer hired another team for a late repair; its cost comes off the deposit."""
    cost = _money(data.get("third_party_cost"))
    if not data.get("customer_hired_other_team") or cost is None or cost <= 0 or request.contract_id is None:
        return
    session.add(
        DepositEntry(
            contract_id=request.contract_id,
            at=now,
            amount=-cost,
            reason=f"{request.number}: {str(data.get('third_party_name') or '')[:200]}",
            request_id=request.id,
            by_id=user.id if user else None,
        )
    )


extensions.register(RepairExtension())

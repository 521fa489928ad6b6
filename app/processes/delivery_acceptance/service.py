"""Deliveries and their acceptance (交货与验收, R23–R26): the delivery behind an instance, the
units still waiting for acceptance, the signed acceptance form (验收单) with its two drawn
signatures, and the delivery section of a unit's history. What the diagram's elements do to
these is in plugin.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from app.aftersales.archive.models import EquipmentUnit
from app.aftersales.archive.service import UnitSection
from app.aftersales.rules.warranty import Coverage, coverage
from app.bpm import definitions
from app.bpm.errors import NotFound
from app.bpm.forms.signature import NotASignature, clean_png
from app.bpm.instances import begin_instance, get_instance, may_view
from app.bpm.models import ProcessInstance, User, utcnow
from app.bpm.policies import can_start
from app.bpm.unit_of_work import transactional
from app.processes.delivery_acceptance.models import Delivery

DELIVERY_PROCESS = "delivery_acceptance"
SIGNERS = ("acceptor", "head")  # 验收人, 单位负责人
CHOICES_LIMIT = 200


def delivery_for_instance(session: Session, instance_id: int) -> Delivery | None:
    return session.scalars(select(Delivery).where(Delivery.instance_id == instance_id)).first()


def units_awaiting_acceptance(session: Session, keep: int | None = None) -> list[EquipmentUnit]:
    """Units with no final acceptance yet (the ones a delivery may be about), and `keep` (the
    unit already chosen) whatever it is, so a form never loses what it shows."""
    query = (
        select(EquipmentUnit)
        .where(EquipmentUnit.accepted_on.is_(None))
        .order_by(EquipmentUnit.serial)
        .limit(CHOICES_LIMIT)
    )
    units = list(session.scalars(query).unique())
    if keep is not None and all(unit.id != keep for unit in units):
        kept = session.get(EquipmentUnit, keep)
        if kept is not None:
            units.insert(0, kept)
    return units


def get_delivery(session: Session, user: User, delivery_id: int) -> Delivery:
    """The delivery, for whoever may see its instance (the instance's visibility rules)."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None:
        raise NotFound("error.not_found")
    get_instance(session, user, delivery.instance_id)
    return delivery


def _png(stored: bytes | None) -> bytes | None:
    """A stored drawing, checked and written anew on the way out; None when unusable."""
    if not stored:
        return None
    try:
        return clean_png(stored)
    except NotASignature:
        return None


def signature_png(session: Session, user: User, delivery_id: int, signer: str) -> bytes:
    if signer not in SIGNERS:
        raise NotFound("error.not_found")
    delivery = get_delivery(session, user, delivery_id)
    png = _png(delivery.acceptor_signature if signer == "acceptor" else delivery.head_signature)
    if png is None:
        raise NotFound("error.not_found")
    return png


@dataclass(frozen=True)
class AcceptanceSheet:
    """The signed 验收单 as its paper form shows it: the delivery with its checks and
    replacements, both drawn signatures (checked, re-encoded) and the coverage it started."""

    delivery: Delivery
    acceptor_signature: bytes | None
    head_signature: bytes | None
    coverage: Coverage
    number: str


def form_number(delivery: Delivery) -> str:
    return f"YS-{delivery.unit.serial}-{delivery.id:05d}"


def acceptance_sheet(session: Session, user: User, delivery_id: int) -> AcceptanceSheet:
    """Whoever may see the delivery may print its form; not signed yet, nothing to print."""
    delivery = get_delivery(session, user, delivery_id)
    if delivery.signed_at is None:
        raise NotFound("error.not_found")
    contract = delivery.unit.contract
    covered = coverage(
        delivery.accepted_on,
        contract.warranty_years if contract else 0,
        contract.maintenance_years if contract else 0,
    )
    return AcceptanceSheet(
        delivery,
        _png(delivery.acceptor_signature),
        _png(delivery.head_signature),
        covered,
        form_number(delivery),
    )


def _deliveries_of(session: Session, unit_id: int) -> list[Delivery]:
    query = (
        select(Delivery)
        .where(Delivery.unit_id == unit_id)
        .options(undefer(Delivery.acceptor_signature), undefer(Delivery.head_signature))
        .order_by(Delivery.id.desc())
    )
    return list(session.scalars(query).unique())


def unit_section(session: Session, user: User, unit: EquipmentUnit) -> UnitSection:
    """The delivery part of a unit's history (R2, R23–R26): its deliveries that the reader may
    see (the rule of their instances), with the checks, the replacements and the signed form."""
    now = utcnow()
    deliveries = [d for d in _deliveries_of(session, unit.id) if may_view(user, d.instance)]
    api = [
        {
            "id": d.id,
            "process_instance_id": d.instance_id,
            "status": d.status,
            "agreed_on": _iso(d.agreed_on),
            "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None,
            "checks": [
                {"kind": c.kind, "passed": c.passed, "at": c.at.isoformat(), "findings": c.findings} for c in d.checks
            ],
            "replacements": [
                {
                    "problems": r.problems,
                    "record": r.record,
                    "due_at": r.due_at.isoformat(),
                    "done_at": r.done_at.isoformat() if r.done_at else None,
                    "late": r.late(now),
                    "escalated": r.escalated_at is not None,
                }
                for r in d.replacements
            ],
            "accepted_on": _iso(d.accepted_on),
            "acceptor": d.acceptor_name,
            "unit_head": d.head_name,
            "signed": d.signed_at is not None and bool(d.acceptor_signature) and bool(d.head_signature),
        }
        for d in deliveries
    ]
    return UnitSection(
        name=DELIVERY_PROCESS,
        template="delivery_acceptance/_unit_section.html",
        values={
            "deliveries": deliveries,
            "now": now,
            "may_start": unit.accepted_on is None
            and may_start(session, user)
            and not any(d.status == "open" and d.instance.status in ("running", "error") for d in deliveries),
        },
        api={"deliveries": api},
    )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def may_start(session: Session, user: User) -> bool:
    """Whoever may start the process (its lanes' groups, admins) may start a unit's delivery."""
    return can_start(user, definitions.loaded(definitions.latest(session, DELIVERY_PROCESS)).lanes)


@transactional
def start_delivery(session: Session, user: User, unit_id: int, now: datetime | None = None) -> ProcessInstance:
    """A unit's delivery started from its page: the data carries the unit and its customer, the
    instance is filed under the unit's serial; a unit accepted or in a delivery already is refused."""
    unit = session.get(EquipmentUnit, unit_id)
    if unit is None:
        raise NotFound("error.unit_not_found")
    data = {"customer_id": unit.customer_id, "unit_id": unit.id}
    instance = begin_instance(session, user, DELIVERY_PROCESS, data, business_key=unit.serial, now=now or utcnow())
    session.commit()
    return instance

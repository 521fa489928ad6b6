"""The training record as a whole (its paper form, 客户培训记录) and the trainings a unit's
history shows (those of its customer)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.aftersales.archive.models import Customer, EquipmentUnit
from app.aftersales.archive.service import UnitSection
from app.bpm.errors import NotFound
from app.bpm.forms.signature import NotASignature, clean_png
from app.bpm.instances import get_instance, visible_ids
from app.bpm.models import ProcessInstance, User
from app.processes.training.models import TrainingRecord
from app.processes.training.plugin import TRAINING_PROCESS


@dataclass(frozen=True)
class TrainingSheet:
    instance: ProcessInstance
    record: TrainingRecord
    customer: Customer
    unit: EquipmentUnit | None
    trainer: User | None
    signature: bytes | None


def training_sheet(session: Session, user: User, instance_id: int) -> TrainingSheet:
    """Whoever may see the instance may print its record; no signed record, no paper form."""
    instance = get_instance(session, user, instance_id)
    record = session.scalars(select(TrainingRecord).where(TrainingRecord.instance_id == instance.id)).first()
    if instance.process_id != TRAINING_PROCESS or record is None:
        raise NotFound("error.not_found")
    customer = session.get(Customer, record.customer_id)
    assert customer is not None
    unit = session.get(EquipmentUnit, record.unit_id) if record.unit_id else None
    trainer = session.scalars(select(User).where(User.username == record.trainer)).first() if record.trainer else None
    try:
        signature = clean_png(record.signature_png) if record.signature_png else None
    except NotASignature:
        signature = None
    return TrainingSheet(instance, record, customer, unit, trainer, signature)


def unit_section(session: Session, user: User, unit: EquipmentUnit) -> UnitSection:
    """The trainings of the unit's customer (R28) that the reader may see."""
    query = (
        select(TrainingRecord)
        .where(TrainingRecord.customer_id == unit.customer_id)
        .order_by(TrainingRecord.held_on.desc(), TrainingRecord.id.desc())
    )
    found = list(session.scalars(query))
    visible = visible_ids(session, user, [r.instance_id for r in found])
    records = [r for r in found if r.instance_id in visible]
    api = [
        {
            "instance_id": r.instance_id,
            "held_on": r.held_on.isoformat() if r.held_on else None,
            "topics": r.topics,
            "trainer": r.trainer,
            "attendees": len(r.attendees),
            "signed": r.signed_at is not None,
        }
        for r in records
    ]
    return UnitSection(
        name=TRAINING_PROCESS,
        template="training/_unit_section.html",
        values={"records": records},
        api={"trainings": api},
    )

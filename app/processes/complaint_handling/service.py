"""The complaint as a whole: what its paper form, the 客户投诉处理表, shows of an instance."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.bpm.case_facts import FactSection, step_sections
from app.bpm.errors import NotFound
from app.bpm.instances import get_instance
from app.bpm.models import ProcessInstance, User, utcnow
from app.bpm.plugins import StepContext
from app.processes.complaint_handling.plugin import COMPLAINT_PROCESS


@dataclass(frozen=True)
class ComplaintSheet:
    """The complaint's number (its business key, or the instance's number), its customer, and
    what every step recorded, labelled by the version's forms."""

    instance: ProcessInstance
    number: str
    customer: str
    sections: tuple[FactSection, ...]


def complaint_sheet(session: Session, user: User, instance_id: int, locale: str) -> ComplaintSheet:
    """Whoever may see the instance may print it; a complaint not registered yet has no form."""
    instance = get_instance(session, user, instance_id)
    if instance.process_id != COMPLAINT_PROCESS or not instance.data.get("customer"):
        raise NotFound("error.not_found")
    step = StepContext(session, instance, user, utcnow(), locale, dict(instance.data))
    number = instance.business_key or str(instance.id)
    return ComplaintSheet(instance, number, str(instance.data["customer"]), step_sections(step))

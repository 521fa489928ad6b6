"""Follow-ups (回访, R19, R21): a phone follow-up of a unit after acceptance, whose quality
problem opens a service request attended within 24 h, and a visit to a key customer with its
findings per department and equipment model; the key customer's yearly visit report drafted
from that year's visits, edited, and approved by a lead who did not write it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.aftersales.archive.models import Customer, EquipmentUnit
from app.aftersales.archive.service import UnitSection
from app.aftersales.policies import can_approve_visit_report, can_write_visit_report
from app.bpm.errors import Conflict, Forbidden, FormRejected, NotFound
from app.bpm.instances import get_instance, visible_ids
from app.bpm.models import User, utcnow
from app.bpm.unit_of_work import transactional
from app.i18n import translate
from app.processes.follow_up.models import FollowUp, VisitFinding, VisitReport

FOLLOW_UP_PROCESS = "follow_up"
TEXT_MAX = 2000
REPORT_MAX = 20000


def follow_up_for_instance(session: Session, instance_id: int) -> FollowUp | None:
    return session.scalars(select(FollowUp).where(FollowUp.instance_id == instance_id)).first()


def customers(session: Session, customer_id: int | None) -> list[Customer]:
    query = select(Customer).order_by(Customer.code)
    if customer_id is not None:
        query = query.where(Customer.id == customer_id)
    return list(session.scalars(query).unique())


def key_customers(session: Session) -> list[Customer]:
    return list(session.scalars(select(Customer).where(Customer.is_key).order_by(Customer.code)).unique())


def units(session: Session, customer_id: int | None, unit_id: int | None) -> list[EquipmentUnit]:
    query = select(EquipmentUnit).order_by(EquipmentUnit.serial)
    if unit_id is not None:
        query = query.where(EquipmentUnit.id == unit_id)
    elif customer_id is not None:
        query = query.where(EquipmentUnit.customer_id == customer_id)
    return list(session.scalars(query).unique())


def customer_by_code(session: Session, code: str) -> Customer | None:
    return session.scalars(select(Customer).where(Customer.code == code)).first()


def unit_by_serial(session: Session, serial: str) -> EquipmentUnit | None:
    return session.scalars(select(EquipmentUnit).where(EquipmentUnit.serial == serial)).first()


def plan(session: Session, instance_id: int, mode: str, customer: Customer, unit: EquipmentUnit | None) -> FollowUp:
    found = follow_up_for_instance(session, instance_id)
    if found is None:
        found = FollowUp(instance_id=instance_id, mode=mode, customer_id=customer.id, status="planned")
        session.add(found)
    found.mode, found.customer_id, found.unit_id = mode, customer.id, unit.id if unit else None
    found.customer, found.unit = customer, unit
    return found


# -- a visit's findings ----------------------------------------------------------------------


@dataclass(frozen=True)
class FindingChoices:
    departments: list[str]
    models: list[str]


def finding_choices(session: Session, follow_up: FollowUp) -> FindingChoices:
    """The customer's departments and the models of its units (and 其他 for neither)."""
    customer = follow_up.customer
    models = sorted({u.model.name for u in units(session, customer.id, None)})
    return FindingChoices([d.name for d in customer.departments], models)


def may_record(user: User, follow_up: FollowUp) -> bool:
    return follow_up.status == "planned" and follow_up.mode == "visit" and can_write_visit_report(user)


def _visit(session: Session, user: User, instance_id: int) -> FollowUp:
    get_instance(session, user, instance_id)
    follow_up = follow_up_for_instance(session, instance_id)
    if follow_up is None or follow_up.mode != "visit":
        raise NotFound("error.not_found")
    if not may_record(user, follow_up):
        raise Forbidden("follow_up.error.not_open")
    return follow_up


@transactional
def add_finding(
    session: Session, user: User, instance_id: int, department: str, model: str, text: str, locale: str
) -> VisitFinding:
    """One finding of a visit: the department and model it is about, and what was heard."""
    follow_up = _visit(session, user, instance_id)
    choices = finding_choices(session, follow_up)
    errors: dict[str, list[str]] = {}
    if department not in choices.departments:
        errors["department"] = [translate("form.choice", locale)]
    if model not in choices.models:
        errors["model"] = [translate("form.choice", locale)]
    if not text.strip():
        errors["text"] = [translate("form.required", locale)]
    elif len(text) > TEXT_MAX:
        errors["text"] = [translate("form.length", locale, min=1, max=TEXT_MAX)]
    if errors:
        raise FormRejected(errors)
    finding = VisitFinding(department=department, model=model, text=text.strip())
    follow_up.findings.append(finding)
    session.commit()
    return finding


@transactional
def remove_finding(session: Session, user: User, instance_id: int, finding_id: int) -> None:
    follow_up = _visit(session, user, instance_id)
    for finding in list(follow_up.findings):
        if finding.id == finding_id:
            follow_up.findings.remove(finding)
    session.commit()


def get_follow_up(session: Session, user: User, instance_id: int) -> FollowUp:
    get_instance(session, user, instance_id)
    follow_up = follow_up_for_instance(session, instance_id)
    if follow_up is None:
        raise NotFound("error.not_found")
    return follow_up


def dump(follow_up: FollowUp) -> dict[str, Any]:
    return {
        "id": follow_up.id,
        "process_instance_id": follow_up.instance_id,
        "mode": follow_up.mode,
        "customer_id": follow_up.customer_id,
        "customer": follow_up.customer.name,
        "unit_id": follow_up.unit_id,
        "status": follow_up.status,
        "done_by": follow_up.done_by.username if follow_up.done_by else None,
        "done_at": follow_up.done_at.isoformat() if follow_up.done_at else None,
        "visited_on": follow_up.visited_on.isoformat() if follow_up.visited_on else None,
        "visitors": follow_up.visitors,
        "contact_name": follow_up.contact_name,
        "running_status": follow_up.running_status,
        "summary": follow_up.summary,
        "quality_problem": follow_up.quality_problem,
        "service_request": {"id": follow_up.request_id, "number": follow_up.request_number}
        if follow_up.request_number
        else None,
        "findings": [
            {"id": f.id, "department": f.department, "model": f.model, "text": f.text} for f in follow_up.findings
        ],
    }


# -- the yearly visit report -----------------------------------------------------------------


def _visits_of(session: Session, customer_id: int, year: int) -> list[FollowUp]:
    query = (
        select(FollowUp)
        .where(
            FollowUp.customer_id == customer_id,
            FollowUp.mode == "visit",
            FollowUp.status == "done",
            FollowUp.visited_on >= date(year, 1, 1),
            FollowUp.visited_on <= date(year, 12, 31),
        )
        .order_by(FollowUp.visited_on, FollowUp.id)
    )
    return list(session.scalars(query).unique())


def draft_text(customer: Customer, year: int, visits: list[FollowUp], locale: str) -> str:
    """The draft: each visit (when, who, whom they met), then the findings grouped by the
    customer's department and the equipment model."""

    def t(key: str, **params: Any) -> str:
        return translate(key, locale, **params)

    lines = [t("follow_up.report.heading", customer=customer.name, year=year), ""]
    lines.append(t("follow_up.report.visits", count=len(visits)))
    for v in visits:
        when = v.visited_on.isoformat() if v.visited_on else ""
        lines.append(t("follow_up.report.visit_line", on=when, visitors=v.visitors or "", met=v.contact_name or ""))
        if v.summary:
            lines.append(f"    {v.summary}")
    grouped: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for v in visits:
        when = v.visited_on.isoformat() if v.visited_on else ""
        for f in v.findings:
            grouped[f.department][f.model].append(f"{when}：{f.text}")
    lines += ["", t("follow_up.report.findings")]
    if not grouped:
        lines.append(t("follow_up.report.no_findings"))
    for department in sorted(grouped):
        lines.append(f"【{department}】")
        for model in sorted(grouped[department]):
            lines.append(f"  {model}")
            lines += [f"    - {text}" for text in grouped[department][model]]
    lines += ["", t("follow_up.report.analysis"), ""]
    return "\n".join(lines)[:REPORT_MAX]


def _check_writer(user: User) -> None:
    if not can_write_visit_report(user):
        raise Forbidden("error.forbidden")


@transactional
def draft_report(
    session: Session, user: User, customer_id: int, year: int, locale: str, now: datetime | None = None
) -> VisitReport:
    """Draft (or draft anew, while not approved) the key customer's report for `year`."""
    _check_writer(user)
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise FormRejected({"customer_id": [translate("error.not_found", locale)]})
    if not customer.is_key:
        raise FormRejected({"customer_id": [translate("follow_up.error.not_key", locale)]})
    if not 2000 <= year <= 2100:
        raise FormRejected({"year": [translate("form.range", locale, min=2000, max=2100)]})
    now = now or utcnow()
    report = session.scalars(
        select(VisitReport).where(VisitReport.customer_id == customer_id, VisitReport.year == year)
    ).first()
    if report is not None and report.status == "approved":
        raise Conflict("follow_up.error.report_approved")
    body = draft_text(customer, year, _visits_of(session, customer_id, year), locale)
    if report is None:
        report = VisitReport(customer_id=customer_id, year=year, body=body, written_by_id=user.id, written_at=now)
        session.add(report)
    report.body, report.written_by_id, report.written_at, report.status = body, user.id, now, "draft"
    report.written_by = user
    session.flush()
    session.commit()
    return report


def get_report(session: Session, user: User, report_id: int) -> VisitReport:
    _check_writer(user)
    report = session.get(VisitReport, report_id)
    if report is None:
        raise NotFound("error.not_found")
    return report


def list_reports(session: Session, user: User) -> list[VisitReport]:
    _check_writer(user)
    query = select(VisitReport).order_by(VisitReport.year.desc(), VisitReport.id.desc()).limit(200)
    return list(session.scalars(query).unique())


@transactional
def edit_report(
    session: Session, user: User, report_id: int, body: str, locale: str, now: datetime | None = None
) -> VisitReport:
    """The writer's text; whoever edits it last is its writer (and may not approve it)."""
    report = get_report(session, user, report_id)
    if report.status == "approved":
        raise Conflict("follow_up.error.report_approved")
    if not body.strip():
        raise FormRejected({"body": [translate("form.required", locale)]})
    if len(body) > REPORT_MAX:
        raise FormRejected({"body": [translate("form.length", locale, min=1, max=REPORT_MAX)]})
    report.body, report.written_by_id, report.written_at = body, user.id, now or utcnow()
    report.written_by = user
    session.commit()
    return report


def may_approve(user: User, report: VisitReport) -> bool:
    return report.status == "draft" and can_approve_visit_report(user, report.written_by_id)


@transactional
def approve_report(session: Session, user: User, report_id: int, now: datetime | None = None) -> VisitReport:
    report = get_report(session, user, report_id) if can_write_visit_report(user) else None
    if report is None:
        raise Forbidden("error.forbidden")
    if report.status == "approved":
        raise Conflict("follow_up.error.report_approved")
    if not may_approve(user, report):
        raise Forbidden("follow_up.error.approver")
    now = now or utcnow()
    report.status, report.approved_by_id, report.approved_at = "approved", user.id, now
    report.approved_by = user
    session.commit()
    return report


def dump_report(report: VisitReport) -> dict[str, Any]:
    return {
        "id": report.id,
        "customer_id": report.customer_id,
        "customer": report.customer.name,
        "year": report.year,
        "body": report.body,
        "status": report.status,
        "written_by": report.written_by.username,
        "written_at": report.written_at.isoformat(),
        "approved_by": report.approved_by.username if report.approved_by else None,
        "approved_at": report.approved_at.isoformat() if report.approved_at else None,
    }


def unit_section(session: Session, user: User, unit: EquipmentUnit) -> UnitSection:
    """The unit's follow-ups that the reader may see (phone follow-ups name the unit)."""
    query = select(FollowUp).where(FollowUp.unit_id == unit.id).order_by(FollowUp.id.desc())
    found = list(session.scalars(query).unique())
    visible = visible_ids(session, user, [r.instance_id for r in found])
    rows = [r for r in found if r.instance_id in visible]
    return UnitSection(
        name=FOLLOW_UP_PROCESS,
        template="follow_up/_unit_section.html",
        values={"follow_ups": rows},
        api={"follow_ups": [dump(f) for f in rows]},
    )

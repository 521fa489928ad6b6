"""Software maintenance during the maintenance period (维护期内…软件维护、应用软件升级): the
maintenance-period rule an upgrade is held to, an instance's upgrade, the campaigns that start
one upgrade per unit of a model (bounded where they enter), and the upgrades' part of a unit's
history. What the diagram's elements do to an upgrade is in plugin.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.aftersales.archive import software
from app.aftersales.archive.models import EquipmentModel, EquipmentUnit, UnitSoftware
from app.aftersales.archive.service import UnitSection
from app.aftersales.policies import can_plan_software_campaign
from app.aftersales.rules.warranty import coverage
from app.bpm.case_facts import office_tz
from app.bpm.errors import Forbidden, FormRejected, NotFound
from app.bpm.forms.signature import NotASignature, clean_png
from app.bpm.instances import begin_instance, get_instance, visible_ids
from app.bpm.models import User, utcnow
from app.bpm.unit_of_work import transactional
from app.i18n import translate
from app.processes.software_maintenance.models import KINDS as KINDS
from app.processes.software_maintenance.models import SoftwareCampaign, SoftwareUpgrade

SOFTWARE_PROCESS = "software_maintenance"
DEFAULT_MAINTENANCE_YEARS = 2
MAX_CAMPAIGN_UNITS = 100  # a campaign's size, refused beyond it where it enters
MAX_CAMPAIGNS_LISTED = 100


def maintenance_end(unit: EquipmentUnit) -> date | None:
    """The last day of the unit's maintenance period (维护期, the contract's years from final
    acceptance; 2 without a contract); None before final acceptance."""
    years = unit.contract.maintenance_years if unit.contract else DEFAULT_MAINTENANCE_YEARS
    return coverage(unit.accepted_on, 0, years).maintenance_end


def in_maintenance(unit: EquipmentUnit, today: date) -> bool:
    end = maintenance_end(unit)
    return unit.accepted_on is not None and end is not None and unit.accepted_on <= today <= end


def outside_maintenance(unit: EquipmentUnit, today: date, locale: str) -> str | None:
    """Why the unit's software is not ours to maintain free today (None: it is)."""
    if unit.accepted_on is None:
        return translate("software_maintenance.error.not_accepted", locale, serial=unit.serial)
    if not in_maintenance(unit, today):
        end = maintenance_end(unit)
        return translate("software_maintenance.error.outside", locale, serial=unit.serial, end=str(end))
    return None


def today_in_office(now: datetime) -> date:
    return now.astimezone(office_tz()).date()


def upgrade_for_instance(session: Session, instance_id: int) -> SoftwareUpgrade | None:
    return session.scalars(select(SoftwareUpgrade).where(SoftwareUpgrade.instance_id == instance_id)).first()


def get_upgrade(session: Session, user: User, instance_id: int) -> SoftwareUpgrade:
    get_instance(session, user, instance_id)  # who may not see the instance gets 404
    upgrade = upgrade_for_instance(session, instance_id)
    if upgrade is None:
        raise NotFound("error.not_found")
    return upgrade


def unit_by_serial(session: Session, serial: str) -> EquipmentUnit | None:
    return session.scalars(select(EquipmentUnit).where(EquipmentUnit.serial == serial)).first()


def units_in_maintenance(session: Session, unit_id: int | None, today: date) -> list[EquipmentUnit]:
    """The unit named (started by a campaign or for a unit), or every accepted unit within its
    maintenance period, by serial."""
    query = select(EquipmentUnit).order_by(EquipmentUnit.serial)
    if unit_id is not None:
        return list(session.scalars(query.where(EquipmentUnit.id == unit_id)).unique())
    query = query.where(EquipmentUnit.accepted_on.is_not(None), EquipmentUnit.accepted_on <= today).limit(2000)
    return [u for u in session.scalars(query).unique() if in_maintenance(u, today)]


# -- campaigns ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignPlan:
    model_code: str
    software_name: str
    target_version: str
    kind: str
    note: str = ""


def _campaign_units(session: Session, model: EquipmentModel, name: str, today: date) -> list[EquipmentUnit]:
    """The model's units that run the software and are in their maintenance period."""
    query = (
        select(EquipmentUnit)
        .join(UnitSoftware, UnitSoftware.unit_id == EquipmentUnit.id)
        .where(
            EquipmentUnit.model_id == model.id,
            EquipmentUnit.accepted_on.is_not(None),
            UnitSoftware.name == name,
            UnitSoftware.replaced_at.is_(None),
        )
        .order_by(EquipmentUnit.serial)
    )
    return [u for u in session.scalars(query).unique() if in_maintenance(u, today)]


def _plan_errors(
    session: Session, plan: CampaignPlan, locale: str
) -> tuple[EquipmentModel | None, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    model = session.scalars(select(EquipmentModel).where(EquipmentModel.code == plan.model_code)).first()
    if model is None:
        errors["model"] = [translate("software_maintenance.error.model", locale)]
    for key, value, limit in (
        ("software_name", plan.software_name, software.NAME_MAX),
        ("target_version", plan.target_version, software.VERSION_MAX),
    ):
        if not value.strip():
            errors[key] = [translate("form.required", locale)]
        elif len(value) > limit:
            errors[key] = [translate("form.length", locale, min=1, max=limit)]
    if plan.kind not in KINDS:
        errors["kind"] = [translate("form.choice", locale)]
    if len(plan.note) > 2000:
        errors["note"] = [translate("form.length", locale, min=0, max=2000)]
    return model, errors


@transactional
def start_campaign(
    session: Session, user: User, plan: CampaignPlan, locale: str, now: datetime | None = None
) -> SoftwareCampaign:
    """One instance per unit of the model that runs the software in its maintenance period,
    each with the plan's software and target version; refused (nothing started) beyond
    MAX_CAMPAIGN_UNITS units, or when no unit qualifies."""
    if not can_plan_software_campaign(user):
        raise Forbidden("error.forbidden")
    now = now or utcnow()
    model, errors = _plan_errors(session, plan, locale)
    if errors or model is None:
        raise FormRejected(errors)
    of_model = (
        session.scalar(select(func.count()).select_from(EquipmentUnit).where(EquipmentUnit.model_id == model.id)) or 0
    )
    if of_model > MAX_CAMPAIGN_UNITS * 20:  # even the filtering is bounded
        raise FormRejected(
            {"model": [translate("software_maintenance.error.too_many", locale, n=of_model, max=MAX_CAMPAIGN_UNITS)]}
        )
    name, target = plan.software_name.strip(), plan.target_version.strip()
    units = [
        u for u in _campaign_units(session, model, name, today_in_office(now)) if _version(session, u, name) != target
    ]
    if not units:
        raise FormRejected({"software_name": [translate("software_maintenance.error.no_units", locale)]})
    if len(units) > MAX_CAMPAIGN_UNITS:
        message = translate("software_maintenance.error.too_many", locale, n=len(units), max=MAX_CAMPAIGN_UNITS)
        raise FormRejected({"model": [message]})
    campaign = SoftwareCampaign(
        model_id=model.id,
        software_name=name,
        target_version=target,
        kind=plan.kind,
        note=plan.note.strip() or None,
        created_by_id=user.id,
        created_at=now,
    )
    session.add(campaign)
    session.flush()
    for unit in units:
        data = {
            "unit_id": unit.id,
            "serial": unit.serial,
            "customer_id": unit.customer_id,
            "customer": unit.customer.name,
            "model": unit.model.name,
            "software_name": name,
            "target_version": target,
            "kind": plan.kind,
            "campaign_id": campaign.id,
        }
        instance = begin_instance(session, user, SOFTWARE_PROCESS, data, business_key=unit.serial, now=now)
        upgrade = SoftwareUpgrade(
            instance_id=instance.id,
            unit_id=unit.id,
            customer_id=unit.customer_id,
            campaign_id=campaign.id,
            software_name=name,
            kind=plan.kind,
            version_before=_version(session, unit, name),
            target_version=target,
            status="to_plan",
        )
        session.add(upgrade)
    session.commit()
    return campaign


def _version(session: Session, unit: EquipmentUnit, name: str) -> str | None:
    row = software.installed(session, unit.id, name)
    return row.version if row else None


def get_campaign(session: Session, user: User, campaign_id: int) -> SoftwareCampaign:
    campaign = session.get(SoftwareCampaign, campaign_id)
    if campaign is None:
        raise NotFound("error.not_found")
    return campaign


def list_campaigns(session: Session, user: User) -> list[SoftwareCampaign]:
    query = select(SoftwareCampaign).order_by(SoftwareCampaign.id.desc()).limit(MAX_CAMPAIGNS_LISTED)
    return list(session.scalars(query).unique())


def model_choices(session: Session) -> list[tuple[str, str]]:
    return [
        (m.code, f"{m.name} ({m.code})") for m in session.scalars(select(EquipmentModel).order_by(EquipmentModel.code))
    ]


# -- reading ---------------------------------------------------------------------------------


def _at(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def dump(upgrade: SoftwareUpgrade) -> dict[str, Any]:
    return {
        "process_instance_id": upgrade.instance_id,
        "unit_id": upgrade.unit_id,
        "serial": upgrade.unit.serial,
        "campaign_id": upgrade.campaign_id,
        "software_name": upgrade.software_name,
        "kind": upgrade.kind,
        "mode": upgrade.mode,
        "version_before": upgrade.version_before,
        "target_version": upgrade.target_version,
        "version_after": upgrade.version_after,
        "window": {"starts_at": _at(upgrade.window_starts_at), "ends_at": _at(upgrade.window_ends_at)},
        "agreed_with": upgrade.agreed_with,
        "engineer": upgrade.engineer.username if upgrade.engineer else None,
        "performed_at": _at(upgrade.performed_at),
        "test_passed": upgrade.test_passed,
        "test_notes": upgrade.test_notes,
        "rollback": {
            "at": _at(upgrade.rolled_back_at),
            "restored_version": upgrade.restored_version,
            "notes": upgrade.rollback_notes,
        }
        if upgrade.rolled_back_at
        else None,
        "signer_name": upgrade.signer_name,
        "signed_at": _at(upgrade.signed_at),
        "status": upgrade.status,
    }


def dump_campaign(campaign: SoftwareCampaign) -> dict[str, Any]:
    return {
        "id": campaign.id,
        "model": campaign.model.code,
        "software_name": campaign.software_name,
        "target_version": campaign.target_version,
        "kind": campaign.kind,
        "note": campaign.note,
        "created_at": _at(campaign.created_at),
        "created_by": campaign.created_by.username if campaign.created_by else None,
        "units": [
            {
                "unit_id": u.unit_id,
                "serial": u.unit.serial,
                "customer": u.unit.customer.name,
                "process_instance_id": u.instance_id,
                "version_before": u.version_before,
                "version_after": u.version_after,
                "status": u.status,
            }
            for u in campaign.upgrades
        ],
        "progress": {status: sum(1 for u in campaign.upgrades if u.status == status) for status in _statuses(campaign)},
    }


def _statuses(campaign: SoftwareCampaign) -> list[str]:
    return sorted({u.status for u in campaign.upgrades})


def signature_of(session: Session, user: User, instance_id: int) -> bytes | None:
    upgrade = get_upgrade(session, user, instance_id)
    if not upgrade.signature_png:
        return None
    try:
        return clean_png(upgrade.signature_png)
    except NotASignature:
        return None


def unit_section(session: Session, user: User, unit: EquipmentUnit) -> UnitSection:
    """The unit's upgrades the reader may see (the versions themselves are the archive's)."""
    query = (
        select(SoftwareUpgrade).where(SoftwareUpgrade.unit_id == unit.id).order_by(SoftwareUpgrade.id.desc()).limit(100)
    )
    found = list(session.scalars(query).unique())
    visible = visible_ids(session, user, [u.instance_id for u in found])
    rows = [u for u in found if u.instance_id in visible]
    return UnitSection(
        name=SOFTWARE_PROCESS,
        template="software_maintenance/_unit_section.html",
        values={"upgrades": rows},
        api={"software_upgrades": [dump(u) for u in rows]},
    )

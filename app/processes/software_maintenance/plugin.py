"""What the software maintenance diagram's elements do (bpmn/software_maintenance.bpmn): the
plan (a unit in its maintenance period, software it runs, a window agreed with the customer, an
engineer), the upgrade with its test, the rollback of a failed one (the unit's version stays),
and the customer's sign-off, which records the new version in the archive (the old one kept as
history). `REQUIRES` names every element these hooks rely on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.aftersales.archive import software
from app.bpm.case_facts import office_tz
from app.bpm.errors import FormRejected
from app.bpm.forms import signature as signature_png
from app.bpm.models import Group, User
from app.bpm.plugins import Choices, Fact, ProcessPlugin, StepContext, WorkContext
from app.i18n import translate
from app.processes.software_maintenance.models import SoftwareUpgrade
from app.processes.software_maintenance.service import (
    SOFTWARE_PROCESS,
    outside_maintenance,
    today_in_office,
    unit_by_serial,
    units_in_maintenance,
    upgrade_for_instance,
)

USER_TASK, END_EVENT = "userTask", "endEvent"
REQUIRES = {
    "start_upgrade": "startEvent",
    "plan_upgrade": USER_TASK,
    "perform_upgrade": USER_TASK,
    "roll_back": USER_TASK,
    "sign_off": USER_TASK,
    "end_rolled_back": END_EVENT,
    "end_upgraded": END_EVENT,
}
ENGINEERS = "engineers"


@dataclass(frozen=True)
class UpgradeStep(StepContext):
    """The platform's context with the instance's upgrade (None until it is planned, unless a
    campaign started it)."""

    upgrade: SoftwareUpgrade | None = None

    @property
    def the_upgrade(self) -> SoftwareUpgrade:
        assert self.upgrade is not None  # hooks after planning only
        return self.upgrade


def upgrade_case(ctx: StepContext) -> UpgradeStep:
    return UpgradeStep.extend(ctx, upgrade=upgrade_for_instance(ctx.session, ctx.instance.id))


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _instant(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _text(step: StepContext, key: str, limit: int) -> str:
    return str(step.data.get(key) or "").strip()[:limit]


def _engineers(step: StepContext) -> list[User]:
    query = select(User).join(User.groups).where(Group.id == ENGINEERS, User.active).order_by(User.username)
    return list(step.session.scalars(query))


def plan_choices(step: UpgradeStep) -> Choices:
    known = _int(step.instance.data.get("unit_id"))
    units = units_in_maintenance(step.session, known, today_in_office(step.now))
    return {
        "unit": [(u.serial, f"{u.serial} · {u.model.name} · {u.customer.name}") for u in units],
        "engineer": [(u.username, u.display_name or u.username) for u in _engineers(step)],
    }


def preset_plan(step: UpgradeStep) -> None:
    """Started by a campaign (or for a unit): the plan's form shows its unit and software."""
    known = _int(step.instance.data.get("unit_id"))
    if known is not None and not step.data.get("unit"):
        found = units_in_maintenance(step.session, known, today_in_office(step.now))
        if found:
            step.data["unit"] = found[0].serial


def _plan_errors(step: UpgradeStep) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    starts, ends = _instant(step.data.get("window_start")), _instant(step.data.get("window_end"))
    if starts is not None and ends is not None and ends <= starts:
        errors["window_end"] = [translate("software_maintenance.error.window", step.locale)]
    if step.data.get("engineer") not in {u.username for u in _engineers(step)}:
        errors["engineer"] = [translate("error.not_an_engineer", step.locale)]
    return errors


def check_plan(step: UpgradeStep) -> None:
    """A unit in its maintenance period (outside it the refusal says until when it ran), the
    software it runs, a target version other than the one installed, a window that ends after it
    starts, and an engineer. The upgrade records the version installed now."""
    errors = _plan_errors(step)
    serial = str(step.data.get("unit") or "")
    unit = unit_by_serial(step.session, serial) if serial else None
    known = _int(step.instance.data.get("unit_id"))
    if unit is None or (known is not None and unit.id != known):
        errors["unit"] = [translate("software_maintenance.error.unit", step.locale)]
    elif (why := outside_maintenance(unit, today_in_office(step.now), step.locale)) is not None:
        errors["unit"] = [why]
    name = _text(step, "software_name", software.NAME_MAX)
    target = _text(step, "target_version", software.VERSION_MAX)
    installed = software.installed(step.session, unit.id, name) if unit is not None and name else None
    if unit is not None and "unit" not in errors and installed is None:
        names = "、".join(s.name for s in software.current_software(step.session, unit.id)) or "—"
        errors["software_name"] = [translate("software_maintenance.error.software", step.locale, names=names)]
    if installed is not None and installed.version == target:
        errors["target_version"] = [translate("software_maintenance.error.same_version", step.locale)]
    if errors or unit is None or installed is None:
        raise FormRejected(errors)
    upgrade = step.upgrade or SoftwareUpgrade(
        instance_id=step.instance.id, unit_id=unit.id, customer_id=unit.customer_id
    )
    upgrade.unit_id, upgrade.customer_id = unit.id, unit.customer_id
    upgrade.unit = unit
    upgrade.software_name, upgrade.target_version = name, target
    upgrade.version_before = installed.version
    upgrade.kind = str(step.data.get("kind") or "upgrade")
    upgrade.mode = str(step.data.get("mode") or "on_site")
    upgrade.window_starts_at = _instant(step.data.get("window_start"))
    upgrade.window_ends_at = _instant(step.data.get("window_end"))
    upgrade.agreed_with = _text(step, "agreed_with", 100) or None
    engineer = next(u for u in _engineers(step) if u.username == step.data.get("engineer"))
    upgrade.engineer_id, upgrade.engineer = engineer.id, engineer
    upgrade.status = "planned"
    step.session.add(upgrade)
    step.data.update(
        unit=unit.serial,
        unit_id=unit.id,
        customer_id=unit.customer_id,
        serial=unit.serial,
        customer=unit.customer.name,
        model=unit.model.name,
        version_before=installed.version,
    )


def check_performed(step: UpgradeStep) -> None:
    """The upgrade done and tested: a passed test names the version now running; a failed one
    goes to be rolled back."""
    upgrade = step.the_upgrade
    passed = bool(step.data.get("test_passed"))
    after = _text(step, "version_after", software.VERSION_MAX)
    if passed and not after:
        raise FormRejected({"version_after": [translate("form.required", step.locale)]})
    upgrade.performed_at = _instant(step.data.get("performed_at")) or step.now
    upgrade.test_passed = passed
    upgrade.test_notes = _text(step, "test_notes", 4000) or None
    upgrade.version_after = after or None
    upgrade.status = "tested" if passed else "failed"
    step.data["test_passed"] = passed


def record_rollback(step: UpgradeStep) -> None:
    """A failed upgrade rolled back: recorded with the version restored; the unit's recorded
    version does not change."""
    upgrade = step.the_upgrade
    restored = _text(step, "restored_version", software.VERSION_MAX) or upgrade.version_before
    upgrade.rolled_back_at = _instant(step.data.get("rolled_back_at")) or step.now
    upgrade.restored_version = restored
    upgrade.rollback_notes = _text(step, "rollback_notes", 4000) or None
    upgrade.version_after = None
    upgrade.status = "rolled_back"


def take_sign_off(step: UpgradeStep) -> None:
    """The customer's signature (the drawing onto the upgrade, not into the state); then the
    unit's recorded version changes, the one before kept as history."""
    upgrade = step.the_upgrade
    drawing = signature_png.decode_data_url(step.data.get("customer_signature"))
    if drawing is None:
        raise FormRejected({"customer_signature": [translate("error.signature_required", step.locale)]})
    upgrade.signature_png = drawing
    upgrade.signer_name = _text(step, "signer_name", 100)
    upgrade.customer_opinion = _text(step, "customer_opinion", 2000) or None
    upgrade.signed_at = step.now
    version = upgrade.version_after or upgrade.target_version
    installed_on = (upgrade.performed_at or step.now).astimezone(office_tz()).date()
    software.record_version(
        step.session, upgrade.unit_id, upgrade.software_name, version, installed_on, step.instance.id, step.now
    )
    upgrade.status = "upgraded"
    step.data["customer_signature"] = f"software_upgrades/{upgrade.id}"


def work_context(step: UpgradeStep) -> WorkContext | None:
    upgrade = step.upgrade
    if upgrade is None:
        return None
    unit = upgrade.unit
    label = translate("software_maintenance.case", step.locale, serial=unit.serial, name=upgrade.software_name)
    window = ""
    if upgrade.window_starts_at and upgrade.window_ends_at:
        tz = office_tz()
        window = (
            f"{upgrade.window_starts_at.astimezone(tz):%Y-%m-%d %H:%M} – {upgrade.window_ends_at.astimezone(tz):%H:%M}"
        )
    facts = [
        (translate("sr.unit", step.locale), f"{unit.model.name} · {unit.serial}"),
        (translate("software_maintenance.software", step.locale), upgrade.software_name),
        (translate("software_maintenance.version_before", step.locale), upgrade.version_before or ""),
        (translate("software_maintenance.target_version", step.locale), upgrade.target_version),
        (translate("software_maintenance.version_after", step.locale), upgrade.version_after or ""),
        (translate("software_maintenance.window", step.locale), window),
        (translate("software_maintenance.agreed_with", step.locale), upgrade.agreed_with or ""),
        (
            translate("software_maintenance.mode", step.locale),
            translate(f"software_maintenance.mode.{upgrade.mode}", step.locale) if upgrade.mode else "",
        ),
        (translate("software_maintenance.test_notes", step.locale), upgrade.test_notes or ""),
        (
            translate("software_maintenance.status", step.locale),
            translate(f"software_maintenance.status.{upgrade.status}", step.locale),
        ),
    ]
    return WorkContext(
        label,
        endpoint="software_maintenance.campaign_page" if upgrade.campaign_id else None,
        args={"campaign_id": upgrade.campaign_id} if upgrade.campaign_id else {},
        facts=tuple(Fact(k, v) for k, v in facts if v),
    )


def row_label(data: Mapping[str, Any]) -> str:
    return " · ".join(str(data[key]) for key in ("serial", "software_name", "target_version") if data.get(key))


DATA_LABELS = {
    "unit_id": "software_maintenance.unit",
    "customer_id": "software_maintenance.customer",
    "campaign_id": "software_maintenance.campaign",
    "serial": "software_maintenance.unit",
    "customer": "software_maintenance.customer",
    "model": "software_maintenance.model",
    "version_before": "software_maintenance.version_before",
}


def software_plugin() -> ProcessPlugin[UpgradeStep]:
    return ProcessPlugin(
        process_id=SOFTWARE_PROCESS,
        requires=REQUIRES,
        case=upgrade_case,
        work_context=work_context,
        row_label=row_label,
        data_labels=DATA_LABELS,
        choices={"plan_upgrade": plan_choices},
        before_complete={
            "plan_upgrade": check_plan,
            "perform_upgrade": check_performed,
            "roll_back": record_rollback,
            "sign_off": take_sign_off,
        },
        after_passing={"start_upgrade": preset_plan},
    )

"""The software each unit keeps (维护期内软件维护、应用软件升级): the versions installed now, the
history of versions, a new version recorded by an upgrade, and the unit page's section (also
`software: [{name, version, installed_on}]` in `GET /equipment/<id>`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.aftersales.archive.models import EquipmentUnit, UnitSoftware
from app.aftersales.archive.service import UnitSection
from app.bpm.models import User
from app.i18n import translate

MAX_SOFTWARE_PER_UNIT = 50  # a unit's software list, bounded where it enters (POST /equipment)
MAX_HISTORY = 200
NAME_MAX, VERSION_MAX = 100, 60


def current_software(session: Session, unit_id: int) -> list[UnitSoftware]:
    """What is installed on the unit now, by name."""
    query = (
        select(UnitSoftware)
        .where(UnitSoftware.unit_id == unit_id, UnitSoftware.replaced_at.is_(None))
        .order_by(UnitSoftware.name, UnitSoftware.id)
        .limit(MAX_SOFTWARE_PER_UNIT)
    )
    return list(session.scalars(query))


def installed(session: Session, unit_id: int, name: str) -> UnitSoftware | None:
    return session.scalars(
        select(UnitSoftware).where(
            UnitSoftware.unit_id == unit_id, UnitSoftware.name == name, UnitSoftware.replaced_at.is_(None)
        )
    ).first()


def software_history(session: Session, unit_id: int) -> list[UnitSoftware]:
    """Every version the unit has had, newest first."""
    query = (
        select(UnitSoftware)
        .where(UnitSoftware.unit_id == unit_id)
        .order_by(UnitSoftware.name, UnitSoftware.id.desc())
        .limit(MAX_HISTORY)
    )
    return list(session.scalars(query))


def entry_errors(entries: list[Mapping[str, Any]], locale: str) -> dict[str, list[str]]:
    """A new unit's software list checked where it enters: at most MAX_SOFTWARE_PER_UNIT entries,
    each with a name and a version of bounded length; errors per entry (`software.0.name`)."""
    if len(entries) > MAX_SOFTWARE_PER_UNIT:
        return {"software": [translate("software.too_many", locale, max=MAX_SOFTWARE_PER_UNIT)]}
    errors: dict[str, list[str]] = {}
    for index, entry in enumerate(entries):
        for key, limit in (("name", NAME_MAX), ("version", VERSION_MAX)):
            text = str(entry.get(key) or "").strip()
            if not text:
                errors[f"software.{index}.{key}"] = [translate("form.required", locale)]
            elif len(text) > limit:
                errors[f"software.{index}.{key}"] = [translate("form.length", locale, min=1, max=limit)]
    return errors


def add_initial(session: Session, unit_id: int, entries: Iterable[Mapping[str, Any]]) -> None:
    """The software a unit was delivered with (POST /equipment's `software`), already checked at
    the edge; one row per name (a name given twice keeps its last version)."""
    by_name: dict[str, Mapping[str, Any]] = {}
    for entry in list(entries)[:MAX_SOFTWARE_PER_UNIT]:
        by_name[str(entry["name"]).strip()[:NAME_MAX]] = entry
    for name, entry in by_name.items():
        on = entry.get("installed_on")
        session.add(
            UnitSoftware(
                unit_id=unit_id,
                name=name,
                version=str(entry["version"]).strip()[:VERSION_MAX],
                installed_on=on if isinstance(on, date) else None,
            )
        )


def record_version(
    session: Session, unit_id: int, name: str, version: str, installed_on: date, instance_id: int | None, now: datetime
) -> UnitSoftware:
    """An upgrade that passed its test: the version installed now is replaced (kept as history)
    and the new one recorded, in the caller's transaction."""
    before = installed(session, unit_id, name)
    if before is not None:
        before.replaced_at = now
    row = UnitSoftware(
        unit_id=unit_id,
        name=name[:NAME_MAX],
        version=version[:VERSION_MAX],
        installed_on=installed_on,
        recorded_at=now,
        instance_id=instance_id,
    )
    session.add(row)
    session.flush()
    return row


def dump(row: UnitSoftware) -> dict[str, Any]:
    return {
        "name": row.name,
        "version": row.version,
        "installed_on": row.installed_on.isoformat() if row.installed_on else None,
    }


def software_section(session: Session, user: User, unit: EquipmentUnit) -> UnitSection:
    """The unit page's software: what is installed now, and the versions it replaced."""
    history = software_history(session, unit.id)
    current = [r for r in history if r.replaced_at is None]
    return UnitSection(
        name="software",
        template="archive/_software_section.html",
        values={"current": current, "replaced": [r for r in history if r.replaced_at is not None]},
        api={"software": [dump(r) for r in current]},
    )

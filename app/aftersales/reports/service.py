"""The report use cases: who may read them, the figures, the dashboard's sections and the
monthly management pack (generated, versioned, approved, archived)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, undefer

from app.aftersales.policies import can_approve_monthly_pack, can_generate_monthly_pack, can_read_reports
from app.aftersales.reports import warranty
from app.aftersales.reports.complaints import complaint_figures, figures_json, last_month, month_period
from app.aftersales.reports.models import MonthlyPack
from app.aftersales.reports.own_sections import complaint_cases, unit_table
from app.aftersales.reports.sections import REPORT_SECTIONS, ReportSection, ReportSectionFigures, ReportTable
from app.aftersales.rules.sla import is_working_day
from app.bpm.case_facts import office_tz
from app.bpm.errors import Conflict, Forbidden, NotFound
from app.bpm.models import Group, User, utcnow
from app.bpm.modules import contributions
from app.bpm.policies import AUDITORS
from app.bpm.unit_of_work import transactional
from app.bpm.web.pdf import page_counter, render_pdf
from app.i18n import translate

PACK_LOCALE = "zh_CN"  # management reads the pack in Chinese
PACK_LIST_LIMIT = 240  # versions listed on the packs page (twenty years of monthly packs)


def require_reader(user: User) -> None:
    if not can_read_reports(user):
        raise Forbidden("error.forbidden")


def complaints_json(session: Session, user: User, start: date, end: date) -> dict[str, Any]:
    require_reader(user)
    return figures_json(complaint_figures(session, start, end))


def warranty_json(session: Session, user: User, on: date) -> dict[str, Any]:
    require_reader(user)
    return warranty.figures_json(warranty.warranty_figures(session, on))


def installed_sections(sections: Sequence[ReportSection] | None = None) -> list[ReportSection]:
    found: Sequence[ReportSection] = contributions(REPORT_SECTIONS) if sections is None else sections
    return sorted(found, key=lambda s: (s.order, s.key))


def dashboard(
    session: Session,
    user: User,
    start: date,
    end: date,
    locale: str,
    sections: Sequence[ReportSection] | None = None,
) -> list[ReportSectionFigures]:
    """Every contributed section for the office dates `start`..`end`, in their order."""
    require_reader(user)
    return [s.build(session, user, start, end, locale) for s in installed_sections(sections)]


def section_table(
    session: Session, user: User, section: str, table: str, start: date, end: date, locale: str
) -> tuple[ReportSectionFigures, ReportTable]:
    """One table of one section (an export)."""
    require_reader(user)
    for contributed in installed_sections():
        if contributed.key == section:
            built = contributed.build(session, user, start, end, locale)
            for found in built.tables:
                if found.key == table:
                    return built, found
    raise NotFound("error.not_found")


def complaint_case_list(
    session: Session, user: User, start: date, end: date, where: dict[str, str], locale: str
) -> ReportTable:
    require_reader(user)
    return complaint_cases(complaint_figures(session, start, end), where, locale)


def warranty_unit_list(session: Session, user: User, on: date, status: str, locale: str) -> tuple[ReportTable, int]:
    require_reader(user)
    if status not in warranty.STATUSES:
        raise NotFound("error.not_found")
    units, total = warranty.units_with(session, on, status)
    title = translate(f"reports.warranty.{status}", locale) + f" ({on.isoformat()})"
    return unit_table("units", title, units, on, locale), total


# -- the monthly management pack ------------------------------------------------------------


def _pack_reader(session: Session) -> User:
    """The reader the pack's sections are built for: whoever asks, the pack is the same, with
    everything management reads (an auditor's view); a user object never stored."""
    reader = User(username="monthly-pack", display_name="monthly-pack", password_hash="!")  # noqa: S106 - no password: never stored, never logs in
    auditors = session.get(Group, AUDITORS)
    reader.groups = [auditors] if auditors is not None else []
    return reader


def _table_json(table: ReportTable) -> dict[str, Any]:
    return {
        "key": table.key,
        "title": table.title,
        "columns": list(table.columns),
        "rows": [list(r) for r in table.rows],
    }


def pack_content(session: Session, month: str, sections: Sequence[ReportSection] | None = None) -> dict[str, Any]:
    start, end = month_period(month)
    reader = _pack_reader(session)
    built = [s.build(session, reader, start, end, PACK_LOCALE) for s in installed_sections(sections)]
    return {
        "month": month,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "sections": [
            {"key": b.key, "title": b.title, "figures": b.figures, "tables": [_table_json(t) for t in b.tables]}
            for b in built
        ],
    }


def _local_time(value: datetime | None) -> str:
    return value.astimezone(office_tz()).strftime("%Y-%m-%d %H:%M") if value else ""


def pack_pdf(pack: MonthlyPack) -> bytes:
    """The pack's PDF from its stored content (the same numbers whenever it is drawn), with its
    version and, once issued, who approved it and when."""
    locale = PACK_LOCALE
    html = current_app.jinja_env.get_template("reports/pack_print.html").render(
        _=lambda key, **params: translate(key, locale, **params),
        locale=locale,
        pack=pack,
        content=pack.content,
        company=current_app.config["SHOUHOU"].company_name,
        page_numbers=page_counter(translate("print.page_of", locale)),
        local_time=_local_time,
    )
    return render_pdf(html)


def _office_today(now: datetime) -> date:
    return now.astimezone(office_tz()).date()


def _latest_version(session: Session, month: str) -> int:
    return session.scalar(select(func.max(MonthlyPack.version)).where(MonthlyPack.month == month)) or 0


@transactional
def generate_pack(
    session: Session,
    user: User | None,
    month: str,
    now: datetime | None = None,
    sections: Sequence[ReportSection] | None = None,
) -> MonthlyPack:
    """The next version of `month`'s pack from today's data (`user` None: the worker). Earlier
    versions are never touched."""
    if user is not None and not can_generate_monthly_pack(user):
        raise Forbidden("error.forbidden")
    now = now or utcnow()
    _start, end = month_period(month)
    if end >= _office_today(now):
        raise Conflict("reports.error.not_over")
    pack = MonthlyPack(
        month=month,
        version=_latest_version(session, month) + 1,
        content=pack_content(session, month, sections),
        generated_at=now,
        generated_by=user,
    )
    pack.pdf = pack_pdf(pack)
    session.add(pack)
    session.commit()
    return pack


def first_working_day(month_start: date) -> date:
    day = month_start
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def monthly_pass(session: Session, now: datetime) -> str | None:
    """The worker's pass: from the first working day of a month (office calendar, holidays
    and make-up days), last month's pack is generated once, if it has none yet."""
    today = _office_today(now)
    if today < first_working_day(today.replace(day=1)):
        session.commit()
        return None
    month = last_month(today)
    if _latest_version(session, month):
        session.commit()
        return None
    try:
        pack = generate_pack(session, None, month, now)
    except IntegrityError:  # another worker's pass stored it first (the month and version are unique)
        session.rollback()
        return None
    return f"monthly pack {pack.month} v{pack.version} generated"


def list_packs(session: Session, user: User) -> list[MonthlyPack]:
    require_reader(user)
    return list(
        session.scalars(
            select(MonthlyPack).order_by(MonthlyPack.month.desc(), MonthlyPack.version.desc()).limit(PACK_LIST_LIMIT)
        )
    )


def get_pack(
    session: Session, user: User, month: str, version: int | None = None, with_pdf: bool = False
) -> MonthlyPack:
    """A version of `month`'s pack (the latest when `version` is None)."""
    require_reader(user)
    query = select(MonthlyPack).where(MonthlyPack.month == month)
    query = query.where(MonthlyPack.version == version) if version is not None else query
    if with_pdf:
        query = query.options(undefer(MonthlyPack.pdf))
    found = session.scalars(query.order_by(MonthlyPack.version.desc()).limit(1)).first()
    if found is None:
        raise NotFound("reports.error.no_pack")
    return found


def pack_versions(session: Session, user: User, month: str) -> list[MonthlyPack]:
    require_reader(user)
    return list(
        session.scalars(select(MonthlyPack).where(MonthlyPack.month == month).order_by(MonthlyPack.version.desc()))
    )


def may_approve(user: User, pack: MonthlyPack) -> bool:
    return not pack.issued and can_approve_monthly_pack(user, pack.generated_by_id)


@transactional
def approve_pack(session: Session, user: User, month: str, version: int, now: datetime | None = None) -> MonthlyPack:
    """Issue one version: recorded with who and when, and its PDF drawn once more from the same
    stored content with the approval on it. An issued version never changes again."""
    pack = get_pack(session, user, month, version, with_pdf=True)
    if pack.issued:
        raise Conflict("reports.error.issued")
    if not can_approve_monthly_pack(user, pack.generated_by_id):
        raise Forbidden("reports.error.approver")
    pack.approved_at, pack.approved_by = now or utcnow(), user
    pack.pdf = pack_pdf(pack)
    session.commit()
    return pack


def pack_json(pack: MonthlyPack) -> dict[str, Any]:
    return {
        "month": pack.month,
        "version": pack.version,
        "status": "issued" if pack.issued else "draft",
        "generated_at": pack.generated_at.isoformat(),
        "generated_by": pack.generated_by.username if pack.generated_by else None,
        "approved_at": pack.approved_at.isoformat() if pack.approved_at else None,
        "approved_by": pack.approved_by.username if pack.approved_by else None,
        "from": pack.content.get("from"),
        "to": pack.content.get("to"),
        "sections": pack.content.get("sections", []),
    }

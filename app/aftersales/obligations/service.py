"""The recurring promises kept (R21, R27, R28, R19, R20, R16): enrolment of the bound subjects,
the calendar pass that opens each period once and escalates the overdue ones, and the evidence
that meets them.

An obligation is a coverage promise, not a recurrence: any completed instance of a process its
kind names meets the period that holds the day it completed, whatever started it (an
inspection the customer asked for counts like one the calendar opened). The pass is safe to run
in several workers at once: obligations and periods are claimed with `FOR UPDATE SKIP LOCKED`
on PostgreSQL, each batch in a transaction of its own, and a period is unique per obligation and
start day, so each is opened exactly once."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, or_, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.aftersales.archive.models import Contract, Customer, EquipmentModel, EquipmentUnit
from app.aftersales.archive.service import UnitSection
from app.aftersales.obligations.models import PERIOD_STATUSES as PERIOD_STATUSES
from app.aftersales.obligations.models import Obligation, ObligationKind, ObligationPeriod
from app.aftersales.policies import can_edit_obligation_rules, can_read_obligations
from app.aftersales.rules.recurrence import DEFAULT_RULES, Every, ObligationRule, Period, RuleError
from app.aftersales.rules.warranty import add_years
from app.bpm.audit import record
from app.bpm.case_facts import office_tz
from app.bpm.errors import Forbidden, FormRejected, NotFound, ServiceError
from app.bpm.instances import begin_instance
from app.bpm.models import ProcessInstance, User, utcnow
from app.bpm.plugins import StepContext
from app.bpm.unit_of_work import transactional
from app.i18n import DEFAULT_LOCALE, MESSAGES, translate

log = logging.getLogger(__name__)

ESCALATION_PROCESS = "obligation_overdue"
ORGANISATION = "organisation"
BATCH = 500
ENROL_BATCH = 2000
MAX_BATCHES = 1000  # a pass's bound: 500,000 obligations opened or escalated at most


# -- the kinds -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    code: str
    rule: ObligationRule


def ensure_kinds(session: Session) -> None:
    """Store the seed's kinds that are not stored yet (a stored rule is never overwritten)."""
    known = set(session.scalars(select(ObligationKind.code)))
    for code, rule in DEFAULT_RULES.items():
        if code not in known:
            session.add(ObligationKind(code=code, rule=rule, active=True))
    session.flush()


def active_kinds(session: Session) -> list[Kind]:
    """The active kinds whose stored rule is usable; a broken rule is logged and skipped (its
    obligations wait), never a failed pass for every other kind."""
    found = []
    for row in session.scalars(select(ObligationKind).where(ObligationKind.active).order_by(ObligationKind.code)):
        try:
            found.append(Kind(row.code, ObligationRule.from_data(row.rule, row.code)))
        except RuleError as err:
            log.error("obligation kind %s has an unusable rule: %s", row.code, err)
    return found


# -- enrolment -------------------------------------------------------------------------------


def _every(kind: Kind, contract: Contract | None) -> Every:
    term = getattr(contract, kind.rule.every_from_contract, None) if kind.rule.every_from_contract else None
    if term:
        try:
            return Every.parse(term, f"{kind.code}: contract {contract.number if contract else ''}")
        except RuleError as err:
            log.warning("%s; the kind's own period is used", err)
    return kind.rule.every


def _start(kind: Kind, anchor: date, every: Every, today: date) -> date:
    """The first period to open: the one holding today (earlier ones are not opened afresh;
    a window `once` opens its one period, late or not)."""
    if kind.rule.window in ("rolling", "once") or anchor >= today:
        return anchor
    return every.start_holding(anchor, today) or anchor


def _schedule(kind: Kind, obligation: Obligation, starts_on: date | None) -> None:
    """The next period starts (and is written) on `starts_on` (None: nothing more to open)."""
    obligation.next_starts_on = starts_on
    obligation.next_opens_on = None
    if starts_on is None or (obligation.window_ends_on is not None and starts_on >= obligation.window_ends_on):
        obligation.next_starts_on = None
        return
    obligation.next_opens_on = starts_on


def _new_obligation(
    kind: Kind,
    subject_key: str,
    customer_id: int | None,
    unit_id: int | None,
    anchor: date,
    every: Every,
    window_ends_on: date | None,
    today: date,
) -> Obligation:
    obligation = Obligation(
        kind=kind.code,
        subject_key=subject_key,
        customer_id=customer_id,
        unit_id=unit_id,
        anchor_on=anchor,
        every=every.iso(),
        window_ends_on=window_ends_on,
    )
    _schedule(kind, obligation, _start(kind, anchor, every, today))
    return obligation


def _unit_window(kind: Kind, unit: EquipmentUnit) -> date | None:
    assert unit.accepted_on is not None
    contract = unit.contract
    if kind.rule.applies_to == "maintenance":
        return add_years(unit.accepted_on, contract.maintenance_years if contract else 2)
    return add_years(unit.accepted_on, contract.warranty_years if contract else 2)


def _unit_anchor(kind: Kind, unit: EquipmentUnit) -> date:
    """The unit's series starts at its acceptance; a window `once` at its one period's start."""
    assert unit.accepted_on is not None
    window = _unit_window(kind, unit)
    if kind.rule.window == "once" and window is not None:
        return kind.rule.once_starts(window)
    return unit.accepted_on


def enrol(session: Session, today: date) -> int:
    """Bind every subject a kind applies to and that is not bound yet: accepted units (in their
    maintenance period or warranty), customers, key customers, the organisation. Set-based
    (one query finds the unbound), a batch at a time; returns the obligations added."""
    added = 0
    for kind in active_kinds(session):
        for _ in range(MAX_BATCHES):
            batch = _unbound(session, kind, today)
            if not batch:
                break
            savepoint = session.begin_nested()
            try:
                session.add_all(batch)
                session.flush()
            except IntegrityError:  # another worker is binding the same subjects: its pass will
                savepoint.rollback()  # have them; this one goes on with the next kind
                break
            savepoint.commit()
            added += len(batch)
            if len(batch) < ENROL_BATCH:
                break
    return added


def _unbound(session: Session, kind: Kind, today: date) -> list[Obligation]:
    bound = exists().where(Obligation.kind == kind.code)
    applies = kind.rule.applies_to
    if kind.rule.subject == "unit":
        units = session.scalars(
            select(EquipmentUnit)
            .where(EquipmentUnit.accepted_on.is_not(None), ~bound.where(Obligation.unit_id == EquipmentUnit.id))
            .order_by(EquipmentUnit.id)
            .limit(ENROL_BATCH)
        )
        return [
            _new_obligation(
                kind,
                f"unit:{u.id}",
                u.customer_id,
                u.id,
                _unit_anchor(kind, u),
                _every(kind, u.contract),
                _unit_window(kind, u),
                today,
            )
            for u in units
            if u.accepted_on is not None
        ]
    if kind.rule.subject == "customer":
        query = select(Customer.id).where(~bound.where(Obligation.customer_id == Customer.id))
        if applies == "key_customers":
            query = query.where(Customer.is_key)
        ids = session.scalars(query.order_by(Customer.id).limit(ENROL_BATCH))
        anchor = today if kind.rule.window == "rolling" else date(today.year, 1, 1)
        return [
            _new_obligation(kind, f"customer:{cid}", cid, None, anchor, kind.rule.every, None, today) for cid in ids
        ]
    if session.scalar(select(func.count()).select_from(Obligation).where(Obligation.kind == kind.code)):
        return []
    anchor = date(today.year, today.month, 1)
    return [_new_obligation(kind, ORGANISATION, None, None, anchor, kind.rule.every, None, today)]


# -- the calendar pass -------------------------------------------------------------------------


@dataclass
class PassReport:
    enrolled: int = 0
    opened: int = 0
    started: int = 0
    met_on_opening: int = 0
    overdue: int = 0
    failed: int = 0

    def line(self) -> str | None:
        if not any((self.enrolled, self.opened, self.overdue, self.failed)):
            return None
        return (
            f"{self.enrolled} bound, {self.opened} periods opened ({self.started} processes started, "
            f"{self.met_on_opening} already met), {self.overdue} overdue escalated, {self.failed} failed"
        )


def calendar_pass(session: Session, now: datetime) -> str | None:
    """The worker's pass (and `timers fire-due --now`): bind, open what is due today, escalate
    what is overdue; each batch its own transaction."""
    report = run_pass(session, now)
    return report.line()


def run_pass(session: Session, now: datetime, batch: int = BATCH) -> PassReport:
    report = PassReport()
    tz = office_tz()
    today = now.astimezone(tz).date()
    ensure_kinds(session)
    report.enrolled = enrol(session, today)
    session.commit()
    kinds = {k.code: k for k in active_kinds(session)}
    session.commit()
    for _ in range(MAX_BATCHES):
        claimed = _claim_due_obligations(session, today, list(kinds), batch)
        if not claimed:
            session.commit()
            break
        _open_batch(session, kinds, claimed, now, report)
        session.commit()
    for _ in range(MAX_BATCHES):
        waiting = _claim_work(session, today, list(kinds), batch)
        if not waiting:
            session.commit()
            break
        subjects = _subjects(session, [o for _, o in waiting])
        for period, obligation in waiting:
            _start_work(session, kinds[obligation.kind], subjects[obligation.id], period, today, now, report)
        session.commit()
    for _ in range(MAX_BATCHES):
        periods = _claim_overdue_periods(session, now, batch)
        if not periods:
            session.commit()
            break
        subjects = _subjects(session, [o for _, o in periods])
        for period, obligation in periods:
            kind = kinds.get(obligation.kind)
            if kind is not None:
                _escalate(session, kind, subjects[obligation.id], period, now, report)
        session.commit()
    return report


def _claim_due_obligations(session: Session, today: date, kinds: Sequence[str], batch: int) -> list[Obligation]:
    query = (
        select(Obligation)
        .where(Obligation.next_opens_on <= today, Obligation.kind.in_(kinds))
        .order_by(Obligation.next_opens_on, Obligation.id)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(query))


def _claim_work(
    session: Session, today: date, kinds: Sequence[str], batch: int
) -> list[tuple[ObligationPeriod, Obligation]]:
    """Periods whose process is to be started by today, not started yet, still unmet."""
    query = (
        select(ObligationPeriod, Obligation)
        .join(Obligation, Obligation.id == ObligationPeriod.obligation_id)
        .where(
            ObligationPeriod.work_started.is_(False),
            ObligationPeriod.work_on <= today,
            ObligationPeriod.status != "met",
            Obligation.kind.in_(kinds),
        )
        .order_by(ObligationPeriod.work_on, ObligationPeriod.id)
        .limit(batch)
        .with_for_update(of=ObligationPeriod, skip_locked=True)
    )
    return [(p, o) for p, o in session.execute(query)]


def _due_at(day: date, tz: ZoneInfo) -> datetime:
    """The end of the office's day `day` (the first instant of the next)."""
    return datetime.combine(day + timedelta(days=1), time(0), tz)


def _open_batch(
    session: Session, kinds: dict[str, Kind], claimed: Sequence[Obligation], now: datetime, report: PassReport
) -> None:
    """Write the claimed obligations' next periods at once (the claim's row locks keep every
    other worker off these obligations, and the period's uniqueness per start day is the
    database's last word); their processes are started on their `work_on` day."""
    tz = office_tz()
    opened: list[tuple[Kind, Obligation, ObligationPeriod, Period]] = []
    for obligation in claimed:
        kind = kinds[obligation.kind]
        starts_on = obligation.next_starts_on
        if starts_on is None:
            obligation.next_opens_on = None
            continue
        every = Every.parse(obligation.every, kind.code)
        anchor = starts_on if kind.rule.window == "rolling" else obligation.anchor_on
        period = kind.rule.period(anchor, starts_on, every, obligation.window_ends_on)
        met = _met_within(kind, obligation.last_met_on, period)
        row = ObligationPeriod(
            obligation_id=obligation.id,
            starts_on=period.starts_on,
            ends_on=period.ends_on,
            due_on=period.due_on,
            due_at=_due_at(period.due_on, tz),
            status="met" if met else "due",
            work_on=kind.rule.opens_on(period),
            work_started=met or kind.rule.opens is None,
            opened_at=now,
            met_at=now if met else None,
            met_instance_id=obligation.last_met_instance_id if met else None,
        )
        opened.append((kind, obligation, row, period))
    session.add_all([row for _, _, row, _ in opened])
    session.flush()
    for kind, obligation, row, period in opened:
        obligation.current_period_id = row.id
        report.opened += 1
        report.met_on_opening += int(row.status == "met")
        _advance(kind, obligation, period)


def _met_within(kind: Kind, last_met_on: date | None, period: Period) -> bool:
    """Whether evidence already meets the period as it opens: completed on or after its start
    (a rolling period starts on the day the last one was met: only a later day counts)."""
    if last_met_on is None:
        return False
    if kind.rule.window == "once":  # one promise: met whenever it was kept
        return True
    return last_met_on > period.starts_on if kind.rule.window == "rolling" else last_met_on >= period.starts_on


def _advance(kind: Kind, obligation: Obligation, period: Period) -> None:
    """Schedule the next period: the series' next one (fixed), or none until this one is met
    (rolling: the next starts on the day it was met)."""
    if kind.rule.window in ("rolling", "once"):
        obligation.next_starts_on = obligation.next_opens_on = None
        return
    every = Every.parse(obligation.every, kind.code)
    _schedule(kind, obligation, every.next_start(obligation.anchor_on, period.starts_on))


@dataclass(frozen=True)
class Subject:
    """What a started process is given about an obligation's subject: its ids and, for its
    pages and worklist rows, the names; the unit's serial files the instance under the unit."""

    data: dict[str, Any]
    business_key: str | None


def _subjects(session: Session, obligations: Iterable[Obligation]) -> dict[int, Subject]:
    """The subjects of a batch of obligations, in one query."""
    by_id = {o.id: o for o in obligations}
    if not by_id:
        return {}
    rows = session.execute(
        select(Obligation.id, Customer.name, EquipmentUnit.serial, EquipmentUnit.location, EquipmentModel.name)
        .outerjoin(Customer, Customer.id == Obligation.customer_id)
        .outerjoin(EquipmentUnit, EquipmentUnit.id == Obligation.unit_id)
        .outerjoin(EquipmentModel, EquipmentModel.id == EquipmentUnit.model_id)
        .where(Obligation.id.in_(by_id))
    )
    found = {}
    for obligation_id, customer, serial, location, model in rows:
        obligation = by_id[obligation_id]
        data: dict[str, Any] = {}
        if obligation.customer_id is not None:
            data.update(customer_id=obligation.customer_id, customer=customer or "")
        if obligation.unit_id is not None:
            data.update(unit_id=obligation.unit_id, serial=serial or "", model=model or "", location=location or "")
        found[obligation_id] = Subject(data, serial)
    return found


def _start_work(
    session: Session,
    kind: Kind,
    subject: Subject,
    row: ObligationPeriod,
    today: date,
    now: datetime,
    report: PassReport,
) -> None:
    """Start the kind's process for the period. A process that cannot start (not deployed, a
    fault) leaves the period listed with the reason, tried again the next day; the pass goes on."""
    assert kind.rule.opens is not None
    data = {
        **subject.data,
        **kind.rule.opens_data,
        "obligation": {"kind": kind.code, "period_id": row.id, "due_on": row.due_on.isoformat(), "period": row.label},
    }
    inner = session.begin_nested()
    try:
        instance = begin_instance(session, None, kind.rule.opens, data, business_key=subject.business_key, now=now)
    except ServiceError as err:
        inner.rollback()
        row.open_error = translate(err.message_key, DEFAULT_LOCALE, **err.params)[:300]
        row.work_on = today + timedelta(days=1)
        report.failed += 1
        return
    except Exception as err:  # a process's own code failed: this period only
        inner.rollback()
        log.exception("starting %s for obligation period %s failed", kind.rule.opens, row.id)
        row.open_error = str(err)[:300]
        row.work_on = today + timedelta(days=1)
        report.failed += 1
        return
    inner.commit()
    row.opened_instance_id = instance.id
    row.work_started = True
    row.open_error = None
    report.started += 1


def _claim_overdue_periods(session: Session, now: datetime, batch: int) -> list[tuple[ObligationPeriod, Obligation]]:
    query = (
        select(ObligationPeriod, Obligation)
        .join(Obligation, Obligation.id == ObligationPeriod.obligation_id)
        .where(ObligationPeriod.status == "due", ObligationPeriod.due_at <= now)
        .order_by(ObligationPeriod.due_at, ObligationPeriod.id)
        .limit(batch)
        .with_for_update(of=ObligationPeriod, skip_locked=True)
    )
    return [(p, o) for p, o in session.execute(query)]


def _escalate(
    session: Session,
    kind: Kind,
    subject: Subject,
    period: ObligationPeriod,
    now: datetime,
    report: PassReport,
) -> None:
    """Overdue: the period says so, and the kind's responsible group gets a task of its own
    (the `obligation_overdue` process) naming what was promised, for whom, by when."""
    period.status = "overdue"
    period.escalated_at = now
    period.escalated_to = kind.rule.responsible_group
    report.overdue += 1
    data = {
        **subject.data,
        "responsible_group": kind.rule.responsible_group,
        "obligation_kind": kind.code,
        "due_on": period.due_on.isoformat(),
        "period": period.label,
        "obligation": {"kind": kind.code, "period_id": period.id, "due_on": period.due_on.isoformat()},
    }
    inner = session.begin_nested()
    try:
        instance = begin_instance(session, None, ESCALATION_PROCESS, data, business_key=subject.business_key, now=now)
    except Exception as err:  # noqa: BLE001 - the period is marked overdue whatever happens here
        inner.rollback()
        log.error("escalating obligation period %s failed: %s", period.id, err)
        period.open_error = f"escalation: {err}"[:300]
        report.failed += 1
        return
    inner.commit()
    period.escalation_instance_id = instance.id
    record(
        session,
        "obligation_overdue",
        None,
        now,
        instance_id=instance.id,
        details={"kind": kind.code, "period": period.id, "due_on": period.due_on.isoformat()},
    )


# -- evidence ------------------------------------------------------------------------------------


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def record_completion(ctx: StepContext) -> None:
    """The completion listener: an instance that completed meets the obligations its process
    and data qualify for, in the period holding the day it completed (office time)."""
    process_id = ctx.instance.process_id
    kinds = [k for k in active_kinds(ctx.session) if k.rule.met_by_instance(process_id, ctx.data, ctx.passed)]
    if not kinds:
        return
    day = ctx.now.astimezone(office_tz()).date()
    customer_id, unit_id = _int(ctx.data.get("customer_id")), _int(ctx.data.get("unit_id"))
    for kind in kinds:
        key = _subject_key(kind, customer_id, unit_id)
        if key is None:
            continue
        obligation = ctx.session.scalars(
            select(Obligation).where(Obligation.kind == kind.code, Obligation.subject_key == key).with_for_update()
        ).first()
        if obligation is not None:
            _meet(ctx.session, kind, obligation, day, ctx.instance, ctx.now)


def _subject_key(kind: Kind, customer_id: int | None, unit_id: int | None) -> str | None:
    if kind.rule.subject == "unit":
        return f"unit:{unit_id}" if unit_id is not None else None
    if kind.rule.subject == "customer":
        return f"customer:{customer_id}" if customer_id is not None else None
    return ORGANISATION


def _meet(
    session: Session, kind: Kind, obligation: Obligation, day: date, instance: ProcessInstance, now: datetime
) -> None:
    if obligation.last_met_on is None or day >= obligation.last_met_on:
        obligation.last_met_on = day
        obligation.last_met_instance_id = instance.id
    period = session.scalars(
        select(ObligationPeriod).where(
            ObligationPeriod.obligation_id == obligation.id,
            ObligationPeriod.starts_on <= day,
            ObligationPeriod.ends_on > day,
        )
    ).first()
    if period is None and kind.rule.window in ("rolling", "once") and obligation.current_period_id is not None:
        period = session.get(ObligationPeriod, obligation.current_period_id)  # met after its end: late
    if period is not None and period.status != "met":
        period.status = "met"
        period.met_at = now
        period.met_instance_id = instance.id
        record(
            session,
            "obligation_met",
            None,
            now,
            instance_id=instance.id,
            details={"kind": kind.code, "period": period.id, "late": now > period.due_at},
        )
    if kind.rule.window == "rolling":  # the next year runs from this day (one period a day at most)
        current = session.get(ObligationPeriod, obligation.current_period_id) if obligation.current_period_id else None
        following = max(day, current.starts_on + timedelta(days=1)) if current is not None else day
        _schedule(kind, obligation, following)


# -- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ObligationLine:
    """What a list shows of an obligation, read as plain columns (no ORM objects for a list)."""

    id: int
    kind: str
    customer_id: int | None
    unit_id: int | None
    last_met_on: date | None


@dataclass(frozen=True)
class PeriodLine:
    """What a list shows of a period, read as plain columns."""

    id: int
    starts_on: date
    ends_on: date
    due_on: date
    due_at: datetime
    status: str
    met_instance_id: int | None
    opened_instance_id: int | None
    open_error: str | None
    escalated_to: str | None
    escalation_instance_id: int | None

    @property
    def last_day(self) -> date:
        return self.ends_on - timedelta(days=1)

    @property
    def label(self) -> str:
        return f"{self.starts_on.isoformat()}/{self.last_day.isoformat()}"


@dataclass(frozen=True)
class ObligationRow:
    obligation: ObligationLine
    period: PeriodLine | None
    customer_name: str
    serial: str | None

    @property
    def status(self) -> str:
        return self.period.status if self.period is not None else "due"


@dataclass(frozen=True)
class ObligationQuery:
    customer_id: int | None = None
    unit_id: int | None = None
    status: str | None = None
    kind: str | None = None
    limit: int = 200


_LINE = (Obligation.id, Obligation.kind, Obligation.customer_id, Obligation.unit_id, Obligation.last_met_on)
_PERIOD = (
    ObligationPeriod.id,
    ObligationPeriod.starts_on,
    ObligationPeriod.ends_on,
    ObligationPeriod.due_on,
    ObligationPeriod.due_at,
    ObligationPeriod.status,
    ObligationPeriod.met_instance_id,
    ObligationPeriod.opened_instance_id,
    ObligationPeriod.open_error,
    ObligationPeriod.escalated_to,
    ObligationPeriod.escalation_instance_id,
)


def _row(values: Sequence[Any], customer_name: str | None, serial: str | None) -> ObligationRow:
    line = ObligationLine(*values[: len(_LINE)])
    period = PeriodLine(*values[len(_LINE) :]) if values[len(_LINE)] is not None else None
    return ObligationRow(line, period, customer_name or "", serial)


def list_obligations(session: Session, user: User, query: ObligationQuery) -> list[ObligationRow]:
    """Each obligation's current period, and every earlier period still overdue (an overdue
    quarter does not hide behind the next one); overdue first, then by due date. Plain columns:
    a list of 200 builds no ORM objects."""
    if not can_read_obligations(user):
        raise Forbidden("error.forbidden")
    # Two legs, each an index walk per obligation: its current period by primary key, and its
    # earlier periods still overdue through the partial index of overdue periods (one join with
    # an OR read every period of every obligation).
    legs = []
    for join_on in (
        ObligationPeriod.id == Obligation.current_period_id,
        (ObligationPeriod.obligation_id == Obligation.id)
        & (ObligationPeriod.status == "overdue")
        & (ObligationPeriod.id != Obligation.current_period_id),
    ):
        leg = (
            select(*_LINE, *_PERIOD, Customer.name.label("customer_name"), EquipmentUnit.serial)
            .join(ObligationPeriod, join_on)
            .outerjoin(Customer, Customer.id == Obligation.customer_id)
            .outerjoin(EquipmentUnit, EquipmentUnit.id == Obligation.unit_id)
        )
        if query.customer_id is not None:
            leg = leg.where(Obligation.customer_id == query.customer_id)
        if query.unit_id is not None:
            leg = leg.where(Obligation.unit_id == query.unit_id)
        if query.kind is not None:
            leg = leg.where(Obligation.kind == query.kind)
        if query.status is not None:
            leg = leg.where(ObligationPeriod.status == query.status)
        legs.append(leg)
    both = union_all(*legs).subquery()
    columns = list(both.c)
    status, due_at, obligation_id = columns[len(_LINE) + 5], columns[len(_LINE) + 4], columns[0]
    stmt = select(*columns).order_by(status != "overdue", due_at, obligation_id).limit(query.limit)
    return [_row(values[:-2], values[-2], values[-1]) for values in session.execute(stmt)]


def unit_obligations(session: Session, unit_id: int) -> list[ObligationRow]:
    """A unit's own obligations and its customer's (for the unit's page)."""
    unit = session.get(EquipmentUnit, unit_id)
    if unit is None:
        return []
    stmt = (
        select(*_LINE, *_PERIOD)
        .join(ObligationPeriod, ObligationPeriod.id == Obligation.current_period_id)
        .where(
            or_(
                Obligation.unit_id == unit_id,
                (Obligation.customer_id == unit.customer_id) & Obligation.unit_id.is_(None),
            )
        )
        .order_by(Obligation.kind)
    )
    return [
        _row(values, unit.customer.name, unit.serial if values[3] is not None else None)
        for values in session.execute(stmt)
    ]


def periods_of(session: Session, user: User, obligation_id: int) -> tuple[Obligation, list[ObligationPeriod]]:
    if not can_read_obligations(user):
        raise Forbidden("error.forbidden")
    obligation = session.get(Obligation, obligation_id)
    if obligation is None:
        raise NotFound("error.not_found")
    periods = list(
        session.scalars(
            select(ObligationPeriod)
            .where(ObligationPeriod.obligation_id == obligation_id)
            .order_by(ObligationPeriod.starts_on.desc())
            .limit(100)
        )
    )
    return obligation, periods


def kind_labels(session: Session, locale: str) -> dict[str, str]:
    """Each kind's name in `locale`: the catalogue's `obligation.kind.<code>`, else the `label`
    its stored rule gives ({"zh_CN": ..., "en": ...}), else its code."""
    labels = {}
    for code, rule in session.execute(select(ObligationKind.code, ObligationKind.rule)):
        key = f"obligation.kind.{code}"
        given = rule.get("label") if isinstance(rule, dict) else None
        if key in MESSAGES:
            labels[code] = translate(key, locale)
        elif isinstance(given, dict) and isinstance(given.get(locale) or given.get(DEFAULT_LOCALE), str):
            labels[code] = str(given.get(locale) or given.get(DEFAULT_LOCALE))
        else:
            labels[code] = code
    return labels


def kind_codes(session: Session) -> list[str]:
    return list(session.scalars(select(ObligationKind.code).order_by(ObligationKind.code)))


def customers_bound(session: Session) -> list[tuple[int, str]]:
    """The customers that have obligations, for the page's filter."""
    bound = select(Obligation.customer_id).where(Obligation.customer_id.is_not(None)).distinct()
    query = select(Customer.id, Customer.name).where(Customer.id.in_(bound)).order_by(Customer.name)
    return [(cid, name) for cid, name in session.execute(query)]


@dataclass(frozen=True)
class SubjectNames:
    customer: str | None
    serial: str | None


def subject_names(session: Session, obligation: Obligation) -> SubjectNames:
    customer = session.get(Customer, obligation.customer_id) if obligation.customer_id else None
    unit = session.get(EquipmentUnit, obligation.unit_id) if obligation.unit_id else None
    return SubjectNames(customer.name if customer else None, unit.serial if unit else None)


def unit_section(session: Session, user: User, unit: EquipmentUnit) -> UnitSection:
    """The unit's page: its own promises and its customer's, with their current period."""
    rows = unit_obligations(session, unit.id) if can_read_obligations(user) else []
    return UnitSection(
        name="obligations",
        template="obligations/_unit_section.html",
        values={"rows": rows},
        api={
            "obligations": [
                {
                    "id": r.obligation.id,
                    "kind": r.obligation.kind,
                    "status": r.status,
                    "due_on": r.period.due_on.isoformat() if r.period else None,
                    "last_met_at": r.obligation.last_met_on.isoformat() if r.obligation.last_met_on else None,
                }
                for r in rows
            ]
        },
    )


# -- the kinds' rules, edited --------------------------------------------------------------------


def kinds_for_editing(session: Session, user: User) -> list[ObligationKind]:
    if not can_read_obligations(user):
        raise Forbidden("error.forbidden")
    return list(session.scalars(select(ObligationKind).order_by(ObligationKind.code)))


@transactional
def change_rule(
    session: Session, user: User, code: str, rule_text: str, active: bool, locale: str, now: datetime | None = None
) -> ObligationKind:
    """Store a kind's new rule (JSON), refused beside the field when it cannot be used. A new
    rule applies from the next pass: who meets it, what it starts and whom it escalates to at
    once; its period length for subjects bound from then on (a bound unit keeps its own)."""
    if not can_edit_obligation_rules(user):
        raise Forbidden("error.forbidden")
    kind = session.get(ObligationKind, code)
    if kind is None:
        raise NotFound("error.not_found")
    try:
        rule = json.loads(rule_text)
        ObligationRule.from_data(rule, code)
    except (ValueError, RecursionError) as err:
        message = translate("obligation.rule_invalid", locale, reason=str(err)[:300])
        raise FormRejected({"rule": [message]}) from None
    before = {"rule": kind.rule, "active": kind.active}
    kind.rule, kind.active = rule, active
    record(
        session,
        "obligation_rule_changed",
        user,
        now or utcnow(),
        before=before,
        after={"rule": rule, "active": active},
        details={"kind": code},
    )
    session.commit()
    return kind

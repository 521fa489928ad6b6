"""The monthly complaint review's use cases (R16): which month a review looks at, its
figures (read from the shared complaint report, `app.aftersales.reports.complaints`), the
departments concerned, the statements and assessments recorded, and the sign-off.

Starting it monthly: the obligations pass (kind `complaint_review`, monthly) starts it with
`{"obligation": {"period": "YYYY-MM-DD/YYYY-MM-DD", ...}}` for the month the review is due
in; the review then looks at the month before that period. A timer start event cannot know
the Chinese holidays, so the first working day is `first_working_day` (rules.sla's
calendar), for the obligations' due date; by hand, anyone of after-sales starts it and the
first task offers last month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.aftersales.policies import can_read_reports
from app.aftersales.reports.complaints import (
    ComplaintFigures,
    complaint_figures,
    figures_json,
    last_month,
    month_period,
)
from app.aftersales.rules.sla import is_working_day
from app.bpm.case_facts import office_tz
from app.bpm.errors import Forbidden, NotFound
from app.bpm.models import User
from app.bpm.unit_of_work import transactional
from app.processes.complaint_review.models import ComplaintReview, DepartmentAssessment, PerformanceRule

REVIEW_PROCESS = "complaint_review"
# The departments that give a statement, each a lane of bpmn/complaint_review.bpmn (R15).
DEPARTMENTS = ("after_sales", "sales", "technical", "production", "qc")


def first_working_day(year: int, month: int) -> date:
    """The month's first working day in the office's calendar (holidays and make-up days)."""
    day = date(year, month, 1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def review_month(data: dict[str, Any], now: datetime) -> str:
    """The month a review looks at: the month before its obligation's period, else last month
    in the office's time zone."""
    period = (data.get("obligation") or {}).get("period") if isinstance(data.get("obligation"), dict) else None
    if isinstance(period, str) and "/" in period:
        try:
            return last_month(date.fromisoformat(period.split("/", 1)[0]))
        except ValueError:
            pass
    return last_month(now.astimezone(office_tz()).date())


def month_choices(now: datetime, count: int = 12) -> list[str]:
    months, day = [], now.astimezone(office_tz()).date()
    for _ in range(count):
        months.append(last_month(day))
        day = day.replace(day=1) - timedelta(days=1)
    return months


def figures_of_month(session: Session, month: str, now: datetime | None = None) -> ComplaintFigures:
    """The month's complaints, per the shared report (ValueError for a malformed month)."""
    start, end = month_period(month)
    return complaint_figures(session, start, end, now)


def concerned(figures: ComplaintFigures) -> list[str]:
    return [d for d in DEPARTMENTS if d in figures.by_department]


def rules(session: Session) -> list[PerformanceRule]:
    return list(session.scalars(select(PerformanceRule).where(PerformanceRule.active).order_by(PerformanceRule.sort)))


def rule_by_code(session: Session, code: str) -> PerformanceRule | None:
    return session.scalars(select(PerformanceRule).where(PerformanceRule.code == code)).first()


def review_of(session: Session, instance_id: int) -> ComplaintReview | None:
    return session.scalars(select(ComplaintReview).where(ComplaintReview.instance_id == instance_id)).first()


def compile_review(
    session: Session, instance_id: int, month: str, figures: ComplaintFigures, user: User | None, now: datetime
) -> ComplaintReview:
    """Store (or, compiled again, replace) the review's figures; inside the step's work."""
    review = review_of(session, instance_id)
    if review is None:
        review = ComplaintReview(instance_id=instance_id, month=month, figures={}, compiled_at=now)
        session.add(review)
    review.month, review.complaints, review.compiled_at = month, len(figures.cases), now
    review.compiled_by_id = user.id if user else None
    review.figures = figures_json(figures)
    session.flush()
    for department in DEPARTMENTS:
        cases = figures.cases_of(department)
        if not cases:
            continue
        row = _assessment(review, department)
        row.cases, row.late_cases = len(cases), sum(1 for c in cases if c.late_steps)
    return review


def _assessment(review: ComplaintReview, department: str) -> DepartmentAssessment:
    for row in review.assessments:
        if row.department == department:
            return row
    row = DepartmentAssessment(department=department)
    review.assessments.append(row)
    return row


def record_statement(session: Session, instance_id: int, department: str, statement: str) -> None:
    review = review_of(session, instance_id)
    if review is not None:
        _assessment(review, department).statement = statement


def record_assessment(
    session: Session,
    instance_id: int,
    department: str,
    rule: PerformanceRule,
    note: str | None,
    user: User | None,
    now: datetime,
) -> DepartmentAssessment | None:
    review = review_of(session, instance_id)
    if review is None:
        return None
    row = _assessment(review, department)
    row.rule_id, row.points, row.note = rule.id, rule.points, note
    row.rule = rule
    row.assessed_at, row.assessed_by_id = now, user.id if user else None
    return row


def sign(session: Session, instance_id: int, user: User | None, now: datetime) -> None:
    review = review_of(session, instance_id)
    if review is not None:
        review.signed_at, review.signed_by_id = now, user.id if user else None


@dataclass(frozen=True)
class ReviewRow:
    review: ComplaintReview
    assessments: list[DepartmentAssessment]


def list_reviews(session: Session, user: User) -> list[ComplaintReview]:
    if not can_read_reports(user):
        raise Forbidden("error.forbidden")
    return list(session.scalars(select(ComplaintReview).order_by(ComplaintReview.month.desc(), ComplaintReview.id)))


def get_review(session: Session, user: User, review_id: int) -> ComplaintReview:
    if not can_read_reports(user):
        raise Forbidden("error.forbidden")
    review = session.get(ComplaintReview, review_id)
    if review is None:
        raise NotFound("error.not_found")
    return review


RULES: list[tuple[str, str, str, int, str | None, str | None]] = [
    # code, label zh, label en, points, sanction zh, sanction en (绩效考核实施细则, demo lines)
    ("commended", "处理及时，客户满意", "Handled promptly, customer satisfied", 2, None, None),
    ("no_fault", "无责任", "Not at fault", 0, None, None),
    ("late_handling", "处理超出时限", "Handled late", -2, "口头警告", "Verbal warning"),
    ("responsible_minor", "负有责任（情节较轻）", "At fault (minor)", -5, "通报批评", "Reprimand"),
    (
        "responsible_severe",
        "负有责任（情节严重）",
        "At fault (severe)",
        -10,
        "通报批评并扣发当月绩效奖金",
        "Reprimand, monthly bonus withheld",
    ),
    (
        "attitude",
        "因服务态度造成客户投诉",
        "Complaint caused by service attitude",
        -10,
        "书面检讨",
        "Written self-criticism",
    ),
]


@transactional
def seed_review_rules(session: Session) -> None:
    """Idempotent: the demo's performance rules (the customer edits them as data)."""
    for sort, (code, zh, en, points, sanction_zh, sanction_en) in enumerate(RULES):
        if rule_by_code(session, code) is None:
            session.add(
                PerformanceRule(
                    code=code,
                    label_zh=zh,
                    label_en=en,
                    points=points,
                    sanction_zh=sanction_zh,
                    sanction_en=sanction_en,
                    sort=sort,
                )
            )
    session.commit()

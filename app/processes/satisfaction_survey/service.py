"""The yearly satisfaction survey's use cases (R20): campaigns that choose the customers and
start one survey each, the send and reminders, the one answer per customer and year (rows),
the detractor's recovery follow-up, the figures and the approved analysis report."""

from __future__ import annotations

import random
import re
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.aftersales.archive.models import Customer
from app.aftersales.policies import can_approve_survey_analysis, can_read_reports, can_run_surveys
from app.bpm import definitions
from app.bpm.errors import Conflict, Forbidden, FormRejected, NotFound, ServiceError
from app.bpm.instances import begin_instance
from app.bpm.models import User, utcnow
from app.bpm.unit_of_work import transactional
from app.i18n import translate
from app.processes.satisfaction_survey.models import (
    CampaignCustomer,
    SurveyAnalysis,
    SurveyAnswer,
    SurveyCampaign,
    SurveyQuestion,
    SurveyResponse,
    SurveySend,
    SurveySetting,
)

SURVEY_PROCESS = "satisfaction_survey"
FOLLOW_UP_PROCESS = "follow_up"  # built elsewhere (R19); started by id, never imported
CHANNELS = ("portal", "email", "phone")
KEY_RULES = ("all", "key", "non_key")
OVERALL = "overall"
SCORES = (1, 2, 3, 4, 5)
SETTINGS = {"detractor_at_most": 2, "reminder_days": 7, "recovery_days": 3}
QUESTIONS = [
    ("service", "服务质量", "Service quality"),
    ("response", "响应速度", "Response speed"),
    ("quality", "设备质量", "Equipment quality"),
    ("attitude", "服务态度", "Staff attitude"),
    (OVERALL, "总体满意度", "Overall satisfaction"),
]
NO_REGION = "—"


def setting(session: Session, name: str) -> int:
    row = session.get(SurveySetting, name)
    return row.value if row is not None else SETTINGS[name]


def questions(session: Session) -> list[SurveyQuestion]:
    return list(session.scalars(select(SurveyQuestion).order_by(SurveyQuestion.sort)))


def region_of(customer: Customer) -> str:
    """The customer's region: the archive has no region field, so it is read from the address:
    its leading city (…市, at least two characters), else province (…省) or autonomous region
    (…自治区), else the address's first word; no address: "—"."""
    address = (customer.address or "").strip()
    for pattern in (r"^\S{2,}?市", r"^\S{2,}?自治区", r"^\S{2,}?省"):
        found = re.match(pattern, address)
        if found:
            return found.group(0)
    first = re.split(r"[\s\d]", address, maxsplit=1)[0]
    return first or NO_REGION


# -- campaigns ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignRule:
    year: int
    categories: tuple[str, ...] = ()  # empty: every category
    key: str = "all"  # all | key | non_key
    sample_size: int | None = None  # None: every customer the rule selects


def _selected(session: Session, rule: CampaignRule) -> list[Customer]:
    query = select(Customer).order_by(Customer.id)
    if rule.categories:
        query = query.where(Customer.category.in_(rule.categories))
    if rule.key != "all":
        query = query.where(Customer.is_key.is_(rule.key == "key"))
    customers = list(session.scalars(query))
    if rule.sample_size is not None and rule.sample_size < len(customers):
        # a sample drawn per year: the same rule in the same year chooses the same customers
        customers = sorted(random.Random(rule.year).sample(customers, rule.sample_size), key=lambda c: c.id)
    return customers


def _check_rule(rule: CampaignRule, locale: str) -> None:
    errors: dict[str, list[str]] = {}
    if not 2000 <= rule.year <= 2100:
        errors["year"] = [translate("survey.error.year", locale)]
    if rule.key not in KEY_RULES:
        errors["key"] = [translate("survey.error.key", locale)]
    if rule.sample_size is not None and rule.sample_size < 1:
        errors["sample_size"] = [translate("survey.error.sample", locale)]
    if errors:
        raise FormRejected(errors)


@transactional
def open_campaign(
    session: Session, user: User, rule: CampaignRule, locale: str = "zh_CN", now: datetime | None = None
) -> SurveyCampaign:
    """Choose the customers and start a survey for each one not yet answered this year."""
    if not can_run_surveys(user):
        raise Forbidden("error.forbidden")
    _check_rule(rule, locale)
    now = now or utcnow()
    campaign = SurveyCampaign(
        year=rule.year,
        rule={"categories": list(rule.categories), "key": rule.key, "sample_size": rule.sample_size},
        created_at=now,
        created_by_id=user.id,
    )
    session.add(campaign)
    session.flush()
    answered = set(session.scalars(select(SurveyResponse.customer_id).where(SurveyResponse.year == rule.year)))
    for customer in _selected(session, rule):
        member = CampaignCustomer(campaign_id=campaign.id, customer_id=customer.id)
        if customer.id not in answered:
            data = {
                "customer_id": customer.id,
                "year": rule.year,
                "campaign_id": campaign.id,
                "customer": customer.name,
            }
            member.instance_id = begin_instance(session, None, SURVEY_PROCESS, data, now=now).id
        session.add(member)
    session.commit()
    return campaign


def list_campaigns(session: Session, user: User) -> list[SurveyCampaign]:
    if not can_read_reports(user):
        raise Forbidden("error.forbidden")
    return list(session.scalars(select(SurveyCampaign).order_by(SurveyCampaign.id.desc())))


# -- the steps (called by the plugin inside the step's unit of work) -----------------------


def answered(session: Session, customer_id: int, year: int) -> SurveyResponse | None:
    return session.scalars(
        select(SurveyResponse).where(SurveyResponse.customer_id == customer_id, SurveyResponse.year == year)
    ).first()


def record_send(
    session: Session,
    instance_id: int,
    customer_id: int,
    kind: str,
    channel: str,
    user: User | None,
    note: str | None,
    now: datetime,
) -> None:
    session.add(
        SurveySend(
            instance_id=instance_id,
            customer_id=customer_id,
            kind=kind,
            channel=channel,
            sent_at=now,
            sent_by_id=user.id if user else None,
            note=note,
        )
    )


def reminder_at(session: Session, now: datetime) -> datetime:
    return now + timedelta(days=setting(session, "reminder_days"))


@dataclass(frozen=True)
class Answers:
    customer_id: int
    year: int
    campaign_id: int | None
    instance_id: int | None
    channel: str
    scores: dict[str, int]
    comment: str | None = None
    respondent: str | None = None


def record_answers(session: Session, user: User | None, answers: Answers, now: datetime) -> SurveyResponse:
    """The customer's one answer of the year (a second one is refused: 409)."""
    if answered(session, answers.customer_id, answers.year) is not None:
        raise Conflict("survey.error.answered", year=answers.year)
    overall = answers.scores[OVERALL]
    response = SurveyResponse(
        customer_id=answers.customer_id,
        year=answers.year,
        campaign_id=answers.campaign_id,
        instance_id=answers.instance_id,
        channel=answers.channel,
        respondent=answers.respondent,
        comment=answers.comment,
        overall=overall,
        detractor=overall <= setting(session, "detractor_at_most"),
        answered_at=now,
        recorded_by_id=user.id if user else None,
    )
    response.answers = [SurveyAnswer(question_code=code, score=score) for code, score in answers.scores.items()]
    session.add(response)
    session.flush()
    return response


def response_of_instance(session: Session, instance_id: int) -> SurveyResponse | None:
    return session.scalars(select(SurveyResponse).where(SurveyResponse.instance_id == instance_id)).first()


def check_follow_up_deployed(session: Session) -> None:
    try:
        definitions.latest(session, FOLLOW_UP_PROCESS)
    except NotFound:
        raise ServiceError("survey.error.no_follow_up") from None


def open_recovery(session: Session, response: SurveyResponse, now: datetime) -> int:
    """The detractor's recovery: a phone follow-up (process `follow_up`), by nobody."""
    data = {
        "customer_id": response.customer_id,
        "mode": "phone",
        "reason": "satisfaction_detractor",
        "survey_year": response.year,
        "survey_score": response.overall,
    }
    instance = begin_instance(session, None, FOLLOW_UP_PROCESS, data, now=now)
    response.follow_up_instance_id = instance.id
    return instance.id


def mark_recovered(session: Session, instance_id: int, now: datetime) -> None:
    response = response_of_instance(session, instance_id)
    if response is not None and response.recovered_at is None:
        response.recovered_at = now


# -- figures and the analysis report ------------------------------------------------------


def _mean(values: list[int]) -> float | None:
    return round(statistics.fmean(values), 2) if values else None


def figures(session: Session, year: int, locale: str = "zh_CN") -> dict[str, Any]:
    """Computed from the answer rows: scores per question, distribution, by customer category
    and region, year over year, comments grouped by the overall score."""
    rows = list(session.scalars(select(SurveyResponse).where(SurveyResponse.year <= year)))
    this_year = [r for r in rows if r.year == year]
    per_question: dict[str, list[int]] = defaultdict(list)
    for response in this_year:
        for answer in response.answers:
            per_question[answer.question_code].append(answer.score)
    by_category: dict[str, list[int]] = defaultdict(list)
    by_region: dict[str, list[int]] = defaultdict(list)
    for response in this_year:
        by_category[response.customer.category].append(response.overall)
        by_region[region_of(response.customer)].append(response.overall)
    years: dict[int, list[int]] = defaultdict(list)
    for response in rows:
        years[response.year].append(response.overall)
    threshold = setting(session, "detractor_at_most")
    groups: dict[str, list[dict[str, Any]]] = {"detractors": [], "passives": [], "promoters": []}
    for response in sorted(this_year, key=lambda r: r.answered_at):
        if not response.comment:
            continue
        band = "detractors" if response.overall <= threshold else "promoters" if response.overall >= 4 else "passives"
        groups[band].append(
            {"customer": response.customer.name, "score": response.overall, "comment": response.comment}
        )
    texts = {q.code: q.text(locale) for q in questions(session)}
    return {
        "year": year,
        "responses": len(this_year),
        "detractors": sum(1 for r in this_year if r.detractor),
        "questions": [
            {
                "code": code,
                "text": texts.get(code, code),
                "mean": _mean(per_question.get(code, [])),
                "answers": len(per_question.get(code, [])),
                "distribution": {str(s): per_question.get(code, []).count(s) for s in SCORES},
            }
            for code in (texts or {c: c for c, _zh, _en in QUESTIONS})
        ],
        "mean_overall": _mean([r.overall for r in this_year]),
        "distribution": {str(s): sum(1 for r in this_year if r.overall == s) for s in SCORES},
        "by_category": {k: {"responses": len(v), "mean_overall": _mean(v)} for k, v in sorted(by_category.items())},
        "by_region": {k: {"responses": len(v), "mean_overall": _mean(v)} for k, v in sorted(by_region.items())},
        "region_from": "customer address: leading city, else province, else first word",
        "year_over_year": [
            {"year": y, "responses": len(v), "mean_overall": _mean(v)} for y, v in sorted(years.items())
        ],
        "comments": groups,
    }


def report_figures(session: Session, user: User, year: int, locale: str) -> dict[str, Any]:
    if not can_read_reports(user):
        raise Forbidden("error.forbidden")
    return figures(session, year, locale)


def draft_text(numbers: dict[str, Any], locale: str) -> str:
    lines = [
        translate(
            "survey.draft.head",
            locale,
            year=numbers["year"],
            n=numbers["responses"],
            mean=numbers["mean_overall"] if numbers["mean_overall"] is not None else "—",
            detractors=numbers["detractors"],
        )
    ]
    for q in numbers["questions"]:
        lines.append(f"- {q['text']}: {q['mean'] if q['mean'] is not None else '—'}")
    for category, c in numbers["by_category"].items():
        label = translate(f"survey.category.{category}", locale)
        lines.append(
            translate("survey.draft.category", locale, category=label, n=c["responses"], mean=c["mean_overall"])
        )
    previous = [y for y in numbers["year_over_year"] if y["year"] < numbers["year"]]
    if previous:
        last = previous[-1]
        lines.append(translate("survey.draft.previous", locale, year=last["year"], mean=last["mean_overall"]))
    lines.append(translate("survey.draft.comments", locale, n=len(numbers["comments"]["detractors"])))
    return "\n".join(lines)


def analysis_of(session: Session, year: int) -> SurveyAnalysis | None:
    return session.scalars(select(SurveyAnalysis).where(SurveyAnalysis.year == year)).first()


def get_analysis(session: Session, user: User, analysis_id: int) -> SurveyAnalysis:
    if not can_read_reports(user):
        raise Forbidden("error.forbidden")
    found = session.get(SurveyAnalysis, analysis_id)
    if found is None:
        raise NotFound("error.not_found")
    return found


@transactional
def draft_analysis(
    session: Session, user: User, year: int, locale: str = "zh_CN", now: datetime | None = None
) -> SurveyAnalysis:
    """The year's report drafted from the figures (again, while not approved)."""
    if not can_run_surveys(user):
        raise Forbidden("error.forbidden")
    now = now or utcnow()
    numbers = figures(session, year, locale)
    analysis = analysis_of(session, year)
    if analysis is not None and analysis.status == "approved":
        raise Conflict("survey.error.approved")
    if analysis is None:
        analysis = SurveyAnalysis(year=year, text="", figures={}, written_at=now)
        session.add(analysis)
    analysis.text, analysis.figures = draft_text(numbers, locale), numbers
    analysis.written_at, analysis.written_by, analysis.status = now, user, "draft"
    session.commit()
    return analysis


@transactional
def edit_analysis(
    session: Session, user: User, analysis_id: int, text: str, locale: str = "zh_CN", now: datetime | None = None
) -> SurveyAnalysis:
    analysis = get_analysis(session, user, analysis_id)
    if not can_run_surveys(user):
        raise Forbidden("error.forbidden")
    if analysis.status == "approved":
        raise Conflict("survey.error.approved")
    if not text.strip():
        raise FormRejected({"text": [translate("form.required", locale)]})
    analysis.text, analysis.written_at, analysis.written_by = text, now or utcnow(), user
    session.commit()
    return analysis


def may_approve(user: User, analysis: SurveyAnalysis) -> bool:
    return analysis.status == "draft" and can_approve_survey_analysis(user, analysis.written_by_id)


@transactional
def approve_analysis(session: Session, user: User, analysis_id: int, now: datetime | None = None) -> SurveyAnalysis:
    """A lead approves; never the one who wrote it last."""
    analysis = get_analysis(session, user, analysis_id)
    if analysis.status == "approved":
        raise Conflict("survey.error.approved")
    if not can_approve_survey_analysis(user, analysis.written_by_id):
        raise Forbidden("survey.error.approver")
    analysis.status, analysis.approved_at, analysis.approved_by = "approved", now or utcnow(), user
    session.commit()
    return analysis


@transactional
def seed_survey(session: Session) -> None:
    """Idempotent: the questions and the numbers the survey runs by."""
    for sort, (code, zh, en) in enumerate(QUESTIONS):
        if session.scalars(select(SurveyQuestion).where(SurveyQuestion.code == code)).first() is None:
            session.add(SurveyQuestion(code=code, text_zh=zh, text_en=en, sort=sort))
    for name, value in SETTINGS.items():
        if session.get(SurveySetting, name) is None:
            session.add(SurveySetting(name=name, value=value))
    session.commit()

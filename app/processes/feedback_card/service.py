"""Equipment quality feedback cards (《设备质量反馈卡》, R18): the question sets (each edit a new
version), a card's intake from any source with its ratings (a poor rating or a flagged quality
problem opens a follow-up), reading a card with the version it answered, the cards a unit's
history shows. What the diagram's steps do to a card is in plugin.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.aftersales.archive.models import EquipmentUnit
from app.aftersales.archive.service import UnitSection
from app.aftersales.policies import can_edit_feedback_questions
from app.bpm import audit, definitions
from app.bpm.errors import Forbidden, FormRejected, NotFound
from app.bpm.instances import begin_instance, may_view
from app.bpm.models import User, utcnow
from app.bpm.policies import can_start
from app.bpm.unit_of_work import transactional
from app.i18n import translate
from app.processes.feedback_card.models import SOURCES as SOURCES
from app.processes.feedback_card.models import CardAnswer, FeedbackCard, Question, QuestionSet

FEEDBACK_PROCESS = "feedback_card"
SCALE_MAX = 5
TEXT_MAX = 300
COMMENT_MAX = 4000
LIST_LIMIT = 200


# -- question sets ---------------------------------------------------------------------------


def current_question_set(session: Session) -> QuestionSet:
    found = session.scalars(select(QuestionSet).order_by(QuestionSet.version.desc()).limit(1)).first()
    if found is None:
        raise NotFound("feedback_card.error.no_questions")
    return found


def question_set(session: Session, version: int) -> QuestionSet:
    found = session.scalars(select(QuestionSet).where(QuestionSet.version == version)).first()
    if found is None:
        raise NotFound("error.not_found")
    return found


@dataclass(frozen=True)
class QuestionText:
    text_zh: str
    text_en: str


def may_edit_questions(user: User) -> bool:
    return can_edit_feedback_questions(user)


@transactional
def save_question_set(
    session: Session,
    user: User,
    questions: Sequence[QuestionText],
    poor_at_or_below: int,
    locale: str = "zh_CN",
    now: datetime | None = None,
) -> QuestionSet:
    """The next version of the questions (the answered ones stay as they were). Rows with
    neither text are dropped; a row needs its Chinese text; errors name the field
    (`questions.<n>.text_zh`, `poor_at_or_below`)."""
    if not can_edit_feedback_questions(user):
        raise Forbidden("error.forbidden")
    now = now or utcnow()
    errors: dict[str, list[str]] = {}
    kept: list[QuestionText] = []
    for n, q in enumerate(questions):
        zh, en = (q.text_zh or "").strip(), (q.text_en or "").strip()
        if not zh and not en:
            continue
        if not zh:
            errors[f"questions.{n}.text_zh"] = [translate("feedback_card.error.text_zh_required", locale)]
        for key, text in (("text_zh", zh), ("text_en", en)):
            if len(text) > TEXT_MAX:
                errors[f"questions.{n}.{key}"] = [translate("feedback_card.error.text_too_long", locale, max=TEXT_MAX)]
        kept.append(QuestionText(zh, en))
    if not kept and not errors:
        errors["questions"] = [translate("feedback_card.error.no_question", locale)]
    if not isinstance(poor_at_or_below, int) or not 1 <= poor_at_or_below < SCALE_MAX:
        errors["poor_at_or_below"] = [translate("feedback_card.error.threshold", locale, max=SCALE_MAX - 1)]
    if errors:
        raise FormRejected(errors)
    last = session.scalar(select(func.max(QuestionSet.version))) or 0
    created = QuestionSet(version=last + 1, poor_at_or_below=poor_at_or_below, created_at=now, created_by_id=user.id)
    created.questions = [
        Question(position=i + 1, text_zh=q.text_zh, text_en=q.text_en, scale_max=SCALE_MAX) for i, q in enumerate(kept)
    ]
    session.add(created)
    session.flush()
    audit.record(
        session,
        "feedback_questions_versioned",
        user,
        now,
        details={"version": created.version, "questions": len(kept), "poor_at_or_below": poor_at_or_below},
    )
    session.commit()
    return created


SEED_QUESTIONS = (
    QuestionText("设备运行是否稳定可靠？", "Does the unit run reliably?"),
    QuestionText("设备质量是否满足使用要求？", "Does the unit's quality meet your needs?"),
    QuestionText("维修服务是否及时？", "Was service timely?"),
    QuestionText("服务人员的态度与技术水平如何？", "How were our staff's attitude and skill?"),
    QuestionText("对我公司产品的总体评价", "Overall rating of our products"),
)


def seed_feedback_questions(session: Session) -> None:
    """The demo's first version of the card's questions (idempotent)."""
    if session.scalar(select(func.count()).select_from(QuestionSet)):
        return
    first = QuestionSet(version=1, poor_at_or_below=2, created_at=utcnow())
    first.questions = [
        Question(position=i + 1, text_zh=q.text_zh, text_en=q.text_en, scale_max=SCALE_MAX)
        for i, q in enumerate(SEED_QUESTIONS)
    ]
    session.add(first)
    session.commit()


# -- cards -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardInput:
    """A card as it arrives: the unit, where from, a rating per question of the current version
    (question id -> 1..5), the customer's words and whether they flag a quality problem."""

    unit_id: int
    source: str
    ratings: Mapping[int, Any]
    comment: str = ""
    quality_problem: bool = False
    contact_name: str = ""
    contact_phone: str = ""


def may_record(session: Session, user: User) -> bool:
    return can_start(user, definitions.loaded(definitions.latest(session, FEEDBACK_PROCESS)).lanes)


def _check_card(session: Session, card: CardInput, qset: QuestionSet, locale: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if session.get(EquipmentUnit, card.unit_id) is None:
        errors["unit_id"] = [translate("error.unit_not_found", locale)]
    if card.source not in SOURCES:
        errors["source"] = [translate("feedback_card.error.source", locale)]
    for q in qset.questions:
        rating = card.ratings.get(q.id)
        if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= q.scale_max:
            errors[f"rating_{q.id}"] = [translate("feedback_card.error.rating", locale, max=q.scale_max)]
    unknown = set(card.ratings) - {q.id for q in qset.questions}
    if unknown:
        errors["ratings"] = [translate("feedback_card.error.stale_questions", locale)]
    if len(card.comment or "") > COMMENT_MAX:
        errors["comment"] = [translate("feedback_card.error.text_too_long", locale, max=COMMENT_MAX)]
    return errors


@transactional
def submit_card(
    session: Session, user: User | None, card: CardInput, locale: str = "zh_CN", now: datetime | None = None
) -> FeedbackCard:
    """Record a card against the current question set and start its process. `user` None: the
    customer portal (started by nobody; its tasks wait in their lanes). A poor rating (any answer
    at or below the set's threshold) or a flagged quality problem opens the follow-up."""
    now = now or utcnow()
    if user is not None and not may_record(session, user):
        raise Forbidden("error.forbidden")
    qset = current_question_set(session)
    if errors := _check_card(session, card, qset, locale):
        raise FormRejected(errors)
    unit = session.get(EquipmentUnit, card.unit_id)
    assert unit is not None
    poor = any(int(card.ratings[q.id]) <= qset.poor_at_or_below for q in qset.questions)
    row = FeedbackCard(
        unit_id=unit.id,
        customer_id=unit.customer_id,
        question_set_id=qset.id,
        source=card.source,
        comment=(card.comment or "").strip() or None,
        contact_name=(card.contact_name or "").strip()[:100] or None,
        contact_phone=(card.contact_phone or "").strip()[:40] or None,
        quality_problem=bool(card.quality_problem),
        poor=poor,
        recorded_at=now,
        recorded_by_id=user.id if user is not None else None,
        status="open",
    )
    row.answers = [CardAnswer(question_id=q.id, rating=int(card.ratings[q.id])) for q in qset.questions]
    session.add(row)
    session.flush()
    data = {
        "customer_id": unit.customer_id,
        "unit_id": unit.id,
        "card_id": row.id,
        "serial": unit.serial,
        "customer": unit.customer.name,
        "source": card.source,
        "poor_rating": poor,
        "quality_problem": row.quality_problem,
        "follow_up_needed": poor or row.quality_problem,
    }
    instance = begin_instance(session, user, FEEDBACK_PROCESS, data, business_key=unit.serial, now=now)
    row.instance_id = instance.id
    details = {
        "card_id": row.id,
        "version": qset.version,
        "ratings": {str(a.question_id): a.rating for a in row.answers},
    }
    audit.record(session, "feedback_card_received", user, now, instance_id=instance.id, details=details)
    session.commit()
    return row


@dataclass(frozen=True)
class AnswerView:
    position: int
    text: str
    rating: int
    scale_max: int
    poor: bool


@dataclass(frozen=True)
class CardView:
    card: FeedbackCard
    version: int
    poor_at_or_below: int
    answers: tuple[AnswerView, ...]


def view_of(card: FeedbackCard, locale: str) -> CardView:
    """The card read with the questions of the version it answered."""
    qset = card.question_set
    answers = sorted(card.answers, key=lambda a: a.question.position)
    return CardView(
        card,
        qset.version,
        qset.poor_at_or_below,
        tuple(
            AnswerView(
                a.question.position,
                a.question.text(locale),
                a.rating,
                a.question.scale_max,
                a.rating <= qset.poor_at_or_below,
            )
            for a in answers
        ),
    )


def card_of_instance(session: Session, instance_id: int) -> FeedbackCard | None:
    return session.scalars(select(FeedbackCard).where(FeedbackCard.instance_id == instance_id)).first()


def get_card(session: Session, user: User, card_id: int, locale: str = "zh_CN") -> CardView:
    card = session.get(FeedbackCard, card_id)
    if card is None or card.instance_id is None:
        raise NotFound("error.not_found")
    from app.bpm.instances import get_instance

    get_instance(session, user, card.instance_id)  # the instance's reading rule; NotFound otherwise
    return view_of(card, locale)


def list_cards(session: Session, user: User, locale: str = "zh_CN", unit_id: int | None = None) -> list[CardView]:
    query = select(FeedbackCard).order_by(FeedbackCard.id.desc()).limit(LIST_LIMIT)
    if unit_id is not None:
        query = query.where(FeedbackCard.unit_id == unit_id)
    from app.bpm.models import ProcessInstance

    cards = list(session.scalars(query))
    instances = {
        i.id: i
        for i in session.scalars(
            select(ProcessInstance).where(ProcessInstance.id.in_([c.instance_id for c in cards if c.instance_id]))
        )
    }
    return [
        view_of(c, locale) for c in cards if c.instance_id in instances and may_view(user, instances[c.instance_id])
    ]


def dump_card(view: CardView) -> dict[str, Any]:
    card = view.card
    return {
        "id": card.id,
        "unit_id": card.unit_id,
        "serial": card.unit.serial,
        "customer_id": card.customer_id,
        "source": card.source,
        "question_set_version": view.version,
        "poor_at_or_below": view.poor_at_or_below,
        "answers": [
            {"position": a.position, "question": a.text, "rating": a.rating, "poor": a.poor} for a in view.answers
        ],
        "comment": card.comment,
        "quality_problem": card.quality_problem,
        "poor": card.poor,
        "status": card.status,
        "action": card.action,
        "action_ref": card.action_ref,
        "action_done_at": card.action_done_at.isoformat() if card.action_done_at else None,
        "qc_note": card.qc_note,
        "recorded_at": card.recorded_at.isoformat(),
        "process_instance_id": card.instance_id,
    }


def unit_section(session: Session, user: User, unit: EquipmentUnit) -> UnitSection:
    """The cards of a unit (R2, R18) that the reader may see, each with its version's questions."""
    views = list_cards(session, user, "zh_CN", unit_id=unit.id)
    return UnitSection(
        name=FEEDBACK_PROCESS,
        template="feedback_card/_unit_section.html",
        values={"cards": views},
        api={"feedback_cards": [dump_card(v) for v in views]},
    )

"""The feedback card's JSON API: cards in (from any source) and out with their version's
questions, and the question sets (each change a new version)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from marshmallow import Schema, fields, validate

from app.bpm.api.openapi import OpenApiPart, operation
from app.bpm.api.schemas import shared
from app.bpm.api.views import _body, _user, auth_required
from app.bpm.db import db
from app.bpm.errors import FormRejected
from app.bpm.web.locale import current_locale
from app.processes.feedback_card import service as cards
from app.processes.feedback_card.service import SOURCES

feedback_api = Blueprint("feedback_card_api", __name__)


class CardIn(Schema):
    equipment_id = fields.Integer(required=True, strict=True)
    source = fields.String(required=True, validate=validate.OneOf(SOURCES))
    ratings = fields.Dict(keys=fields.String(), values=fields.Integer(strict=True), required=True)
    comment = fields.String(load_default="", validate=validate.Length(max=cards.COMMENT_MAX))
    quality_problem = fields.Boolean(load_default=False)
    contact_name = fields.String(load_default="", validate=validate.Length(max=100))
    contact_phone = fields.String(load_default="", validate=validate.Length(max=40))


class QuestionIn(Schema):
    text_zh = fields.String(required=True)
    text_en = fields.String(load_default="")


class QuestionSetIn(Schema):
    questions = fields.List(fields.Nested(QuestionIn), required=True, validate=validate.Length(max=200))
    poor_at_or_below = fields.Integer(load_default=2, strict=True)


def dump_question_set(qset: Any, locale: str) -> dict[str, Any]:
    return {
        "version": qset.version,
        "poor_at_or_below": qset.poor_at_or_below,
        "created_at": qset.created_at.isoformat(),
        "questions": [
            {"id": q.id, "position": q.position, "text_zh": q.text_zh, "text_en": q.text_en, "scale_max": q.scale_max}
            for q in qset.questions
        ],
    }


@feedback_api.post("/feedback-cards")
@auth_required
def post_card() -> Any:
    body = _body(shared(CardIn))
    ratings: dict[int, Any] = {}
    for key, value in body["ratings"].items():
        if not key.isdigit():
            raise FormRejected({"ratings": ["question ids are integers"]})
        ratings[int(key)] = value
    card = cards.CardInput(
        body["equipment_id"],
        body["source"],
        ratings,
        body["comment"],
        body["quality_problem"],
        body["contact_name"],
        body["contact_phone"],
    )
    created = cards.submit_card(db.session(), _user(), card, current_locale())
    return jsonify(cards.dump_card(cards.get_card(db.session(), _user(), created.id, current_locale()))), 201


@feedback_api.get("/feedback-cards")
@auth_required
def get_cards() -> Any:
    unit_id = request.args.get("equipment_id", type=int)
    rows = cards.list_cards(db.session(), _user(), current_locale(), unit_id)
    return jsonify([cards.dump_card(v) for v in rows])


@feedback_api.get("/feedback-cards/<int:card_id>")
@auth_required
def get_card(card_id: int) -> Any:
    return jsonify(cards.dump_card(cards.get_card(db.session(), _user(), card_id, current_locale())))


@feedback_api.get("/feedback-question-sets/current")
@auth_required
def get_current_questions() -> Any:
    return jsonify(dump_question_set(cards.current_question_set(db.session()), current_locale()))


@feedback_api.get("/feedback-question-sets/<int:version>")
@auth_required
def get_questions(version: int) -> Any:
    return jsonify(dump_question_set(cards.question_set(db.session(), version), current_locale()))


@feedback_api.post("/feedback-question-sets")
@auth_required
def post_questions() -> Any:
    body = _body(shared(QuestionSetIn))
    questions = [cards.QuestionText(q["text_zh"], q["text_en"]) for q in body["questions"]]
    saved = cards.save_question_set(db.session(), _user(), questions, body["poor_at_or_below"], current_locale())
    return jsonify(dump_question_set(saved, current_locale())), 201


OPENAPI = OpenApiPart(
    paths={
        "/feedback-cards": {
            "get": operation("Feedback cards the caller may see (?equipment_id=)"),
            "post": operation(
                "Record a card: equipment_id, source (paper|email|portal), ratings {question id: 1..5} for every "
                "question of the current set, comment, quality_problem; starts the feedback_card process",
                body="FeedbackCardIn",
            ),
        },
        "/feedback-cards/{id}": {"get": operation("One card with its version's questions and answers", params=["id"])},
        "/feedback-question-sets/current": {"get": operation("The current question set")},
        "/feedback-question-sets/{version}": {"get": operation("One version of the question set", params=["version"])},
        "/feedback-question-sets": {
            "post": operation(
                "A new version of the questions (after-sales leads): questions [{text_zh, text_en}], poor_at_or_below",
                body="FeedbackQuestionSetIn",
            )
        },
    },
    schemas={
        "FeedbackCardIn": {
            "type": "object",
            "required": ["equipment_id", "source", "ratings"],
            "properties": {
                "equipment_id": {"type": "integer"},
                "source": {"enum": list(SOURCES)},
                "ratings": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1, "maximum": 5}},
                "comment": {"type": "string", "maxLength": 4000},
                "quality_problem": {"type": "boolean"},
                "contact_name": {"type": "string", "maxLength": 100},
                "contact_phone": {"type": "string", "maxLength": 40},
            },
        },
        "FeedbackQuestionSetIn": {
            "type": "object",
            "required": ["questions"],
            "properties": {
                "questions": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"text_zh": {"type": "string"}, "text_en": {"type": "string"}},
                    },
                },
                "poor_at_or_below": {"type": "integer", "minimum": 1, "maximum": 4},
            },
        },
    },
)

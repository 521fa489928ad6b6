"""The feedback card's pages: the cards, a card's intake (the current question set, rated 1–5),
one card read with its own version, and the question set's editing page (a new version)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from app.aftersales.archive import service as archive
from app.bpm.db import db
from app.bpm.errors import Forbidden, FormRejected, ServiceError
from app.bpm.web.locale import current_locale
from app.bpm.web.views import _t, _user, login_required
from app.processes.feedback_card import service as cards
from app.processes.feedback_card.service import SOURCES

feedback_web = Blueprint("feedback_card", __name__, template_folder="templates")
BLANK_ROWS = 2


@feedback_web.get("/feedback-cards")
@login_required
def cards_page() -> str:
    session_ = db.session()
    rows = cards.list_cards(session_, _user(), current_locale())
    return render_template(
        "feedback_card/cards.html",
        rows=rows,
        may_record=cards.may_record(session_, _user()),
        may_edit=cards.may_edit_questions(_user()),
    )


@feedback_web.get("/feedback-cards/new")
@login_required
def new_card() -> Any:
    return _intake_page({}, {})


def _intake_page(values: dict[str, Any], errors: dict[str, list[str]], status: int = 200) -> Any:
    session_ = db.session()
    if not cards.may_record(session_, _user()):
        raise Forbidden("error.forbidden")
    text = (request.args.get("q") or values.get("q") or "").strip()
    chosen = request.args.get("unit_id", type=int) or values.get("unit_id")
    units = archive.search_equipment(session_, _user(), text or None) if text or chosen else []
    if chosen and not any(v.unit.id == chosen for v in units):
        try:
            units = [archive.get_unit(session_, int(chosen)), *units]
        except ServiceError:
            chosen = None
    page = render_template(
        "feedback_card/card_new.html",
        qset=cards.current_question_set(session_),
        units=units,
        q=text,
        chosen=chosen,
        sources=SOURCES,
        values=values,
        errors=errors,
    )
    return page, status


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


@feedback_web.post("/feedback-cards")
@login_required
def record_card() -> Any:
    form = request.form
    values: dict[str, Any] = form.to_dict()
    unit_id = _int(form.get("unit_id"))
    values["unit_id"] = unit_id
    ratings: dict[int, Any] = {}
    for key, raw in form.items():
        if key.startswith("rating_") and (qid := _int(key.removeprefix("rating_"))) is not None:
            ratings[qid] = _int(raw)
    qset = cards.current_question_set(db.session())
    for question in qset.questions:
        ratings.setdefault(question.id, None)
    card = cards.CardInput(
        unit_id=unit_id or 0,
        source=form.get("source", ""),
        ratings=ratings,
        comment=form.get("comment", ""),
        quality_problem=form.get("quality_problem") == "on",
        contact_name=form.get("contact_name", ""),
        contact_phone=form.get("contact_phone", ""),
    )
    try:
        created = cards.submit_card(db.session(), _user(), card, current_locale())
    except FormRejected as err:
        return _intake_page(values, err.errors, 400)
    flash(_t("feedback_card.created", id=created.id), "success")
    return redirect(url_for("feedback_card.card_page", card_id=created.id))


@feedback_web.get("/feedback-cards/<int:card_id>")
@login_required
def card_page(card_id: int) -> str:
    view = cards.get_card(db.session(), _user(), card_id, current_locale())
    return render_template("feedback_card/card.html", view=view)


@feedback_web.get("/feedback-cards/questions")
@login_required
def questions_page() -> Any:
    if not cards.may_edit_questions(_user()):
        raise Forbidden("error.forbidden")
    qset = cards.current_question_set(db.session())
    rows = [{"text_zh": q.text_zh, "text_en": q.text_en} for q in qset.questions]
    return _questions_page(rows, str(qset.poor_at_or_below), {}, qset.version)


def _questions_page(rows: list[dict[str, str]], threshold: str, errors: dict[str, list[str]], version: int) -> Any:
    rows = rows + [{"text_zh": "", "text_en": ""} for _ in range(BLANK_ROWS)]
    page = render_template(
        "feedback_card/questions.html", rows=rows, threshold=threshold, errors=errors, version=version
    )
    return (page, 400) if errors else page


@feedback_web.post("/feedback-cards/questions")
@login_required
def save_questions() -> Any:
    form = request.form
    count = min(_int(form.get("rows")) or 0, 200)
    rows = [{"text_zh": form.get(f"text_zh_{n}", ""), "text_en": form.get(f"text_en_{n}", "")} for n in range(count)]
    threshold = form.get("poor_at_or_below", "")
    questions = [cards.QuestionText(r["text_zh"], r["text_en"]) for r in rows]
    try:
        saved = cards.save_question_set(db.session(), _user(), questions, _int(threshold) or 0, current_locale())
    except FormRejected as err:
        version = cards.current_question_set(db.session()).version
        kept = [r for r in rows if r["text_zh"].strip() or r["text_en"].strip()]
        return _questions_page(kept, threshold, _renumber(err.errors, rows, kept), version)
    flash(_t("feedback_card.questions_saved", version=saved.version), "success")
    return redirect(url_for("feedback_card.questions_page"))


def _renumber(
    errors: dict[str, list[str]], rows: list[dict[str, str]], kept: list[dict[str, str]]
) -> dict[str, list[str]]:
    """The service numbers rows as typed (blank ones included); the page shows only the kept ones."""
    index = {n: kept.index(r) for n, r in enumerate(rows) if r in kept}
    out: dict[str, list[str]] = {}
    for key, messages in errors.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) in index:
            key = f"questions.{index[int(parts[1])]}.{parts[2]}"
        out[key] = messages
    return out

"""The yearly survey in the customer portal: a survey sent to the customer (its task
`record_answers` open) is answered by their contact; the answers complete that task through the
platform's completion, channel `portal`, the contact as respondent."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.aftersales.portal.protocol import LIST_LIMIT, PortalAction, PortalActor, PortalCase, PortalField
from app.bpm import tasks
from app.bpm.errors import NotFound
from app.bpm.models import HumanTask
from app.i18n import translate
from app.processes.satisfaction_survey.models import SurveySend
from app.processes.satisfaction_survey.service import QUESTIONS, SCORES

ANSWER_TASK = "record_answers"


def _open(session: Session, actor: PortalActor) -> list[HumanTask]:
    sent = select(SurveySend.instance_id).where(SurveySend.customer_id == actor.customer_id)
    query = (
        select(HumanTask)
        .where(HumanTask.instance_id.in_(sent), HumanTask.element_id == ANSWER_TASK, HumanTask.status == "ready")
        .order_by(HumanTask.created_at)
        .limit(LIST_LIMIT)
    )
    return list(session.scalars(query))


def cases(session: Session, actor: PortalActor, locale: str) -> list[PortalCase]:
    found = []
    for task in _open(session, actor):
        year = task.instance.data.get("year")
        found.append(PortalCase(task.id, translate("survey.portal.case", locale, year=year or "")))
    return found


def fields(session: Session, actor: PortalActor, locale: str) -> list[PortalField]:
    scale = tuple((str(n), str(n)) for n in SCORES)
    found = [
        PortalField(f"q_{code}", en if locale == "en" else zh, "score", options=scale) for code, zh, en in QUESTIONS
    ]
    found.append(
        PortalField("comment", translate("survey.comment", locale), "textarea", required=False, max_length=4000)
    )
    return found


def handle(
    session: Session, actor: PortalActor, key: str, values: Mapping[str, str], locale: str, now: datetime
) -> None:
    if key not in {t.id for t in _open(session, actor)}:
        raise NotFound("error.not_found")
    data: dict[str, Any] = {"answered_via": "portal", "respondent": actor.name[:100]}
    for code, _zh, _en in QUESTIONS:
        raw = values.get(f"q_{code}", "")
        if raw:
            data[f"q_{code}"] = int(raw) if raw.isdigit() else raw
    if values.get("comment", "").strip():
        data["comment"] = values["comment"].strip()
    tasks.complete_on_behalf(session, actor.account, key, data, locale, now=now)


PORTAL_ACTION = PortalAction(
    name="satisfaction_survey",
    title_key="survey.portal.title",
    done_key="survey.portal.done",
    cases=cases,
    fields=fields,
    handle=handle,
)

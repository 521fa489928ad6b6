"""The feedback card in the customer portal: a contact fills the current question set for one
of their customer's units; the card is recorded with source `portal` and its process started
by nobody (its tasks wait in their lanes), as `submit_card` does for the portal."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.aftersales.archive.models import EquipmentUnit
from app.aftersales.portal.protocol import LIST_LIMIT, PortalAction, PortalActor, PortalCase, PortalField
from app.bpm.errors import NotFound
from app.i18n import translate
from app.processes.feedback_card.service import COMMENT_MAX, CardInput, current_question_set, submit_card

CASE = "card"


def _units(session: Session, actor: PortalActor) -> list[EquipmentUnit]:
    query = (
        select(EquipmentUnit)
        .where(EquipmentUnit.customer_id == actor.customer_id)
        .order_by(EquipmentUnit.serial)
        .limit(LIST_LIMIT)
    )
    return list(session.scalars(query).unique())


def cases(session: Session, actor: PortalActor, locale: str) -> list[PortalCase]:
    return [PortalCase(CASE, translate("feedback_card.portal.case", locale))] if _units(session, actor) else []


def fields(session: Session, actor: PortalActor, locale: str) -> list[PortalField]:
    units = tuple((str(u.id), f"{u.model.name} · {u.serial}") for u in _units(session, actor))
    found = [PortalField("unit_id", translate("feedback_card.portal.unit", locale), "choice", options=units)]
    for q in current_question_set(session).questions:
        scale = tuple((str(n), str(n)) for n in range(1, q.scale_max + 1))
        found.append(PortalField(f"rating_{q.id}", q.text_en if locale == "en" else q.text_zh, "score", options=scale))
    comment = translate("feedback_card.portal.comment", locale)
    found.append(PortalField("comment", comment, "textarea", required=False, max_length=COMMENT_MAX))
    return found


def handle(
    session: Session, actor: PortalActor, key: str, values: Mapping[str, str], locale: str, now: datetime
) -> None:
    units = {str(u.id): u.id for u in _units(session, actor)}
    unit_id = units.get(values.get("unit_id", ""))
    if unit_id is None:  # another customer's unit is "not found", as one that does not exist
        raise NotFound("error.not_found")
    ratings = {}
    for q in current_question_set(session).questions:
        raw = values.get(f"rating_{q.id}", "")
        ratings[q.id] = int(raw) if raw.isdigit() else raw
    card = CardInput(unit_id, "portal", ratings, values.get("comment", ""), contact_name=actor.name)
    submit_card(session, None, card, locale, now)


PORTAL_ACTION = PortalAction(
    name="feedback_card",
    title_key="feedback_card.portal.title",
    done_key="feedback_card.portal.done",
    cases=cases,
    fields=fields,
    handle=handle,
)

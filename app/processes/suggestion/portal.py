"""A suggestion sent from the customer portal: the process starts (by nobody) and its
registration step is completed on the contact's behalf with channel `web`, the contact as
sender; routing and the reply go on as for any suggestion."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from app.aftersales.portal.protocol import PortalAction, PortalActor, PortalCase, PortalField
from app.bpm import tasks
from app.bpm.instances import begin_instance, open_tasks
from app.i18n import translate
from app.processes.suggestion.service import SUGGESTION_PROCESS

CASE = "new"
REGISTER = "register_suggestion"
CONTENT_MAX = 4000


def cases(session: Session, actor: PortalActor, locale: str) -> list[PortalCase]:
    return [PortalCase(CASE, translate("suggestion.portal.case", locale))]


def fields(session: Session, actor: PortalActor, locale: str) -> list[PortalField]:
    return [PortalField("content", translate("suggestion.portal.content", locale), "textarea", max_length=CONTENT_MAX)]


def handle(
    session: Session, actor: PortalActor, key: str, values: Mapping[str, str], locale: str, now: datetime
) -> None:
    instance = begin_instance(session, None, SUGGESTION_PROCESS, {"customer_id": actor.customer_id}, now=now)
    register = next(t for t in open_tasks(session, instance.id) if t.element_id == REGISTER)
    data = {
        "customer_id": actor.customer_id,
        "channel": "web",
        "sender_name": actor.name[:100],
        "sender_contact": actor.email[:200],
        "received_at": now.isoformat(),
        "content": values.get("content", "").strip(),
    }
    if not data["content"]:
        del data["content"]  # the form's own check names the missing field
    tasks.complete_on_behalf(session, actor.account, register.id, data, locale, now=now)


PORTAL_ACTION = PortalAction(
    name="suggestion",
    title_key="suggestion.portal.title",
    done_key="suggestion.portal.done",
    cases=cases,
    fields=fields,
    handle=handle,
)

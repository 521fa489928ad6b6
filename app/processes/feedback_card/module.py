"""Equipment quality feedback cards (《设备质量反馈卡》, R18): bpmn/feedback_card.bpmn with its
plugin (plugin.py), the versioned question sets and the cards (models.py, service.py), pages
(views.py, templates/), API (api.py) and the cards' section of a unit's history."""

from __future__ import annotations

from app.aftersales.portal.protocol import PORTAL_ACTIONS
from app.bpm.modules import Module
from app.bpm.plugins import NavItem
from app.processes.feedback_card.api import OPENAPI, feedback_api
from app.processes.feedback_card.messages import MESSAGES
from app.processes.feedback_card.plugin import feedback_plugin
from app.processes.feedback_card.portal import PORTAL_ACTION
from app.processes.feedback_card.service import FEEDBACK_PROCESS, unit_section
from app.processes.feedback_card.views import feedback_web


def feedback_card_module() -> Module:
    return Module(
        name=FEEDBACK_PROCESS,
        plugin=feedback_plugin(),
        web=feedback_web,
        api=feedback_api,
        nav=(NavItem("feedback_card.cards_page", "nav.feedback_cards"),),
        contributes={"openapi": (OPENAPI,), "unit_history": (unit_section,), PORTAL_ACTIONS: (PORTAL_ACTION,)},
        messages=MESSAGES,
    )

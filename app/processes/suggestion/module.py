"""Customer suggestions (建议/意见, R22): bpmn/suggestion.bpmn with its plugin (plugin.py),
the suggestion's record (models.py) and the suggestions marked for the monthly review
(service.marked_suggestions)."""

from __future__ import annotations

from app.aftersales.portal.protocol import PORTAL_ACTIONS
from app.bpm.modules import Module
from app.processes.suggestion.messages import MESSAGES
from app.processes.suggestion.plugin import suggestion_plugin
from app.processes.suggestion.portal import PORTAL_ACTION
from app.processes.suggestion.service import SUGGESTION_PROCESS


def suggestion_module() -> Module:
    return Module(
        name=SUGGESTION_PROCESS,
        plugin=suggestion_plugin(),
        messages=MESSAGES,
        contributes={PORTAL_ACTIONS: (PORTAL_ACTION,)},
    )

"""The handover at the end of the defect liability period (缺陷责任期结束…签订移交手续):
bpmn/handover.bpmn with its plugin (plugin.py), the handovers (models.py, service.py), the
handover form as a PDF (views.py), its API (api.py), and its section of a unit's history. The
calendar opens it 60 days before the warranty ends (obligation kind `handover`)."""

from __future__ import annotations

from app.bpm.modules import Module
from app.processes.handover.api import OPENAPI, handover_api
from app.processes.handover.messages import MESSAGES
from app.processes.handover.plugin import handover_plugin
from app.processes.handover.service import HANDOVER_PROCESS, unit_section
from app.processes.handover.views import handover_web


def handover_module() -> Module:
    return Module(
        name=HANDOVER_PROCESS,
        plugin=handover_plugin(),
        web=handover_web,
        api=handover_api,
        contributes={"openapi": (OPENAPI,), "unit_history": (unit_section,)},
        messages=MESSAGES,
    )

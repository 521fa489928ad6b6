"""The escalation of an overdue recurring promise (bpmn/obligation_overdue.bpmn): started by the
obligations' calendar pass (app/aftersales/obligations) when a period's due date passed unmet,
it puts a task in the responsible group's worklist."""

from __future__ import annotations

from app.bpm.modules import Module
from app.processes.obligation_overdue.messages import MESSAGES
from app.processes.obligation_overdue.plugin import OVERDUE_PROCESS, overdue_plugin


def obligation_overdue_module() -> Module:
    return Module(name=OVERDUE_PROCESS, plugin=overdue_plugin(), messages=MESSAGES)

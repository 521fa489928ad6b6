"""Complaint handling (客户投诉处理, R12–R17): bpmn/complaint_handling.bpmn. Its diagram and
forms are all it does so far; it has a plugin with no hooks, so that it is listed like every
other process and its later hooks land here."""

from __future__ import annotations

from app.bpm.modules import Module
from app.bpm.plugins import plain_process

COMPLAINT_PROCESS = "complaint_handling"


def complaint_handling_module() -> Module:
    return Module(name=COMPLAINT_PROCESS, plugin=plain_process(COMPLAINT_PROCESS))

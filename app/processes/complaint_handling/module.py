"""Complaint handling (客户投诉处理, R12–R17): bpmn/complaint_handling.bpmn and its plugin
(plugin.py: checks the forms cannot express alone)."""

from __future__ import annotations

from app.bpm.modules import Module
from app.processes.complaint_handling.plugin import COMPLAINT_PROCESS, complaint_plugin


def complaint_handling_module() -> Module:
    return Module(name=COMPLAINT_PROCESS, plugin=complaint_plugin())

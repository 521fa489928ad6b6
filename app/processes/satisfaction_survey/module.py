"""Yearly customer satisfaction survey (满意度调查, R20): bpmn/satisfaction_survey.bpmn with its
plugin, campaigns, answers as rows and the analysis (models.py, service.py), its page and API
(including `GET /reports/satisfaction`)."""

from __future__ import annotations

from app.aftersales.policies import can_read_reports
from app.aftersales.portal.protocol import PORTAL_ACTIONS
from app.aftersales.reports.sections import REPORT_SECTIONS
from app.bpm.modules import Module
from app.bpm.plugins import NavItem
from app.processes.satisfaction_survey.api import OPENAPI, survey_api
from app.processes.satisfaction_survey.messages import MESSAGES
from app.processes.satisfaction_survey.plugin import survey_plugin
from app.processes.satisfaction_survey.portal import PORTAL_ACTION
from app.processes.satisfaction_survey.report_section import SATISFACTION_SECTION
from app.processes.satisfaction_survey.service import SURVEY_PROCESS
from app.processes.satisfaction_survey.views import survey_web


def satisfaction_survey_module() -> Module:
    return Module(
        name=SURVEY_PROCESS,
        plugin=survey_plugin(),
        web=survey_web,
        api=survey_api,
        nav=(NavItem("survey.survey_page", "survey.nav", can_read_reports),),
        messages=MESSAGES,
        contributes={"openapi": (OPENAPI,), REPORT_SECTIONS: (SATISFACTION_SECTION,), PORTAL_ACTIONS: (PORTAL_ACTION,)},
    )

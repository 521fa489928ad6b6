"""Monthly complaint review (客户投诉月度审视与绩效考核, R16): bpmn/complaint_review.bpmn with its
plugin, the review and its assessments (models.py, service.py), pages and API. Its figures
come from the shared complaint report (app/aftersales/reports)."""

from __future__ import annotations

from app.aftersales.policies import can_read_reports
from app.bpm.modules import Module
from app.bpm.plugins import NavItem
from app.processes.complaint_review.api import OPENAPI, review_api
from app.processes.complaint_review.messages import MESSAGES
from app.processes.complaint_review.plugin import review_plugin
from app.processes.complaint_review.service import REVIEW_PROCESS
from app.processes.complaint_review.views import review_web


def complaint_review_module() -> Module:
    return Module(
        name=REVIEW_PROCESS,
        plugin=review_plugin(),
        web=review_web,
        api=review_api,
        nav=(NavItem("review.reviews_page", "review.nav", can_read_reports),),
        messages=MESSAGES,
        contributes={"openapi": (OPENAPI,)},
    )

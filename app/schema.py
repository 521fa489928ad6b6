"""Every table of the product: the platform's, the shared business's and each process's.
Alembic (migrations/env.py) and the architecture test compare this metadata with the
migrations; `create_app` needs no import of it (its modules import their models)."""

from __future__ import annotations

from app.aftersales.approvals import models as approval_models
from app.aftersales.archive import models as archive_models
from app.aftersales.branches import models as branch_models
from app.aftersales.obligations import models as obligation_models
from app.aftersales.portal import models as portal_models
from app.aftersales.reports import models as report_models
from app.aftersales.warehouse import models as warehouse_models
from app.bpm.models import Base
from app.processes.complaint_review import models as review_models
from app.processes.delivery_acceptance import models as delivery_models
from app.processes.feedback_card import models as feedback_models
from app.processes.follow_up import models as follow_up_models
from app.processes.handover import models as handover_models
from app.processes.inspection import models as inspection_models
from app.processes.repair_dispatch import models as repair_models
from app.processes.return_exchange import models as return_models
from app.processes.satisfaction_survey import models as survey_models
from app.processes.software_maintenance import models as software_models
from app.processes.suggestion import models as suggestion_models
from app.processes.training import models as training_models

MODEL_MODULES = (
    archive_models,
    approval_models,
    warehouse_models,
    obligation_models,
    repair_models,
    delivery_models,
    inspection_models,
    follow_up_models,
    feedback_models,
    suggestion_models,
    branch_models,
    training_models,
    return_models,
    review_models,
    survey_models,
    report_models,
    portal_models,
    software_models,
    handover_models,
)
metadata = Base.metadata

__all__ = ["MODEL_MODULES", "Base", "metadata"]

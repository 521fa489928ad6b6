"""Shouhou (售后): BPM for after-sales service. `create_app` only; nothing happens at import.

`create_app` is the composition root: it lists every module of the product explicitly, the
shared after-sales business first, then one line per business process (app/processes/<id>/).
See ARCHITECTURE.md."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask

from .bpm import engine
from .config import Config

if TYPE_CHECKING:
    from app.bpm.modules import Module


def product_modules() -> list[Module]:
    """Every module of the product, in the order of the navigation: the shared after-sales
    business, then one line per business process (a new process adds its line here)."""
    from app.aftersales.approvals.module import approvals_module
    from app.aftersales.archive.module import archive_module
    from app.aftersales.branches.module import branches_module
    from app.aftersales.obligations.module import obligations_module
    from app.aftersales.portal.module import portal_module
    from app.aftersales.reports.module import reports_module
    from app.aftersales.warehouse.module import warehouse_module
    from app.processes.complaint_handling.module import complaint_handling_module
    from app.processes.complaint_review.module import complaint_review_module
    from app.processes.delivery_acceptance.module import delivery_acceptance_module
    from app.processes.feedback_card.module import feedback_card_module
    from app.processes.follow_up.module import follow_up_module
    from app.processes.handover.module import handover_module
    from app.processes.inspection.module import inspection_module
    from app.processes.obligation_overdue.module import obligation_overdue_module
    from app.processes.repair_dispatch.module import repair_dispatch_module
    from app.processes.return_exchange.module import return_exchange_module
    from app.processes.satisfaction_survey.module import satisfaction_survey_module
    from app.processes.software_maintenance.module import software_maintenance_module
    from app.processes.suggestion.module import suggestion_module
    from app.processes.training.module import training_module

    return [
        archive_module(),
        branches_module(),
        approvals_module(),
        warehouse_module(),
        obligations_module(),
        reports_module(),
        portal_module(),
        repair_dispatch_module(),
        complaint_handling_module(),
        complaint_review_module(),
        satisfaction_survey_module(),
        obligation_overdue_module(),
        delivery_acceptance_module(),
        inspection_module(),
        follow_up_module(),
        feedback_card_module(),
        suggestion_module(),
        training_module(),
        return_exchange_module(),
        software_maintenance_module(),
        handover_module(),
    ]


def create_app(
    config: Config | None = None, instance_path: str | None = None, modules: Sequence[Module] | None = None
) -> Flask:
    """The app with the product's modules (or `modules`, for a test that adds one)."""
    app = Flask(__name__, instance_path=instance_path, static_folder="bpm/web/static")
    config = config or Config.from_env(Path(app.instance_path))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(
        SECRET_KEY=config.secret_key,
        MAX_CONTENT_LENGTH=config.max_request_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.secure_cookies,
        WTF_CSRF_TIME_LIMIT=None,
        TESTING=config.testing,
        SHOUHOU=config,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    from app.bpm.modules import assemble, register_blueprints

    modules = product_modules() if modules is None else list(modules)
    installed = assemble(modules)

    from app.bpm.db import db

    engine.configure(config.engine_limits)
    db.init_app(app, config.database_url, installed.registry, config.max_instance_data_bytes)

    from flask_wtf.csrf import CSRFProtect

    csrf = CSRFProtect(app)

    from app.bpm.api import api_blueprint
    from app.bpm.http_errors import register_error_handlers
    from app.bpm.http_security import register_security
    from app.bpm.web import web_blueprint
    from app.cli import register_cli

    for blueprint in (api_blueprint, *installed.api_blueprints):
        csrf.exempt(blueprint)
    app.register_blueprint(web_blueprint)
    app.register_blueprint(api_blueprint, url_prefix="/api/v1")
    register_blueprints(app, modules, installed)
    register_error_handlers(app)
    register_security(app)
    register_cli(app)
    if config.max_concurrent_requests > 0:
        from .limits import ConcurrencyLimit

        app.wsgi_app = ConcurrencyLimit(  # type: ignore[method-assign]
            app.wsgi_app, config.max_concurrent_requests, config.queue_wait_seconds
        )
    if config.trusted_proxies:
        from .proxy import TrustedProxies, parse_networks

        app.wsgi_app = TrustedProxies(  # type: ignore[method-assign]
            app.wsgi_app, parse_networks(config.trusted_proxies)
        )
    return app

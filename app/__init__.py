"""Shouhou (售后): BPM for after-sales service. `create_app` only; nothing happens at import."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from .config import Config


def create_app(config: Config | None = None, instance_path: str | None = None) -> Flask:
    app = Flask(__name__, instance_path=instance_path, static_folder="web/static")
    config = config or Config.from_env(Path(app.instance_path))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(
        SECRET_KEY=config.secret_key,
        MAX_CONTENT_LENGTH=config.max_request_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        TESTING=config.testing,
        SHOUHOU=config,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    from .extensions import db

    db.init_app(app, config.database_url)

    from .services import service_requests

    assert service_requests.REPAIR_PROCESS  # registers the repair process's extension

    from flask_wtf.csrf import CSRFProtect

    csrf = CSRFProtect(app)

    from .api import api_blueprint
    from .cli import register_cli
    from .errors import register_error_handlers
    from .web import web_blueprint

    csrf.exempt(api_blueprint)
    app.register_blueprint(web_blueprint)
    app.register_blueprint(api_blueprint, url_prefix="/api/v1")
    register_error_handlers(app)
    register_cli(app)
    if config.max_concurrent_requests > 0:
        from .limits import ConcurrencyLimit

        app.wsgi_app = ConcurrencyLimit(  # type: ignore[method-assign]
            app.wsgi_app, config.max_concurrent_requests, config.queue_wait_seconds
        )
    return app

"""Every error becomes a clear answer: JSON `{"error": {"code", "message"}}` under /api/,
an HTML page elsewhere, in the user's language; never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from app.bpm.db import db
from app.bpm.errors import DeploymentRejected, FormRejected, ServiceError
from app.bpm.web.locale import current_locale
from app.i18n import translate

log = logging.getLogger("shouhou")

_HTTP_KEYS = {
    400: ("bad_request", "error.bad_request"),
    401: ("unauthorized", "error.unauthorized"),
    403: ("forbidden", "error.forbidden"),
    404: ("not_found", "error.not_found"),
    405: ("method_not_allowed", "error.method"),
    413: ("too_large", "error.too_large"),
    429: ("rate_limited", "error.rate"),
}


def _is_api() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, code: str, message: str, **extra: Any) -> tuple[Response, int] | tuple[str, int]:
    if _is_api():
        body: dict[str, Any] = {"error": {"code": code, "message": message}}
        body.update(extra)
        return jsonify(body), status
    return render_template("error.html", status=status, message=message), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def service_error(err: ServiceError) -> Any:
        locale = current_locale()
        message = translate(err.message_key, locale, **err.params)
        extra: dict[str, Any] = {}
        if isinstance(err, FormRejected):
            extra["errors"] = err.errors
        if isinstance(err, DeploymentRejected):
            extra["problems"] = localized_problems(err.problems, current_locale())
        return error_response(err.status, err.code, message, **extra)

    @app.errorhandler(CSRFError)
    def csrf_error(err: CSRFError) -> Any:
        return error_response(400, "csrf", translate("error.csrf", current_locale()))

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException) -> Any:
        status = err.code or 500
        code, key = _HTTP_KEYS.get(status, ("http_error", "error.bad_request"))
        return error_response(status, code, translate(key, current_locale()))

    @app.errorhandler(DBAPIError)
    def database_error(err: DBAPIError) -> Any:
        db.session().rollback()
        code = getattr(err.orig, "sqlstate", None) or ""
        if code in ("40001", "40P01", "55P03"):  # serialization failure, deadlock, lock timeout
            return error_response(409, "conflict", translate("error.conflict", current_locale()))
        if err.connection_invalidated or code.startswith("08") or code == "57P01":
            log.warning("database unavailable: %s", err.orig)
            return error_response(503, "database_unavailable", translate("error.database", current_locale()))
        log.exception("database error on %s %s", request.method, request.path)
        return error_response(500, "internal", translate("error.internal", current_locale()))

    @app.errorhandler(Exception)
    def unexpected(err: Exception) -> Any:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal", translate("error.internal", current_locale()))


def localized_problems(problems: list[dict[str, Any]], locale: str) -> list[dict[str, Any]]:
    """Deploy problems with a title in the user's language (what kind of problem); `message`
    keeps the detail: the element, what was found and what to change."""
    return [p | {"title": translate(f"problem.{p['code']}", locale)} for p in problems]

"""The user's language. Web pages: zh_CN unless the user switched (?lang= sticks in the
session). API: Accept-Language, else zh_CN."""

from __future__ import annotations

from flask import has_request_context, request, session

from app.i18n import DEFAULT_LOCALE, LOCALES, negotiate


def current_locale() -> str:
    if not has_request_context():
        return DEFAULT_LOCALE
    requested = request.args.get("lang")
    if requested in LOCALES:
        if not request.path.startswith("/api/"):
            session["lang"] = requested
        return requested
    if request.path.startswith("/api/"):
        return negotiate(None, request.headers.get("Accept-Language"))
    lang = session.get("lang")
    return str(lang) if lang in LOCALES else DEFAULT_LOCALE

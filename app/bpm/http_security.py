"""Security headers on every response, and the session cookie's flags.

The Content-Security-Policy runs only the product's own scripts (no inline script, no inline
event handler: the modeler's settings travel as JSON data blocks), loads styles, fonts and
images from the product itself (bpmn-js's icon font is embedded as a data: URL), and lets no
other site frame a page. Only the modeler's page allows inline styles: its bundle (the
properties panel's CodeMirror editor, diagram-js) writes `<style>` elements and style
attributes; every other page, the diagram viewer's included, needs none.

The session cookie is always HttpOnly and SameSite=Lax, and Secure whenever the request came
over HTTPS (or always, with `Config.secure_cookies`)."""

from __future__ import annotations

from flask import Flask, Response, g, has_request_context, request
from flask.sessions import SecureCookieSessionInterface


def _policy(styles: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            f"style-src {styles}",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


CONTENT_SECURITY_POLICY = _policy("'self'")
WITH_INLINE_STYLES = _policy("'self' 'unsafe-inline'")

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure on HTTPS requests even when not configured so."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (has_request_context() and request.is_secure)


def allow_inline_styles() -> None:
    """This page's scripts write inline styles (the modeler's bundle): relax style-src for it."""
    g.csp_inline_styles = True


def _add_headers(response: Response) -> Response:
    policy = WITH_INLINE_STYLES if g.get("csp_inline_styles") else CONTENT_SECURITY_POLICY
    response.headers.setdefault("Content-Security-Policy", policy)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def register_security(app: Flask) -> None:
    app.session_interface = SessionCookies()
    app.after_request(_add_headers)

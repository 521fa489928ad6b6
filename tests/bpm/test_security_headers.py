"""Security headers on every response (issue 12): a Content-Security-Policy that runs no inline
script and lets no site frame a page, nosniff, a referrer policy, session cookie flags, and no
server software named by gunicorn."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest
from flask import Flask

from harness.servers import LiveServer, gunicorn
from harness.web_client import WebClient

PAGES = ["/login", "/", "/instances", "/processes", "/modeler/complaint_handling", "/modeler"]


@pytest.fixture(scope="module")
def base(live_server: LiveServer) -> str:
    return live_server.url


def _headers(url: str, cookie: str | None = None) -> dict[str, str]:
    request = urllib.request.Request(url)
    if cookie:
        request.add_header("Cookie", cookie)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            return {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as err:
        err.read()
        return {k.lower(): v for k, v in err.headers.items()}


def _directives(policy: str) -> dict[str, str]:
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in (p.strip() for p in policy.split(";")) if part}


@pytest.mark.parametrize(
    "path", ["/login", "/api/v1/openapi.json", "/api/v1/tasks", "/static/app.css", "/no-such-page", "/favicon.ico"]
)
def test_every_response_carries_the_security_headers(base: str, path: str) -> None:
    headers = _headers(base + path)
    csp = _directives(headers["content-security-policy"])
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"


def test_no_page_has_an_inline_script_or_handler(base: str) -> None:
    owner = WebClient(base)
    owner.login("process_owners1")
    for path in PAGES:
        status, page = owner.get(path)
        assert status == 200, path
        for tag in re.findall(r"<script\b[^>]*>", page):
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)
        assert not re.search(r"\son[a-z]+\s*=", page), path
        assert not re.search(r"\sstyle\s*=", page), path
    _, preview = owner.post_json(
        "/modeler/forms/preview", {"name": "x", "schema": {"title": "x", "properties": {}}}, csrf_from="/modeler"
    )
    assert "onsubmit" not in preview


def test_only_the_modeler_allows_inline_styles(base: str) -> None:
    owner = WebClient(base)
    owner.login("process_owners1")
    cookie = "; ".join(f"{c.name}={c.value}" for c in owner.cookies)
    modeler = _directives(_headers(f"{base}/modeler/complaint_handling", cookie)["content-security-policy"])
    assert modeler["style-src"] == "'self' 'unsafe-inline'" and modeler["script-src"] == "'self'"
    viewer = _directives(_headers(f"{base}/processes", cookie)["content-security-policy"])
    assert viewer["style-src"] == "'self'"


def test_the_session_cookie_is_httponly_lax_and_secure_over_https(app: Flask) -> None:
    for scheme, secure in (("http", False), ("https", True)):
        client = app.test_client()
        root = f"{scheme}://localhost"
        page = client.get("/login", base_url=root).get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token
        form = {"username": "qc1", "password": "shouhou-demo", "csrf_token": token.group(1)}
        response = client.post("/login", data=form, base_url=root, headers={"Referer": f"{root}/login"})
        assert response.status_code == 302
        cookie = response.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert ("; Secure" in cookie) is secure, (scheme, cookie)


def test_gunicorn_names_no_server_software(app: Flask, database_url: str) -> None:
    with gunicorn(database_url, processes=1, threads=2) as url:
        headers = _headers(f"{url}/login")
    assert "gunicorn" not in " ".join(f"{k}: {v}" for k, v in headers.items()).lower()
    assert headers.get("server", "") == ""
    assert "content-security-policy" in headers

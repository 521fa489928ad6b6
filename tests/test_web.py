"""Server-rendered pages over real HTTP (no browser): CSRF, log-in, redirects."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request

from .conftest import LiveServer


def _post(url: str, fields: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def test_form_posts_without_csrf_token_are_refused(live_server: LiveServer) -> None:
    status, body = _post(f"{live_server.url}/login", {"username": "after_sales1", "password": "shouhou-demo"})
    assert status == 400
    assert "页面已过期" in body


def test_pages_need_a_login(live_server: LiveServer) -> None:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(f"{live_server.url}/instances/1", timeout=30)
        raise AssertionError("expected a redirect")
    except urllib.error.HTTPError as err:
        assert err.code == 302
        assert "/login" in err.headers["Location"]

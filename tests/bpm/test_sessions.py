"""Signing in and out (issue 12): server-side web sessions that logout, a password change and
an admin end; API tokens that can be revoked; log-in throttling per account and per address,
checked before any password hash is computed."""

from __future__ import annotations

import copy
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bpm import access, users
from app.bpm.logins import Throttle, TooManyAttempts, sign_in
from app.bpm.models import AuditEvent, LoginAttempt, WebSession, utcnow
from harness.apps import build_app
from harness.http_client import call, login
from harness.servers import LiveServer
from harness.web_client import WebClient

API = "/api/v1"
PER_ACCOUNT = 3


@pytest.fixture(scope="module")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The module's own app: three failures lock an account (the tests stay short)."""
    limits = {"login_failures_per_account": PER_ACCOUNT, "login_failures_per_address": 50}
    application = build_app(database_url, tmp_path_factory.mktemp("app"), **limits)
    yield application
    application.extensions["shouhou_db"].engine.dispose()


@pytest.fixture
def base(live_server: LiveServer) -> str:
    return live_server.url


def _new_user(committed_session: Session, username: str) -> int:
    """A user of this test alone (changing passwords and locking accounts touch no demo user)."""
    user = users.ensure_user(committed_session, username, username, "shouhou-demo", [])
    committed_session.commit()
    return user.id


def _signed_in(client: WebClient) -> bool:
    status, body = client.get("/")
    return status == 200 and 'id="current-user"' in body


def _with_cookies_of(base: str, client: WebClient) -> WebClient:
    """Another browser holding a copy of `client`'s cookies (a stolen cookie)."""
    thief = WebClient(base)
    for cookie in client.cookies:
        thief.cookies.set_cookie(copy.copy(cookie))
    return thief


def _raw(base: str, method: str, path: str, body: object) -> tuple[int, dict[str, str], object]:
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), json.loads(err.read())


# --- web sessions ---------------------------------------------------------------------------
def test_logout_ends_the_session_for_a_copied_cookie_too(base: str) -> None:
    browser = WebClient(base)
    browser.login("after_sales1")
    thief = _with_cookies_of(base, browser)
    assert _signed_in(thief)  # the copy works while the session lives
    assert browser.post("/logout", {}, csrf_from="/")[0] == 200
    assert not _signed_in(browser)
    assert not _signed_in(thief)


def test_changing_the_password_ends_every_other_session_and_token(base: str, committed_session: Session) -> None:
    _new_user(committed_session, "pw_changer")
    here, elsewhere = WebClient(base), WebClient(base)
    here.login("pw_changer")
    elsewhere.login("pw_changer")
    token = login(base, "pw_changer")
    fields = {"current_password": "shouhou-demo", "new_password": "a-new-secret-1"}
    status, body = here.post("/account/password", fields, csrf_from="/account/password")
    assert status == 200 and 'id="current-user"' in body
    assert _signed_in(here)  # the session in use stays
    assert not _signed_in(elsewhere)
    assert call(base, "GET", f"{API}/tasks", token=token)[0] == 401
    assert call(base, "POST", f"{API}/auth/token", {"username": "pw_changer", "password": "shouhou-demo"})[0] == 401
    login(base, "pw_changer", "a-new-secret-1")


def test_a_wrong_current_password_changes_nothing(base: str, committed_session: Session) -> None:
    _new_user(committed_session, "pw_keeper")
    here, elsewhere = WebClient(base), WebClient(base)
    here.login("pw_keeper")
    elsewhere.login("pw_keeper")
    fields = {"current_password": "not-it", "new_password": "a-new-secret-1"}
    status, body = here.post("/account/password", fields, csrf_from="/account/password")
    assert status == 400 and "当前密码不正确" in body
    assert _signed_in(elsewhere)
    login(base, "pw_keeper")


def test_an_admin_ends_every_session_and_token_of_a_user(base: str, committed_session: Session) -> None:
    user_id = _new_user(committed_session, "leaver")
    browser = WebClient(base)
    browser.login("leaver")
    token = login(base, "leaver")
    status, _ = call(base, "POST", f"{API}/users/{user_id}/revoke-access", token=login(base, "auditors1"))
    assert status == 403
    assert _signed_in(browser)
    status, body = call(base, "POST", f"{API}/users/{user_id}/revoke-access", token=login(base, "admins1"))
    assert status == 200 and body == {"sessions_ended": 1, "tokens_revoked": 1}
    assert not _signed_in(browser)
    assert call(base, "GET", f"{API}/tasks", token=token)[0] == 401
    events = committed_session.scalars(select(AuditEvent).where(AuditEvent.action == "access_revoked")).all()
    assert [(e.actor_name, e.details["user"]) for e in events if e.details] == [("admins1", "leaver")]


# --- API tokens -----------------------------------------------------------------------------
def test_a_token_is_revoked_by_deleting_it(base: str) -> None:
    token, other = login(base, "qc1"), login(base, "qc1")
    assert call(base, "GET", f"{API}/tasks", token=token)[0] == 200
    assert call(base, "DELETE", f"{API}/auth/token", token=token)[0] == 204
    assert call(base, "GET", f"{API}/tasks", token=token)[0] == 401
    assert call(base, "DELETE", f"{API}/auth/token", token=token)[0] == 401
    assert call(base, "GET", f"{API}/tasks", token=other)[0] == 200  # only the presented token
    _, document = call(base, "GET", f"{API}/openapi.json")
    assert "204" in document["paths"]["/auth/token"]["delete"]["responses"]


# --- throttling -----------------------------------------------------------------------------
def test_wrong_passwords_lock_the_account_over_the_api(base: str, committed_session: Session) -> None:
    _new_user(committed_session, "guessed")
    wrong = {"username": "guessed", "password": "guess"}
    for _ in range(PER_ACCOUNT):
        assert _raw(base, "POST", f"{API}/auth/token", wrong)[0] == 401
    status, headers, body = _raw(base, "POST", f"{API}/auth/token", wrong)
    assert status == 429 and int(headers["Retry-After"]) > 0
    assert isinstance(body, dict) and body["error"]["code"] == "too_many_attempts"
    right = {"username": "guessed", "password": "shouhou-demo"}
    assert _raw(base, "POST", f"{API}/auth/token", right)[0] == 429  # even the right one, until it passes
    failed = committed_session.scalars(select(AuditEvent).where(AuditEvent.action == "login_failed")).all()
    assert sum(1 for e in failed if e.details and e.details["username"] == "guessed") == PER_ACCOUNT


def test_the_login_page_says_why_in_the_users_language(base: str, committed_session: Session) -> None:
    _new_user(committed_session, "guessed_web")
    browser = WebClient(base)
    browser.get("/login?lang=en")
    for _ in range(PER_ACCOUNT):
        status, body = browser.post("/login", {"username": "guessed_web", "password": "x"}, csrf_from="/login")
        assert status == 401 and "Wrong user name or password" in body
    status, body = browser.post("/login", {"username": "guessed_web", "password": "x"}, csrf_from="/login")
    assert status == 429 and "Too many failed log-ins; try again in 15 minutes." in body


def test_parallel_guesses_reach_the_password_hash_at_most_the_limit(base: str, committed_session: Session) -> None:
    _new_user(committed_session, "flooded")
    wrong = {"username": "flooded", "password": "guess"}
    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(lambda _: _raw(base, "POST", f"{API}/auth/token", wrong)[0], range(16)))
    assert statuses.count(401) <= PER_ACCOUNT
    assert statuses.count(429) >= 16 - PER_ACCOUNT
    assert set(statuses) <= {401, 429}


THROTTLE = Throttle(timedelta(minutes=15), per_account=3, per_address=5)


def test_a_success_resets_the_accounts_count(session: Session) -> None:
    now = utcnow()
    for _ in range(2):
        assert sign_in(session, THROTTLE, "qc1", "wrong", "192.0.2.1", now) is None
    user = sign_in(session, THROTTLE, "qc1", "shouhou-demo", "192.0.2.1", now)
    assert user is not None and user.username == "qc1"
    for _ in range(3):
        assert sign_in(session, THROTTLE, "qc1", "wrong", "192.0.2.1", now) is None
    with pytest.raises(TooManyAttempts):
        sign_in(session, THROTTLE, "qc1", "shouhou-demo", "192.0.2.1", now)


def test_an_address_guessing_many_accounts_is_throttled(session: Session) -> None:
    now = utcnow()
    for number in range(5):
        assert sign_in(session, THROTTLE, f"nobody{number}", "wrong", "198.51.100.7", now) is None
    with pytest.raises(TooManyAttempts) as refused:
        sign_in(session, THROTTLE, "qc1", "shouhou-demo", "198.51.100.7", now + timedelta(minutes=5))
    assert refused.value.retry_after == 10 * 60  # when the oldest failure leaves the window
    assert sign_in(session, THROTTLE, "qc1", "shouhou-demo", "203.0.113.5", now) is not None  # another address
    later = now + timedelta(minutes=16)
    assert sign_in(session, THROTTLE, "qc1", "shouhou-demo", "198.51.100.7", later) is not None
    stale = session.scalars(select(LoginAttempt).where(LoginAttempt.address == "198.51.100.7")).all()
    assert stale == []  # old attempts are pruned, the successful account's are reset


def test_an_idle_session_ends_and_is_pruned_at_the_next_log_in(session: Session) -> None:
    qc = users.active_user(session, "qc1")
    assert qc is not None
    idle, start = timedelta(hours=12), utcnow()
    old = access.open_session(session, qc, "browser", "192.0.2.1", idle, now=start)
    seen = access.user_for_session(session, old, idle, now=start + timedelta(hours=11))
    assert seen is not None and seen.username == "qc1" and "qc" in {g.id for g in seen.groups}
    later = start + timedelta(hours=11) + idle  # eleven hours of use moved its idle clock on
    assert access.user_for_session(session, old, idle, now=later - timedelta(minutes=1)) is not None
    assert access.user_for_session(session, old, idle, now=later + idle) is None
    access.open_session(session, qc, "browser", "192.0.2.1", idle, now=later + idle)
    rows = session.scalars(select(WebSession).where(WebSession.user_id == qc.id)).all()
    assert len(rows) == 1 and rows[0].token_hash != users.secret_digest(old)

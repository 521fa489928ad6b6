"""The production shape with its front (P6, issue 12): Debian's nginx configured by
deploy/nginx.conf.template in front of gunicorn. Slow clients wait on nginx, never on
gunicorn's threads; load beyond capacity gets 503 with Retry-After at once instead of queueing;
nginx names no version, the app's headers pass, and the app sees each client's own address.

One stack (gunicorn 2 processes x 4 threads, nginx) for the module, on a SQLite file database;
every process is stopped by the fixture's teardown, whatever a test did. The bounds below are
functional (seconds where a stalled or queueing server takes tens), not benchmarks."""

from __future__ import annotations

import http.client
import json
import re
import select
import socket
import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

import pytest

from app.bpm.http_security import HEADERS
from app.config import Config
from app.limits import BUSY_MESSAGE
from app.proxy import TrustedProxies, parse_networks
from harness.apps import build_app
from harness.http_client import login
from harness.servers import API, NGINX_TEMPLATE, gunicorn, nginx, request_limit

PROCESSES, THREADS = 2, 4
CAPACITY = PROCESSES * request_limit(THREADS)  # what nginx lets through to gunicorn at once
BODY_TIMEOUT = 10  # client_body_timeout in the template
ADDRESS_LIMIT = 3  # failed log-ins per address for this module's gunicorn


@dataclass
class Stack:
    nginx: str
    gunicorn: str
    database: Path
    access_log: Path


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("proxy")
    database = tmp / "shouhou.sqlite3"
    url = f"sqlite:///{database}"
    build_app(url, tmp).extensions["shouhou_db"].engine.dispose()
    access_log = tmp / "gunicorn-access.log"
    settings = {
        "SHOUHOU_ACCESS_LOG": str(access_log),
        "SHOUHOU_LOGIN_FAILURES_PER_ADDRESS": str(ADDRESS_LIMIT),
    }
    with (
        gunicorn(url, processes=PROCESSES, threads=THREADS, **settings) as upstream,
        nginx(upstream, CAPACITY) as front,
    ):
        yield Stack(front, upstream, database, access_log)


@dataclass
class Answer:
    status: int
    headers: Message
    body: bytes
    seconds: float

    def json(self) -> dict[str, object]:
        loaded: dict[str, object] = json.loads(self.body)
        return loaded


def fetch(
    base: str,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    source: str | None = None,
) -> Answer:
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60, source_address=(source, 0) if source else None)
    started = time.monotonic()
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        payload = response.read()
    finally:
        connection.close()
    return Answer(response.status, response.msg, payload, time.monotonic() - started)


def _slow_client(base: str) -> socket.socket:
    """A log-in whose headers arrive whole and whose body then trickles (no log-in needed)."""
    host, port = base.removeprefix("http://").split(":")
    client = socket.create_connection((host, int(port)), timeout=5)
    client.sendall(
        f"POST {API}/auth/token HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        "Content-Length: 4096\r\n\r\n{".encode()
    )
    return client


def _ended(client: socket.socket, within: float) -> bytes:
    """What the server sent before closing (b"" for a bare close), waiting at most `within`."""
    client.settimeout(within)
    received = b""
    try:
        while chunk := client.recv(4096):
            received += chunk
    except (ConnectionResetError, TimeoutError):
        pass  # reset, or (nginx lingering after its answer) still open when the wait ran out
    return received


def _logged(stack: Stack, needle: str) -> int:
    """How many requests gunicorn's access log has with `needle` in their line."""
    return sum(needle in line for line in stack.access_log.read_text().splitlines())


def _logged_at_least(stack: Stack, needle: str, count: int) -> int:
    """`_logged`, once it reaches `count` (gunicorn writes each line after its answer)."""
    deadline = time.monotonic() + 5
    while (seen := _logged(stack, needle)) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return seen


def test_slow_clients_wait_on_nginx_while_everyone_else_is_served(stack: Stack) -> None:
    logins_before = _logged(stack, f"POST {API}/auth/token")
    clients = [_slow_client(stack.nginx) for _ in range(64)]
    try:
        for _ in range(2):  # one byte per 2 s from each, as in the finding that stalled gunicorn
            time.sleep(2)
            for client in clients:
                client.sendall(b" ")
        page = fetch(stack.nginx, "GET", "/login")
        token = fetch(
            stack.nginx,
            "POST",
            f"{API}/auth/token",
            json.dumps({"username": "after_sales1", "password": "shouhou-demo"}).encode(),
            {"Content-Type": "application/json"},
        )
        answered, _, _ = select.select(clients, [], [], 0)
        assert not answered  # all 64 still connected, mid-body, unanswered
        assert page.status == 200 and page.seconds < 3, page
        assert token.status == 200 and token.seconds < 3, token
        # now silent: nginx drops each once client_body_timeout has passed without a byte
        silent = time.monotonic()
        endings = [_ended(client, BODY_TIMEOUT + 10) for client in clients]
        waited = time.monotonic() - silent
    finally:
        for client in clients:
            client.close()
    assert all(ending == b"" or ending.startswith(b"HTTP/1.1 408") for ending in endings), endings[:3]
    assert BODY_TIMEOUT - 1 <= waited < BODY_TIMEOUT + 10
    # gunicorn saw the one whole log-in, none of the 64 half-sent ones
    assert _logged_at_least(stack, f"POST {API}/auth/token", logins_before + 1) == logins_before + 1


@contextmanager
def _database_locked(path: Path) -> Iterator[None]:
    """Hold SQLite's write lock: every request's transaction (BEGIN IMMEDIATE) waits for it,
    so each request gunicorn admits stays in flight for as long as the test says."""
    connection = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        connection.execute("BEGIN IMMEDIATE")
        yield
        connection.execute("ROLLBACK")
    finally:
        connection.close()


def _overload(base: str, token: str, database: Path, requests: int, hold: float) -> tuple[list[Answer], float]:
    """`requests` worklist calls at once while the database is locked for `hold` seconds;
    their answers, and when (seconds from the start) the lock was released."""
    started = time.monotonic()
    headers = {"Authorization": f"Bearer {token}"}
    with ThreadPoolExecutor(max_workers=requests) as pool:
        with _database_locked(database):
            futures = [pool.submit(fetch, base, "GET", f"{API}/tasks", None, headers) for _ in range(requests)]
            time.sleep(hold)
        released = time.monotonic() - started
        return [future.result() for future in futures], released


def _busy(answer: Answer) -> bool:
    return (
        answer.status == 503
        and answer.headers.get("Retry-After") == "1"
        and answer.json() == {"error": {"code": "overloaded", "message": BUSY_MESSAGE}}
    )


def test_load_beyond_capacity_gets_503_at_once_through_nginx(stack: Stack) -> None:
    token = login(stack.nginx, "after_sales1")
    answers, released = _overload(stack.nginx, token, stack.database, requests=40, hold=4)
    refused = [answer for answer in answers if answer.status == 503]
    served = [answer for answer in answers if answer.status == 200]
    assert len(refused) + len(served) == 40, [answer.status for answer in answers]
    assert len(served) <= CAPACITY and len(refused) >= 40 - CAPACITY
    assert all(_busy(answer) for answer in refused)
    assert max(answer.seconds for answer in refused) < 2.5  # answered, not queued behind the lock
    assert max(answer.seconds for answer in answers) < released + 5  # and nobody waited beyond it


def test_gunicorn_keeps_a_thread_free_to_refuse(stack: Stack) -> None:
    """Without nginx too: each process runs fewer requests than it has threads, so the spare
    thread answers 503 within SHOUHOU_QUEUE_WAIT (0.5 s) while the others wait on the lock."""
    assert request_limit(THREADS) < THREADS and request_limit(1) == 1
    token = login(stack.gunicorn, "after_sales1")
    answers, _ = _overload(stack.gunicorn, token, stack.database, requests=24, hold=3)
    assert {answer.status for answer in answers} <= {200, 503}
    assert any(_busy(answer) and answer.seconds < 1.5 for answer in answers), [
        (answer.status, round(answer.seconds, 2)) for answer in answers
    ]


def test_nginx_names_no_version_and_the_app_headers_pass(stack: Stack) -> None:
    page = fetch(stack.nginx, "GET", "/login")
    assert page.status == 200
    assert page.headers.get_all("Server") == ["nginx"]
    for name in [*HEADERS, "Content-Security-Policy"]:
        assert len(page.headers.get_all(name) or []) == 1, name
        assert page.headers[name] == fetch(stack.gunicorn, "GET", "/login").headers[name]
    missing = fetch(stack.nginx, "GET", "/no-such-page")
    assert missing.status == 404 and missing.headers.get_all("Server") == ["nginx"]
    assert b"nginx/" not in missing.body


def test_nginx_serves_static_files_itself(stack: Stack) -> None:
    css = fetch(stack.nginx, "GET", "/static/app.css")
    assert css.status == 200 and css.headers["Content-Type"] == "text/css"
    assert css.headers["X-Content-Type-Options"] == "nosniff"
    pages = _logged(stack, "GET /login")
    assert fetch(stack.nginx, "GET", "/login").status == 200
    assert _logged_at_least(stack, "GET /login", pages + 1) == pages + 1  # gunicorn logs what it serves
    assert _logged(stack, "/static/") == 0


def test_nginx_refuses_a_body_beyond_the_apps_limit_before_reading_it(stack: Stack) -> None:
    match = re.search(r"client_max_body_size (\d+)m;", NGINX_TEMPLATE.read_text())
    assert match and int(match[1]) * 1024 * 1024 == Config().max_request_bytes
    host, port = stack.nginx.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as client:
        client.sendall(
            f"POST {API}/auth/token HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {Config().max_request_bytes + 1}\r\n\r\n".encode()
        )
        head = _ended(client, 5)
    assert head.startswith(b"HTTP/1.1 413"), head[:200]
    body = json.loads(head.split(b"\r\n\r\n", 1)[1])
    assert body["error"]["code"] == "too_large"


def _failed_login(base: str, source: str, attempt: str, headers: dict[str, str] | None = None) -> int:
    body = json.dumps({"username": f"nobody-{attempt}", "password": "wrong"}).encode()
    return fetch(
        base, "POST", f"{API}/auth/token", body, {"Content-Type": "application/json", **(headers or {})}, source
    ).status


def test_the_app_sees_each_clients_own_address_through_nginx(stack: Stack) -> None:
    """Log-in throttling counts per client address: one address at its limit locks out only
    itself, and a client cannot pose as another by sending X-Forwarded-For itself."""
    spoofed = {"X-Forwarded-For": "127.0.0.9"}
    statuses = [_failed_login(stack.nginx, "127.0.0.2", str(n), spoofed) for n in range(ADDRESS_LIMIT + 1)]
    assert statuses == [401] * ADDRESS_LIMIT + [429], statuses
    assert _failed_login(stack.nginx, "127.0.0.9", "other") == 401  # the spoofed address was never counted
    body = json.dumps({"username": "after_sales1", "password": "shouhou-demo"}).encode()
    other = fetch(stack.nginx, "POST", f"{API}/auth/token", body, {"Content-Type": "application/json"}, "127.0.0.3")
    assert other.status == 200, other


def test_the_scheme_comes_from_nginx_not_from_the_client(stack: Stack) -> None:
    """gunicorn takes X-Forwarded-Proto from the proxy (so the session cookie is Secure behind
    TLS); nginx replaces whatever the client sent."""
    https = {"X-Forwarded-Proto": "https"}
    assert "; Secure" in fetch(stack.gunicorn, "GET", "/login", headers=https).headers["Set-Cookie"]
    assert "; Secure" not in fetch(stack.nginx, "GET", "/login", headers=https).headers["Set-Cookie"]


def test_forwarded_for_counts_only_from_a_trusted_proxy() -> None:
    seen: list[str] = []

    def app(environ: dict[str, object], start_response: object) -> list[bytes]:
        seen.append(str(environ["REMOTE_ADDR"]))
        return []

    middleware = TrustedProxies(app, parse_networks("127.0.0.1, 10.0.0.0/8"))
    for peer, forwarded in [
        ("127.0.0.1", "198.51.100.7"),  # from nginx: the client nginx saw
        ("10.1.2.3", "203.0.113.5, 198.51.100.8"),  # the last entry: the one the proxy added
        ("192.0.2.1", "198.51.100.9"),  # from anyone else: ignored
        ("127.0.0.1", "not-an-address"),  # garbage: ignored
    ]:
        middleware({"REMOTE_ADDR": peer, "HTTP_X_FORWARDED_FOR": forwarded}, lambda *_: None)
    assert seen == ["198.51.100.7", "198.51.100.8", "192.0.2.1", "127.0.0.1"]

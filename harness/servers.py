"""Real servers for tests and benchmarks: gunicorn in the production shape, Debian's nginx in
front of it (deploy/nginx.conf.template), and any command run for the length of a `with` block
(stopped with SIGTERM, killed if it lingers)."""

from __future__ import annotations

import os
import pwd
import runpy
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.serving import make_server

from harness.http_client import call

ROOT = Path(__file__).resolve().parent.parent
API = "/api/v1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running(command: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def _wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        try:
            if call(base, "GET", f"{API}/openapi.json")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError("gunicorn did not come up")


@contextmanager
def gunicorn(database_url: str, processes: int = 2, threads: int = 4, **extra: str) -> Iterator[str]:
    port = free_port()
    env = os.environ | {
        "SHOUHOU_DATABASE_URL": database_url,
        "SHOUHOU_SECRET_KEY": "production-shape-test",
        "SHOUHOU_BIND": f"127.0.0.1:{port}",
        "SHOUHOU_WEB_PROCESSES": str(processes),
        "SHOUHOU_WEB_THREADS": str(threads),
        **extra,
    }
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:create_app()"]
    with running(command, env) as process:
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(base, process)
        yield base


def request_limit(threads: int) -> int:
    """SHOUHOU_MAX_CONCURRENT as gunicorn.conf.py sets it for that many threads."""
    limit = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["request_limit"]
    return int(limit(threads))


NGINX_TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
STATIC = ROOT / "app" / "bpm" / "web" / "static"


def render_nginx_conf(listen: str, upstream: str, capacity: int, runtime: Path) -> str:
    """deploy/nginx.conf.template with its @WORD@s replaced; nginx's workers run as this
    process's user, so that they read the repository and `runtime` wherever those are."""
    words = {
        "@LISTEN@": listen,
        "@GUNICORN@": upstream,
        "@CAPACITY@": str(capacity),
        "@STATIC@": str(STATIC),
        "@RUNTIME@": str(runtime),
        "@USER@": pwd.getpwuid(os.geteuid()).pw_name,
    }
    text = NGINX_TEMPLATE.read_text(encoding="utf-8")
    for word, value in words.items():
        text = text.replace(word, value)
    return text


def nginx_binary() -> str | None:
    return shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


@contextmanager
def nginx(upstream: str, capacity: int) -> Iterator[str]:
    """Debian's nginx (scripts/setup.sh installs it) in the foreground with the repository's
    configuration, its pid, logs and buffers in a directory of its own, on a free port, in
    front of the gunicorn at `upstream` (`http://host:port`); yields nginx's base URL."""
    binary = nginx_binary()
    assert binary, "nginx is missing: scripts/setup.sh installs Debian's nginx (apt-get install nginx)"
    runtime = Path(tempfile.mkdtemp(prefix="shouhou-nginx-"))
    try:
        port = free_port()
        conf = runtime / "nginx.conf"
        conf.write_text(
            render_nginx_conf(f"127.0.0.1:{port}", upstream.removeprefix("http://"), capacity, runtime),
            encoding="utf-8",
        )
        command = [binary, "-p", str(runtime), "-c", str(conf), "-g", "daemon off;"]
        with running(command, dict(os.environ)) as process:
            _wait_for_port(port, process, runtime / "error.log")
            yield f"http://127.0.0.1:{port}"
    finally:
        shutil.rmtree(runtime, ignore_errors=True)


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stderr = process.stderr.read().decode() if process.stderr else ""
            raise AssertionError(f"nginx exited: {stderr} {log.read_text() if log.exists() else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("nginx did not come up")


class LiveServer:
    def __init__(self, app: Flask) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.thread.join(5)

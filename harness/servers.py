"""Real servers for tests and benchmarks: gunicorn in the production shape, and any command
run for the length of a `with` block (stopped with SIGTERM, killed if it lingers)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
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

"""Refuse work beyond capacity instead of queueing it until clients time out (P6).

A WSGI middleware: at most `limit` requests run at once in this process; one that cannot start
within `wait` seconds gets 503 with Retry-After, in JSON under /api/ and as a short page
elsewhere. Static files are not counted.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from typing import Any

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
# in both languages: the request never reached the app's i18n (nginx's own 503s say the same)
BUSY_MESSAGE = "服务繁忙，请稍后重试。 / Busy; retry shortly."


class ConcurrencyLimit:
    def __init__(self, app: WSGIApp, limit: int, wait: float = 0.5) -> None:
        self.app = app
        self.slots = threading.BoundedSemaphore(limit)
        self.wait = wait

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/static/"):
            return self.app(environ, start_response)
        if not self.slots.acquire(timeout=self.wait):
            return _busy(path, start_response)
        try:
            result = self.app(environ, start_response)
            try:
                return list(result)  # the body is built while holding the slot
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        finally:
            self.slots.release()


def _busy(path: str, start_response: Callable[..., Any]) -> Iterable[bytes]:
    if path.startswith("/api/"):
        message = {"error": {"code": "overloaded", "message": BUSY_MESSAGE}}
        body = json.dumps(message, ensure_ascii=False).encode("utf-8")
        content_type = "application/json"
    else:
        body = f"<!doctype html><title>503</title><p>{BUSY_MESSAGE}</p>".encode()
        content_type = "text/html; charset=utf-8"
    start_response(
        "503 Service Unavailable",
        [("Content-Type", content_type), ("Retry-After", "1"), ("Content-Length", str(len(body)))],
    )
    return [body]

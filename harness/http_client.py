"""A tiny JSON-over-HTTP client for tests (urllib; real sockets, no test client)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


def call(
    base: str,
    method: str,
    path: str,
    body: Any = None,
    token: str | None = None,
    raw: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(base + path, data=data, method=method)
    for key, value in ({"Content-Type": "application/json"} | (headers or {})).items():
        request.add_header(key, value)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, payload = response.status, response.read()
    except urllib.error.HTTPError as err:
        status, payload = err.code, err.read()
    try:
        return status, json.loads(payload)
    except ValueError:
        return status, payload.decode("utf-8", "replace")


def login(base: str, username: str, password: str = "shouhou-demo") -> str:
    status, body = call(base, "POST", "/api/v1/auth/token", {"username": username, "password": password})
    assert status == 200, body
    return str(body["token"])


def upload(
    base: str, path: str, filename: str, content: bytes, token: str, fields: dict[str, str] | None = None
) -> tuple[int, Any]:
    """POST one file as multipart/form-data field `file`, with plain `fields` beside it."""
    boundary = "----shouhou-test-boundary"
    parts = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in (fields or {}).items()
    )
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/xml\r\n\r\n"
    ).encode()
    body = parts + head + content + f"\r\n--{boundary}--\r\n".encode()
    return call(
        base,
        "POST",
        path,
        token=token,
        raw=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )

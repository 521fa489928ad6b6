"""A browser-less web client for tests: cookies, CSRF tokens from the pages, real HTTP."""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request


class WebClient:
    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def get(self, path: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, fields: dict[str, str], csrf_from: str | None = None) -> tuple[int, str]:
        if csrf_from is not None:
            fields = {"csrf_token": self.csrf_token(csrf_from), **fields}
        data = urllib.parse.urlencode(fields).encode()
        return self._open(urllib.request.Request(self.base + path, data=data, method="POST"))

    def post_file(
        self, path: str, filename: str, content: bytes, csrf_from: str, fields: dict[str, str] | None = None
    ) -> tuple[int, str]:
        boundary = "----shouhou-web-test"
        token = self.csrf_token(csrf_from)
        extra = "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in (fields or {}).items()
        )
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n{extra}'
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                "Content-Type: application/xml\r\n\r\n"
            ).encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        request = urllib.request.Request(self.base + path, data=body, method="POST")
        request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
        return self._open(request)

    def post_pairs(self, path: str, pairs: list[tuple[str, str]], csrf_from: str) -> tuple[int, str]:
        """A form with repeated names (checkboxes)."""
        data = urllib.parse.urlencode([("csrf_token", self.csrf_token(csrf_from)), *pairs]).encode()
        return self._open(urllib.request.Request(self.base + path, data=data, method="POST"))

    def post_json(self, path: str, body: object, csrf_from: str | None) -> tuple[int, str]:
        """JSON as the modeler page sends it, the CSRF token in the X-CSRFToken header."""
        request = urllib.request.Request(self.base + path, data=json.dumps(body).encode(), method="POST")
        request.add_header("Content-Type", "application/json")
        if csrf_from is not None:
            request.add_header("X-CSRFToken", self.csrf_token(csrf_from))
        return self._open(request)

    def csrf_token(self, page: str) -> str:
        _, body = self.get(page)
        match = re.search(r'name="csrf_token" value="([^"]+)"', body) or re.search(r'"csrfToken": "([^"]+)"', body)
        assert match, f"no CSRF token on {page}"
        return match.group(1)

    def login(self, username: str, password: str = "shouhou-demo") -> None:
        status, body = self.post("/login", {"username": username, "password": password}, csrf_from="/login")
        assert status == 200 and username in body, body[:500]

    def _open(self, request: urllib.request.Request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode("utf-8", "replace")

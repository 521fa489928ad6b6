"""The client's address behind a reverse proxy (deploy/nginx.conf.template).

Gunicorn takes the scheme from X-Forwarded-Proto when the peer is one of its
`forwarded_allow_ips`, but leaves REMOTE_ADDR as the peer: behind nginx, every client would be
nginx, and log-in throttling per address (app/bpm/logins.py) would lock out everyone at once.
This WSGI middleware sets REMOTE_ADDR from the last X-Forwarded-For entry (the address the
proxy saw; nginx replaces whatever the client sent) when, and only when, the peer is one of
the trusted proxies (SHOUHOU_TRUSTED_PROXIES, the same list gunicorn trusts).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from typing import Any

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> tuple[Network, ...]:
    """`127.0.0.1,::1,10.0.0.0/8` → networks; blanks skipped."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip())


class TrustedProxies:
    def __init__(self, app: WSGIApp, proxies: tuple[Network, ...]) -> None:
        self.app = app
        self.proxies = proxies

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        forwarded = environ.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded and self._trusted(environ.get("REMOTE_ADDR", "")):
            client = forwarded.rsplit(",", 1)[-1].strip()
            if _is_address(client):
                environ["REMOTE_ADDR"] = client
        return self.app(environ, start_response)

    def _trusted(self, peer: str) -> bool:
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in network for network in self.proxies)


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True

"""A fresh database with the demo organisation and the diagrams, for one benchmark run."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.apps import build_app, drop_postgres_database, postgres_database  # noqa: E402


@contextmanager
def bench_app(kind: str) -> Iterator[tuple[Flask, str]]:
    """(app, database URL) on a new SQLite file or a new PostgreSQL database, dropped after."""
    with tempfile.TemporaryDirectory() as tmp:
        url = postgres_database() if kind == "postgres" else f"sqlite:///{tmp}/bench.sqlite3"
        try:
            app = build_app(url, Path(tmp))
            yield app, url
            app.extensions["shouhou_db"].engine.dispose()
        finally:
            if kind == "postgres":
                drop_postgres_database(url)

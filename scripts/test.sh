#!/usr/bin/env bash
# All checks: ruff (lint and format), mypy, and the tests (engine, services, HTTP, browser) on
# SQLite and on PostgreSQL at 127.0.0.1:5432 (user postgres). The PostgreSQL tests skip when no
# server answers, unless SHOUHOU_REQUIRE_PG=1 (as in CI), where they must run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --browser
.venv/bin/ruff check app harness tests bench migrations gunicorn.conf.py
.venv/bin/ruff format --check app harness tests bench migrations gunicorn.conf.py
.venv/bin/mypy
.venv/bin/pytest "$@"

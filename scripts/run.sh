#!/usr/bin/env bash
# Run Shouhou with demo data on SQLite: set up, migrate, load the demo organisation, deploy the
# diagrams, start the worker in the background and the web UI on http://127.0.0.1:5000.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export FLASK_APP=app
.venv/bin/flask db upgrade
.venv/bin/flask seed-demo  # before deploying: a diagram's lanes must name groups that exist
.venv/bin/flask deploy
.venv/bin/flask worker &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT
echo "Shouhou: http://127.0.0.1:${PORT:-5000}/  (log in as after_sales1 / shouhou-demo)"
.venv/bin/flask run --host 127.0.0.1 --port "${PORT:-5000}"

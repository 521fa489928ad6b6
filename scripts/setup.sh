#!/usr/bin/env bash
# Idempotent set-up on a fresh machine: the virtual environment and its packages, and (with
# --browser, the test set-up of scripts/test.sh, as root) Debian's chromium and chromedriver for
# the browser tests and Debian's nginx for the production shape's tests (deploy/); pango and a
# Chinese font for the PDFs (and poppler-utils for their tests with --browser).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.requirements.sha256
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/pip install --quiet --upgrade pip
  .venv/bin/pip install --quiet -r requirements.txt
  echo "$want" > "$stamp"
fi
# bpmn-js and its assets, served by the product itself (frontend/package-lock.json pins them)
lock_stamp=frontend/node_modules/.lock.sha256
want_lock=$(sha256sum frontend/package-lock.json | cut -d' ' -f1)
if [ ! -f "$lock_stamp" ] || [ "$(cat "$lock_stamp")" != "$want_lock" ]; then
  (cd frontend && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want_lock" > "$lock_stamp"
fi
# The modeler bundle (bpmn-js + properties panel + our entries in frontend/src), built by esbuild
build_stamp=frontend/dist/.build.sha256
want_build=$(cat frontend/package-lock.json frontend/package.json frontend/src/* | sha256sum | cut -d' ' -f1)
if [ ! -f "$build_stamp" ] || [ "$(cat "$build_stamp")" != "$want_build" ]; then
  (cd frontend && npm run --silent build >/dev/null)
  echo "$want_build" > "$build_stamp"
fi
# PDFs of paper forms (WeasyPrint): Debian's pango and a Chinese font to draw them; with --browser,
# poppler's pdftotext and pdfimages, which the tests read them with
pdf_packages=()
for package in libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed' || pdf_packages+=("$package")
done
if [ "${1:-}" = "--browser" ] && ! command -v pdftotext >/dev/null; then
  pdf_packages+=(poppler-utils)
fi
if [ ${#pdf_packages[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pdf_packages[@]}" >/dev/null
  else
    echo "PDFs need Debian's ${pdf_packages[*]}: sudo apt-get install ${pdf_packages[*]}" >&2
    [ "${1:-}" != "--browser" ] || exit 1
  fi
fi
if [ "${1:-}" = "--browser" ] && ! { command -v chromium >/dev/null && command -v chromedriver >/dev/null; }; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "browser tests need Debian's chromium and chromium-driver: sudo apt-get install chromium chromium-driver" >&2
    exit 1
  fi
fi
# The mail tests' real IMAP server: Debian's dovecot (run by the tests on loopback, as this user)
if [ "${1:-}" = "--browser" ] && ! [ -x /usr/sbin/dovecot ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null
  else
    echo "the mail tests need Debian's dovecot-imapd: sudo apt-get install dovecot-imapd" >&2
    exit 1
  fi
fi
if [ "${1:-}" = "--browser" ] && ! { command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; }; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
  else
    echo "the production shape's tests need Debian's nginx: sudo apt-get install nginx" >&2
    exit 1
  fi
fi

#!/usr/bin/env bash
# Set up (first time only) and run every test: unit (no Qt), GUI (pytest-qt, offscreen) and end-to-end
# (the real app under Xvfb), plus the import-layer contract and ruff.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check --quiet .
.venv/bin/lint-imports --no-cache >/dev/null
if command -v xvfb-run >/dev/null 2>&1 && [ -z "${DISPLAY:-}" ]; then
  exec xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/pytest -q -p no:cacheprovider "$@"
fi
exec .venv/bin/pytest -q -p no:cacheprovider "$@"

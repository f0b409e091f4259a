#!/usr/bin/env bash
# Set up (first time only) and open Generative Workbench on the built-in data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
  if command -v xvfb-run >/dev/null 2>&1; then
    echo "app: no display found; starting on a virtual X display (xvfb-run). Set DISPLAY to see the window."
    exec xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/workbench "$@"
  fi
  echo "app: no display found and xvfb-run is missing; set DISPLAY or QT_QPA_PLATFORM=offscreen" >&2
  exit 1
fi
exec .venv/bin/workbench "$@"

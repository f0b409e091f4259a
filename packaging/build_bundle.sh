#!/usr/bin/env bash
# Builds the one-folder desktop bundle (no Python needed to run it) with PyInstaller from packaging/workbench.spec:
#   bash packaging/build_bundle.sh            -> dist/workbench/workbench   (run it; `gui` is the default)
# Uses the development venv (.venv, made by scripts/setup.sh) and installs PyInstaller into it when missing.
# Environment: WORKBENCH_VENV (default .venv), BUNDLE_DIST (default dist), BUNDLE_WORK (default build/bundle).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${WORKBENCH_VENV:-.venv}
DIST=${BUNDLE_DIST:-dist}
WORK=${BUNDLE_WORK:-build/bundle}
[ -x "$VENV/bin/python" ] || { echo "build_bundle: no $VENV/bin/python; run: bash scripts/setup.sh" >&2; exit 2; }
if ! "$VENV/bin/python" -c "import PyInstaller" 2>/dev/null; then
  echo "build_bundle: installing PyInstaller into $VENV"
  "$VENV/bin/python" -m pip install -q -c constraints.txt "pyinstaller>=6.10" >/dev/null
fi
start=$(date +%s)
"$VENV/bin/python" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$DIST" --workpath "$WORK" packaging/workbench.spec
elapsed=$(( $(date +%s) - start ))
size=$(du -sh "$DIST/workbench" | cut -f1)
echo "build_bundle: $DIST/workbench/workbench built in ${elapsed} s; bundle size $size"
echo "build_bundle: try it: $DIST/workbench/workbench --version"

#!/usr/bin/env bash
# Sets up Generative Workbench on a fresh Linux machine: a virtual environment in .venv with the package
# and its dev tools, plus the Debian libraries Qt and the 3D view need (Xvfb, GL, XCB). Idempotent: a second
# run with unchanged pyproject.toml / constraints.txt returns in well under a second.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${WORKBENCH_VENV:-.venv}
APT_PACKAGES=(xvfb xauth libgl1 libgl1-mesa-dri libegl1 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4
  libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-render-util0 libxcb-image0
  libfontconfig1 libdbus-1-3 desktop-file-utils appstream)

install_debian_packages() {
  command -v dpkg-query >/dev/null 2>&1 || { echo "setup: not a Debian-like system; install Xvfb and the GL/XCB libraries yourself"; return 0; }
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "setup: installing Debian packages: ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; else
      echo "setup: cannot install ${missing[*]} without root; run: sudo apt-get install -y ${missing[*]}" >&2
      return 0
    fi
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || true
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || echo "setup: apt-get could not install ${missing[*]}; the GUI tests under Xvfb will be skipped" >&2
}

find_python() {
  for cand in "${WORKBENCH_PYTHON:-}" python3.11 "$HOME/.pyenv/versions/3.11.7/bin/python3.11" python3; do
    [ -n "$cand" ] || continue
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info[:2] < (3, 10))' 2>/dev/null; then
      echo "$cand"; return 0
    fi
  done
  echo "setup: need Python >= 3.10 (3.11 on these machines: the local torch wheel is built for it)" >&2
  return 1
}

install_debian_packages

stamp="$VENV/.workbench-setup-stamp"
want=$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)
if [ -x "$VENV/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi

PY=$(find_python)
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null 2>&1 || true
echo "setup: installing Generative Workbench and its dependencies into $VENV (first time: a few minutes)"
"$VENV/bin/python" -m pip install -q -c constraints.txt --config-settings editable_mode=compat -e ".[dev]" 2>&1 \
  | grep -v -e "is ignored: it is neither a file nor a directory" -e "BuildBackendWarning" || true
"$VENV/bin/python" -c "import workbench, torch, PySide6" || { echo "setup: the installation is incomplete" >&2; exit 1; }
echo "$want" > "$stamp"
echo "setup: done"

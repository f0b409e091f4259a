#!/usr/bin/env bash
# Fills wheels/ (ignored by git) with the few packages the headless core needs beyond what a CUDA training machine's
# python3 already has, so that bench/gpu_check.sh can install them there with no network:
#
#   bash scripts/gather_wheels.sh          # here, where pip reaches a package index (or its local wheel source)
#   then carry wheels/ along with the checkout to the CUDA machine and run `bash bench/gpu_check.sh` there.
#
# The target: Python 3.12 (TARGET_PYTHON=3.x to change it) on x86_64 Linux, with a CUDA build of torch and
# torchvision, numpy, pillow, scipy, scikit-learn, scikit-image, safetensors, tqdm and psutil installed, and no Qt.
# What the headless core (workbench/ without workbench/gui) imports on `workbench train` and in the bench scripts,
# beyond torch, torchvision, numpy and pillow:
#   tomli_w, platformdirs      pure Python; the target lacks them: always carried
#   tqdm                       pure Python; carried in case the target lacks it (progress bar of `workbench train`)
#   safetensors                compiled (Rust), one abi3 wheel for every CPython >= 3.10: carried in case (checkpoints)
# Not carried: scikit-learn (the `digits` data), scikit-image (the photo data sets) and scipy (metrics) are compiled
# and large (tens of MiB per Python version) and are on the target; psutil (compiled) is used by the window only.
# The versions are those of this project's .venv, so the target runs what the tests here ran. wheels/ stays far
# below its 40 MiB allowance (it travels with the checkout); the script refuses to leave more.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET_PYTHON=${TARGET_PYTHON:-3.12}
VENV_PY=${WORKBENCH_VENV:-.venv}/bin/python
DEST=wheels
PURE=(tomli_w platformdirs tqdm)
COMPILED=(safetensors)
MAX_MIB=40

[ -x "$VENV_PY" ] || { echo "gather_wheels: no $VENV_PY; run bash scripts/setup.sh first" >&2; exit 1; }

pinned() {  # NAME==VERSION as installed in the project's venv (NAME alone if it is not installed there)
  "$VENV_PY" - "$1" <<'EOF'
import sys
from importlib import metadata
try:
    print(f"{sys.argv[1]}=={metadata.version(sys.argv[1])}")
except metadata.PackageNotFoundError:
    print(sys.argv[1])
EOF
}

repack_installed() {  # a pure-Python package's wheel rebuilt from its installed files in the venv (no index at all)
  "$VENV_PY" - "$1" "$DEST" <<'EOF'
"""The files an installed distribution's RECORD lists, zipped: a wheel again (pure-Python packages only)."""
import sys
import zipfile
from importlib import metadata
from pathlib import Path

dist = metadata.distribution(sys.argv[1])
wheel_info = (dist.read_text("WHEEL") or "")
if "Root-Is-Purelib: true" not in wheel_info:
    raise SystemExit(f"{sys.argv[1]} is not pure Python: it cannot be rebuilt from its installed files")
name = dist.metadata["Name"].replace("-", "_")
out = Path(sys.argv[2]) / f"{name}-{dist.version}-py3-none-any.whl"
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as whl:
    for file in dist.files or []:
        if file.parts[0] == ".." or "__pycache__" in file.parts or file.suffix == ".pyc":
            continue
        whl.write(file.locate(), str(file))
print(f"rebuilt {out}")
EOF
}

rm -rf "$DEST"
mkdir -p "$DEST"
specs=()
for name in "${PURE[@]}" "${COMPILED[@]}"; do specs+=("$(pinned "$name")"); done
echo "gather_wheels: for CPython $TARGET_PYTHON on x86_64 Linux: ${specs[*]}"
if ! "$VENV_PY" -m pip download --quiet --no-deps --only-binary=:all: --python-version "$TARGET_PYTHON" \
    --implementation cp --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux_2_28_x86_64 --platform any -d "$DEST" "${specs[@]}" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); then
  echo "gather_wheels: pip could not download them all; rebuilding the pure-Python ones from $VENV_PY's packages" >&2
  for name in "${PURE[@]}"; do
    compgen -G "$DEST/${name}-*.whl" >/dev/null || repack_installed "$name"
  done
  for name in "${COMPILED[@]}"; do
    compgen -G "$DEST/${name}-*.whl" >/dev/null \
      || echo "gather_wheels: no wheel of $name (compiled): the target must have it already" >&2
  done
fi

size_kib=$(du -sk "$DEST" | cut -f1)
if [ "$size_kib" -gt $((MAX_MIB * 1024)) ]; then
  echo "gather_wheels: $DEST is $((size_kib / 1024)) MiB, over the ${MAX_MIB} MiB that may travel with the checkout" >&2
  exit 1
fi
echo "gather_wheels: $DEST/ holds ${size_kib} KiB:"
ls -1 "$DEST"

"""The layer rule (no Qt in the core) and a torch-free start-up path, checked in fresh interpreters."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_import_linter_contract_holds():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    command = [str(lint_imports)] if lint_imports.exists() else [sys.executable, "-m", "importlinter.cli"]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=240,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout and "KEPT" in result.stdout


START_PATH = textwrap.dedent(
    """
    import sys
    import workbench.config, workbench.methods, workbench.data, workbench.runs, workbench.cli
    from workbench.cli import build_parser
    from workbench.methods import available_methods, method_settings_class
    from workbench.data import available_datasets

    # what the window's new-run form and run list need before torch is loaded
    build_parser().parse_args(["train", "--method", "vae"])
    for spec in available_methods():
        method_settings_class(spec.name)()
    available_datasets()
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "torchvision", "PySide6", "sklearn"))
    print(",".join(loaded))
    """
)


def test_core_imports_and_listings_do_not_load_torch_or_qt():
    result = subprocess.run([sys.executable, "-c", START_PATH], cwd=REPO, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"loaded at start-up: {result.stdout.strip()[:300]}"

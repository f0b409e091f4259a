"""`workbench --version`: the package, torch with CUDA, torchvision and Qt versions, without a GUI or a CUDA context."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import workbench

PROBE = textwrap.dedent(
    """
    import sys
    from workbench.cli import main

    status = main(["--version"])
    import torch

    heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("torchvision", "pyqtgraph", "pyvista", "vtk")
                   or m in ("PySide6.QtWidgets", "PySide6.QtGui"))
    print("status", status, "cuda-initialized", torch.cuda.is_initialized(), "heavy", heavy)
    """
)


def test_version_names_torch_cuda_and_qt(tmp_path):
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, cwd=tmp_path,
                         env=dict(os.environ))
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    import PySide6
    import torch

    assert lines[0] == f"workbench {workbench.__version__}"
    assert any(line.startswith(f"torch {torch.__version__} (") and "CUDA" in line for line in lines)
    assert f"PySide6 {PySide6.__version__} (Qt " in out.stdout
    assert lines[-1] == "status 0 cuda-initialized False heavy []", lines[-1]

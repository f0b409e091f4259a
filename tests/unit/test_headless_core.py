"""The headless core (workbench/ without workbench/gui) on a machine with no Qt and no 3D view: a training server
or a GPU box has torch but not PySide6, pyqtgraph or pyvista. A subprocess with those blocked
(bench/headless/sitecustomize.py) imports the training modules and the command line, and `python -m workbench
train` trains a tiny run to the end."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BLOCKER = REPO / "bench" / "headless"
TIMEOUT = 240

IMPORTS = """
import sys
import workbench.cli, workbench.training, workbench.training.session, workbench.training.loop
from workbench.cli import build_parser
build_parser()  # every command module's top level
leaked = sorted(m for m in sys.modules if m.partition(".")[0] in {"PySide6", "shiboken6", "pyqtgraph", "superqt",
                                                                   "pyvistaqt", "pyvista", "vtk", "vtkmodules"}
                or m.startswith("workbench.gui"))
print("leaked:", leaked)
"""


def _env(workspace: Path) -> dict[str, str]:
    path = os.pathsep.join([str(BLOCKER), str(REPO), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return dict(os.environ, PYTHONPATH=path, WORKBENCH_WORKSPACE=str(workspace), OMP_NUM_THREADS="1",
                WORKBENCH_CLASS_COVERAGE="0", WORKBENCH_EXAMPLES="", QT_QPA_PLATFORM="offscreen")


def _python(workspace: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=REPO, env=_env(workspace), capture_output=True, text=True,
                          timeout=TIMEOUT)


def test_the_blocker_really_blocks_qt(tmp_path):
    done = _python(tmp_path, "-c", "import PySide6")
    assert done.returncode != 0 and "blocked" in done.stderr, done.stderr[-2000:]


def test_training_modules_and_cli_import_without_qt(tmp_path):
    done = _python(tmp_path, "-c", IMPORTS)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "leaked: []" in done.stdout, done.stdout


def test_workbench_train_runs_a_tiny_dcgan_without_qt(tmp_path):
    workspace = tmp_path / "ws"
    done = _python(workspace, "-m", "workbench", "train", "--method", "dcgan", "--steps", "2", "--image-size", "8",
                   "--batch-size", "8", "--name", "headless", "--set", "train.sample_count=4",
                   "--set", "method.g_channels=8", "--set", "method.d_channels=8", "--set", "method.latent_dim=8")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "run headless: finished at step 2/2" in done.stdout, done.stdout
    assert (workspace / "runs" / "headless" / "run.toml").is_file()


def test_a_voxel_gan_trains_without_pyvista_its_samples_drawn_as_projections(tmp_path):
    workspace = tmp_path / "ws"
    done = _python(workspace, "-m", "workbench", "train", "--method", "gan3d", "--data", "voxels3d", "--steps", "2",
                   "--image-size", "16", "--batch-size", "4", "--name", "voxels", "--set", "train.sample_count=4",
                   "--set", "train.sample_every=1")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "run voxels: finished at step 2/2" in done.stdout, done.stdout
    assert list((workspace / "runs" / "voxels").rglob("*.png")), "the sample grids were written"

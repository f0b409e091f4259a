"""Smoke test of the PyInstaller desktop bundle (`bash packaging/build_bundle.sh` -> dist/workbench/workbench).

Skipped unless the bundle exists: building it takes minutes, too slow for every CI run. WORKBENCH_BUNDLE names
another build (the executable or its folder). Everything runs the bundle's own executable in a clean
environment and a temporary workspace: headless `--version` and 2 training steps, the helper-process path
(`workbench -m module`), the shipped examples, and the window opening under Xvfb and closing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
import time
from pathlib import Path

import pytest

import workbench

REPO = Path(__file__).resolve().parents[2]
TINY_TRAIN = ["--method", "dcgan", "--data", "digits", "--steps", "2", "--image-size", "8", "--batch-size", "8",
              "--name", "bundle-run", "--set", "train.sample_count=4", "--set", "method.g_channels=8",
              "--set", "method.d_channels=8", "--set", "method.latent_dim=8"]
WINDOW_SCRIPT = textwrap.dedent(
    """
    import time

    import psutil
    from PySide6.QtCore import QTimer

    print(f"window shown {window.isVisible()} after {time.time() - psutil.Process().create_time():.2f} s",
          flush=True)
    print(f"icon sizes {len(app.windowIcon().availableSizes())}", flush=True)  # from the bundle's resources/
    QTimer.singleShot(0, app.quit)
    """
)

LIBRARIES_SCRIPT = textwrap.dedent(
    """
    import json
    import os
    import tempfile

    from PySide6.QtCore import QTimer

    results = {}


    def check(name, probe):
        try:
            results[name] = repr(probe())
        except Exception as err:  # noqa: BLE001 - every failure is reported, by name
            results[name] = f"FAIL {type(err).__name__}: {err}"


    def torchvision_grid():
        import torch

        from workbench.compat import import_torchvision

        return tuple(import_torchvision().utils.make_grid(torch.rand(4, 3, 8, 8), nrow=2).shape)


    def safetensors_round_trip():
        import torch
        from safetensors.torch import load_file, save_file

        path = os.path.join(tempfile.mkdtemp(), "t.safetensors")
        save_file({"w": torch.ones(3)}, path)
        return float(load_file(path)["w"].sum())


    def pyqtgraph_maps():
        import pyqtgraph as pg

        return len(pg.colormap.listMaps()) > 0 and pg.colormap.get("CET-L9") is not None


    def ffmpeg():
        import imageio_ffmpeg

        return os.access(imageio_ffmpeg.get_ffmpeg_exe(), os.X_OK)


    def offscreen_plotter():
        import pyvista as pv

        plotter = pv.Plotter(off_screen=True, window_size=(64, 64))
        plotter.add_mesh(pv.Sphere())
        image = plotter.screenshot(return_img=True)
        plotter.close()
        return image.shape


    def qt_interactor():
        import pyvista as pv
        from pyvistaqt import QtInteractor

        view = QtInteractor(window)
        view.add_mesh(pv.Sphere())
        view.render()
        shape = view.screenshot(return_img=True).shape
        view.close()
        return shape


    check("torchvision make_grid (workbench.compat)", torchvision_grid)
    check("safetensors", safetensors_round_trip)
    check("pyqtgraph colour maps", pyqtgraph_maps)
    check("imageio-ffmpeg binary", ffmpeg)
    check("scikit-learn digits", lambda: __import__("sklearn.datasets").datasets.load_digits().data.shape)
    check("scikit-learn photos", lambda: len(__import__("sklearn.datasets").datasets.load_sample_images().images))
    check("scikit-image astronaut", lambda: __import__("skimage.data").data.astronaut().shape)
    check("scikit-image retina", lambda: __import__("skimage.data").data.retina().shape)
    check("umap-learn import", lambda: __import__("umap").__name__)
    check("pyvista off-screen", offscreen_plotter)
    check("pyvistaqt QtInteractor", qt_interactor)
    print("LIBRARIES " + json.dumps(results), flush=True)
    QTimer.singleShot(0, app.quit)
    """
)


def _bundle() -> Path | None:
    given = os.environ.get("WORKBENCH_BUNDLE")
    path = Path(given) if given else REPO / "dist" / "workbench" / "workbench"
    if path.is_dir():
        path = path / "workbench"
    return path if path.is_file() and os.access(path, os.X_OK) else None


BUNDLE = _bundle()
pytestmark = pytest.mark.skipif(BUNDLE is None, reason="no bundle: build it with `bash packaging/build_bundle.sh` "
                                                       "or set WORKBENCH_BUNDLE to one")


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    """No Python of ours leaks in: the bundle must find everything inside itself."""
    clean = {k: v for k, v in os.environ.items()
             if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "QT_PLUGIN_PATH", "LD_LIBRARY_PATH",
                          "WORKBENCH_EXAMPLES")}  # tests/conftest.py hides the examples; the bundle's must show
    clean.update(WORKBENCH_WORKSPACE=str(tmp_path / "ws"), QT_QPA_PLATFORM="offscreen", OMP_NUM_THREADS="1",
                 WORKBENCH_CLASS_COVERAGE="0")
    return clean


def _run(cmd: list[str], env: dict[str, str], cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess:
    started = time.perf_counter()
    out = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    print(f"bundle: {' '.join(cmd[-3:])}: {time.perf_counter() - started:.2f} s")
    assert out.returncode == 0, f"{' '.join(cmd)} exited {out.returncode}:\n{out.stdout}\n{out.stderr[-4000:]}"
    return out


def test_bundle_version(env, tmp_path):
    out = _run([str(BUNDLE), "--version"], env, tmp_path)
    lines = out.stdout.splitlines()
    assert lines[0] == f"workbench {workbench.__version__}"
    assert any(line.startswith("torch ") and "CUDA" in line for line in lines), out.stdout
    assert any(line.startswith("PySide6 ") for line in lines), out.stdout


def test_bundle_runs_a_module_like_python_m(env, tmp_path):
    """Helper processes are `sys.executable -m module` (workbench/child_process.py); in the bundle that is us."""
    out = _run([str(BUNDLE), "-m", "workbench", "--version"], env, tmp_path)
    assert out.stdout.startswith(f"workbench {workbench.__version__}\n")


def test_bundle_trains_two_steps(env, tmp_path):
    out = _run([str(BUNDLE), "--workspace", str(tmp_path / "ws"), "train", *TINY_TRAIN], env, tmp_path)
    assert "run bundle-run: finished at step 2/2" in out.stdout, out.stdout
    run = tmp_path / "ws" / "runs" / "bundle-run"
    assert list((run / "checkpoints").glob("*.safetensors")), sorted(p.name for p in run.rglob("*"))


def test_bundle_has_its_icon_and_examples(env, tmp_path):
    internal = BUNDLE.parent / "_internal" / "workbench"
    assert (internal / "resources" / "workbench.svg").is_file()
    assert (BUNDLE.parent / "_internal" / "packaging" / "install_desktop.sh").is_file()
    models = REPO / "workbench" / "models"
    names = sorted(p.parent.name for p in models.glob("*/card.toml")) if models.is_dir() else []
    for name in names:
        assert (internal / "models" / name / "card.toml").is_file(), \
            f"example {name} missing from the bundle (older than the example? rebuild: bash packaging/build_bundle.sh)"
    if names:
        out = _run([str(BUNDLE), "examples"], env, tmp_path)
        for name in names:
            assert name in out.stdout, out.stdout


def _in_window(script_text: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    """Run `workbench gui --run-script` with this script, under Xvfb unless there is a display."""
    prefix: list[str] = []
    if not os.environ.get("DISPLAY"):
        if not shutil.which("xvfb-run"):
            pytest.skip("no display and no xvfb-run: install Xvfb (scripts/setup.sh does)")
        prefix = ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24"]
    script = tmp_path / "scenario.py"
    script.write_text(script_text)
    return _run([*prefix, str(BUNDLE), "gui", "--run-script", str(script)], dict(env, QT_QPA_PLATFORM="xcb"),
                tmp_path, timeout=240)


def test_bundle_window_opens_and_closes(env, tmp_path):
    out = _in_window(WINDOW_SCRIPT, env, tmp_path)
    assert "window shown True after" in out.stdout, out.stdout + out.stderr[-4000:]
    assert "icon sizes 0" not in out.stdout and "icon sizes " in out.stdout, out.stdout
    print(next(line for line in out.stdout.splitlines() if line.startswith("window shown")))


def test_bundle_libraries_find_their_files(env, tmp_path):
    """Hooks that miss a data file or a plugin fail only when the library is used: use each one once."""
    out = _in_window(LIBRARIES_SCRIPT, env, tmp_path)
    line = next((line for line in out.stdout.splitlines() if line.startswith("LIBRARIES ")), None)
    assert line, out.stdout + out.stderr[-4000:]
    results = json.loads(line[len("LIBRARIES "):])
    failed = {name: result for name, result in results.items() if result.startswith("FAIL")}
    assert not failed, failed


def test_bundle_installs_its_desktop_entry(tmp_path):
    installer = BUNDLE.parent / "_internal" / "packaging" / "install_desktop.sh"
    env = {k: v for k, v in os.environ.items() if k != "XDG_DATA_HOME"}
    out = subprocess.run(["bash", str(installer)], env=dict(env, HOME=str(tmp_path)), capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    entry = (tmp_path / ".local/share/applications/io.github.generative_workbench.Workbench.desktop").read_text()
    assert f'Exec="{BUNDLE.resolve()}" gui' in entry.splitlines()

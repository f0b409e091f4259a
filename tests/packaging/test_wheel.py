"""The wheel and sdist from `python -m build`, installed into a fresh virtual environment and used there.

Missing package data (the icon in workbench/resources, the example runs in workbench/models) fails here.
`python -m build --no-isolation` builds the sdist and then the wheel from the unpacked sdist, so the wheel
proves the sdist complete too; `--no-isolation` uses this venv's setuptools instead of downloading one.

Torch comes from the same pins without downloading it again: the fresh venv gets a `.pth` file that appends
the development venv's site-packages to its path. Paths added by a `.pth` are not site directories, so the
editable install's own `.pth` there is not processed, and `workbench` is imported from the installed wheel
(checked below).
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

import workbench

REPO = Path(__file__).resolve().parents[2]
DATA_DIRS = ("resources", "models")
TRANSIENT = {".lock", ".meta.lock", "control.json", "metrics.sqlite-wal", "metrics.sqlite-shm",
             "metrics.sqlite-journal"}  # left by a process that had a run open; excluded from the packages
TINY_TRAIN = ["--method", "dcgan", "--data", "digits", "--steps", "2", "--image-size", "8", "--batch-size", "8",
              "--name", "wheel-run", "--set", "train.sample_count=4", "--set", "method.g_channels=8",
              "--set", "method.d_channels=8", "--set", "method.latent_dim=8"]


def _package_data_in_checkout() -> set[str]:
    """Every file under workbench/resources and workbench/models, as `workbench/...` paths."""
    files = set()
    for folder in DATA_DIRS:
        for path in (REPO / "workbench" / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc" \
                    and path.name not in TRANSIENT:
                files.add(path.relative_to(REPO).as_posix())
    return files


def _run(cmd: list[str], *, env: dict[str, str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    out = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, f"{' '.join(map(str, cmd))} exited {out.returncode}:\n{out.stdout}\n{out.stderr}"
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """The wheel and sdist of this checkout, built once for the module by `python -m build --no-isolation`."""
    outdir = tmp_path_factory.mktemp("dist")
    started = time.perf_counter()
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(outdir), str(REPO)],
         env=dict(os.environ), cwd=outdir, timeout=240)
    print(f"python -m build: {time.perf_counter() - started:.1f} s")
    wheels, sdists = list(outdir.glob("*.whl")), list(outdir.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, sorted(p.name for p in outdir.iterdir())
    return {"wheel": wheels[0], "sdist": sdists[0]}


@pytest.fixture(scope="module")
def venv(built, tmp_path_factory) -> dict:
    """A fresh venv with the wheel installed (no dependencies, no index) and the dev venv's packages behind it."""
    root = tmp_path_factory.mktemp("wheel-venv")
    env_dir = root / "venv"
    started = time.perf_counter()
    _run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], env=dict(os.environ), cwd=root)
    python = env_dir / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     env=dict(os.environ), cwd=root).stdout.strip())
    dev_paths = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (site / "zz_workbench_dev_packages.pth").write_text("".join(f"{p}\n" for p in dev_paths))
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", "--no-index",
          str(built["wheel"])], env=dict(os.environ), cwd=root)
    print(f"venv + install: {time.perf_counter() - started:.1f} s")
    # WORKBENCH_EXAMPLES: tests/conftest.py hides the examples from other tests; here the wheel's own must show.
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "WORKBENCH_EXAMPLES")}
    env.update(PYTHONNOUSERSITE="1", QT_QPA_PLATFORM="offscreen", OMP_NUM_THREADS="1",
               WORKBENCH_CLASS_COVERAGE="0", WORKBENCH_WORKSPACE=str(root / "ws"))
    cwd = root / "cwd"  # not the checkout: `python -c` puts its working directory first on sys.path
    cwd.mkdir()
    return {"python": python, "bin": env_dir / "bin", "site": site, "env": env, "cwd": cwd, "ws": root / "ws"}


def test_wheel_and_sdist_hold_the_icon_and_the_examples(built):
    expected = _package_data_in_checkout()
    assert any(p.startswith("workbench/resources/") and p.endswith(".svg") for p in expected)
    with zipfile.ZipFile(built["wheel"]) as whl:
        in_wheel = set(whl.namelist())
    missing = sorted(expected - in_wheel)
    assert not missing, f"{len(missing)} package-data files missing from the wheel, e.g. {missing[:5]}"
    assert "workbench/cli/__init__.py" in in_wheel
    with tarfile.open(built["sdist"]) as sdist:
        in_sdist = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    missing = sorted(expected - in_sdist)
    assert not missing, f"{len(missing)} package-data files missing from the sdist, e.g. {missing[:5]}"
    assert {"pyproject.toml", "README.md", "constraints.txt"} <= in_sdist


def test_the_installed_wheel_is_what_runs(venv):
    out = _run([str(venv["python"]), "-c", "import workbench, torch; print(workbench.__file__); "
                "print(workbench.__version__); print(torch.__version__)"], env=venv["env"], cwd=venv["cwd"])
    file, version, torch_version = out.stdout.split()
    assert Path(file).is_relative_to(venv["site"]), f"workbench imported from {file}, not from the wheel"
    assert version == workbench.__version__
    import torch

    assert torch_version == torch.__version__  # the same pinned torch as the dev venv


def test_version_in_the_venv(venv):
    out = _run([str(venv["bin"] / "workbench"), "--version"], env=venv["env"], cwd=venv["cwd"])
    assert out.stdout.splitlines()[0] == f"workbench {workbench.__version__}"
    assert "torch " in out.stdout and "CUDA" in out.stdout and "PySide6 " in out.stdout


def test_examples_in_the_venv(venv):
    out = _run([str(venv["bin"] / "workbench"), "examples"], env=venv["env"], cwd=venv["cwd"])
    names = sorted(p.parent.name for p in (venv["site"] / "workbench" / "models").glob("*/card.toml"))
    for name in names:
        assert name in out.stdout, f"example {name} not listed by `workbench examples`:\n{out.stdout}"


def test_two_training_steps_in_the_venv(venv):
    out = _run([str(venv["bin"] / "workbench"), "--workspace", str(venv["ws"]), "train", *TINY_TRAIN],
               env=venv["env"], cwd=venv["cwd"], timeout=180)
    assert "run wheel-run: finished at step 2/2" in out.stdout, out.stdout
    assert (venv["ws"] / "runs" / "wheel-run" / "run.toml").is_file()

"""The `workbench` command, driven in-process through `main([...])` with a throwaway workspace."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest
from PIL import Image

from workbench.cli import main

REPO = Path(__file__).resolve().parents[2]
TINY = {
    "dcgan": ["--set", "method.g_channels=8", "--set", "method.d_channels=8", "--set", "method.latent_dim=8"],
    "vae": ["--set", "method.channels=8", "--set", "method.latent_dim=4"],
}


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py


def train_args(ws, method: str, name: str, steps: int = 4) -> list[str]:
    return ["--workspace", str(ws.root), "train", "--method", method, "--steps", str(steps), "--image-size", "8",
            "--batch-size", "8", "--name", name, "--set", "train.sample_count=4", *TINY[method]]


def test_train_list_and_sample(workspace, capsys, tmp_path):
    for method in ("dcgan", "vae"):
        assert main(train_args(workspace, method, f"{method}-run")) == 0
        out = capsys.readouterr().out
        assert f"run {method}-run: finished at step 4/4" in out
        assert str(workspace.runs_dir / f"{method}-run") in out
    assert workspace.run("vae-run").config.method.channels == 8
    assert workspace.run("dcgan-run").config.data.image_size == 8

    assert main(["--workspace", str(workspace.root), "runs"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["ID", "METHOD", "DATA", "STATUS", "STEP", "CREATED"]
    assert [line.split()[:5] for line in table[1:]] == [["vae-run", "vae", "digits", "finished", "4/4"],
                                                         ["dcgan-run", "dcgan", "digits", "finished", "4/4"]]
    assert len({line.index("finished") for line in table[1:]}) == 1  # aligned columns

    assert main(["runs", "--json"]) == 0  # the workspace from $WORKBENCH_WORKSPACE (set by the fixture)
    rows = json.loads(capsys.readouterr().out)
    assert {(r["id"], r["status"], r["step"], r["steps"]) for r in rows} == {("vae-run", "finished", 4, 4),
                                                                             ("dcgan-run", "finished", 4, 4)}

    out = tmp_path / "grid.png"
    assert main(["sample", "dcgan", "-n", "9", "-o", str(out), "--seed", "3"]) == 0  # an id prefix works
    with Image.open(out) as image:  # 3×3 tiles of 8 px with 2 px padding: 3 * (8 + 2) + 2
        assert image.size == (32, 32) and image.mode == "RGB"
        first = image.tobytes()
    args = ["sample", "dcgan-run", "-n", "9", "-o", str(out), "--seed", "3", "--workspace", str(workspace.root)]
    assert main(args) == 0
    with Image.open(out) as image:
        assert image.tobytes() == first  # same checkpoint, same seed: same grid
    assert main(["sample", "vae-run", "-n", "64", "-o", str(out)]) == 0
    with Image.open(out) as image:
        assert image.size == (82, 82)  # 8×8 tiles


def test_resume_extends_a_finished_run(workspace, capsys):
    assert main(train_args(workspace, "vae", "short", steps=2)) == 0
    assert main(["train", "--resume", "short"]) == 2
    assert "has finished (2/2 steps); pass --steps N" in capsys.readouterr().err
    assert main(["train", "--resume", "short", "--steps", "5"]) == 0
    assert "run short: finished at step 5/5" in capsys.readouterr().out
    assert workspace.run("short").config.train.steps == 5
    assert main(["train", "--resume", "short", "--seed", "4"]) == 2
    assert "only --steps may change (got --seed)" in capsys.readouterr().err


def test_config_file_then_flags_then_set(workspace, capsys, tmp_path):
    assert main(train_args(workspace, "dcgan", "base", steps=1)) == 0
    capsys.readouterr()
    saved = workspace.run("base").path / "run.toml"  # a run folder's run.toml is a valid --config
    assert main(["train", "--config", str(saved), "--name", "copy", "--steps", "2",
                 "--set", "method.g_loss=minimax"]) == 0
    config = workspace.run("copy").config
    assert (config.method.g_channels, config.method.g_loss, config.train.steps) == (8, "minimax", 2)
    assert main(["train", "--config", str(saved), "--method", "vae"]) == 2
    assert "contradicts name = 'dcgan'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--method", "dcgan", "--set", "method.g_channels=2"], ["method.g_channels", "[4, 1024]", "got 2"]),
        (["--method", "dcgan", "--set", "method.g_channels=many"], ["method.g_channels", "whole number", "'many'"]),
        (["--method", "vae", "--set", "method.beta=-1"], ["method.beta", "[0, 1000]"]),
        (["--method", "vae", "--set", "method.reconstruction=l1"], ["method.reconstruction", "'bce', 'mse'"]),
        (["--method", "vae", "--set", "train.mixed_precision=yes", "--set", "train.amp_dtype=float16"],
         ["train.amp_dtype", "'cuda'"]),
        (["--method", "vae", "--set", "method.bogus=1"], ["unknown setting method.bogus", "latent_dim"]),
        (["--method", "vae", "--set", "model.beta=1"], ["unknown section 'model'", "method, data, train"]),
        (["--method", "vae", "--set", "method.beta"], ["SECTION.FIELD=VALUE"]),
        (["--method", "vae", "--image-size", "24"], ["data.image_size", "power of two"]),
        (["--method", "vae", "--data", "folder"], ["data.root", "--root"]),
        (["--method", "vae", "--data", "mnist-online"], ["unknown dataset 'mnist-online'", "digits"]),
        (["--method", "stylegan9"], ["unknown method 'stylegan9'", "dcgan", "vae"]),
        ([], ["needs --method"]),
    ],
)
def test_invalid_train_arguments_exit_2_naming_the_problem(workspace, capsys, args, expected):
    assert main(["train", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("workbench: error: ") and "Traceback" not in err
    for text in expected:
        assert text in err
    assert workspace.runs() == []  # no half-made run folder is left behind


def test_unknown_run_and_missing_checkpoint(workspace, capsys, tmp_path):
    assert main(["sample", "nothing-here", "-o", str(tmp_path / "x.png")]) == 2
    assert "no run 'nothing-here'" in capsys.readouterr().err
    from workbench.config import RunConfig
    from workbench.methods.vae import VAESettings

    workspace.create_run(RunConfig(method=VAESettings()), name="fresh")
    assert main(["sample", "fresh", "-o", str(tmp_path / "x.png")]) == 2
    assert "has no checkpoint yet" in capsys.readouterr().err
    assert main(["runs"]) == 0
    assert "fresh" in capsys.readouterr().out


def test_locked_run_is_refused(workspace, capsys):
    from workbench.config import RunConfig
    from workbench.methods.vae import VAESettings

    run = workspace.create_run(RunConfig(method=VAESettings()), name="busy")
    run.acquire()
    try:
        assert main(["train", "--resume", "busy"]) == 2
        assert "is being trained by process" in capsys.readouterr().err
    finally:
        run.release()


def test_diverged_training_stops_with_status_1(workspace, capsys, monkeypatch):
    from workbench.methods.dcgan.method import DCGAN

    original = DCGAN.train_step

    def train_step(self, batch):
        scalars = original(self, batch)
        return {**scalars, "loss_g": float("nan")} if self.opt_g.state_dict()["state"][0]["step"] >= 2 else scalars

    monkeypatch.setattr(DCGAN, "train_step", train_step)
    assert main(train_args(workspace, "dcgan", "nan", steps=6)) == 1
    captured = capsys.readouterr()
    assert "alert at step 2: loss_g became non-finite" in captured.err
    assert "resume with: workbench" in captured.err and "train --resume nan" in captured.err
    assert "stopped at step 2/6; no checkpoint yet" in captured.err  # none was written from the bad state
    assert "run nan: stopped at step 2/6" in captured.out
    assert workspace.run("nan").latest_checkpoint_step() is None


def test_lists_and_window_dispatch(capsys, monkeypatch, tmp_path):
    assert main(["methods"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["METHOD", "FAMILY", "SUMMARY"]
    assert any(line.split()[:2] == ["dcgan", "GAN"] for line in lines)
    assert any(line.split()[:2] == ["vae", "VAE"] and "encode" in line for line in lines)
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out
    assert "digits" in out and "folder" in out and "needs --root PATH" in out

    opened = []
    fake = types.ModuleType("workbench.gui.app")
    fake.run_app = lambda workspace=None, script=None: opened.append((workspace, script)) or 7
    monkeypatch.setitem(sys.modules, "workbench.gui.app", fake)
    assert main([]) == 7
    assert main(["--workspace", str(tmp_path), "gui", "--run-script", "scenario.py"]) == 7
    assert opened == [(None, None), (str(tmp_path), "scenario.py")]
    assert main(["--version"]) == 0
    assert main(["no-such-command"]) == 2


def test_python_dash_m_workbench_runs(workspace):
    from workbench.config import RunConfig
    from workbench.methods.dcgan import DCGANSettings

    workspace.create_run(RunConfig(method=DCGANSettings()), name="listed-run")
    result = subprocess.run([sys.executable, "-m", "workbench", "runs"], cwd=REPO, capture_output=True, text=True,
                            timeout=120, env={**os.environ, "WORKBENCH_WORKSPACE": str(workspace.root)})
    assert result.returncode == 0, result.stderr
    assert "listed-run" in result.stdout and "created" in result.stdout and "0/2000" in result.stdout

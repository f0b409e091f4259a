"""The reliability campaign, part 1: bad configs, run folders, checkpoints and weights files, as a table.

Each case damages a copy of a real trained run (or writes a bad file), runs the real `workbench` command
in-process, and asserts the outcome a user should get: exit status 2 with one line naming the file or field and
the reason (never a traceback), every file of the run left byte for byte as it was; or the input accepted and
handled correctly. `test_damaged_run_never_hides_the_others` and friends cover the listing.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import shutil
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from workbench.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = ["--method", "dcgan", "--data", "digits", "--image-size", "8", "--batch-size", "8", "--steps", "4",
        "--set", "method.g_channels=8", "--set", "method.d_channels=8", "--set", "method.latent_dim=8",
        "--set", "train.sample_count=4", "--set", "train.checkpoint_every=4"]


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory) -> Path:
    """One tiny DCGAN run trained for 4 steps (a checkpoint at step 4), copied afresh for every case."""
    root = tmp_path_factory.mktemp("ws")
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        assert main(["--workspace", str(root), "train", *TINY, "--name", "good"]) == 0
    finally:
        torch.set_num_threads(previous)
    return root / "runs" / "good"


@dataclass(frozen=True)
class Case:
    name: str
    damage: Callable[[Path, Path], None]  # (run folder, tmp folder) → damages the copy or writes a bad file
    argv: Callable[[Path, Path], list[str]]  # the command to run (after --workspace)
    says: tuple[str, ...]  # what the one-line error must contain (file or field name, and the reason)
    exit_status: int = 2


def _ckpt(run: Path, suffix: str) -> Path:
    return next((run / "checkpoints").glob(f"*.{suffix}"))


def _rewrite_json(path: Path, change: Callable[[dict], object]) -> None:
    meta = json.loads(path.read_text())
    path.write_text(json.dumps(change(meta)))


def _truncate(path: Path, size: int) -> None:
    path.write_bytes(path.read_bytes()[:size])


def _replace_tensors(run: Path, edit: Callable[[dict[str, torch.Tensor]], None]) -> None:
    """Rewrite the checkpoint's tensors and fix its recorded size and hash: a well-formed file, bad contents."""
    from safetensors.torch import load_file

    tensors_path, meta_path = _ckpt(run, "safetensors"), _ckpt(run, "json")
    tensors = load_file(str(tensors_path))
    edit(tensors)
    save_file(tensors, str(tensors_path))
    data = tensors_path.read_bytes()
    _rewrite_json(meta_path, lambda m: {**m, "tensors_bytes": len(data),
                                        "tensors_sha256": hashlib.sha256(data).hexdigest()})


def _set_nan(tensors: dict[str, torch.Tensor]) -> None:
    key = next(k for k in tensors if k.startswith("method/G/") and k.endswith("weight"))
    tensors[key] = tensors[key].clone()
    tensors[key].view(-1)[0] = float("nan")


def _edit_run_toml(run: Path, old: str, new: str) -> None:
    path = run / "run.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def _config(tmp: Path, body: bytes | str) -> Path:
    path = tmp / "bad.toml"
    path.write_bytes(body if isinstance(body, bytes) else body.encode())
    return path


def _nothing(run: Path, tmp: Path) -> None:
    return None


def _huge_header(path: Path) -> None:
    path.write_bytes(struct.pack("<Q", 2**40) + b"{}")


class _Payload:
    """Unpickling this would create a file: the proof that a pickle ran code."""

    def __reduce__(self):  # noqa: ANN204
        import os

        return (os.system, ("touch PICKLE_RAN",))


TRAIN = lambda run, tmp: ["train", *TINY]  # noqa: E731
RESUME = lambda run, tmp: ["train", "--resume", "good", "--steps", "8"]  # noqa: E731
SAMPLE = lambda run, tmp: ["sample", "good", "-n", "4", "-o", str(tmp / "grid.png")]  # noqa: E731
INCEPTION = lambda run, tmp: ["eval", "good", "-n", "8", "--inception", str(tmp / "inception.safetensors")]  # noqa: E731,E501
CONFIG = lambda run, tmp: ["train", "--config", str(tmp / "bad.toml")]  # noqa: E731

CASES = [
    # ---- config files and flags ------------------------------------------------------------------------------
    Case("config not UTF-8", lambda r, t: _config(t, b"[method]\nname = \"dcgan\xff\"\n"), CONFIG,
         ("bad.toml", "not UTF-8")),
    Case("config not TOML", lambda r, t: _config(t, "[method\nname = dcgan"), CONFIG, ("bad.toml", "not valid TOML")),
    Case("config missing", _nothing, CONFIG, ("bad.toml", "cannot read")),
    Case("config is a folder", lambda r, t: (t / "bad.toml").mkdir(), CONFIG, ("bad.toml", "cannot read")),
    Case("config unknown section", lambda r, t: _config(t, "[method]\nname='dcgan'\n[optimiser]\nlr=1\n"), CONFIG,
         ("optimiser",)),
    Case("config value out of range", lambda r, t: _config(t, "[method]\nname='dcgan'\nlr_g=-1.0\n"), CONFIG,
         ("method.lr_g",)),
    Case("config wrong type", lambda r, t: _config(t, "[method]\nname='dcgan'\n[train]\nsteps='many'\n"), CONFIG,
         ("train.steps",)),
    Case("config method not a table", lambda r, t: _config(t, "method = 5\n"), CONFIG, ("method",)),
    Case("config unknown method", lambda r, t: _config(t, "[method]\nname='stylegan9'\n"), CONFIG, ("stylegan9",)),
    Case("--set without =", _nothing, lambda r, t: ["train", *TINY, "--set", "method.lr_g"], ("method.lr_g",)),
    Case("--set unknown field", _nothing, lambda r, t: ["train", *TINY, "--set", "method.lr_x=1"], ("method.lr_x",)),
    Case("--set negative batch", _nothing, lambda r, t: ["train", *TINY, "--set", "data.batch_size=-4"],
         ("data.batch_size",)),
    Case("unknown dataset", _nothing, lambda r, t: ["train", "--method", "dcgan", "--data", "imagenet"],
         ("imagenet",)),
    Case("folder dataset without root", _nothing, lambda r, t: ["train", "--method", "dcgan", "--data", "folder"],
         ("data.root",)),
    # ---- run.toml ------------------------------------------------------------------------------------------
    Case("run.toml empty", lambda r, t: (r / "run.toml").write_bytes(b""), SAMPLE, ("run.toml", "needs a name")),
    Case("run.toml not UTF-8", lambda r, t: (r / "run.toml").write_bytes(b"[run]\nid = \"\xfe\xff\"\n"), SAMPLE,
         ("run.toml", "not UTF-8")),
    Case("run.toml not TOML", lambda r, t: (r / "run.toml").write_text("[run\n"), SAMPLE,
         ("run.toml", "not valid TOML")),
    Case("run.toml bad status", lambda r, t: _edit_run_toml(r, 'status = "finished"', 'status = "bogus"'), RESUME,
         ("run.toml", "bogus")),
    Case("run.toml step not a number", lambda r, t: _edit_run_toml(r, "step = 4", 'step = "four"'), RESUME,
         ("run.toml", "step")),
    Case("run.toml unknown method", lambda r, t: _edit_run_toml(r, 'name = "dcgan"', 'name = "nope"'), SAMPLE,
         ("nope",)),
    # ---- checkpoints ---------------------------------------------------------------------------------------
    Case("checkpoint truncated: resume", lambda r, t: _truncate(_ckpt(r, "safetensors"), 1000), RESUME,
         ("no complete checkpoint", "has 1,000 bytes", "--restart")),
    Case("checkpoint truncated: sample", lambda r, t: _truncate(_ckpt(r, "safetensors"), 1000), SAMPLE,
         ("no complete checkpoint", "has 1,000 bytes")),
    Case("checkpoint metadata garbage", lambda r, t: _ckpt(r, "json").write_text("{not json"), RESUME,
         ("no complete checkpoint", "unreadable")),
    Case("checkpoint metadata a list", lambda r, t: _ckpt(r, "json").write_text("[1, 2]"), SAMPLE,
         ("no complete checkpoint",)),
    Case("checkpoint bit flip", lambda r, t: _flip_byte(_ckpt(r, "safetensors")), SAMPLE, ("SHA-256",)),
    Case("checkpoint with NaN weights: sample", lambda r, t: _replace_tensors(r, _set_nan), SAMPLE,
         ("method/G/", "NaN", "not finite")),
    Case("checkpoint with NaN weights: resume", lambda r, t: _replace_tensors(r, _set_nan), RESUME,
         ("method/G/", "NaN", "not finite")),
    Case("checkpoint of other settings: sample", lambda r, t: _edit_run_toml(r, "g_channels = 8", "g_channels = 16"),
         SAMPLE, ("tensor method/G/", "shape", "method.g_channels (8 then, 16 now)")),
    Case("checkpoint of other settings: resume", lambda r, t: _edit_run_toml(r, "latent_dim = 8", "latent_dim = 6"),
         RESUME, ("tensor method/G/", "shape", "method.latent_dim (8 then, 6 now)")),
    Case("checkpoint names a missing tensor",
         lambda r, t: _replace_tensors(r, lambda ts: ts.pop(next(k for k in ts if k.startswith("method/D/")))),
         SAMPLE, ("method/D/", "lacks")),
    Case("checkpoint huge header", lambda r, t: _fix_meta_after(r, _huge_header), SAMPLE,
         ("not a valid safetensors file",)),
    Case("checkpoint is a pickle", lambda r, t: _fix_meta_after(r, _write_pickle), SAMPLE,
         ("not a valid safetensors file",)),
    # ---- weights files given by the user -------------------------------------------------------------------
    Case("inception weights missing", _nothing, INCEPTION, ("inception.safetensors", "does not exist")),
    Case("inception weights truncated",
         lambda r, t: (t / "inception.safetensors").write_bytes(_small_safetensors()[:40]), INCEPTION,
         ("inception.safetensors", "not a valid safetensors file")),
    Case("inception weights huge header", lambda r, t: _huge_header(t / "inception.safetensors"), INCEPTION,
         ("inception.safetensors", "not a valid safetensors file")),
    Case("inception weights wrong shapes",
         lambda r, t: (t / "inception.safetensors").write_bytes(_small_safetensors()), INCEPTION,
         ("inception.safetensors", "does not match the InceptionV3 architecture")),
    Case("inception weights a malicious pickle", lambda r, t: (t / "w.pth").write_bytes(pickle.dumps(_Payload())),
         lambda r, t: ["eval", "good", "-n", "8", "--inception", str(t / "w.pth")], ("w.pth", "cannot read")),
    # ---- command arguments ---------------------------------------------------------------------------------
    Case("unknown run", _nothing, lambda r, t: ["sample", "nosuchrun"], ("nosuchrun",)),
    Case("sample count 0", _nothing, lambda r, t: ["sample", "good", "-n", "0"], ("-n 0",)),
    Case("resume with other settings", _nothing, lambda r, t: ["train", "--resume", "good", "--seed", "3"],
         ("--seed",)),
]


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _fix_meta_after(run: Path, write: Callable[[Path], None]) -> None:
    """Replace the tensor file and record its new size and hash, so that only its contents are wrong."""
    tensors_path = _ckpt(run, "safetensors")
    write(tensors_path)
    data = tensors_path.read_bytes()
    _rewrite_json(_ckpt(run, "json"), lambda m: {**m, "tensors_bytes": len(data),
                                                 "tensors_sha256": hashlib.sha256(data).hexdigest()})


def _write_pickle(path: Path) -> None:
    path.write_bytes(pickle.dumps(_Payload()))


def _small_safetensors() -> bytes:
    from safetensors.torch import save

    return save({"fc.weight": torch.zeros(3, 4), "Conv2d_1a_3x3.conv.weight": torch.zeros(1, 1, 1, 1)})


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".lock"}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_gets_one_clear_line_and_changes_nothing(case: Case, trained_run, tmp_path, capsys, monkeypatch):
    ws = tmp_path / "ws"
    run = ws / "runs" / "good"
    shutil.copytree(trained_run, run)
    outside = tmp_path / "files"
    outside.mkdir()
    monkeypatch.chdir(outside)
    case.damage(run, outside)
    before = _snapshot(run)
    status = main(["--workspace", str(ws), *case.argv(run, outside)])
    err = capsys.readouterr().err
    assert status == case.exit_status, err
    lines = [line for line in err.splitlines() if line.startswith("workbench: error:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for text in case.says:
        assert text in lines[0], lines[0]
    assert _snapshot(run) == before, "a refused command changed the run's files"
    assert not (outside / "PICKLE_RAN").exists(), "a pickle payload was executed"
    assert not (ws / "runs").exists() or sorted(p.name for p in (ws / "runs").iterdir()) == ["good"], \
        "a refused command left a new run behind"


def test_damaged_run_never_hides_the_others(trained_run, tmp_path, capsys):
    """`workbench runs` lists a damaged run as damaged, with the reason, next to the good ones."""
    ws = tmp_path / "ws"
    shutil.copytree(trained_run, ws / "runs" / "good")
    for name, content in (("empty", b""), ("binary", b"\x80\x81\xfe[run]"), ("no-run", b"[method]\nname='dcgan'\n")):
        (ws / "runs" / name).mkdir()
        (ws / "runs" / name / "run.toml").write_bytes(content)
    assert main(["--workspace", str(ws), "runs"]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:] if not line.startswith("damaged:")}
    assert rows["good"][3] == "finished"
    assert {rows[n][3] for n in ("empty", "binary", "no-run")} == {"damaged"}
    assert "damaged: binary: " in out and "not UTF-8" in out
    assert "damaged: empty: " in out and "no [run] table" in out
    assert main(["--workspace", str(ws), "runs", "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["good"]["status"] == "finished" and rows["empty"]["status"] == "damaged"
    assert "run.toml" in rows["empty"]["error"]


def test_restart_starts_a_new_run_and_keeps_the_damaged_one(trained_run, tmp_path, capsys):
    """After a refused resume, `--restart` trains a new run with the same settings; the old one is untouched."""
    ws = tmp_path / "ws"
    run = ws / "runs" / "good"
    shutil.copytree(trained_run, run)
    _truncate(_ckpt(run, "safetensors"), 1000)
    before = _snapshot(run)
    assert main(["--workspace", str(ws), "train", "--restart", "good", "--name", "again"]) == 0
    capsys.readouterr()
    assert _snapshot(run) == before
    from workbench.runs import Workspace

    again = Workspace(ws).run("again")
    assert again.info().status == "finished" and again.latest_checkpoint_step() == 4
    assert again.notes()["restarted_from"] == "good"
    assert again.config == Workspace(ws).run("good").config


def test_unfinished_checkpoint_write_is_not_damage(trained_run, tmp_path, capsys):
    """A tensor file without its metadata is a write cut short by a kill: resuming trains past it."""
    ws = tmp_path / "ws"
    run = ws / "runs" / "good"
    shutil.copytree(trained_run, run)
    _ckpt(run, "json").unlink()
    _edit_run_toml(run, 'status = "finished"', 'status = "interrupted"')
    assert main(["--workspace", str(ws), "train", "--resume", "good"]) == 0
    assert "finished at step 4/4" in capsys.readouterr().out

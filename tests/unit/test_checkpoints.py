"""Checkpoints: exact round trips, crash safety under SIGKILL, and refusal of malformed or malicious files."""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time

import pytest
import torch

from workbench.runs.checkpoint_files import checkpoint_files, complete_checkpoints, latest_checkpoint
from workbench.training.checkpoints import (
    FORMAT,
    CheckpointError,
    flatten_state,
    load_checkpoint,
    load_checkpoint_file,
    save_checkpoint,
    unflatten_state,
)


def nested_state() -> dict:
    g = torch.Generator().manual_seed(0)
    weight = torch.randn(4, 3, generator=g)
    return {
        "G": {"net.0.weight": weight, "net.0.bias": torch.randn(4, dtype=torch.float64, generator=g),
              "bn.num_batches_tracked": torch.tensor(7, dtype=torch.int64)},
        "opt": {  # an optimizer state dict: int keys, lists, tuples
            "state": {0: {"step": torch.tensor(3.0), "exp_avg": torch.randn(4, 3, generator=g)},
                      1: {"step": torch.tensor(3.0), "exp_avg": torch.zeros(4, dtype=torch.float16)}},
            "param_groups": [{"lr": 2e-4, "betas": (0.5, 0.999), "params": [0, 1], "amsgrad": False,
                              "foreach": None}],
        },
        "rng": {"torch": torch.get_rng_state(), "python": (3, tuple(range(5)), None)},
        "masks": torch.tensor([True, False, True]),
        "bf16": torch.randn(2, 2, generator=g).to(torch.bfloat16),
        "int8": torch.tensor([-128, 0, 127], dtype=torch.int8),
        "view": weight[:, 1],  # a strided view into a larger storage
        "step": 12,
        "name": "dcgan",
    }


def assert_same(a, b, path="state"):
    assert type(a) is type(b), f"{path}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, torch.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b), path
    elif isinstance(a, dict):
        assert list(a) == list(b), path
        for k in a:
            assert_same(a[k], b[k], f"{path}/{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{path}/{i}")
    else:
        assert a == b, path


def test_flatten_unflatten_round_trip_through_json():
    state = nested_state()
    structure, tensors = flatten_state(state)
    structure = json.loads(json.dumps(structure))  # what the metadata file holds
    assert "opt/state/0/exp_avg" in tensors and "G/net.0.weight" in tensors
    assert_same(unflatten_state(structure, tensors), state)


def test_save_and_load_round_trip(tmp_path):
    state = nested_state()
    path = save_checkpoint(tmp_path, 12, state)
    assert path == tmp_path / "0000000012.safetensors"
    assert_same(load_checkpoint_file(path), state)
    assert_same(load_checkpoint_file(tmp_path / "0000000012.json"), state)
    meta = json.loads((tmp_path / "0000000012.json").read_text())
    assert meta["format"] == FORMAT and meta["step"] == 12


def test_unsupported_values_are_refused_by_path():
    with pytest.raises(TypeError, match="'opt/extra'"):
        flatten_state({"opt": {"extra": object()}})


def test_pruning_keeps_the_newest(tmp_path):
    for step in (1, 2, 3, 4):
        save_checkpoint(tmp_path, step, {"w": torch.full((2,), float(step))}, keep_last=2)
    assert [c.step for c in complete_checkpoints(tmp_path)] == [3, 4]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0000000003.json", "0000000003.safetensors",
                                                          "0000000004.json", "0000000004.safetensors"]


KILLED_WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import torch
    from workbench.training.checkpoints import save_checkpoint

    folder = Path(sys.argv[1])
    save_checkpoint(folder, 1, {"w": torch.arange(10.0), "step": 1})
    print("first", flush=True)
    big = torch.ones(16 * 2**20)  # 64 MiB: writing, fsyncing and hashing it takes a good fraction of a second
    save_checkpoint(folder, 2, {"w": big, "step": 2})
    print("second", flush=True)
    time.sleep(60)  # only reached if the kill came too late; the test then fails instead of passing by luck
    """
)


def test_sigkill_while_writing_leaves_the_previous_checkpoint(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "first"
        deadline = time.monotonic() + 120
        while not list(tmp_path.glob(".tmp-0000000002.safetensors.*")):  # the temp file of the second one
            assert proc.poll() is None and time.monotonic() < deadline, "writer ended before writing"
            time.sleep(0.001)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert not checkpoint_files(tmp_path, 2).meta.exists(), "the kill landed after the second checkpoint finished"
    latest = latest_checkpoint(tmp_path)
    assert latest is not None and latest.step == 1
    state = load_checkpoint(latest)
    assert state["step"] == 1 and torch.equal(state["w"], torch.arange(10.0))
    # the next save clears the torn temporary
    save_checkpoint(tmp_path, 3, {"w": torch.zeros(1)})
    assert not list(tmp_path.glob(".tmp-*"))
    assert latest_checkpoint(tmp_path).step == 3


# ---- malformed and malicious checkpoints --------------------------------------------------------------------
@pytest.fixture
def ckpt(tmp_path):
    save_checkpoint(tmp_path, 5, {"w": torch.arange(6.0).reshape(2, 3), "step": 5})
    return checkpoint_files(tmp_path, 5)


def edit_meta(files, **changes):
    meta = json.loads(files.meta.read_text())
    meta.update(changes)
    files.meta.write_text(json.dumps(meta))


def replace_tensors(files, data: bytes):
    """Swap in other tensor bytes and make size and SHA-256 agree, so only the content check is left."""
    import hashlib

    files.tensors.write_bytes(data)
    edit_meta(files, tensors_bytes=len(data), tensors_sha256=hashlib.sha256(data).hexdigest())


def test_metadata_naming_a_missing_tensor(ckpt):
    edit_meta(ckpt, state={"w": {"__tensor__": "G/ghost"}})
    with pytest.raises(CheckpointError, match="names tensor 'G/ghost' that the tensor file lacks"):
        load_checkpoint(ckpt)


def test_wrong_format_tag(ckpt):
    edit_meta(ckpt, format="pytorch-pickle")
    with pytest.raises(CheckpointError, match="not a workbench checkpoint.*'pytorch-pickle'"):
        load_checkpoint(ckpt)


@pytest.mark.parametrize("meta_text", ["[1, 2, 3]", "{not json", "\"just a string\""])
def test_metadata_that_is_not_an_object(ckpt, meta_text):
    ckpt.meta.write_text(meta_text)
    with pytest.raises(CheckpointError, match=str(ckpt.meta.name)):
        load_checkpoint(ckpt)
    assert latest_checkpoint(ckpt.meta.parent) is None


def test_corrupted_tensor_bytes_fail_the_sha256_check(ckpt):
    data = bytearray(ckpt.tensors.read_bytes())
    data[-3] ^= 0xFF  # same size, one flipped byte in the tensor data
    ckpt.tensors.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="SHA-256"):
        load_checkpoint(ckpt)


def test_truncated_tensor_file(ckpt):
    ckpt.tensors.write_bytes(ckpt.tensors.read_bytes()[:-10])
    assert latest_checkpoint(ckpt.meta.parent) is None  # incomplete: ignored when looking for the latest
    with pytest.raises(CheckpointError, match="bytes, expected"):
        load_checkpoint(ckpt)


def test_missing_tensor_file(ckpt):
    ckpt.tensors.unlink()
    with pytest.raises(CheckpointError, match="cannot read"):
        load_checkpoint(ckpt)


@pytest.mark.parametrize(
    "data",
    [
        b"\x00" * 64,
        (2**62).to_bytes(8, "little") + b"{}",  # header claims to be enormous
        (30).to_bytes(8, "little") + b'{"w": {"dtype": "F32", "shape": [1000], "data_offsets": [0, 4000]}}',
        b"garbage that is not safetensors at all",
    ],
)
def test_garbage_safetensors_header(ckpt, data):
    replace_tensors(ckpt, data)
    with pytest.raises(CheckpointError, match="not a valid safetensors file"):
        load_checkpoint(ckpt)


def test_oversize_metadata_is_refused_unread(ckpt, monkeypatch):
    import workbench.runs.checkpoint_files as checkpoint_files_module

    monkeypatch.setattr(checkpoint_files_module, "MAX_META_BYTES", 256)
    edit_meta(ckpt, padding="x" * 1000)
    with pytest.raises(CheckpointError, match="larger than 256 bytes"):
        load_checkpoint(ckpt)


def test_malformed_state_structure(ckpt):
    edit_meta(ckpt, state={"__items__": 5})
    with pytest.raises(CheckpointError, match="malformed"):
        load_checkpoint(ckpt)
    meta = json.loads(ckpt.meta.read_text())
    del meta["state"]
    ckpt.meta.write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match="malformed"):
        load_checkpoint(ckpt)


class _Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))  # unpickling would create the marker file


def test_a_pickle_in_place_of_the_tensors_is_never_executed(ckpt, tmp_path):
    marker = tmp_path / "pwned"
    replace_tensors(ckpt, pickle.dumps({"w": _Exploit(str(marker))}))
    with pytest.raises(CheckpointError, match="not a valid safetensors file"):
        load_checkpoint(ckpt)
    assert not marker.exists()


def test_file_not_named_like_a_checkpoint(tmp_path):
    with pytest.raises(CheckpointError, match="not named like a checkpoint"):
        load_checkpoint_file(tmp_path / "model.safetensors")


def test_damaged_checkpoints_say_what_is_wrong(tmp_path):
    """Files that do not make a complete checkpoint are named with the reason, instead of "no checkpoint yet"."""
    from workbench.runs.checkpoint_files import damaged_checkpoints

    assert damaged_checkpoints(tmp_path / "absent") == [] and damaged_checkpoints(tmp_path) == []
    for step in (5, 6, 7, 8):
        save_checkpoint(tmp_path, step, {"w": torch.arange(6.0), "step": step})
    truncated, unreadable, no_meta, no_tensors = (checkpoint_files(tmp_path, s) for s in (5, 6, 7, 8))
    truncated.tensors.write_bytes(truncated.tensors.read_bytes()[:-10])
    unreadable.meta.write_text("{not json")
    no_meta.meta.unlink()
    no_tensors.tensors.unlink()
    reasons = damaged_checkpoints(tmp_path)
    assert len(reasons) == 4 and latest_checkpoint(tmp_path) is None
    assert reasons[0].startswith("step 5: 0000000005.safetensors has ") and "its metadata says" in reasons[0]
    assert reasons[1].startswith("step 6: metadata 0000000006.json unreadable (JSONDecodeError")
    assert reasons[2].startswith("step 7: tensor file without its metadata (0000000007.json missing")
    assert reasons[3] == "step 8: 0000000008.safetensors missing"
    save_checkpoint(tmp_path, 9, {"w": torch.arange(6.0), "step": 9})
    assert latest_checkpoint(tmp_path).step == 9 and len(damaged_checkpoints(tmp_path)) == 4  # a good one is used


def test_a_run_with_only_damaged_checkpoints_says_so(workspace, capsys, tmp_path):
    from workbench.cli import main
    from workbench.config import RunConfig
    from workbench.methods.vae import VAESettings

    run = workspace.create_run(RunConfig(method=VAESettings()), name="damaged")
    assert run.missing_checkpoint_text() == "no checkpoint yet"
    save_checkpoint(run.checkpoints_dir, 3, {"w": torch.arange(6.0), "step": 3})
    checkpoint_files(run.checkpoints_dir, 3).meta.write_text("garbage")
    assert run.missing_checkpoint_text().startswith("no complete checkpoint: step 3: metadata 0000000003.json "
                                                    "unreadable")
    assert main(["sample", "damaged", "-o", str(tmp_path / "x.png")]) == 2
    assert "run damaged has no complete checkpoint: step 3: metadata" in capsys.readouterr().err


def test_non_finite_state_is_never_written_and_never_loaded(tmp_path):
    from workbench.training.checkpoints import NonFiniteStateError

    state = {"G": {"w": torch.tensor([1.0, float("nan"), float("inf")])}, "step": torch.tensor(3)}
    with pytest.raises(NonFiniteStateError, match=r"G/w \(1 NaN, 1 Inf of 3 values\) is not finite"):
        save_checkpoint(tmp_path, 3, state)
    assert not list(tmp_path.iterdir())


def test_the_loop_refuses_a_checkpoint_of_weights_gone_non_finite(workspace):
    """Weights can turn NaN in the update after a finite loss: the checkpoint at that step is not written, an
    alert names the tensor and training pauses, so the last good checkpoint stays the latest."""
    from workbench.config import DataConfig, RunConfig, TrainConfig
    from workbench.methods.registry import method_settings_class
    from workbench.runs.events import AlertEvent, CheckpointEvent, StepEvent
    from workbench.training.control import TrainingControl
    from workbench.training.loop import train
    from workbench.training.session import TrainingSession

    settings = method_settings_class("dcgan")(latent_dim=4, g_channels=8, d_channels=8)
    config = RunConfig(settings, DataConfig(image_size=8, batch_size=8),
                       TrainConfig(steps=6, checkpoint_every=2, sample_every=100, sample_count=4))
    session = TrainingSession(config)
    control = TrainingControl()
    folder = workspace.root / "ckpt"
    events = []
    for event in train(session, control, folder):
        events.append(event)
        if isinstance(event, StepEvent) and event.step == 4:  # after its finite losses, before its checkpoint
            with torch.no_grad():
                next(session.method.G.parameters()).view(-1)[0] = float("nan")
        if control.paused:
            break
    assert [e.step for e in events if isinstance(e, CheckpointEvent)] == [2]
    alert = next(e for e in events if isinstance(e, AlertEvent))
    assert alert.kind == "non_finite" and alert.step == 4 and "tensor method/G/" in alert.message
    assert "last good checkpoint (step 2)" in alert.message
    assert latest_checkpoint(folder).step == 2 and not session.healthy

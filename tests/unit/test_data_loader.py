"""The DataLoader stream of file-decoded datasets: the in-process stream's order with any number of workers, exact
resumption from a checkpoint's state, one share of each global batch per process, and no worker left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from workbench.config import DataConfig, RunConfig, TrainConfig
from workbench.data import build_dataset
from workbench.data.batches import BatchStream
from workbench.data.folder import FolderImages
from workbench.data.loader import LoaderStream, automatic_workers

CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """Two classes of 23 photos-like JPEGs of odd sizes (cropped and resized to 16×16 when read)."""
    root = tmp_path_factory.mktemp("jpegs")
    for c, name in enumerate(("cats", "dogs")):
        (root / name).mkdir()
        for i in range(23):
            pixels = np.random.default_rng(100 * c + i).integers(0, 256, (30 + i, 41, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / name / f"{i:02d}.jpg")
    return root


def dataset_of(folder: Path, **changes) -> FolderImages:  # noqa: ANN003
    return build_dataset(DataConfig(name="folder", root=str(folder), image_size=16, channels=3, **changes))


def same(a: tuple[torch.Tensor, ...], b: tuple[torch.Tensor, ...]) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("workers", [0, 2])
def test_the_loader_gives_the_in_process_streams_batches_and_resumes_exactly(folder, workers):
    dataset = dataset_of(folder)
    assert isinstance(dataset, FolderImages) and len(dataset) == 46
    reference = BatchStream(dataset, 8, seed=3)
    expected = [reference.next() for _ in range(14)]  # past the end of two epochs (5 full batches each)
    stream = LoaderStream(dataset, 8, 3, workers=workers, device=CPU)
    got = [stream.next() for _ in range(7)]
    state = stream.state_dict()
    assert state == {"epoch": 1, "position": 16}, "the state counts batches taken, not those decoded ahead"
    stream.close()
    resumed = LoaderStream(dataset, 8, 3, workers=workers, device=CPU)
    resumed.load_state_dict(state)
    got += [resumed.next() for _ in range(7)]
    resumed.close()
    assert all(same(e, g) for e, g in zip(expected, got, strict=True))
    assert got[0][0].dtype == torch.float32 and -1 <= float(got[0][0].min()) <= float(got[0][0].max()) <= 1


def test_each_process_decodes_only_its_share_of_the_global_batch(folder):
    dataset = dataset_of(folder)
    reference = BatchStream(dataset, 8, seed=0)
    shares = [LoaderStream(dataset, 8, 0, workers=1, device=CPU, shard=(rank, 2)) for rank in (0, 1)]
    for _ in range(7):
        first, second = (share.next() for share in shares)
        images, labels = reference.next()
        assert first[0].shape[0] == 4
        assert torch.equal(torch.cat([first[0], second[0]]), images)
        assert torch.equal(torch.cat([first[1], second[1]]), labels)
    for share in shares:
        share.close()


def test_a_folder_run_trains_through_the_loader_and_a_checkpoint_continues_it_exactly(folder):
    from workbench.methods.dcgan import DCGANSettings
    from workbench.training.session import TrainingSession

    config = RunConfig(DCGANSettings(g_channels=8, d_channels=8, latent_dim=8),
                       DataConfig(name="folder", root=str(folder), image_size=16, channels=3, batch_size=8, workers=1),
                       TrainConfig(steps=6))

    def steps(session: TrainingSession, count: int) -> list[dict[str, float]]:
        return [session.method.train_step(session.next_batch()) for _ in range(count)]

    whole = TrainingSession(config)
    assert isinstance(whole.stream, LoaderStream)
    expected = steps(whole, 6)
    first = TrainingSession(config)
    got = steps(first, 3)
    state = first.state_dict()
    first.close()
    second = TrainingSession(config)
    second.load_state_dict(state)
    got += steps(second, 3)
    for session in (whole, second):
        session.close()
    assert [s["loss_d"] for s in got] == pytest.approx([s["loss_d"] for s in expected], abs=1e-6)


def test_automatic_workers_leave_one_core_to_training():
    assert automatic_workers(3) == 3 and automatic_workers(0) == 0
    assert 0 <= automatic_workers(-1) <= 8


WORKERS_SCRIPT = """
import sys, time, torch
from workbench.config import DataConfig
from workbench.data import build_dataset
from workbench.data.loader import LoaderStream
dataset = build_dataset(DataConfig(name="folder", root=sys.argv[1], image_size=16, channels=3))
stream = LoaderStream(dataset, 4, 0, workers=2, device=torch.device("cpu"))
stream.next()
if sys.argv[2] == "close":
    stream.close()
print("ready", flush=True)
time.sleep(600)
"""


def children_of(pid: int) -> list[int]:
    import psutil

    return [p.pid for p in psutil.Process(pid).children(recursive=True)]


@pytest.mark.parametrize("ending", ["close", "kill -9"])
def test_no_worker_outlives_the_stream_or_its_process(folder, ending):
    import psutil

    process = subprocess.Popen([sys.executable, "-c", WORKERS_SCRIPT, str(folder), ending.split()[0]],
                               stdout=subprocess.PIPE, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    try:
        assert process.stdout.readline().strip() == "ready"
        workers = children_of(process.pid)
        if ending == "close":
            assert workers == [], "close() stopped the workers"
            return
        assert len(workers) == 2
        process.send_signal(signal.SIGKILL)
        process.wait()
        deadline = time.monotonic() + 30  # a worker checks for its parent every 5 s while it waits for work
        while time.monotonic() < deadline and any(psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"
                                                  for p in workers):
            time.sleep(0.2)
        alive = [p for p in workers if psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"]
        assert alive == [], f"workers {alive} outlived their killed parent"
    finally:
        process.kill()
        process.wait()

"""Training batches of file-decoded datasets through a `torch.utils.data.DataLoader`.

Decoding JPEGs is the slow part of training on a folder or CelebA: `LoaderStream` hands it to worker processes
(`data.workers`) that run ahead of the training step (prefetch), keeps them alive across epochs (persistent
workers), collates uint8 batches (a quarter of float32's bytes) into pinned memory when the run trains on CUDA,
and converts them to [-1, 1] floats on the training device.

The order is `BatchStream`'s: the batch sampler walks `workbench.data.batches.batch_indices` from the
stream's (epoch, position), so the same seed gives the same batches with any number of workers, and a checkpoint's
state resumes the same sequence. In a data-parallel run each process's sampler yields only its own slice of every
global batch, so no process decodes images another one trains on.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from workbench.data.batches import advance, batch_indices
from workbench.data.dataset import DecodedImageDataset

MAX_AUTOMATIC_WORKERS = 8
PREFETCH_BATCHES = 4  # per worker


def automatic_workers(requested: int) -> int:
    """data.workers: -1 is the cores this process may use but one (the training step's), at most 8."""
    if requested >= 0:
        return requested
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(0, min(MAX_AUTOMATIC_WORKERS, cores - 1))


class _Items(Dataset):
    """A decoded dataset's items as the DataLoader asks for them: (uint8 C×H×W, label)."""

    def __init__(self, dataset: DecodedImageDataset) -> None:
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        array = self.dataset.load_image(index)
        return torch.from_numpy(array).permute(2, 0, 1), self.dataset.label(index)


class _ShardedBatches(Sampler):
    """This process's slice of every global batch from (epoch, position) on, forever."""

    def __init__(self, size: int, batch_size: int, seed: int, start: tuple[int, int], shard: tuple[int, int]) -> None:
        self.size, self.batch_size, self.seed, self.start, self.shard = size, batch_size, seed, start, shard

    def __iter__(self) -> Iterator[list[int]]:
        rank, world = self.shard
        share = self.batch_size // world
        for indices in batch_indices(self.size, self.batch_size, self.seed, *self.start):
            yield indices[rank * share:(rank + 1) * share].tolist()


class LoaderStream:
    """`BatchStream`'s interface (`next`, `state_dict`, `load_state_dict`, `close`) over a DataLoader.

    `shard` = (rank, world size): `next` returns this process's share of the global batch (the caller does not
    slice it again: `sharded` is True). Images come back as float [-1, 1] on `device`.
    """

    sharded = True

    def __init__(self, dataset: DecodedImageDataset, batch_size: int, seed: int, *, workers: int,
                 device: torch.device, shard: tuple[int, int] = (0, 1)) -> None:
        if len(dataset) == 0:
            raise ValueError("the dataset is empty")
        self.dataset = dataset
        self.batch_size = min(batch_size, len(dataset))
        self.seed = seed
        self.workers = automatic_workers(workers)
        self.device = device
        self.shard = shard
        self.epoch, self.position = 0, 0
        self._batches: Iterator | None = None

    def _start(self) -> Iterator:
        loader = DataLoader(
            _Items(self.dataset),
            batch_sampler=_ShardedBatches(len(self.dataset), self.batch_size, self.seed, (self.epoch, self.position),
                                          self.shard),
            num_workers=self.workers,
            pin_memory=self.device.type == "cuda",
            persistent_workers=self.workers > 0,
            prefetch_factor=PREFETCH_BATCHES if self.workers > 0 else None,
        )
        return iter(loader)

    def next(self) -> tuple[torch.Tensor, torch.Tensor]:
        if self._batches is None:
            self._batches = self._start()
        images, labels = next(self._batches)
        self.epoch, self.position = advance((self.epoch, self.position), len(self.dataset), self.batch_size)
        images = images.to(self.device, non_blocking=True).float().div_(127.5).sub_(1.0)
        return images, labels.to(self.device, non_blocking=True)

    def state_dict(self) -> dict[str, int]:
        return {"epoch": self.epoch, "position": self.position}

    def load_state_dict(self, state: dict[str, int]) -> None:
        """Continue from a checkpoint's state: the workers restart there (they had decoded ahead of it)."""
        self.close()
        self.epoch, self.position = int(state["epoch"]), int(state["position"])

    def close(self) -> None:
        """Stop the worker processes now rather than when the stream is garbage-collected."""
        batches, self._batches = self._batches, None
        shutdown = getattr(batches, "_shutdown_workers", None)
        if shutdown is not None:
            shutdown()

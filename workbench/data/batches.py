"""A deterministic, resumable stream of training batches.

Each epoch's order is a permutation drawn from a generator seeded by (seed, epoch), and the stream's whole
state is (epoch, position). Saving that state in a checkpoint is enough to continue with exactly the batches
an uninterrupted run would have seen. `BatchStream` serves in-memory datasets in the training process;
`workbench.data.loader.LoaderStream` serves datasets decoded from files through worker processes, in the same
order from the same state.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch


def epoch_order(size: int, seed: int, epoch: int) -> torch.Tensor:
    """The permutation of `size` items that epoch `epoch` of a stream seeded with `seed` visits."""
    g = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    return torch.randperm(size, generator=g)


def batch_indices(size: int, batch_size: int, seed: int, epoch: int, position: int) -> Iterator[torch.Tensor]:
    """The index batches from (epoch, position) on, forever; the short remainder of an epoch is dropped, as with
    drop_last=True."""
    order = epoch_order(size, seed, epoch)
    while True:
        if position + batch_size > size:
            epoch, position = epoch + 1, 0
            order = epoch_order(size, seed, epoch)
        yield order[position:position + batch_size]
        position += batch_size


def advance(state: tuple[int, int], size: int, batch_size: int) -> tuple[int, int]:
    """(epoch, position) after one more batch: the state a checkpoint taken then records."""
    epoch, position = state
    if position + batch_size > size:
        epoch, position = epoch + 1, 0
    return epoch, position + batch_size


class BatchStream:
    sharded = False  # every process gets the global batch; the session slices its share

    def __init__(self, dataset, batch_size: int, seed: int) -> None:  # noqa: ANN001 - any dataset with get_batch
        if len(dataset) == 0:
            raise ValueError("the dataset is empty")
        self.dataset = dataset
        self.batch_size = min(batch_size, len(dataset))
        self.seed = seed
        self.epoch = 0
        self.position = 0
        self._order = epoch_order(len(dataset), seed, 0)

    def next(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The next full batch (the short remainder of an epoch is dropped, as with drop_last=True)."""
        if self.position + self.batch_size > len(self._order):
            self.epoch += 1
            self.position = 0
            self._order = epoch_order(len(self.dataset), self.seed, self.epoch)
        idx = self._order[self.position : self.position + self.batch_size]
        self.position += self.batch_size
        return self.dataset.get_batch(idx)

    def state_dict(self) -> dict[str, int]:
        return {"epoch": self.epoch, "position": self.position}

    def load_state_dict(self, state: dict[str, int]) -> None:
        self.epoch = int(state["epoch"])
        self.position = int(state["position"])
        self._order = epoch_order(len(self.dataset), self.seed, self.epoch)

    def close(self) -> None:
        """Nothing to release: the stream runs in the training process."""

"""A deterministic, resumable stream of training batches.

Each epoch's order is a permutation drawn from a generator seeded by (seed, epoch), and the stream's whole
state is (epoch, position). Saving that state in a checkpoint is enough to continue with exactly the batches
an uninterrupted run would have seen.
"""

from __future__ import annotations

import torch


class BatchStream:
    def __init__(self, dataset, batch_size: int, seed: int) -> None:  # noqa: ANN001 - any dataset with get_batch
        if len(dataset) == 0:
            raise ValueError("the dataset is empty")
        self.dataset = dataset
        self.batch_size = min(batch_size, len(dataset))
        self.seed = seed
        self.epoch = 0
        self.position = 0
        self._order = self._permutation(0)

    def _permutation(self, epoch: int) -> torch.Tensor:
        g = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
        return torch.randperm(len(self.dataset), generator=g)

    def next(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The next full batch (the short remainder of an epoch is dropped, as with drop_last=True)."""
        if self.position + self.batch_size > len(self._order):
            self.epoch += 1
            self.position = 0
            self._order = self._permutation(self.epoch)
        idx = self._order[self.position : self.position + self.batch_size]
        self.position += self.batch_size
        return self.dataset.get_batch(idx)

    def state_dict(self) -> dict[str, int]:
        return {"epoch": self.epoch, "position": self.position}

    def load_state_dict(self, state: dict[str, int]) -> None:
        self.epoch = int(state["epoch"])
        self.position = int(state["position"])
        self._order = self._permutation(self.epoch)

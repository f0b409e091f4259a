"""A training session: the in-memory objects of one run (dataset, method, batch stream, step counter) and
their complete state, so a checkpoint restores a run bit for bit.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import torch

from workbench.config import RunConfig
from workbench.data import build_dataset
from workbench.data.batches import BatchStream
from workbench.methods.registry import build_method
from workbench.runs.checkpoint_files import latest_checkpoint
from workbench.training.checkpoints import load_checkpoint, save_checkpoint
from workbench.training.devices import resolve_device

SAMPLE_SEED_OFFSET = 10_007  # the fixed latent batch of the live sample grid


class TrainingSession:
    def __init__(self, config: RunConfig) -> None:
        self.config = config
        self.device = resolve_device(config.train.device)
        seed = config.train.seed
        random.seed(seed)
        torch.manual_seed(seed)  # network initialisation
        self.dataset = build_dataset(config.data)
        self.method = build_method(config, self.dataset.info, self.device)
        self.stream = BatchStream(self.dataset, config.data.batch_size, seed)
        self.step = 0
        self.healthy = True  # False after a non-finite loss: no checkpoint may overwrite the good ones
        order = torch.randperm(len(self.dataset), generator=torch.Generator().manual_seed(seed + 7))
        self.visual_batch = self.dataset.get_batch(order[:32])  # the same real images in every live view
        self.sample_seed = seed + SAMPLE_SEED_OFFSET
        self.class_probe = None  # a ClassCoverageProbe when the run store provides a workspace (runner.py)

    def state_dict(self) -> dict[str, Any]:
        rng: dict[str, Any] = {"torch": torch.get_rng_state(), "python": random.getstate()}
        if torch.cuda.is_available() and self.device.type == "cuda":
            rng["cuda"] = torch.cuda.get_rng_state(self.device)
        return {"step": self.step, "method": self.method.state_dict(), "data": self.stream.state_dict(), "rng": rng}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.method.load_state_dict(state["method"])
        self.stream.load_state_dict(state["data"])
        self.step = int(state["step"])
        rng = state["rng"]
        torch.set_rng_state(rng["torch"].to(torch.uint8))
        version, internal, gauss = rng["python"]
        random.setstate((version, tuple(internal), gauss))
        if "cuda" in rng and self.device.type == "cuda":
            torch.cuda.set_rng_state(rng["cuda"].to(torch.uint8), self.device)

    def save(self, folder: Path, keep_last: int | None = None) -> Path:
        return save_checkpoint(folder, self.step, self.state_dict(), keep_last=keep_last)

    def restore_latest(self, folder: Path) -> int | None:
        """Load the newest complete checkpoint in `folder`; its step, or None when there is none."""
        files = latest_checkpoint(folder)
        if files is None:
            return None
        self.load_state_dict(load_checkpoint(files))
        return self.step

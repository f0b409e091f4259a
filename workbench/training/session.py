"""A training session: the in-memory objects of one run (dataset, method, batch stream, step counter) and
their complete state, so a checkpoint restores a run bit for bit.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch

from workbench.config import ConfigError, RunConfig
from workbench.data import build_dataset
from workbench.data.batches import BatchStream
from workbench.data.dataset import DecodedImageDataset
from workbench.data.loader import LoaderStream
from workbench.methods.capabilities import InitFrom
from workbench.methods.registry import build_method, check_trainable, method_spec
from workbench.runs import Run, Workspace
from workbench.runs.checkpoint_files import latest_checkpoint
from workbench.runs.examples import find_example
from workbench.training.checkpoints import CheckpointError, load_checkpoint, save_checkpoint
from workbench.training.devices import resolve_device
from workbench.training.distributed import (
    DistributedContext,
    agree,
    average_gradients_before_steps,
    average_scalars,
    check_batch,
    shard,
    synchronise_batch_norm,
)
from workbench.training.performance import apply_speed_settings

SAMPLE_SEED_OFFSET = 10_007  # the fixed latent batch of the live sample grid


class RunLoadError(ValueError):
    """A stored run that cannot be loaded for use: the message says which run and why, in one line."""


@contextlib.contextmanager
def preserved_rng() -> Iterator[None]:
    """Building and restoring a session seeds and sets the global RNGs; leave the caller's untouched."""
    state = random.getstate()
    with torch.random.fork_rng(devices=[]):
        try:
            yield
        finally:
            random.setstate(state)


def make_stream(dataset: Any, config: RunConfig, device: torch.device,
                distributed: DistributedContext | None) -> BatchStream | LoaderStream:
    """Datasets decoded from files stream through DataLoader workers; in-memory ones are sliced in this process
    (`bench/data_throughput.py` measures both). An in-memory stream yields the global batch in every process."""
    data, seed = config.data, config.train.seed
    if isinstance(dataset, DecodedImageDataset):
        place = (0, 1) if distributed is None else (distributed.rank, distributed.world_size)
        return LoaderStream(dataset, data.batch_size, seed, workers=data.workers, device=device, shard=place)
    return BatchStream(dataset, data.batch_size, seed)


class TrainingSession:
    def __init__(self, config: RunConfig, distributed: DistributedContext | None = None) -> None:
        self.config = config
        self.distributed = distributed  # this process's place in a data-parallel run (torchrun), or None
        self.device = resolve_device(config.train.device)
        seed = config.train.seed
        random.seed(seed)
        torch.manual_seed(seed)  # network initialisation
        self.dataset = build_dataset(config.data)
        self.method = build_method(config, self.dataset.info, self.device)
        apply_speed_settings(self.method, config.train, self.device)
        self.stream = make_stream(self.dataset, config, self.device, distributed)
        if distributed is not None:
            check_batch(config.data.batch_size, distributed.world_size)
            if self.method.scales_loss:  # a GradScaler skips a step on its own process's overflow: the others wait
                raise ConfigError("train.amp_dtype: float16 training with a gradient scaler is not supported across "
                                  "several processes; use bfloat16 (train.amp_dtype), or one process")
            self.method.shard = (distributed.rank, distributed.world_size)
            if config.train.sync_batchnorm:
                synchronise_batch_norm(self.method)
            average_gradients_before_steps(self.method, distributed)
        self.step = 0
        self.healthy = True  # False after a non-finite loss: no checkpoint may overwrite the good ones
        order = torch.randperm(len(self.dataset), generator=torch.Generator().manual_seed(seed + 7))
        self.visual_batch = self.dataset.get_batch(order[:32])  # the same real images in every live view
        self.sample_seed = seed + SAMPLE_SEED_OFFSET
        self.fresh_optimizers: list[str] = []  # optimizers the restored checkpoint had no state for
        self.class_probe = None  # a ClassCoverageProbe when the run store provides a workspace (runner.py)

    @property
    def is_main(self) -> bool:
        """Whether this process records the run (the only one, or process 0 of a data-parallel run)."""
        return self.distributed is None or self.distributed.is_main

    def next_batch(self) -> tuple[torch.Tensor, ...]:
        """The next training batch: the global one, or this process's slice of it."""
        batch = self.stream.next()
        if self.distributed is None or self.stream.sharded:
            return batch
        return shard(batch, self.distributed)

    def close(self) -> None:
        """Release what the session started beside the training thread (the data loader's worker processes)."""
        self.stream.close()

    def gathered(self, scalars: dict[str, float]) -> dict[str, float]:
        """A step's scalars as the run records them: averaged over the processes of a data-parallel run."""
        return scalars if self.distributed is None else average_scalars(scalars, self.distributed)

    def agreed(self, go_on: bool) -> bool:
        """Whether to train the next step: process 0 decides for every process."""
        return go_on if self.distributed is None else agree(go_on, self.distributed)

    @classmethod
    def from_run(cls, run: Any, device: str = "cpu") -> TrainingSession:
        """The run (a `workbench.runs.Run`) with its latest checkpoint loaded, for use rather than training: on
        `device` (CPU by default), one torch thread, the caller's random number generators untouched.

        The one loader behind the Latent, Translate, Super-resolution, 3D and Evaluate tabs and the CLI; raises
        RunLoadError naming the run and the reason (unreadable settings, no or damaged checkpoint, a checkpoint
        that does not fit the settings)."""
        from workbench.compat import one_torch_thread
        from workbench.config import ConfigError

        try:
            config = run.config.replace("train", device=device, mixed_precision=False, compile=False)
            if hasattr(config.method, "run_folder"):  # an imported model reads its files where the run is now
                config = config.replace("method", run_folder=str(run.path))
        except (OSError, ConfigError, KeyError, ValueError) as err:
            raise RunLoadError(f"cannot read the configuration of run {run.path.name}: {err}") from None
        files = latest_checkpoint(run.checkpoints_dir)
        if files is None:
            raise RunLoadError(f"run {run.id} has {run.missing_checkpoint_text()}; train it first (checkpoints are "
                               "written every train.checkpoint_every steps and when training stops)")
        try:
            with one_torch_thread(), preserved_rng():
                session = cls(config)
                state = load_checkpoint(files)
                # Training noise is irrelevant here, and a CUDA generator's state does not fit a CPU one.
                if "noise_rng" in state.get("method", {}):
                    state["method"]["noise_rng"] = session.method.noise.get_state()
                session.load_state_dict(state)
        except (CheckpointError, ConfigError, OSError) as err:
            raise RunLoadError(f"cannot load run {run.id}: {err}") from None
        return session

    def state_dict(self) -> dict[str, Any]:
        rng: dict[str, Any] = {"torch": torch.get_rng_state(), "python": random.getstate()}
        if torch.cuda.is_available() and self.device.type == "cuda":
            rng["cuda"] = torch.cuda.get_rng_state(self.device)
        # The settings go along (JSON metadata only): a checkpoint that no longer fits can name what changed.
        return {"step": self.step, "method": self.method.state_dict(), "data": self.stream.state_dict(), "rng": rng,
                "config": self.config.to_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a checkpoint's state; CheckpointError naming the tensor and setting when it does not fit."""
        mismatch = shape_mismatch(self.method.state_dict(), state.get("method", {}), "method",
                                  _network_storages(self.method))
        if mismatch is not None:
            raise CheckpointError(f"step {state.get('step', '?')} does not fit this run's settings: {mismatch}"
                                  + changed_settings(state.get("config"), self.config))
        self.fresh_optimizers = _fill_missing_optimizers(self.method, state.get("method"))
        try:
            self.method.load_state_dict(state["method"])
        except (RuntimeError, KeyError, ValueError, TypeError) as err:
            first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise CheckpointError(f"step {state.get('step', '?')} does not fit this run's method: {first_line}"
                                  + changed_settings(state.get("config"), self.config)) from None
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

    def initialise_from_source(self, workspace_root: Path | None) -> None:
        """For a new run (nothing restored): see `initialise_from_source`."""
        initialise_from_source(self.method, workspace_root)

    def restore_latest(self, folder: Path) -> int | None:
        """Load the newest complete checkpoint in `folder` to train on; its step, or None when there is none.
        CheckpointError, before anything is written, for a run of a method nothing trains (an imported model)."""
        try:
            check_trainable(self.config.method_name, folder.parent.name)
        except ConfigError as err:
            raise CheckpointError(str(err)) from None
        files = latest_checkpoint(folder)
        if files is None:
            return None
        state = load_checkpoint(files)
        try:
            self.load_state_dict(state)
        except CheckpointError as err:
            raise CheckpointError(f"checkpoint {files.tensors}: {err}") from None
        return self.step


def _fill_missing_optimizers(method: Any, saved: Any) -> list[str]:
    """Give a checkpoint without optimizer state (a shipped example's, card.toml `optimizer_state = false`) the
    method's fresh optimizers, schedulers and scalers, so training goes on from its weights; the optimizers'
    names."""
    if not isinstance(saved, dict):
        return []
    kinds = (torch.optim.Optimizer, torch.optim.lr_scheduler.LRScheduler, torch.amp.GradScaler)
    filled = []
    for name in getattr(method, "stateful", ()):
        target = getattr(method, name, None)
        if isinstance(target, kinds) and (name not in saved or saved[name] in (None, {})):
            saved[name] = target.state_dict()
            if isinstance(target, torch.optim.Optimizer):
                filled.append(name)
    return filled


def initialise_from_source(method: Any, workspace_root: Path | None) -> None:
    """Start the networks of an `InitFrom` method (SRGAN) from the run its settings name, looked up in
    `workspace_root` (None: the default workspace); nothing for other methods or an empty setting. A ConfigError
    naming the setting when that run is missing, trains another method, has no checkpoint or does not fit."""
    if isinstance(method, InitFrom) and method.init_source():
        method.initialise_from(*_source_run_state(method, workspace_root))


def _source_run_state(method: Any, workspace_root: Path | None) -> tuple[dict[str, Any], RunConfig, str, str]:
    """(method state of its latest checkpoint, settings, id, description) of the run `method.init_source()` names."""
    field, name = "method.init_from", method.init_source()
    spec = method_spec(type(method).method_name)
    wanted = " or ".join(repr(m) for m in method.init_from_methods)
    try:
        run = _run_or_example(Workspace(workspace_root), name)
        source = run.config
    except KeyError as err:
        raise ConfigError(f"{field}: {err.args[0]} (give the id or the folder of a run of {wanted}, or the name of "
                          "a shipped example: `workbench examples`)") from err
    except ConfigError as err:
        raise ConfigError(f"{field}: cannot read run {name!r}: {err}") from err
    if source.method_name not in method.init_from_methods:
        raise ConfigError(f"{field}: run {run.id} is a {source.method_name!r} run; {spec.display_name} starts from "
                          f"an {wanted} run")
    files = latest_checkpoint(run.checkpoints_dir)
    if files is None:
        raise ConfigError(f"{field}: run {run.id} has no checkpoint yet (train it, or stop it to write one)")
    try:
        state = load_checkpoint(files)["method"]
    except (CheckpointError, KeyError, TypeError) as err:
        raise ConfigError(f"{field}: cannot read run {run.id}'s checkpoint at step {files.step}: {err}") from err
    return state, source, run.id, f"{run.id} (step {files.step}, {Path(run.path)})"


def _run_or_example(workspace: Workspace, name: str) -> Run:
    """The workspace's run `name`, else the shipped example of that name (read in place: only its weights are
    read); KeyError when neither exists."""
    try:
        return workspace.run(name)
    except KeyError:
        example = find_example(name)
        if example is None:
            raise
        return example.run


def _network_storages(method: Any) -> set[int]:
    """Storage addresses of the method's network weights and buffers, whose shapes its settings fix (unlike,
    say, a pool of past fakes that grows while training)."""
    modules = []
    for value in vars(method).values():
        values = value.values() if isinstance(value, dict) else [value]
        modules += [v for v in values if isinstance(v, torch.nn.Module)]
    return {t.data_ptr() for m in modules for t in m.state_dict().values() if t.numel()}


def shape_mismatch(expected: Any, found: Any, path: str = "", networks: set[int] | None = None) -> str | None:
    """The first network tensor (storage in `networks`; any when None) whose shape differs between the run's
    state and a checkpoint's, in words; else None."""
    if isinstance(expected, torch.Tensor) and isinstance(found, torch.Tensor):
        if networks is not None and (not expected.numel() or expected.data_ptr() not in networks):
            return None
        if tuple(expected.shape) != tuple(found.shape):
            return (f"tensor {path} has shape {list(found.shape)} in the checkpoint, the run's settings make "
                    f"{list(expected.shape)}")
        return None
    if isinstance(expected, dict) and isinstance(found, dict):
        for key, value in expected.items():
            if key in found:
                inner = shape_mismatch(value, found[key], f"{path}/{key}" if path else str(key), networks)
                if inner is not None:
                    return inner
    return None


def changed_settings(saved: Any, config: RunConfig) -> str:
    """'; settings changed since: method.g_channels (64 then, 32 now)', or '' when it cannot be told."""
    if not isinstance(saved, dict):
        return ""
    now = config.to_dict()
    changes = []
    for section, fields in now.items():
        before = saved.get(section)
        if not isinstance(fields, dict) or not isinstance(before, dict):
            continue
        for name, value in fields.items():
            if name in before and before[name] != value and section != "train":
                changes.append(f"{section}.{name} ({before[name]!r} then, {value!r} now)")
    return f"; settings changed since it was written: {', '.join(changes)}" if changes else ""

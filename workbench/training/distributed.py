"""Data-parallel training across processes with torch.distributed, launched by `torchrun` (one node or many).

What each process does, so that N processes train exactly the run one process would:
- every process builds the same dataset and batch stream (same seed) and keeps its slice of each global batch
  (`train.batch_size` is the global batch; it must divide by the number of processes);
- training noise is drawn for the whole global batch and sliced the same way (`Method.randn`);
- before every optimizer step the gradients of that optimizer's parameters are averaged across processes
  (`torch.distributed.all_reduce`, one flat buffer per step), so each network's update is the one the global
  batch gives. The hook sits on the optimizer, not on the network: the GAN family's updates of D and G stay
  separate (no gradient of a frozen network is ever exchanged, no "unused parameter" errors);
- the step's scalars are averaged across processes (the logged losses are the global batch's);
- process 0 alone writes the run store, samples and checkpoints and reads the run's control channel; its
  decision to go on, pause or stop reaches the others every step.

Checkpoints hold the global state (the global batch stream, the noise generator), so a run resumes with any number
of processes. Batch norm uses each process's slice (not synchronised).
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist

from workbench.config import ConfigError

# A paused run keeps the other processes waiting for process 0's next decision: no collective may time out then.
WAIT_LIMIT = datetime.timedelta(days=7)


@dataclass(frozen=True)
class DistributedContext:
    """This process's place in a data-parallel run (from torchrun's environment)."""

    rank: int
    world_size: int
    local_rank: int
    backend: str

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @classmethod
    def from_env(cls) -> DistributedContext | None:
        """The context torchrun describes (RANK, WORLD_SIZE, LOCAL_RANK), or None for a single process. CPU
        tensors travel over Gloo; CUDA tensors, where CUDA exists, over NCCL (one process group for both)."""
        world = int(os.environ.get("WORLD_SIZE", "1") or 1)
        if world <= 1:
            return None
        rank, local = int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0"))
        return cls(rank, world, local, "cpu:gloo,cuda:nccl" if torch.cuda.is_available() else "gloo")


def start(context: DistributedContext) -> None:
    """Join the process group (torchrun's rendezvous: MASTER_ADDR / MASTER_PORT in the environment); on a GPU
    machine each process of a node takes GPU LOCAL_RANK (`--device cuda` then means that one)."""
    if torch.cuda.is_available():
        torch.cuda.set_device(context.local_rank % torch.cuda.device_count())
    if not dist.is_initialized():
        dist.init_process_group(context.backend, rank=context.rank, world_size=context.world_size,
                                timeout=WAIT_LIMIT)


def together() -> None:
    """Wait until every process has got here."""
    dist.barrier()


def finish() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def check_batch(batch_size: int, world_size: int) -> int:
    """Each process's share of the global batch; ConfigError naming data.batch_size when it does not divide."""
    if batch_size % world_size:
        raise ConfigError(f"data.batch_size: {batch_size} images per step do not divide among {world_size} "
                          f"processes; use a multiple of {world_size}")
    return batch_size // world_size


def shard(batch: tuple[torch.Tensor, ...], context: DistributedContext) -> tuple[torch.Tensor, ...]:
    """This process's contiguous slice of every tensor of a global batch."""
    n = batch[0].shape[0] // context.world_size
    return tuple(t[context.rank * n:(context.rank + 1) * n] for t in batch)


def synchronise_batch_norm(method: Any) -> int:
    """Make every batch norm of the method's networks a `torch.nn.SyncBatchNorm` (statistics over the global
    batch); the parameters stay the same objects, so the optimizers and checkpoints are unchanged. How many."""
    count = 0
    for name, value in list(vars(method).items()):
        if isinstance(value, torch.nn.Module):
            count += sum(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in value.modules())
            converted = torch.nn.SyncBatchNorm.convert_sync_batchnorm(value)
            if converted is not value:  # the network was itself a batch norm
                setattr(method, name, converted)
    return count


def average_gradients_before_steps(method: Any, context: DistributedContext) -> None:
    """Hook every optimizer of `method`: just before it steps, its parameters' gradients become the mean over
    the processes."""
    for value in list(vars(method).values()):
        if isinstance(value, torch.optim.Optimizer):
            value.register_step_pre_hook(lambda optimizer, _args, _kwargs: _average(optimizer, context))


def _average(optimizer: torch.optim.Optimizer, context: DistributedContext) -> None:
    params = [p for group in optimizer.param_groups for p in group["params"]]
    for p in params:  # a parameter without a gradient here may have one in another process: zeros agree
        if p.grad is None:
            p.grad = torch.zeros_like(p)
    flat = torch.cat([p.grad.reshape(-1) for p in params])
    dist.all_reduce(flat)
    flat /= context.world_size
    offset = 0
    for p in params:
        n = p.grad.numel()
        p.grad.copy_(flat[offset:offset + n].view_as(p.grad))
        offset += n


def average_scalars(scalars: dict[str, float], context: DistributedContext) -> dict[str, float]:
    """The step's scalars averaged over the processes (the same keys in every process: the same method)."""
    keys = sorted(scalars)
    values = torch.tensor([float(scalars[k]) for k in keys], dtype=torch.float64)
    dist.all_reduce(values)
    values /= context.world_size
    return dict(zip(keys, values.tolist(), strict=True))


def agree(go_on: bool, context: DistributedContext) -> bool:
    """Process 0's decision (train the next step or not), the same in every process."""
    flag = torch.tensor([1 if go_on else 0], dtype=torch.int64)
    dist.broadcast(flag, src=0)
    return bool(flag.item())


def lost_peer(err: BaseException) -> bool:
    """Whether a collective failed because another process of the group is gone (Gloo and NCCL say so in a
    RuntimeError or DistError)."""
    text = str(err)
    return isinstance(err, getattr(dist, "DistError", ())) or any(
        sign in text for sign in ("Connection reset by peer", "Connection closed by peer", "Broken pipe"))


def share(value: Any, context: DistributedContext) -> Any:
    """A small picklable value of process 0 (e.g. the run folder it created), given to every process."""
    box = [value if context.is_main else None]
    dist.broadcast_object_list(box, src=0)
    return box[0]

"""What the control channel (workbench/runs/control.py) costs the training loop.

Two measures:
- the loop's own cost per iteration: `TrainingControl.changes()`, `wait_for_permission()` and
  `granted_changes()` (what the loop calls between steps), without a request source and listening to a run's
  control file, in nanoseconds, and
  `wait_for_permission()` alone (all the loop called before);
- the it/s of a tiny run (DCGAN, 8 px, batch 8, 8 channels, one torch thread: about the fastest a method trains)
  through `train()` with the same two controls, alternated --rounds times; the median of each.

    .venv/bin/python bench/control_channel.py [--steps 3000] [--rounds 5] [--calls 200000]

Timings on a shared machine are noisy: the medians of alternated rounds are compared, not single runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def per_call_ns(control, calls: int, wait_only: bool = False) -> float:
    start = time.perf_counter_ns()
    if wait_only:  # what the loop called before ControlEvents and the control file
        for _ in range(calls):
            control.wait_for_permission()
    else:
        for _ in range(calls):
            control.changes()
            control.wait_for_permission()
            control.granted_changes()
    return (time.perf_counter_ns() - start) / calls


def iterations_per_second(steps: int, folder: Path | None) -> float:
    from workbench.config import DataConfig, RunConfig, TrainConfig
    from workbench.methods.dcgan import DCGANSettings
    from workbench.runs.control import RequestTail
    from workbench.runs.events import StepEvent
    from workbench.training.control import TrainingControl
    from workbench.training.loop import train
    from workbench.training.session import TrainingSession

    config = RunConfig(DCGANSettings(latent_dim=8, g_channels=8, d_channels=8), DataConfig(image_size=8, batch_size=8),
                       TrainConfig(steps=steps, sample_every=steps, checkpoint_every=steps, sample_count=4))
    session = TrainingSession(config)
    control = TrainingControl()
    if folder is not None:
        control.listen(RequestTail(folder))
    start, first = None, 0
    for event in train(session, control):
        if isinstance(event, StepEvent) and event.step == 100:  # after warm-up
            start, first = time.perf_counter(), event.step
    return (steps - first) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=200_000)
    args = parser.parse_args()

    import torch

    from workbench.runs.control import RequestTail
    from workbench.training.control import TrainingControl

    torch.set_num_threads(1)
    folder = Path(tempfile.mkdtemp(prefix="control-bench-"))
    bare, listening = TrainingControl(), TrainingControl()
    listening.listen(RequestTail(folder))
    print(f"between two steps (changes, wait_for_permission, changes), {args.calls} times:")
    print(f"  wait only (before): {per_call_ns(bare, args.calls, wait_only=True):7.0f} ns")
    print(f"  no source:          {per_call_ns(bare, args.calls):7.0f} ns")
    print(f"  control file:       {per_call_ns(listening, args.calls):7.0f} ns")

    rates: dict[str, list[float]] = {"no source": [], "control file": []}
    for _ in range(args.rounds):
        rates["no source"].append(iterations_per_second(args.steps, None))
        rates["control file"].append(iterations_per_second(args.steps, folder))
    print(f"tiny DCGAN, {args.steps} steps, {args.rounds} alternated rounds (median it/s, all rounds):")
    for name, values in rates.items():
        print(f"  {name:18s}  {statistics.median(values):7.1f}   {', '.join(f'{v:.0f}' for v in values)}")
    ratio = statistics.median(rates["control file"]) / statistics.median(rates["no source"])
    print(f"  ratio: {ratio:.3f}")


if __name__ == "__main__":
    main()

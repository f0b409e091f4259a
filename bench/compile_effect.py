"""What `train.compile` does to a DCGAN step: 64×64 RGB digits, nz 100, 64 feature maps, batch 64, 2 torch threads.

Two sessions in one process, eager and compiled (`nn.Module.compile` on every network); prints how long the first
three steps took (the compiler's wait), then 3 alternating rounds of 8 steps each and the median ms per step.

    .venv/bin/python bench/compile_effect.py
"""

from __future__ import annotations

import os
import statistics
import time

import torch

from workbench.config import DataConfig, RunConfig, TrainConfig
from workbench.methods.dcgan import DCGANSettings
from workbench.training.session import TrainingSession


def make(compiled: bool) -> tuple[TrainingSession, float]:
    """A session and the seconds its first three steps took."""
    config = RunConfig(DCGANSettings(latent_dim=100, g_channels=64, d_channels=64),
                       DataConfig(name="digits", image_size=64, channels=3, batch_size=64),
                       TrainConfig(steps=10**6, compile=compiled))
    session = TrainingSession(config)
    start = time.perf_counter()
    for _ in range(3):
        session.method.train_step(session.next_batch())
    return session, time.perf_counter() - start


def main() -> None:
    torch.set_num_threads(2)
    sessions = {}
    for compiled in (False, True):
        sessions[compiled], first = make(compiled)
        print("compiled" if compiled else "eager", f"first 3 steps {first:.1f} s", flush=True)
    times: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(3):
        for compiled, session in sessions.items():
            start = time.perf_counter()
            for _ in range(8):
                session.method.train_step(session.next_batch())
            times[compiled].append((time.perf_counter() - start) / 8 * 1000)
    eager, compiled = statistics.median(times[False]), statistics.median(times[True])
    print(f"eager {eager:.0f} ms/step, compiled {compiled:.0f} ms/step, ratio {compiled / eager:.3f}; "
          f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

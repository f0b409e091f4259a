"""Training for a fixed CPU budget, shared by the quality benchmarks (bench/method_quality.py, bench/sr_quality.py).

CPU time (time.process_time) rather than wall time: other processes on a busy machine do not shorten the training.
"""

from __future__ import annotations

import time
from typing import Any


def train_for(session: Any, cpu_seconds: float) -> tuple[int, float, float]:
    """Bare train_steps until this process has used `cpu_seconds` of CPU; (steps, CPU s, wall s)."""
    c0, w0 = time.process_time(), time.perf_counter()
    steps = 0
    while time.process_time() - c0 < cpu_seconds:
        session.method.train_step(session.stream.next())
        session.step += 1
        steps += 1
    return steps, time.process_time() - c0, time.perf_counter() - w0

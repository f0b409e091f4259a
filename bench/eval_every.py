"""Cost of the metric history (`train.eval_every`): seconds per evaluation, and training throughput with
evaluations every 100 / 500 steps against none, for DCGAN 32×32 on `digits` (batch 64), CPU, at 500 samples.

1. Seconds per evaluation (FID, KID, IS, precision/recall, classes covered of 500 samples with digits-cnn) on an
   idle trainer, as the background thread runs it (one torch thread), at 32×32 and 64×64 (`--sizes`); the first
   evaluation of a session also computes the real images' features (shown apart).
2. Throughput, side by side in one process: three training sessions of the same run (off, every 500, every 100)
   advance in alternating chunks of `--chunk` steps, each session first in turn, `--rounds` times (the first
   chunk is half as long, so that no chunk ends on a step where an evaluation starts). A chunk's time includes
   waiting for its session's evaluation in flight at the chunk's end, so no evaluation runs during another
   session's chunk. Prints iterations/s of each, their ratios to "off" (with the spread of the per-chunk ratios),
   the process CPU time per step and its ratio to "off" (the evaluations' CPU included: the measure another
   load on the machine disturbs least), and the seconds per evaluation measured while training.

    .venv/bin/python bench/eval_every.py [--chunk 20] [--rounds 50] [--samples 500] [--sizes 32 64]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def make_config(image_size: int, eval_every: int, samples: int, steps: int = 1_000_000):
    from workbench.config import DataConfig, RunConfig, TrainConfig
    from workbench.methods.dcgan import DCGANSettings

    return RunConfig(DCGANSettings(), DataConfig(name="digits", image_size=image_size, batch_size=64),
                     TrainConfig(steps=steps, sample_every=100, checkpoint_every=10_000_000, eval_every=eval_every,
                                 eval_samples=samples))


def load() -> str:
    return f"{os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else "?"


def evaluation_seconds(image_size: int, samples: int, root: Path, repeats: int = 3) -> tuple[float, float, float]:
    """(first evaluation, median of the next ones) in wall seconds, and the median CPU seconds of the next ones,
    nothing training meanwhile."""
    from workbench.training.eval_history import EvalHistory
    from workbench.training.session import TrainingSession

    session = TrainingSession(make_config(image_size, 1, samples))
    evaluator = EvalHistory.for_session(session, root)
    times = []
    for step in range(1, repeats + 2):
        session.step = step
        list(evaluator.start(session))
        list(evaluator.finish(step))
        times.append(evaluator.seconds[-1])
    evaluator.close()
    return times[0], statistics.median(times[1:]), statistics.median(evaluator.cpu_seconds[1:])


class Trainer:
    """One training session advanced chunk by chunk through the real loop (no run store: the same for all)."""

    def __init__(self, name: str, eval_every: int, samples: int, root: Path) -> None:
        from workbench.training.eval_history import EvalHistory
        from workbench.training.loop import train
        from workbench.training.session import TrainingSession

        self.name = name
        self.session = TrainingSession(make_config(32, eval_every, samples))
        self.evaluator = EvalHistory.for_session(self.session, root)
        self.events = train(self.session, evaluator=self.evaluator)
        self.steps = 0
        self.seconds = 0.0
        self.cpu = 0.0  # process CPU seconds of its chunks: every thread, the evaluations' included
        self.chunks: list[float] = []  # iterations/s of each chunk

    def run(self, steps: int) -> None:
        from workbench.runs.events import StepEvent

        target = self.session.step + steps
        start, cpu = time.perf_counter(), time.process_time()
        for event in self.events:
            if isinstance(event, StepEvent) and event.step >= target:
                break
        if self.evaluator is not None and self.evaluator.job is not None:  # nothing runs during another's chunk
            self.evaluator.job.done.wait()
            list(self.evaluator.collect())
        elapsed = time.perf_counter() - start
        self.cpu += time.process_time() - cpu
        self.steps += steps
        self.seconds += elapsed
        self.chunks.append(steps / elapsed)

    def close(self) -> None:
        self.events.close()
        if self.evaluator is not None:
            self.evaluator.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunk", type=int, default=20, help="steps per chunk (the first is half)")
    parser.add_argument("--rounds", type=int, default=50, help="full chunks per session after the first half one")
    parser.add_argument("--samples", type=int, default=500, help="samples per evaluation")
    parser.add_argument("--sizes", type=int, nargs="*", default=[32, 64], help="image sizes for seconds/evaluation")
    parser.add_argument("--workspace", default="", help="where the digits classifiers are cached (default: temp)")
    args = parser.parse_args()

    import torch

    from workbench.config import DataConfig
    from workbench.data import build_dataset
    from workbench.metrics.feature_extractors import dataset_classifier

    root = Path(args.workspace) if args.workspace else Path(tempfile.mkdtemp(prefix="eval-every-"))
    print(f"machine: {os.cpu_count()} cores, load average {load()}, torch threads {torch.get_num_threads()} "
          f"(training), 1 (evaluation)")
    for size in sorted({32, *args.sizes}):
        t = time.perf_counter()
        dataset_classifier(build_dataset(DataConfig(name="digits", image_size=size)), root)
        print(f"digits-cnn for {size}×{size}: ready in {time.perf_counter() - t:.1f} s (cached in {root})")

    for size in args.sizes:
        first, steady, cpu = evaluation_seconds(size, args.samples, root)
        print(f"DCGAN {size}×{size}, {args.samples} samples: {steady:.2f} s per evaluation, {cpu:.2f} s of CPU "
              f"(the first of a session {first:.2f} s: it also extracts the real images' features)")

    trainers = [Trainer("off", 0, args.samples, root), Trainer("every 500", 500, args.samples, root),
                Trainer("every 100", 100, args.samples, root)]
    try:
        for index, chunk in enumerate([args.chunk // 2] + [args.chunk] * args.rounds):
            for trainer in trainers[index % 3:] + trainers[:index % 3]:  # each goes first in turn
                trainer.run(chunk)
            if len(trainers[0].chunks) % 10 == 1:
                print(f"  after {trainers[0].steps} steps each: " + ", ".join(
                    f"{t.name} {t.steps / t.seconds:.2f} it/s" for t in trainers) + f" (load {load()})", flush=True)
    finally:
        for trainer in trainers:
            trainer.close()
    base = trainers[0]
    print(f"throughput, DCGAN 32×32, batch 64, {base.steps} steps each, load average {load()}:")
    for trainer in trainers:
        rate = trainer.steps / trainer.seconds
        ratios = [c / b for c, b in zip(trainer.chunks, base.chunks, strict=True)]
        q1, q2, q3 = statistics.quantiles(ratios, n=4)
        evaluator = trainer.evaluator
        evals = "" if evaluator is None or not evaluator.seconds else (
            f"; {len(evaluator.seconds)} evaluations, {statistics.median(evaluator.seconds):.2f} s each "
            f"({statistics.median(evaluator.cpu_seconds):.2f} s of CPU) while training")
        print(f"  {trainer.name:10s} {rate:6.2f} it/s, ratio to off {rate / (base.steps / base.seconds):.3f} "
              f"(per-chunk ratios: median {q2:.3f}, quartiles {q1:.3f}–{q3:.3f}); CPU per step "
              f"{trainer.cpu / trainer.steps * 1000:.0f} ms, ratio to off {trainer.cpu / base.cpu:.3f}{evals}")


if __name__ == "__main__":
    main()

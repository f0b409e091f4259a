"""How often the Training panel's live view shows a run trained by another process, and what that costs the window.

A real `workbench train` process trains a small DCGAN in a throwaway workspace; this process shows that run in a
real `LiveView` (offscreen) and reads its store with the view's `EventReader` every `interval` ms. Two intervals
are alternated in rounds of --seconds each: the 500 ms the window polled at before the typed event reader, and
the view's `WATCH_INTERVAL_MS` now. For each: the updates per second the view made (reads that found new steps:
the step, rate and ETA the status bar shows, alerts), the distinct steps it showed per second, and this
process's CPU time per wall second (its whole cost: reading, decoding, appending and repainting the curves,
which repaint once a second either way).

    .venv/bin/python bench/watch_rate.py [--seconds 15] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

OLD_INTERVAL_MS = 500


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().strip() if Path("/proc/loadavg").exists() else "?"


def start_trainer(workspace: Path) -> subprocess.Popen:
    """The trainer, its progress lines in workspace/trainer.log (a pipe nobody reads would fill and stop it)."""
    command = [sys.executable, "-m", "workbench", "train", "--method", "dcgan", "--data", "digits",
               "--workspace", str(workspace), "--name", "watched",
               "--set", "data.image_size=16", "--set", "data.batch_size=16", "--set", "method.g_channels=8",
               "--set", "method.d_channels=8", "--set", "method.latent_dim=8", "--set", "train.steps=1000000",
               "--set", "train.sample_every=200", "--set", "train.checkpoint_every=100000"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "WORKBENCH_TORCH_THREADS": "1"}
    with open(workspace / "trainer.log", "wb") as log:
        return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log)


def last_step(run) -> int | None:  # noqa: ANN001 - a Run
    reader = run.metrics_reader()
    try:
        return reader.last_step()
    finally:
        reader.close()


def measure(view, app, interval_ms: int, seconds: float) -> tuple[float, float, float]:
    """(updates per second, distinct steps shown per second, CPU seconds per wall second) over `seconds`."""
    updates = 0

    def count(_view) -> None:  # noqa: ANN001 - the LiveView
        nonlocal updates
        updates += 1

    view.updated.connect(count)
    view._timer.setInterval(interval_ms)
    first_step = view.progress.step
    cpu0, wall0 = time.process_time(), time.perf_counter()
    while time.perf_counter() - wall0 < seconds:
        app.processEvents()
        time.sleep(0.002)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    view.updated.disconnect(count)
    return updates / wall, (view.progress.step - first_step) / wall, cpu / wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import torch
    from PySide6.QtWidgets import QApplication

    from workbench.gui.panels.training.live import WATCH_INTERVAL_MS, LiveView
    from workbench.runs import Workspace

    torch.set_num_threads(1)
    app = QApplication.instance() or QApplication([])
    print(f"load average before: {loadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        trainer = start_trainer(Path(tmp))
        try:
            workspace = Workspace(Path(tmp))
            deadline = time.monotonic() + 120
            while not workspace.runs() or (last_step(workspace.runs()[0]) or 0) < 50:
                if trainer.poll() is not None:
                    raise SystemExit(f"the trainer ended: {(Path(tmp) / 'trainer.log').read_text()[-400:]}")
                if time.monotonic() > deadline:
                    raise SystemExit("the trainer did not record 50 steps in 120 s")
                time.sleep(0.2)
            run = workspace.runs()[0]
            view = LiveView(run)
            view.resize(1100, 800)
            view.show()
            view.watch()
            measure(view, app, WATCH_INTERVAL_MS, 3.0)  # warm-up: the backlog, the first repaints
            results: dict[int, list[tuple[float, float, float]]] = {OLD_INTERVAL_MS: [], WATCH_INTERVAL_MS: []}
            for round_index in range(args.rounds):
                if trainer.poll() is not None:
                    raise SystemExit(f"the trainer ended: {(Path(tmp) / 'trainer.log').read_text()[-400:]}")
                for interval in (OLD_INTERVAL_MS, WATCH_INTERVAL_MS):
                    figures = measure(view, app, interval, args.seconds)
                    results[interval].append(figures)
                    print(f"  round {round_index + 1} interval {interval} ms: {figures[0]:.2f} updates/s, "
                          f"{figures[1]:.1f} steps/s shown, CPU {100 * figures[2]:.1f}% of a core", flush=True)
            view.close_view()
        finally:
            trainer.terminate()
            trainer.wait(30)

    print(f"\n{'reader interval':18}{'updates/s':>12}{'steps/s':>10}{'CPU % of a core':>18}")
    for interval, rows in results.items():
        medians = [statistics.median(r[i] for r in rows) for i in range(3)]
        print(f"{f'{interval} ms':18}{medians[0]:12.2f}{medians[1]:10.1f}{100 * medians[2]:18.1f}")
    old = statistics.median(r[2] for r in results[OLD_INTERVAL_MS])
    new = statistics.median(r[2] for r in results[WATCH_INTERVAL_MS])
    print(f"CPU ratio {WATCH_INTERVAL_MS} ms / {OLD_INTERVAL_MS} ms: {new / old:.2f} (medians of {args.rounds} rounds)")
    print(f"load average after: {loadavg()}")


if __name__ == "__main__":
    main()

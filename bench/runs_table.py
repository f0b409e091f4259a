"""What the runs table's refresh costs with many runs (it runs on the window's timer, every 1.5 s by default).

Makes --runs run folders (config, meta.json with tags, and a metrics store of --steps steps × 6 scalars with an
evaluation each), then times `RunsPanel.refresh()` (offscreen):
- cold: the first refresh (every run.toml and meta.json read; the stores' figures a slice at a time, the
  window's event loop running between slices) and the refreshes until every figure is in;
- warm, nothing changed: what every poll costs while no run trains (a few `stat`s per run);
- warm, one run training: one store gains rows between polls (its new rows are read, not its whole store);
each with the default columns and with figure columns (last / best of the losses and the evaluation).

    .venv/bin/python bench/runs_table.py [--runs 100] [--steps 2000] [--polls 30]
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
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def make_runs(root: Path, runs: int, steps: int) -> None:
    from workbench.config import DataConfig, RunConfig, TrainConfig
    from workbench.methods.dcgan import DCGANSettings
    from workbench.runs import Workspace
    from workbench.runs.events import LayoutEvent

    workspace = Workspace(root)
    for i in range(runs):
        config = RunConfig(DCGANSettings(lr_g=1e-4 * (1 + i % 5)), DataConfig(batch_size=16 * (1 + i % 4)),
                           TrainConfig(steps=steps))
        run = workspace.create_run(config, name=f"run-{i:03d}")
        run.set_meta(tags=["sweep", f"group-{i % 3}"], notes=f"run {i}")
        writer = run.metrics_writer()
        writer.add(LayoutEvent(0, time.time(), ("loss_d", "loss_g")))
        for step in range(1, steps + 1):
            writer.add_scalars(step, time.time(), {"loss_d": 1.0 / step, "loss_g": 2.0 / step, "d_real": 0.5,
                                                   "d_fake": 0.5, "grad_norm_d": 1.0, "grad_norm_g": 1.0})
        writer.add_metrics(steps, time.time(), {"eval/FID [digits-cnn, 500]": 10.0 + i})
        writer.close()


def timed(panel, polls: int, between=None) -> float:  # noqa: ANN001 - RunsPanel, a callable
    """The median refresh time in milliseconds over `polls` refreshes."""
    times = []
    for _ in range(polls):
        if between is not None:
            between()
        start = time.perf_counter()
        panel.refresh()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--polls", type=int, default=30)
    args = parser.parse_args()

    from PySide6.QtWidgets import QApplication

    from workbench.evaluation.summary import forget_summaries
    from workbench.gui.panels.runs import RunsPanel
    from workbench.runs import Run, Workspace

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["WORKBENCH_SETTINGS"] = str(Path(tmp) / "settings.ini")
        root = Path(tmp) / "ws"
        start = time.perf_counter()
        make_runs(root, args.runs, args.steps)
        print(f"{args.runs} runs of {args.steps} steps made in {time.perf_counter() - start:.1f} s")
        live = Run(root / "runs" / "run-000")
        writer = live.metrics_writer()
        step = [args.steps]

        def one_more_step() -> None:
            step[0] += 1
            writer.add_scalars(step[0], time.time(), {"loss_d": 0.1, "loss_g": 0.2})
            writer.flush()

        figures = ["run", "status", "cfg:method.lr_g", "cfg:data.batch_size", "fig:loss_g (last)",
                   "fig:loss_g (best)", "fig:FID [digits-cnn, 500] (best)"]
        for label, keys in (("default columns", None), ("with figure columns", figures)):
            forget_summaries()
            panel = RunsPanel(Workspace(root), poll_ms=10**9)
            if keys:
                panel.set_columns(keys)
            panel.reader.close()
            forget_summaries()
            cold: list[float] = []
            while not cold or panel.reader.pending:  # what the panel's follow-up timer does
                cold_start = time.perf_counter()
                panel.refresh()
                cold.append((time.perf_counter() - cold_start) * 1000)
            warm = timed(panel, args.polls)
            training = timed(panel, args.polls, one_more_step)
            print(f"{label:>20}: cold {cold[0]:6.1f} ms (every figure in after {len(cold)} refreshes, "
                  f"{sum(cold):.0f} ms in all, the longest {max(cold):.0f} ms) | warm, nothing changed "
                  f"{warm:5.1f} ms | warm, one run training {training:5.1f} ms  ({args.runs} runs, median of "
                  f"{args.polls})")
            panel.shutdown()
            app.processEvents()
        writer.close()


if __name__ == "__main__":
    main()

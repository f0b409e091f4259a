"""The Compare tab with 20 runs of 1M points each: load time, repaint, smoothing change and pan, against the
single-run plot holding the same total points, and how long the window stalls meanwhile.

1. Builds (once, kept in `--root`) 20 runs with real metrics.sqlite stores of 1M points of one tag ("loss"),
   written with the run store's own INSERT, and one run with 20 tags of 1M points (the single-run baseline).
2. Load: the real ComparePanel (offscreen, 1600×1000) is given the 20 runs; the time until every point is in
   the plots. The baseline is the same panel given the one run, whose 20 tags share one plot. Meanwhile a 10 ms
   timer measures the window's stalls (the largest gap between two ticks, and the 99th percentile lateness).
3. On the compare plot (20 runs × 1M) and on a single-run CurvePlot of the Training panel's kind (1 run × 20
   tags × 1M), the median time of: a repaint (`grab`), a pan (view moved by 2%, repainted), and a smoothing
   change (slider → every curve re-smoothed and repainted; above 2M points this runs on a worker thread, so
   the stall is printed too). Then the same single-run plot drawn as before this change (every visible point
   handed to pyqtgraph's own peak downsampling), for context.

    .venv/bin/python bench/compare_plot.py [--runs 20] [--points 1000000] [--root /tmp/workbench-bench-compare]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

WALL_0 = 1_700_000_000.0


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().strip() if Path("/proc/loadavg").exists() else "?"


def config():
    from workbench.config import DataConfig, RunConfig, TrainConfig
    from workbench.methods.dcgan import DCGANSettings

    return RunConfig(DCGANSettings(), DataConfig(name="digits", image_size=32, batch_size=64), TrainConfig())


def write_store(run, tags: list[str], points: int, seeds: list[int], wall_offset: float) -> None:
    """`points` steps of each tag (a noisy decaying loss from its seed), through the run store's writer (its
    connection and INSERT). The single run's tag i holds the same values as run i: the same pixels to draw."""
    writer = run.metrics_writer()
    steps = np.arange(1, points + 1)
    walls = WALL_0 + wall_offset + 0.05 * steps
    for tag, seed in zip(tags, seeds, strict=True):
        rng = np.random.default_rng(seed)
        values = 2.0 * np.exp(-steps / (points / (3 + seed % 5))) + 0.1 * rng.normal(size=points)
        rows = zip(steps.tolist(), walls.tolist(), [tag] * points, values.tolist(), [0] * points, strict=True)
        writer.conn.executemany("INSERT INTO scalars(step, wall, tag, value, metric) VALUES (?,?,?,?,?)", rows)
        writer.conn.commit()
    writer.close()


def build(root: Path, n_runs: int, points: int):
    """The 20 runs and the baseline run, made once per (runs, points)."""
    from workbench.runs import Run, Workspace

    workspace = Workspace(root / f"ws-{n_runs}x{points}-v2")
    made = workspace.root / "complete"
    if made.exists():
        ids = made.read_text().split()
        return [Run(workspace.runs_dir / i) for i in ids[:-1]], Run(workspace.runs_dir / ids[-1])
    started = time.perf_counter()
    runs = []
    for index in range(n_runs):
        run = workspace.create_run(config(), name=f"run-{index:02d}")
        write_store(run, ["loss"], points, [index], wall_offset=3_600.0 * index)
        runs.append(run)
        print(f"  wrote run {index + 1}/{n_runs} ({time.perf_counter() - started:.0f} s)", flush=True)
    single = workspace.create_run(config(), name="single")
    write_store(single, [f"loss_{i:02d}" for i in range(n_runs)], points, list(range(n_runs)), wall_offset=0.0)
    made.write_text(" ".join([r.id for r in runs] + [single.id]))
    print(f"  stores written in {time.perf_counter() - started:.0f} s", flush=True)
    return runs, single


class Probe:
    """A 10 ms timer: the gaps between its ticks tell how long the event loop was blocked."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.gaps: list[float] = []
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self._last = now

    def start(self) -> None:
        self.gaps.clear()
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> tuple[float, float]:
        """(largest gap, 99th percentile lateness) in ms."""
        self.timer.stop()
        self._tick()  # the time since the last tick counts too (a blocked loop never ticks)
        gaps = sorted(self.gaps)
        return 1e3 * gaps[-1], 1e3 * (gaps[int(0.99 * (len(gaps) - 1))] - 0.010)


def process_until(app, done, timeout: float = 600.0) -> None:
    end = time.perf_counter() + timeout
    while not done():
        app.processEvents()
        time.sleep(0.001)
        if time.perf_counter() > end:
            raise TimeoutError("still loading")


def load(app, runs, expected: int, probe: Probe):
    """A shown ComparePanel given `runs`; (seconds until `expected` points are in, stalls)."""
    from workbench.gui.panels.compare.panel import ComparePanel
    from workbench.gui.run_selection import RunSelection

    selection = RunSelection()
    panel = ComparePanel(_workspace(runs[0]), selection)
    panel.resize(1600, 1000)
    panel.show()
    app.processEvents()
    probe.start()
    started = time.perf_counter()
    selection.set_runs(runs)
    process_until(app, lambda: panel.curves.point_count() >= expected and not panel._reading)
    seconds = time.perf_counter() - started
    stalls = probe.stop()
    return panel, seconds, stalls


def _workspace(run):
    from workbench.runs import Workspace

    return Workspace(run.path.parent.parent)


def median_time(action, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(app, plot, probe: Probe, repeats: int = 7) -> dict[str, float]:
    """Median ms of a repaint, a pan and a smoothing change of `plot`; the stall of a smoothing change."""
    plot.resize(1200, 700)
    plot.show()
    plot._redraw()
    plot.plot_widget.grab()
    view_box = plot.plot_item.getViewBox()
    figures = {"repaint": 1e3 * median_time(plot.plot_widget.grab, repeats)}
    span = view_box.viewRange()[0]
    step = 0.02 * (span[1] - span[0])

    def pan() -> None:
        view_box.translateBy(x=step)
        plot.plot_widget.grab()

    figures["pan"] = 1e3 * median_time(pan, repeats)
    weights = iter([0.9, 0.6, 0.95, 0.8, 0.7, 0.85, 0.5, 0.9, 0.6])
    stalls = []

    def smooth() -> None:
        probe.start()
        plot.set_smoothing(next(weights))
        while plot._smoother_worker is not None and plot._smoother_worker.busy:
            app.processEvents()
            time.sleep(0.001)
        plot._redraw()
        plot.plot_widget.grab()
        stalls.append(probe.stop()[0])

    figures["smoothing"] = 1e3 * median_time(smooth, repeats)
    figures["smoothing stall"] = statistics.median(stalls)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--root", type=Path, default=Path("/tmp/workbench-bench-compare"))
    args = parser.parse_args()

    print(f"load average before: {loadavg()}", flush=True)
    runs, single = build(args.root, args.runs, args.points)
    total = args.runs * args.points

    from PySide6.QtWidgets import QApplication

    from workbench.gui.widgets import curve_data
    from workbench.gui.widgets.curve_plot import CurvePlot

    app = QApplication.instance() or QApplication([])
    probe = Probe()

    compare, compare_load, compare_stalls = load(app, runs, total, probe)
    compare_plot = compare.curves.plot_of("loss")
    compare_plot.setParent(None)  # measured on its own, at the same size as the baseline
    compare_figures = measure(app, compare_plot, probe)
    compare.shutdown()

    baseline_panel, single_load, single_stalls = load(app, [single], total, probe)
    baseline_panel.shutdown()
    single_plot = CurvePlot("Losses")  # the Training panel's plot of one run with the same total points
    source = baseline_panel.curves.plot_of("loss_00")
    for key in source.series_names():
        single_plot.append(key.split("/", 1)[1], *source.data(key))
    del baseline_panel, source
    single_figures = measure(app, single_plot, probe)

    curve_data.LOD_MIN_POINTS = 10**12  # as before this change: every visible point to pyqtgraph's downsampling
    single_plot.set_smoothing(0.6)
    single_plot.wait_smoothing()
    before = measure(app, single_plot, probe, repeats=3)

    print(f"\n{args.runs} runs × {args.points:,} points (compare) vs 1 run × {args.runs} tags × {args.points:,} "
          f"(single-run plot); offscreen, plot 1200×700")
    print(f"{'':24}{'compare':>12}{'single':>12}{'ratio':>8}{'single, before':>16}")
    print(f"{'load (s)':24}{compare_load:12.1f}{single_load:12.1f}{compare_load / single_load:8.2f}{'':>16}")
    print(f"{'  largest stall (ms)':24}{compare_stalls[0]:12.0f}{single_stalls[0]:12.0f}"
          f"{compare_stalls[0] / single_stalls[0]:8.2f}")
    print(f"{'  p99 timer lateness (ms)':24}{compare_stalls[1]:12.1f}{single_stalls[1]:12.1f}")
    for name in ("repaint", "pan", "smoothing", "smoothing stall"):
        a, b, c = compare_figures[name], single_figures[name], before[name]
        print(f"{name + ' (ms)':24}{a:12.1f}{b:12.1f}{a / b if b else float('nan'):8.2f}{c:16.1f}")
    print(f"\nload average after: {loadavg()}")


if __name__ == "__main__":
    main()

"""Training overhead of the window, and its responsiveness while training.

DCGAN 32×32 on `digits`, batch 64, CPU, measured side by side in one process:
  1. bare: a plain PyTorch loop over the same networks, optimizers and batches (no events, no store);
  2. GUI: the same run started from the Training panel of the real main window (offscreen Qt), with live
     curves, sample grids every 20 steps, checkpoints and the run store, while a 10 ms QTimer measures how
     late the main thread serves it;
  3. bare again, to bracket drift.
Prints iterations/s of each, the ratio GUI / mean(bare) (target ≥ 0.95) and the timer lateness p50/p99/max
(target p99 ≤ 20 ms).

    .venv/bin/python bench/overhead.py [--seconds 40]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402


def make_config(steps: int, sample_every: int):
    from workbench.config import DataConfig, RunConfig, TrainConfig
    from workbench.methods.settings import DCGANSettings

    return RunConfig(method=DCGANSettings(), data=DataConfig(name="digits", image_size=32, batch_size=64),
                     train=TrainConfig(steps=steps, sample_every=sample_every, checkpoint_every=500))


def bare_loop(seconds: float) -> float:
    """The same method's networks and optimizers in a plain loop, timed after 5 warm-up steps."""
    import torch

    from workbench.data import build_dataset
    from workbench.data.batches import BatchStream
    from workbench.methods.dcgan import discriminator_loss, generator_loss
    from workbench.nets.dcgan import DCGANDiscriminator, DCGANGenerator

    cfg = make_config(10**6, 10**6)
    torch.manual_seed(0)
    data = build_dataset(cfg.data)
    s = cfg.method
    G = DCGANGenerator(s.latent_dim, 1, 32, s.g_channels)
    D = DCGANDiscriminator(1, 32, s.d_channels)
    opt_g = torch.optim.Adam(G.parameters(), lr=s.lr_g, betas=(s.beta1, s.beta2))
    opt_d = torch.optim.Adam(D.parameters(), lr=s.lr_d, betas=(s.beta1, s.beta2))
    stream = BatchStream(data, 64, 0)

    def step() -> None:
        real = stream.next()[0]
        z = torch.randn(real.shape[0], s.latent_dim)
        opt_d.zero_grad(set_to_none=True)
        fake = G(z)
        loss_d = discriminator_loss(D(real), D(fake.detach()))
        loss_d.backward()
        opt_d.step()
        opt_g.zero_grad(set_to_none=True)
        loss_g = generator_loss(D(fake), "non_saturating")
        loss_g.backward()
        opt_g.step()
        loss_d.item(), loss_g.item()

    for _ in range(5):
        step()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        n += 1
    return n / (time.perf_counter() - start)


def gui_run(seconds: float, sample_every: int) -> tuple[float, np.ndarray]:
    """Train through the real window; returns (iterations/s, timer lateness in ms)."""
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from workbench.gui.main_window import MainWindow
    from workbench.runs import Workspace

    app = QApplication.instance() or QApplication([])
    app.setApplicationName("Generative Workbench (benchmark)")
    window = MainWindow(Workspace(tempfile.mkdtemp()))
    window.show()
    panel = window.training_panel
    cfg = make_config(10**6, sample_every)
    run = window.workspace.create_run(cfg)
    # The classes-covered probe trains its classifier once per workspace in a separate process; measure the
    # steady state, as a user sees it from the second run on.
    from workbench.data import build_dataset
    from workbench.training.class_coverage import ClassCoverageProbe

    ClassCoverageProbe(build_dataset(cfg.data), cfg.data, window.workspace.root).wait_until_ready()
    panel._train(run, paused=False)

    lateness: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    expected = [10.0]

    def tick() -> None:
        now = clock.nsecsElapsed() / 1e6
        lateness.append(max(0.0, now - expected[0]))
        expected[0] = now + 10.0

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)

    def wait(ms: float) -> None:
        loop = QEventLoop()
        QTimer.singleShot(int(ms), loop.quit)
        loop.exec()

    errors: list[str] = []
    panel.error_occurred.connect(lambda message, details: errors.append(f"{message}\n{details}"))
    while panel.worker.latest_step is None or panel.worker.latest_step.step < 5:  # warm-up, as the bare loop
        if errors or not panel.worker.is_alive:
            raise RuntimeError(f"the GUI run's training ended before the measurement: {errors or 'no error shown'}")
        wait(50)
    first = panel.worker.latest_step
    t0 = time.perf_counter()
    cpu0 = time.thread_time()
    expected[0] = clock.nsecsElapsed() / 1e6 + 10.0
    timer.start()
    wait(seconds * 1000)
    timer.stop()
    last = panel.worker.latest_step
    elapsed = time.perf_counter() - t0
    main_cpu = time.thread_time() - cpu0
    rate = (last.step - first.step) / elapsed
    panel.stop()
    panel.worker.wait(60)
    points = panel.loss_plot.point_count("loss_d")
    window.close()
    print(f"   (GUI run: {last.step} steps, {points} curve points drawn, "
          f"{len(panel.samples_view.steps())} grids shown; the GUI thread used {main_cpu:.2f} CPU s "
          f"= {100 * main_cpu / elapsed:.1f}% of one core while measuring)")
    return rate, np.asarray(lateness[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=40.0, help="measuring time per phase")
    parser.add_argument("--sample-every", type=int, default=20, help="steps between sample grids in the GUI run")
    args = parser.parse_args()
    import torch

    print(f"torch {torch.__version__}, {torch.get_num_threads()} intra-op threads, "
          f"trainer nice +{os.environ.get('WORKBENCH_TRAINER_NICE', '10')}")
    bare1 = bare_loop(args.seconds)
    print(f"bare loop       {bare1:6.2f} it/s")
    gui, lateness = gui_run(args.seconds, args.sample_every)
    print(f"GUI-attached    {gui:6.2f} it/s")
    bare2 = bare_loop(args.seconds)
    print(f"bare loop again {bare2:6.2f} it/s")
    ratio = gui / ((bare1 + bare2) / 2)
    print(f"overhead ratio GUI / bare = {ratio:.3f}  (target ≥ 0.95)")
    p50, p99 = np.percentile(lateness, [50, 99])
    print(f"10 ms QTimer lateness while training: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {lateness.max():.1f} ms "
          f"over {len(lateness)} ticks  (target p99 ≤ 20 ms)")


if __name__ == "__main__":
    main()

"""Training overhead of the window, and its responsiveness while training.

DCGAN 32×32 on `digits`, batch 64, CPU, measured side by side in one process, in alternating chunks:
  bare: a plain PyTorch loop over the same networks, optimizers and batches (no events, no store), in the main
        thread while the window is blocked (it draws nothing then);
  GUI:  the same run trained from the Training panel of the real main window (offscreen Qt), with live curves,
        sample grids every 20 steps, checkpoints and the run store. Between its chunks the run is paused (the
        loop waits between two steps).
`--rounds` pairs of `--seconds` each, bare then GUI, so that a machine whose speed drifts (a shared VM, turbo,
another job) slows both alike. Then, still training, a 10 ms QTimer measures for `--lateness-seconds` how late
the main thread serves it (apart from the rounds: its 100 wake-ups a second would slow the trainer too).
Prints iterations/s of each over all chunks, their ratio GUI / bare (target ≥ 0.95), the spread of the
per-round ratios, the GUI thread's CPU share and the timer lateness p50/p99/max (target p99 ≤ 20 ms).

    .venv/bin/python bench/overhead.py [--rounds 8] [--seconds 15] [--lateness-seconds 30]
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
    from workbench.methods.dcgan import DCGANSettings

    return RunConfig(method=DCGANSettings(), data=DataConfig(name="digits", image_size=32, batch_size=64),
                     train=TrainConfig(steps=steps, sample_every=sample_every, checkpoint_every=500))


class BareLoop:
    """The same method's networks and optimizers in a plain loop; `run(seconds)` → (steps, elapsed seconds)."""

    def __init__(self) -> None:
        import torch

        from workbench.data import build_dataset
        from workbench.data.batches import BatchStream

        cfg = make_config(10**6, 10**6)
        torch.manual_seed(0)
        from workbench.nets.dcgan import DCGANDiscriminator, DCGANGenerator

        self.settings = s = cfg.method
        self.G = DCGANGenerator(s.latent_dim, 1, 32, s.g_channels)
        self.D = DCGANDiscriminator(1, 32, s.d_channels)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=s.lr_g, betas=(s.beta1, s.beta2))
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=s.lr_d, betas=(s.beta1, s.beta2))
        self.stream = BatchStream(build_dataset(cfg.data), 64, 0)
        for _ in range(5):  # warm-up, as the GUI run's first steps
            self.step()

    def step(self) -> None:
        import torch

        from workbench.methods.adversarial_losses import discriminator_loss, generator_loss

        real = self.stream.next()[0]
        z = torch.randn(real.shape[0], self.settings.latent_dim)
        self.opt_d.zero_grad(set_to_none=True)
        fake = self.G(z)
        loss_d = discriminator_loss("non_saturating", self.D(real), self.D(fake.detach()))
        loss_d.backward()
        self.opt_d.step()
        self.opt_g.zero_grad(set_to_none=True)
        loss_g = generator_loss("non_saturating", self.D(fake))
        loss_g.backward()
        self.opt_g.step()
        loss_d.item(), loss_g.item()

    def run(self, seconds: float) -> tuple[int, float]:
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            self.step()
            n += 1
        return n, time.perf_counter() - start


def interleaved(rounds: int, seconds: float, lateness_seconds: float, sample_every: int) -> None:
    """Alternate bare chunks and GUI chunks; print the figures."""
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
    bare = BareLoop()
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

    def paused_between_steps() -> None:
        """Pause the GUI run and wait until its loop has finished the step it was in."""
        panel.worker.pause()
        settled = panel.worker.latest_step.step
        while True:
            wait(100)
            now = panel.worker.latest_step.step
            if now == settled:
                return
            settled = now

    bare_steps = gui_steps = 0
    bare_time = gui_time = gui_cpu = 0.0
    ratios = []
    for _ in range(rounds):
        paused_between_steps()
        n, elapsed = bare.run(seconds)  # blocks the main thread: the window draws nothing meanwhile
        bare_steps, bare_time = bare_steps + n, bare_time + elapsed
        first = panel.worker.latest_step.step
        t0, cpu0 = time.perf_counter(), time.thread_time()
        panel.worker.resume()
        wait(seconds * 1000)
        elapsed_gui = time.perf_counter() - t0
        n_gui = panel.worker.latest_step.step - first
        gui_steps, gui_time = gui_steps + n_gui, gui_time + elapsed_gui
        gui_cpu += time.thread_time() - cpu0
        ratios.append((n_gui / elapsed_gui) / (n / elapsed))
        if errors or not panel.worker.is_alive:
            raise RuntimeError(f"the GUI run's training ended during the measurement: {errors}")
    # Responsiveness, measured apart: the probe's own 100 wake-ups a second would otherwise slow the trainer
    # and count against the window in the ratio above.
    panel.worker.resume()
    wait(1000)
    expected[0] = clock.nsecsElapsed() / 1e6 + 10.0
    timer.start()
    wait(lateness_seconds * 1000)
    timer.stop()
    panel.stop()
    panel.worker.wait(60)
    points = panel.loss_plot.point_count("loss_d")
    grids = len(panel.samples_view.steps())
    window.close()

    bare_rate, gui_rate = bare_steps / bare_time, gui_steps / gui_time
    print(f"bare loop     {bare_rate:6.2f} it/s  ({bare_steps} steps in {bare_time:.0f} s)")
    print(f"GUI-attached  {gui_rate:6.2f} it/s  ({gui_steps} steps in {gui_time:.0f} s; {points} curve points "
          f"drawn, {grids} grids shown; the GUI thread used {100 * gui_cpu / gui_time:.1f}% of one core)")
    print(f"overhead ratio GUI / bare = {gui_rate / bare_rate:.3f}  (target ≥ 0.95); per round: "
          f"{', '.join(f'{r:.2f}' for r in ratios)} (median {np.median(ratios):.3f})")
    late = np.asarray(lateness)
    p50, p99 = np.percentile(late, [50, 99])
    print(f"10 ms QTimer lateness while training: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {late.max():.1f} ms "
          f"over {len(late)} ticks in {lateness_seconds:g} s of training  (target p99 ≤ 20 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8, help="bare/GUI chunk pairs")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each chunk")
    parser.add_argument("--lateness-seconds", type=float, default=30.0, help="training time with the 10 ms probe "
                        "timer, after the rounds")
    parser.add_argument("--sample-every", type=int, default=20, help="steps between sample grids in the GUI run")
    args = parser.parse_args()
    import torch

    print(f"torch {torch.__version__}, {torch.get_num_threads()} intra-op threads, "
          f"trainer nice +{os.environ.get('WORKBENCH_TRAINER_NICE', '10')}; {args.rounds} rounds of "
          f"{args.seconds:g} s bare then {args.seconds:g} s GUI")
    interleaved(args.rounds, args.seconds, args.lateness_seconds, args.sample_every)


if __name__ == "__main__":
    main()

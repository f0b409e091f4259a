"""β sweep: a β-VAE on shapes2d at β = 1, 4, 16 with the same fixed step budget, scored for disentanglement and
reconstruction, to show the trade-off the lecture notes describe (a larger β pushes the posterior towards the
factorised prior: better-separated factors, blurrier reconstructions).

Each β trains method "vae" (latent_dim 10, channels 32, Bernoulli likelihood, Adam 1e-3, batch 64, seed 0) on
shapes2d at --image-size for --steps bare `train_step`s on --threads torch threads, and reports the CPU seconds
this process used for them (time.process_time) beside the wall time. Then, on the trained encoder:

- MIG, DCI (disentanglement / completeness / informativeness), SAP on --n posterior means of a seeded shapes2d
  sample, and the β-VAE and FactorVAE scores on --interventions × 32 rendered interventions
  (`workbench.metrics.disentanglement.disentanglement_report`, the same code as `workbench eval --disentanglement`);
- reconstruction MSE (pixels in [0, 1]) of decode(μ(x)) on 1000 fixed images, the mean KL(q(z|x) ‖ N(0, I)) per
  image in nats, and the active dimensions (mean KL of the dimension > 0.01 nats).

    .venv/bin/python bench/beta_sweep.py [--steps 1500] [--betas 1,4,16] [--image-size 32] [--n 5000]
                                         [--interventions 300] [--threads 1]

Prints one Markdown table row per β as it finishes, then the totals and the machine's load (timings on a shared
machine are noisy; the CPU seconds are less so than the wall seconds).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

RECONSTRUCTION_IMAGES = 1000
ACTIVE_KL = 0.01
HEADER = ("| β | steps | train CPU s / wall s | recon. MSE | KL nats | active dims | MIG | DCI D / C / I | SAP | "
          "β-VAE | FactorVAE | eval s |")


def make_session(beta: float, image_size: int, seed: int) -> Any:
    from workbench.config import DataConfig, RunConfig, TrainConfig
    from workbench.methods.registry import method_settings_class
    from workbench.training.session import TrainingSession

    settings = method_settings_class("vae")(latent_dim=10, channels=32, beta=beta)
    data = DataConfig(name="shapes2d", image_size=image_size, channels=1, batch_size=64)
    return TrainingSession(RunConfig(settings, data, TrainConfig(steps=10**8, seed=seed)))


def train_steps(session: Any, steps: int) -> tuple[float, float]:
    c0, w0 = time.process_time(), time.perf_counter()
    for _ in range(steps):
        session.method.train_step(session.stream.next())
        session.step += 1
    return time.process_time() - c0, time.perf_counter() - w0


def reconstruction_and_kl(space: Any, dataset: Any) -> tuple[float, float, int]:
    import torch

    order = torch.randperm(len(dataset), generator=torch.Generator().manual_seed(4242))[:RECONSTRUCTION_IMAGES]
    x = dataset.get_batch(order)[0]
    mu, logvar = space.posterior(x)
    rec = space.decode(mu)
    mse = float((((rec.clamp(-1, 1) - x) / 2) ** 2).mean())
    kl_dims = (0.5 * (mu**2 + logvar.exp() - logvar - 1)).mean(0)  # (D,) nats
    return mse, float(kl_dims.sum()), int((kl_dims > ACTIVE_KL).sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--betas", default="1,4,16")
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--n", type=int, default=5000, help="codes for MIG, DCI and SAP")
    parser.add_argument("--interventions", type=int, default=300, help="β-VAE points / FactorVAE votes")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from workbench.evaluation.disentanglement import disentanglement_report
    from workbench.latent.model import LatentSpace

    print(f"β-VAE on shapes2d {args.image_size}×{args.image_size}, {args.steps} steps of 64 images per β, "
          f"{args.threads} torch thread(s); scores on {args.n} codes and {args.interventions} × 32 interventions")
    print(HEADER)
    print("|" + "---|" * (HEADER.count("|") - 1))
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    for beta in (float(b) for b in args.betas.split(",")):
        session = make_session(beta, args.image_size, args.seed)
        cpu, wall = train_steps(session, args.steps)
        space = LatentSpace(session.method, session.config.data, dataset=session.dataset)  # eval mode, CPU
        mse, kl, active = reconstruction_and_kl(space, session.dataset)
        report = disentanglement_report(space, args.n, seed=args.seed, interventions=args.interventions)
        s = report.scores
        print(f"| {beta:g} | {args.steps} | {cpu:.0f} / {wall:.0f} | {mse:.4f} | {kl:.1f} | {active} of 10 | "
              f"{s['MIG']:.3f} | {s['DCI disentanglement']:.2f} / {s['DCI completeness']:.2f} / "
              f"{s['DCI informativeness']:.2f} | {s['SAP']:.3f} | {s['β-VAE score']:.2f} | "
              f"{s['FactorVAE score']:.2f} | {report.seconds:.0f} |", flush=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\ntotal: {time.process_time() - start_cpu:.0f} CPU s, {time.perf_counter() - start_wall:.0f} wall s; "
          f"1-minute load average at the end {load:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()

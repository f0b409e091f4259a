"""What the app costs on top of plain PyTorch when training Pix2Pix and CycleGAN.

For each image size and method (default settings: 32 feature maps, PatchGAN with 3 layers, 6 residual blocks for
CycleGAN; batch 1, CPU), measured side by side in one process, one app step then one bare step in turn (so a
busy machine slows both alike), `--rounds` times:
  app:  `workbench.training.runner.run_training` on a run in a temporary workspace: the real loop with its event
        stream, the run store's recorder (SQLite scalars), the named visual grids every `--sample-every` steps
        and a checkpoint every `--checkpoint-every` steps and at the end; a step's time runs from one StepEvent
        to the next, so grids and checkpoints (the last ones too) count;
  bare: the same network classes, losses, optimizers (and CycleGAN's pool and LR schedule) in a plain loop over
        the same dataset's batches, with no events, store, grids or checkpoints.
Prints seconds per iteration of each and the ratio app ÷ bare (1.00 = no overhead).

    .venv/bin/python bench/translation_overhead.py [--steps 30] [--sizes 64 128]
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import tempfile
import time

os.environ.setdefault("WORKBENCH_CLASS_COVERAGE", "0")  # translation data has no classes to judge

DATASETS = {"pix2pix": "edges2photos", "cyclegan": "photo2stylized"}
WARMUP = 3


def make_config(method: str, size: int, steps: int, sample_every: int, checkpoint_every: int):
    from workbench.config import DataConfig, RunConfig, TrainConfig
    from workbench.methods.cyclegan import CycleGANSettings
    from workbench.methods.pix2pix import Pix2PixSettings

    settings = Pix2PixSettings() if method == "pix2pix" else CycleGANSettings()
    return RunConfig(
        method=settings,
        data=DataConfig(name=DATASETS[method], image_size=size, channels=3, batch_size=1),
        train=TrainConfig(steps=steps, sample_every=sample_every, checkpoint_every=checkpoint_every, sample_count=4),
    )


def bare_pix2pix(config):
    """A step function of a plain pix2pix loop (as the reference's train.py, without its visualiser)."""
    import torch

    from workbench.methods.adversarial_losses import generator_label_loss, halved_discriminator_loss
    from workbench.methods.cyclegan.method import l1
    from workbench.nets.patchgan import PatchGANDiscriminator
    from workbench.nets.unet import UNetGenerator

    s, size = config.method, config.data.image_size
    G = UNetGenerator(3, 3, size, s.g_channels, norm=s.norm, dropout=s.dropout)
    D = PatchGANDiscriminator(6, s.d_channels, s.d_layers, norm=s.norm)
    opt_g = torch.optim.Adam(G.parameters(), lr=s.lr, betas=(s.beta1, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=s.lr, betas=(s.beta1, 0.999))

    def step(x: torch.Tensor, y: torch.Tensor) -> None:
        fake = G(x)
        opt_d.zero_grad(set_to_none=True)
        loss_d = halved_discriminator_loss(s.gan_loss, D(torch.cat([x, y], 1)), D(torch.cat([x, fake.detach()], 1)))
        loss_d.backward()
        opt_d.step()
        for p in D.parameters():
            p.requires_grad_(False)
        opt_g.zero_grad(set_to_none=True)
        loss_g = generator_label_loss(s.gan_loss, D(torch.cat([x, fake], 1))) + s.lambda_l1 * l1(fake, y)
        loss_g.backward()
        opt_g.step()
        for p in D.parameters():
            p.requires_grad_(True)
        loss_d.item(), loss_g.item()

    return step


def bare_cyclegan(config):
    """A step function of a plain CycleGAN loop (as the reference's train.py, without its visualiser)."""
    import torch

    from workbench.methods.adversarial_losses import generator_label_loss, halved_discriminator_loss
    from workbench.methods.cyclegan.method import cycle_loss, identity_loss, linear_decay
    from workbench.methods.image_pool import ImagePool
    from workbench.nets.patchgan import PatchGANDiscriminator
    from workbench.nets.resnet_generator import ResNetGenerator

    s = config.method
    G_AB, G_BA = (ResNetGenerator(3, 3, s.g_channels, s.residual_blocks, norm=s.norm) for _ in range(2))
    D_A, D_B = (PatchGANDiscriminator(3, s.d_channels, s.d_layers, norm=s.norm) for _ in range(2))
    opt_g = torch.optim.Adam(itertools.chain(G_AB.parameters(), G_BA.parameters()), s.lr, (s.beta1, 0.999))
    opt_d = torch.optim.Adam(itertools.chain(D_A.parameters(), D_B.parameters()), s.lr, (s.beta1, 0.999))
    decay = linear_decay(config.train.steps, s.decay_start)
    scheds = [torch.optim.lr_scheduler.LambdaLR(opt, decay) for opt in (opt_g, opt_d)]
    pool_a, pool_b = ImagePool(s.pool_size, 1), ImagePool(s.pool_size, 2)
    lam, idt = s.lambda_cycle, s.lambda_identity

    def step(a: torch.Tensor, b: torch.Tensor) -> None:
        for p in itertools.chain(D_A.parameters(), D_B.parameters()):
            p.requires_grad_(False)
        opt_g.zero_grad(set_to_none=True)
        fake_b, fake_a = G_AB(a), G_BA(b)
        ls = "least_squares"
        loss_g = (generator_label_loss(ls, D_A(fake_b)) + generator_label_loss(ls, D_B(fake_a))
                  + cycle_loss(G_BA(fake_b), a, lam) + cycle_loss(G_AB(fake_a), b, lam)
                  + identity_loss(G_AB(b), b, idt, lam) + identity_loss(G_BA(a), a, idt, lam))
        loss_g.backward()
        opt_g.step()
        for p in itertools.chain(D_A.parameters(), D_B.parameters()):
            p.requires_grad_(True)
        opt_d.zero_grad(set_to_none=True)
        loss_d = (halved_discriminator_loss(ls, D_A(b), D_A(pool_b.query(fake_b)))
                  + halved_discriminator_loss(ls, D_B(a), D_B(pool_a.query(fake_a))))
        loss_d.backward()
        opt_d.step()
        for sched in scheds:
            sched.step()
        loss_g.item(), loss_d.item()

    return step


def measure(config) -> tuple[float, float]:
    """(app, bare) seconds per iteration, taken step by step in turn so that both see the same machine load.

    The app is a fresh run trained by the real runner; its time for a step runs from one StepEvent to the next,
    so the grids and checkpoints written in between count, and so do the last ones after the final step.
    """
    import torch

    from workbench.data import build_dataset
    from workbench.data.batches import BatchStream
    from workbench.runs import Workspace
    from workbench.runs.events import RunEndEvent, StepEvent
    from workbench.training.runner import run_training

    torch.manual_seed(0)
    stream = BatchStream(build_dataset(config.data), config.data.batch_size, 0)
    bare_step = (bare_pix2pix if config.method_name == "pix2pix" else bare_cyclegan)(config)
    with tempfile.TemporaryDirectory() as folder:
        events = run_training(Workspace(folder).create_run(config, name="bench"))

        def advance() -> int:
            """Run the app to its next step (or, after the last, to the end of the run); its step number."""
            for event in events:
                if isinstance(event, StepEvent):
                    return event.step
                if isinstance(event, RunEndEvent):
                    if event.status != "finished":
                        raise RuntimeError(f"the app's run ended as {event.status!r} at step {event.step}")
                    return -1
            raise RuntimeError("the app's run ended without a RunEndEvent")

        for _ in range(WARMUP):
            advance()
            bare_step(*stream.next())
        app = bare = 0.0
        for _ in range(config.train.steps - WARMUP):
            t0 = time.perf_counter()
            step = advance()
            if step == config.train.steps:
                advance()  # the final grids and checkpoint belong to the app's cost
            t1 = time.perf_counter()
            bare_step(*stream.next())
            t2 = time.perf_counter()
            app += t1 - t0
            bare += t2 - t1
        for _ in events:  # let the runner finish (release the run, close its store)
            pass
    n = config.train.steps - WARMUP
    return app / n, bare / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30, help="steps per measurement (the first 3 are warm-up)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 128], help="image sizes (powers of two)")
    parser.add_argument("--methods", nargs="+", default=["cyclegan", "pix2pix"], choices=sorted(DATASETS))
    parser.add_argument("--rounds", type=int, default=2, help="app/bare alternations per size and method")
    parser.add_argument("--sample-every", type=int, default=10, help="steps between the app's visual grids")
    parser.add_argument("--checkpoint-every", type=int, default=50, help="steps between the app's checkpoints")
    args = parser.parse_args()
    if args.steps <= WARMUP:
        parser.error(f"--steps must be more than the {WARMUP} warm-up steps")
    import torch

    print(f"torch {torch.__version__}, {torch.get_num_threads()} intra-op threads, {os.cpu_count()} CPUs; batch 1, "
          f"{args.steps} steps per measurement ({WARMUP} warm-up), {args.rounds} rounds app/bare alternating; "
          f"app: grids every {args.sample_every}, checkpoints every {args.checkpoint_every} steps and at the end")
    print(f"{'method':<9} {'size':>5} {'app s/iter':>11} {'bare s/iter':>12} {'app ÷ bare':>11}   per round (app/bare)")
    for size in args.sizes:
        for method in args.methods:
            config = make_config(method, size, args.steps, args.sample_every, args.checkpoint_every)
            app, bare = [], []
            for _ in range(args.rounds):
                a, b = measure(config)
                app.append(a)
                bare.append(b)
            rounds = "  ".join(f"{a:.3f}/{b:.3f}" for a, b in zip(app, bare, strict=True))
            a, b = statistics.mean(app), statistics.mean(bare)
            print(f"{method:<9} {size:>5} {a:>11.3f} {b:>12.3f} {a / b:>11.3f}   {rounds}", flush=True)


if __name__ == "__main__":
    main()

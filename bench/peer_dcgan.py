"""The workbench's DCGAN training step against pytorch/examples' dcgan/main.py, at that script's settings.

Both sides train 64×64 RGB images with nz 100, ngf = ndf = 64 (G 3,576,704 and D 2,765,568 parameters), batch
64 and Adam(2e-4, β = (0.5, 0.999)):
  reference:  a copy of dcgan/main.py's Generator, Discriminator, weights_init and the body of its training loop
              (D on a real batch then on a generated one with BCELoss, then G), fed from a pre-made tensor of
              random images: its data loading is not what is compared;
  workbench:  method `dcgan` built through TrainingSession(RunConfig(...)) on the built-in `digits` at 64×64×3 and
              stepped by the real training loop (workbench.training.loop.train: the batch stream, train_step with
              its gradient norms and D(x)/D(G(z)) diagnostics, the step event, the guards), without a run store;
              the sample grids and checkpoints it makes every N steps are set beyond the measurement.
After a warm-up, `--rounds` rounds of `--steps` steps per side alternate in one process (which side goes first
swaps every round), so a machine whose speed drifts slows both alike; what the process sets for training (torch's
threads, the allocator thresholds of workbench/training/allocator.py that the loop sets on the CPU) holds for both.
Prints each round's ms/step of each side and its minor page faults per step (memory the allocator handed back and
takes again), the median ratio workbench / reference (target ≤ 1.00) with the min–max of the per-round ratios, the
load average at start and end and torch's threads; `--json PATH` writes the same figures (bench/gpu_check.sh reads
them). `--amp` trains both in 16-bit autocast (bfloat16 on the CPU and on bf16-capable GPUs, else float16 with a
gradient scaler), `--channels-last` both in NHWC memory.

    .venv/bin/python bench/peer_dcgan.py [--rounds 7] [--steps 20] [--warmup 5] [--device cpu|cuda] [--batch 64]
        [--amp] [--channels-last] [--threads N] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

G_PARAMETERS, D_PARAMETERS = 3_576_704, 2_765_568  # dcgan/main.py at nz 100, ngf = ndf = 64, nc 3


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="rounds of --steps steps per side")
    parser.add_argument("--steps", type=int, default=20, help="steps per side in each round")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps per side before the rounds")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--batch", type=int, default=64, help="images per step")
    parser.add_argument("--amp", action="store_true", help="16-bit autocast on both sides (train.mixed_precision)")
    parser.add_argument("--channels-last", action="store_true", help="NHWC networks and batches on both sides")
    parser.add_argument("--threads", type=int, default=0, help="torch intra-op threads (0: torch's default)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results to this JSON file")
    return parser.parse_args()


ARGS = parse_args() if __name__ == "__main__" else None
if ARGS is not None and ARGS.threads:  # before torch starts its OpenMP pool: the same threads on both sides
    os.environ["OMP_NUM_THREADS"] = str(ARGS.threads)

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.optim as optim  # noqa: E402

from workbench.config import DataConfig, RunConfig, TrainConfig  # noqa: E402
from workbench.methods.base import autocast_dtype  # noqa: E402
from workbench.methods.dcgan import DCGANSettings  # noqa: E402
from workbench.runs.events import AlertEvent, StepEvent  # noqa: E402
from workbench.training.control import TrainingControl  # noqa: E402
from workbench.training.loop import train  # noqa: E402
from workbench.training.session import TrainingSession  # noqa: E402

# --- the reference: pytorch/examples dcgan/main.py (github.com/pytorch/examples, commit 77f55b9) ----------------------
# Its command-line settings as module constants; the models and the loop body as the script writes them.
nz, ngf, ndf, nc = 100, 64, 64, 3
real_label = 1
fake_label = 0


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find('Conv') != -1:
        torch.nn.init.normal_(m.weight, 0.0, 0.02)
    elif classname.find('BatchNorm') != -1:
        torch.nn.init.normal_(m.weight, 1.0, 0.02)
        torch.nn.init.zeros_(m.bias)


class Generator(nn.Module):
    def __init__(self, ngpu):
        super().__init__()
        self.ngpu = ngpu
        self.main = nn.Sequential(
            # input is Z, going into a convolution
            nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 8),
            nn.ReLU(True),
            # state size. (ngf*8) x 4 x 4
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 4),
            nn.ReLU(True),
            # state size. (ngf*4) x 8 x 8
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            # state size. (ngf*2) x 16 x 16
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf),
            nn.ReLU(True),
            # state size. (ngf) x 32 x 32
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),
            nn.Tanh()
            # state size. (nc) x 64 x 64
        )

    def forward(self, input):
        if (input.is_cuda or input.is_xpu) and self.ngpu > 1:
            output = nn.parallel.data_parallel(self.main, input, range(self.ngpu))
        else:
            output = self.main(input)
        return output


class Discriminator(nn.Module):
    def __init__(self, ngpu):
        super().__init__()
        self.ngpu = ngpu
        self.main = nn.Sequential(
            # input is (nc) x 64 x 64
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            # state size. (ndf) x 32 x 32
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            # state size. (ndf*2) x 16 x 16
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 4),
            nn.LeakyReLU(0.2, inplace=True),
            # state size. (ndf*4) x 8 x 8
            nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 8),
            nn.LeakyReLU(0.2, inplace=True),
            # state size. (ndf*8) x 4 x 4
            nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False),
            nn.Sigmoid()
        )

    def forward(self, input):
        if (input.is_cuda or input.is_xpu) and self.ngpu > 1:
            output = nn.parallel.data_parallel(self.main, input, range(self.ngpu))
        else:
            output = self.main(input)

        return output.view(-1, 1).squeeze(1)


class Reference:
    """dcgan/main.py's models, criterion and optimizers, and its loop body as `step(data)`.

    With --amp the forward passes run under torch.autocast (the dtype rule of the workbench's train.amp_dtype
    "auto") and BCELoss takes the float32 of D's output outside it (BCELoss is not autocast-safe); float16 scales
    the losses with one GradScaler, as PyTorch's AMP examples do for several optimizers. With --channels-last
    the models are NHWC (its batches are made so)."""

    def __init__(self, device: torch.device, amp_dtype: torch.dtype | None, channels_last: bool) -> None:
        self.device = device
        ngpu = 1
        self.netG = Generator(ngpu).to(device)
        self.netG.apply(weights_init)
        self.netD = Discriminator(ngpu).to(device)
        self.netD.apply(weights_init)
        if channels_last:
            self.netG.to(memory_format=torch.channels_last)
            self.netD.to(memory_format=torch.channels_last)
        self.criterion = nn.BCELoss()
        lr, beta1 = 0.0002, 0.5
        self.optimizerD = optim.Adam(self.netD.parameters(), lr=lr, betas=(beta1, 0.999))
        self.optimizerG = optim.Adam(self.netG.parameters(), lr=lr, betas=(beta1, 0.999))
        self.amp_dtype = amp_dtype
        self.scaler = torch.amp.GradScaler(device.type, enabled=amp_dtype == torch.float16)
        self.last_line = ""

    def autocast(self) -> torch.autocast:
        enabled = self.amp_dtype is not None
        return torch.autocast(self.device.type, dtype=self.amp_dtype or torch.float32, enabled=enabled)

    def step(self, data: tuple[torch.Tensor, ...]) -> None:
        """One iteration of dcgan/main.py's `for i, data in enumerate(dataloader, 0)` body (its print formatted, not
        written; its image saving, every 100 iterations, left out)."""
        netD, netG, criterion, device = self.netD, self.netG, self.criterion, self.device
        optimizerD, optimizerG, scaler = self.optimizerD, self.optimizerG, self.scaler
        ############################
        # (1) Update D network: maximize log(D(x)) + log(1 - D(G(z)))
        ###########################
        # train with real
        netD.zero_grad()
        real_cpu = data[0].to(device)
        batch_size = real_cpu.size(0)
        label = torch.full((batch_size,), real_label,
                           dtype=real_cpu.dtype, device=device)

        with self.autocast():
            output = netD(real_cpu)
        errD_real = criterion(output.float(), label)
        scaler.scale(errD_real).backward()
        D_x = output.mean().item()

        # train with fake
        noise = torch.randn(batch_size, nz, 1, 1, device=device)
        with self.autocast():
            fake = netG(noise)
        label.fill_(fake_label)
        with self.autocast():
            output = netD(fake.detach())
        errD_fake = criterion(output.float(), label)
        scaler.scale(errD_fake).backward()
        D_G_z1 = output.mean().item()
        errD = errD_real + errD_fake
        scaler.step(optimizerD)

        ############################
        # (2) Update G network: maximize log(D(G(z)))
        ###########################
        netG.zero_grad()
        label.fill_(real_label)  # fake labels are real for generator cost
        with self.autocast():
            output = netD(fake)
        errG = criterion(output.float(), label)
        scaler.scale(errG).backward()
        D_G_z2 = output.mean().item()
        scaler.step(optimizerG)
        scaler.update()

        self.last_line = (f"Loss_D: {errD.item():.4f} Loss_G: {errG.item():.4f} D(x): {D_x:.4f} "
                          f"D(G(z)): {D_G_z1:.4f} / {D_G_z2:.4f}")


# --- the two sides, timed alike ---------------------------------------------------------------------------------------
def parameter_count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


class ReferenceSide:
    """The reference trained on a fixed set of random batches in [-1, 1], cycled."""

    name = "reference"

    def __init__(self, args: argparse.Namespace, device: torch.device, amp_dtype: torch.dtype | None) -> None:
        torch.manual_seed(0)
        self.model = Reference(device, amp_dtype, args.channels_last)
        layout = torch.channels_last if args.channels_last else torch.contiguous_format
        # CPU batches, as dcgan/main.py's DataLoader hands them over (moved to the device inside the step).
        self.batches = [(torch.rand(args.batch, nc, 64, 64) * 2 - 1).contiguous(memory_format=layout)
                        for _ in range(8)]
        self.position = 0

    def run(self, steps: int) -> None:
        for _ in range(steps):
            self.model.step((self.batches[self.position % len(self.batches)],))
            self.position += 1

    def parameters(self) -> tuple[int, int]:
        return parameter_count(self.model.netG), parameter_count(self.model.netD)


def workbench_config(args: argparse.Namespace) -> RunConfig:
    """dcgan/main.py's settings as a workbench run on digits 64×64×3; no grid or checkpoint within the bench."""
    method = DCGANSettings(latent_dim=nz, g_channels=ngf, d_channels=ndf, g_loss="non_saturating",
                           lr_g=2e-4, lr_d=2e-4, beta1=0.5, beta2=0.999)
    data = DataConfig(name="digits", image_size=64, channels=nc, batch_size=args.batch)
    schedule = TrainConfig(steps=100_000_000, seed=0, device=args.device, mixed_precision=args.amp,
                           channels_last=args.channels_last, sample_every=1_000_000, checkpoint_every=10_000_000)
    return RunConfig(method, data, schedule)


class WorkbenchSide:
    """The workbench's training loop over a session, pulled one step event at a time."""

    name = "workbench"

    def __init__(self, args: argparse.Namespace) -> None:
        self.session = TrainingSession(workbench_config(args))
        self.events = train(self.session, TrainingControl())  # no checkpoint folder, no recorder: no run store

    def run(self, steps: int) -> None:
        done = 0
        while done < steps:
            event = next(self.events)
            if isinstance(event, StepEvent):
                done += 1
            elif isinstance(event, AlertEvent) and event.kind in ("non_finite", "out_of_memory"):
                raise RuntimeError(f"the workbench run stopped training: {event.message}")

    def parameters(self) -> tuple[int, int]:
        method = self.session.method
        return parameter_count(method.G), parameter_count(method.D)


def synchronise(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(side: ReferenceSide | WorkbenchSide, steps: int, device: torch.device) -> tuple[float, float]:
    """(milliseconds, minor page faults) per step over `steps` steps. Page faults show memory the allocator gave
    back to the system and takes again every step: on the CPU they cost as much as a few percent of a step."""
    synchronise(device)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    start = time.perf_counter()
    side.run(steps)
    synchronise(device)
    elapsed = time.perf_counter() - start
    return elapsed * 1000 / steps, (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults) / steps


def main(args: argparse.Namespace) -> dict[str, Any]:
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        sys.exit("--device cuda: no CUDA device here")
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # dcgan/main.py sets it; so does train.cudnn_benchmark (default)
    amp_dtype = autocast_dtype("auto", device) if args.amp else None
    load_start = os.getloadavg()

    reference = ReferenceSide(args, device, amp_dtype)
    workbench = WorkbenchSide(args)
    counts = {"reference": reference.parameters(), "workbench": workbench.parameters()}
    for name, (g, d) in counts.items():
        print(f"{name:9s} parameters: G {g:,}  D {d:,}")
        if (g, d) != (G_PARAMETERS, D_PARAMETERS):
            sys.exit(f"{name}: expected G {G_PARAMETERS:,} and D {D_PARAMETERS:,} parameters (dcgan/main.py)")
    device_name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    print(f"torch {torch.__version__} on {device_name}: {torch.get_num_threads()} intra-op threads, "
          f"{torch.get_num_interop_threads()} inter-op; batch {args.batch}, amp "
          f"{str(amp_dtype).removeprefix('torch.') if amp_dtype else 'off'}, channels-last "
          f"{'on' if args.channels_last else 'off'}; load average at start "
          f"{' '.join(f'{x:.2f}' for x in load_start)}")

    for side in (reference, workbench):
        timed(side, args.warmup, device)
    rows = []
    print(f"{'round':>5} {'first':>9} {'reference ms':>13} {'workbench ms':>13} {'ratio':>7}   page faults/step "
          "(reference, workbench)")
    for index in range(args.rounds):
        order = (reference, workbench) if index % 2 == 0 else (workbench, reference)
        measured = {side.name: timed(side, args.steps, device) for side in order}
        ms = {name: value[0] for name, value in measured.items()}
        faults = {name: value[1] for name, value in measured.items()}
        ratio = ms["workbench"] / ms["reference"]
        rows.append({"round": index + 1, "first": order[0].name, "reference_ms": ms["reference"],
                     "workbench_ms": ms["workbench"], "ratio": ratio, "reference_page_faults": faults["reference"],
                     "workbench_page_faults": faults["workbench"]})
        print(f"{index + 1:>5} {order[0].name:>9} {ms['reference']:>13.1f} {ms['workbench']:>13.1f} {ratio:>7.3f}   "
              f"{faults['reference']:>8.0f} {faults['workbench']:>8.0f}")
    load_end = os.getloadavg()
    ratios = [row["ratio"] for row in rows]
    result = {
        "device": args.device, "device_name": device_name, "torch": torch.__version__, "batch": args.batch,
        "amp": args.amp, "amp_dtype": str(amp_dtype).removeprefix("torch.") if amp_dtype else None,
        "channels_last": args.channels_last, "threads": torch.get_num_threads(),
        "interop_threads": torch.get_num_interop_threads(), "steps": args.steps, "warmup": args.warmup,
        "parameters": {name: {"G": g, "D": d} for name, (g, d) in counts.items()},
        "rounds": rows,
        "reference_ms_median": statistics.median(row["reference_ms"] for row in rows),
        "workbench_ms_median": statistics.median(row["workbench_ms"] for row in rows),
        "median_ratio": statistics.median(ratios), "min_ratio": min(ratios), "max_ratio": max(ratios),
        "loadavg_start": list(load_start), "loadavg_end": list(load_end),
    }
    print(f"median ms/step: reference {result['reference_ms_median']:.1f}, workbench "
          f"{result['workbench_ms_median']:.1f}")
    print(f"median ratio workbench / reference = {result['median_ratio']:.3f}  (target ≤ 1.00); per-round spread "
          f"{result['min_ratio']:.3f}–{result['max_ratio']:.3f}")
    print(f"load average: start {' '.join(f'{x:.2f}' for x in load_start)}, end "
          f"{' '.join(f'{x:.2f}' for x in load_end)}")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
        print(f"wrote {args.json}")
    return result


if __name__ == "__main__":
    main(ARGS)

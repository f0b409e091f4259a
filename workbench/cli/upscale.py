"""`workbench upscale RUN IMAGE`: upscale an image with a trained SRResNet / SRGAN run, headless.

    workbench upscale RUN photo.png -o sr.png                      photo.png is the HR original: it is cropped to a
                                                                   multiple of the scale, downscaled (bicubic,
                                                                   antialiased) and upscaled again; PSNR/SSIM printed
    workbench upscale RUN small.png --as-lr -o big.png             small.png is the low-resolution input (no metrics)
    workbench upscale RUN photo.png --with RUN2 --compare cmp.png  also a second model, and the comparison figure

The model is the run's latest checkpoint, on the CPU, through `SuperResolutionModel.from_run`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from workbench.cli.common import find_run, reported
from workbench.runs import Workspace


def add_parser(sub: Any, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The `upscale` sub-command, added to `workbench`'s sub-parsers."""
    up = sub.add_parser("upscale", parents=[common], help="upscale an image with an SRResNet/SRGAN run; PSNR/SSIM "
                        "against the original unless --as-lr",
                        description="Upscale an image with a super-resolution run's latest checkpoint. By default "
                                    "IMAGE is the high-resolution original: it is cropped to a multiple of the "
                                    "scale, downscaled by bicubic interpolation (antialiased, as the training data "
                                    "is) and upscaled again, so PSNR and SSIM against the original can be printed. "
                                    "With --as-lr, IMAGE itself is upscaled (no original, no metrics).")
    up.add_argument("run", metavar="RUN", help="srresnet or srgan run: id, unique id prefix or folder")
    up.add_argument("image", metavar="IMAGE", help="image file (PNG, JPEG, ...)")
    up.add_argument("-o", "--out", metavar="PNG", help="where to write RUN's upscaled image (default "
                    "<image>-x<scale>-<run>.png here)")
    up.add_argument("--as-lr", action="store_true", help="IMAGE is the low-resolution input, not the original")
    up.add_argument("--compare", metavar="PNG", help="also write the comparison: LR (nearest), bicubic, each model "
                    "and HR side by side with PSNR/SSIM under each")
    up.add_argument("--with", dest="with_run", metavar="RUN2", help="a second srresnet/srgan run of the same scale, "
                    "e.g. an SRGAN beside an SRResNet (in the printed table and the comparison)")
    up.add_argument("--zoom", type=int, metavar="N", help="enlarge the comparison's views N× (nearest; default: "
                    "the smallest that shows each view at least 192 px)")
    return up


def run(args: argparse.Namespace, workspace: str | None) -> int:
    """Run the command; SuperResolutionError (a user's problem) is reported like the CLI's other errors."""
    from workbench.superres.errors import SuperResolutionError

    store = Workspace(workspace)
    runs = [find_run(store, args.run)]
    if args.with_run:
        runs.append(find_run(store, args.with_run))
    with reported(SuperResolutionError):
        if args.zoom is not None and not 1 <= args.zoom <= 64:
            raise SuperResolutionError(f"--zoom {args.zoom}: must be in [1, 64]")
        return _upscale(args, runs)


def _upscale(args: argparse.Namespace, runs: list) -> int:
    from PIL import Image

    from workbench.superres.comparison import build_comparison, common_scale, read_image
    from workbench.superres.export import save_comparison_png
    from workbench.superres.model import SuperResolutionModel

    image = read_image(args.image)  # before loading models: a bad file fails fast
    models = [SuperResolutionModel.from_run(run) for run in runs]
    common_scale(models)  # refuse models of different scales before any work
    name = Path(args.image).name
    comparison = build_comparison(image, models, as_lr=args.as_lr, source=name)
    first = models[0]
    output = comparison.view(first.label).image
    if first.channels == 1:
        output = output[:, :, 0]
    out = Path(args.out or f"{Path(args.image).stem}-x{first.scale}-{first.run_id}.png").expanduser()
    if out.suffix.lower() != ".png":
        out = out.with_name(out.name + ".png")
    out.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(output).save(out)
    h, w = comparison.size
    lh, lw = comparison.lr.shape[:2]
    role = "low-resolution input" if args.as_lr else f"bicubic ÷{first.scale} downscale"
    print(f"{out}: {first.display_name} ({first.run_id}, step {first.step}) ×{first.scale} of {name}'s {role}, "
          f"{lw}×{lh} → {w}×{h}")
    for note in comparison.notes:
        print(f"note: {note}")
    if comparison.has_hr:
        print(metrics_table(comparison))
    if args.compare:
        written = save_comparison_png(comparison, args.compare, zoom=args.zoom)
        print(f"{written}: comparison of {', '.join(v.name for v in comparison.views)}")
    return 0


def metrics_table(comparison: Any) -> str:
    """PSNR / SSIM of every upscaled view against HR, one row each, and the convention line."""
    rows = [v for v in comparison.views if v.kind != "hr"]
    width = max(len("view"), *(len(v.name) for v in rows))
    lines = [f"{'view':<{width}}  {'PSNR (dB)':>9}  {'SSIM':>6}"]
    for v in rows:
        psnr = "inf" if v.psnr is not None and v.psnr == float("inf") else f"{v.psnr:.2f}" if v.psnr is not None \
            else "n/a"
        ssim = f"{v.ssim:.4f}" if v.ssim is not None else "n/a"
        lines.append(f"{v.name:<{width}}  {psnr:>9}  {ssim:>6}")
    lines.append(comparison.convention)
    return "\n".join(lines)

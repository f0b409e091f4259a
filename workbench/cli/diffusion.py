"""`workbench diffusion RUN steps|invert`: the Diffusion tab's measurements, headless.

    workbench diffusion RUN steps --steps 5 10 20 50 -n 200 [--seed 0] [--guidance W] [--json]
    workbench diffusion RUN invert --index 0 [3 ...] | --image FILE [--ddim-steps 50]

`steps` measures FID against the number of DDIM steps with the dataset's classifier CNN (the Evaluate tab's
extractor, trained once and cached in the workspace); `invert` inverts dataset images or a file to their noise and
prints the round trip's PSNR and the noise's mean and std. The model is the run's latest checkpoint, on the CPU.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from workbench.cli.common import CLIError, check_seed, find_run, format_table, reported
from workbench.runs import Workspace


def add_parser(sub: Any, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    diffusion = sub.add_parser("diffusion", parents=[common], help="DDIM step sweep (FID per step count) and "
                               "DDIM inversion of a diffusion (ddpm) run",
                               description="Measure a diffusion run headless: FID against the number of DDIM "
                                           "steps, or how faithfully DDIM inversion maps images to noise and back.")
    diffusion.add_argument("run", metavar="RUN", help="run id, unique id prefix or folder")
    tools = diffusion.add_subparsers(dest="diffusion_action", metavar="TOOL", required=True)
    steps = tools.add_parser("steps", parents=[common], help="FID per DDIM step count",
                             description="Sample the same seeded noises at each DDIM step count and score them "
                                         "with the dataset's classifier CNN against as many real images.")
    steps.add_argument("--steps", type=int, nargs="+", default=[5, 10, 20, 50], metavar="N",
                       help="DDIM step counts (default 5 10 20 50)")
    steps.add_argument("-n", "--samples", type=int, default=200, metavar="N",
                       help="samples per step count (default 200; compare FIDs of the same count only)")
    steps.add_argument("--seed", type=int, default=0, metavar="N", help="noise seed (default 0)")
    steps.add_argument("--guidance", type=float, metavar="W",
                       help="classifier-free guidance for class-conditional runs (default: the run's setting)")
    steps.add_argument("--json", action="store_true", help="print the result as JSON")
    invert = tools.add_parser("invert", parents=[common], help="DDIM inversion: PSNR of the round trip",
                              description="Invert images to their noise x_T with deterministic DDIM and sample it "
                                          "back: prints the reconstruction's PSNR and the noise's mean and std.")
    source = invert.add_mutually_exclusive_group(required=True)
    source.add_argument("--index", type=int, nargs="+", metavar="I", help="dataset image indices")
    source.add_argument("--image", metavar="FILE", help="an image file (centre-cropped and resized)")
    invert.add_argument("--ddim-steps", type=int, default=50, metavar="N", help="DDIM steps (default 50)")
    return diffusion


def run(args: argparse.Namespace, workspace: str | None) -> int:
    ws = Workspace(workspace)
    run_ = find_run(ws, args.run)
    if run_.latest_checkpoint_step() is None:
        raise CLIError(f"run {run_.id} has {run_.missing_checkpoint_text()}; train it first")
    from workbench.evaluation.store import EvaluationError
    from workbench.latent.diffusion_explorer import DiffusionModel
    from workbench.latent.errors import LatentError

    with reported(LatentError, EvaluationError):
        model = DiffusionModel.from_run(run_)
        if args.diffusion_action == "steps":
            return _steps(args, model, ws)
        return _invert(args, model)


def _steps(args: argparse.Namespace, model: Any, ws: Workspace) -> int:
    from workbench.evaluation.step_sweep import run_step_sweep

    check_seed(args.seed)
    if not 2 <= args.samples <= 100_000:
        raise CLIError(f"-n {args.samples}: the number of samples must be in [2, 100000]")

    def say(text: str) -> None:
        if not args.json:
            print(text, file=sys.stderr)

    result = run_step_sweep(model, args.steps, args.samples, workspace_root=ws.root, seed=args.seed,
                            guidance=args.guidance, progress=say)
    if args.json:
        print(json.dumps({"run": model.run.id, "step": model.step, "label": result.label,
                          "extractor": result.extractor, "samples": result.samples, "guidance": result.guidance,
                          "points": [{"steps": p.steps, "fid": p.fid, "seconds": p.seconds} for p in result.points]},
                         indent=2, ensure_ascii=False))
        return 0
    print(f"run {model.run.id} at step {model.step}: {result.title}"
          + (f", guidance w = {result.guidance:g}" if result.guidance is not None else ""))
    print(format_table(["DDIM STEPS", "FID", "SECONDS"],
                       [[str(p.steps), f"{p.fid:.2f}", f"{p.seconds:.1f}"] for p in result.points]))
    for note in result.notes:
        print(f"note: {note}")
    return 0


def _invert(args: argparse.Namespace, model: Any) -> int:
    import torch

    if args.image:
        images, labels, names = model.load_image(args.image), None, [args.image]
    else:
        dataset = model.dataset()
        bad = [i for i in args.index if not 0 <= i < len(dataset)]
        if bad:
            raise CLIError(f"--index {bad[0]}: the dataset has images 0 … {len(dataset) - 1}")
        images, labels = dataset.get_batch(torch.tensor(args.index))[:2]
        labels = labels if model.conditional else None
        names = [f"#{i}" for i in args.index]
    result = model.invert(images, args.ddim_steps, labels)
    print(f"run {model.run.id} at step {model.step}: DDIM inversion in {result.steps} steps "
          f"({result.seconds:.2f} s)")
    print(format_table(["IMAGE", "PSNR dB", "NOISE MEAN", "NOISE STD"],
                       [[name, f"{p:.2f}", f"{m:+.3f}", f"{s:.3f}"]
                        for name, p, m, s in zip(names, result.psnr, result.noise_mean, result.noise_std,
                                                 strict=True)]))
    return 0

"""`workbench sample RUN -n 64 -o grid.png [--seed N]`: a grid of samples from a run's latest checkpoint, drawn
on the CPU (voxel runs: rendered thumbnails, as in the live view)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from workbench.cli.common import CLIError, check_seed, find_run, require_generator
from workbench.runs import Workspace


def add_parser(sub: Any, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    sample = sub.add_parser("sample", parents=[common], help="write a grid of samples from a run's latest checkpoint")
    sample.add_argument("run", metavar="RUN", help="run id, unique id prefix or folder")
    sample.add_argument("-n", "--count", type=int, default=64, metavar="N", help="number of images (default 64)")
    sample.add_argument("-o", "--output", metavar="PNG", help="output file (default <run>-step<N>.png here)")
    sample.add_argument("--seed", type=int, default=0, metavar="N", help="latent seed (default 0)")
    return sample


def run(args: argparse.Namespace, workspace: str | None) -> int:
    if not 1 <= args.count <= 1024:
        raise CLIError(f"-n {args.count}: the number of images must be in [1, 1024]")
    check_seed(args.seed)
    run = find_run(Workspace(workspace), args.run)
    require_generator(run, "sample")

    from PIL import Image

    from workbench.images import image_grid
    from workbench.runs.checkpoint_files import latest_checkpoint
    from workbench.training.checkpoints import load_checkpoint
    from workbench.training.session import TrainingSession

    files = latest_checkpoint(run.checkpoints_dir)
    if files is None:
        raise CLIError(f"run {run.id} has {run.missing_checkpoint_text()}; train it first")
    session = TrainingSession(run.config.replace("train", device="cpu", mixed_precision=False, compile=False))
    state = load_checkpoint(files)
    # The training-noise generator is irrelevant for sampling, and a CUDA generator's state does not fit a CPU one.
    if "noise_rng" in state.get("method", {}):
        state["method"]["noise_rng"] = session.method.noise.get_state()
    session.load_state_dict(state)
    samples = session.method.sample(args.count, seed=args.seed)
    if samples.ndim == 5:  # voxel grids: rendered thumbnails, as in the live view
        from workbench.data.voxel_render import thumbnail_grid

        grid = thumbnail_grid(samples)
    else:
        grid = image_grid(samples)
    out = Path(args.output or f"{run.id}-step{files.step}.png").expanduser()
    out.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(grid).save(out)
    print(f"{out}: {args.count} samples from {run.id} at step {files.step} (seed {args.seed})")
    return 0

"""`workbench latent RUN interpolate|traverse|arithmetic`: the latent explorer's file-producing tools, headless.

    workbench latent RUN interpolate --seeds 3 9 [12 ...] --steps 10 --mode slerp --out s.png --gif a.gif --mp4 a.mp4
    workbench latent RUN traverse --seed 3 --k 3 --columns 9 --order kl|variance|index --rows 6 --out grid.png
    workbench latent RUN arithmetic --a 1 2 --b 3 --c 4 --out analogy.png            (seeds per term, averaged)
    workbench latent RUN arithmetic --source-class 3 --target-class 8 --out moved.png  (labelled data, encoder)

Codes come from prior seeds, or with --encode from dataset images (the numbers are then dataset indices; models
with an encoder). The model is the run's latest checkpoint, on the CPU, through `LatentSpace.from_run`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from workbench.cli.common import find_run, reported
from workbench.runs import Workspace

ACTIONS = ("interpolate", "traverse", "arithmetic")
MAX_IMAGES = 4096  # one command's decode budget: a 64×64 grid of 64 px images is already a 4096 px square


def add_parser(sub: Any, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The `latent` sub-command and its three tools, added to `workbench`'s sub-parsers."""
    latent = sub.add_parser("latent", parents=[common], help="interpolations, traversals and latent arithmetic "
                            "from a run's latest checkpoint, written as PNG/GIF/MP4",
                            description="Explore a trained model's latent space headless and write the results "
                                        "to files. Codes are prior samples chosen by seed, or with --encode "
                                        "dataset images chosen by index (models with an encoder).")
    latent.add_argument("run", metavar="RUN", help="run id, unique id prefix or folder")
    tools = latent.add_subparsers(dest="latent_action", metavar="TOOL", required=True)

    source = argparse.ArgumentParser(add_help=False)
    codes = source.add_argument_group("codes")
    codes.add_argument("--encode", action="store_true", help="the numbers are dataset image indices, encoded by "
                       "the model (models with an encoder) instead of prior seeds")
    codes.add_argument("--label", type=int, metavar="CLASS", help="class index for conditional models (default 0)")

    interp = tools.add_parser("interpolate", parents=[common, source], help="a path through 2+ codes",
                              description="Decode a path through two or more codes: a PNG strip, and optionally "
                                          "a GIF and an MP4 animation.")
    interp.add_argument("--seeds", type=int, nargs="+", required=True, metavar="N",
                        help="2 or more seeds (or dataset indices with --encode) the path goes through, in order")
    interp.add_argument("--steps", type=int, default=10, metavar="N",
                        help="images per segment, both ends included (default 10)")
    interp.add_argument("--mode", choices=("slerp", "lerp"), default="slerp",
                        help="spherical (keeps the norm of prior samples; default) or linear")
    _outputs(interp, "interpolation")
    interp.add_argument("--gif", metavar="GIF", help="also write the path as an animated GIF")
    interp.add_argument("--mp4", metavar="MP4", help="also write the path as an H.264 MP4")
    interp.add_argument("--fps", type=float, default=10.0, metavar="F", help="animation frames per second (10)")
    interp.add_argument("--bounce", action="store_true", help="animations play forward then back")

    trav = tools.add_parser("traverse", parents=[common, source], help="rows of latent dimensions from −k to +k",
                            description="A grid around one code: one row per latent dimension, columns moving "
                                        "that dimension from −k to +k. Rows are ordered by KL (VAEs: the "
                                        "dimensions the model uses come first), by the variance of encoded "
                                        "codes, or by index.")
    trav.add_argument("--seed", type=int, default=0, metavar="N",
                      help="the center code's seed (or dataset index with --encode; default 0)")
    trav.add_argument("--k", type=float, default=3.0, metavar="K", help="range of each row: −k..+k (default 3)")
    trav.add_argument("--columns", type=int, default=9, metavar="N", help="values per row (default 9)")
    trav.add_argument("--rows", type=int, metavar="N", help="how many dimensions to show (default: all, at most 10)")
    trav.add_argument("--order", choices=("auto", "kl", "variance", "index"), default="auto",
                      help="row order: kl (VAEs), variance of encoded dataset codes (encoders), index; auto picks "
                           "the first that fits the model")
    trav.add_argument("--sample", type=int, default=500, metavar="N",
                      help="dataset images used to measure KL or variance (default 500)")
    _outputs(trav, "traversal")

    arith = tools.add_parser("arithmetic", parents=[common, source], help="A − B + C, or class arithmetic",
                             description="Latent arithmetic. With --a/--b/--c: the analogy A − B + C, each term the "
                                         "mean of its codes; writes A, B, C and the result in a row. With "
                                         "--source-class/--target-class (labelled data, models with an encoder): "
                                         "codes moved by mean(target) − mean(source); writes the images, their "
                                         "reconstructions and the moved codes, one row each.")
    arith.add_argument("--a", type=int, nargs="+", metavar="N", help="seeds (or indices) averaged into term A")
    arith.add_argument("--b", type=int, nargs="+", metavar="N", help="seeds (or indices) averaged into term B")
    arith.add_argument("--c", type=int, nargs="+", metavar="N", help="seeds (or indices) averaged into term C")
    arith.add_argument("--source-class", type=int, metavar="K", help="class arithmetic: from this class...")
    arith.add_argument("--target-class", type=int, metavar="K", help="...to this one")
    arith.add_argument("--indices", type=int, nargs="+", metavar="I", help="class arithmetic: the dataset images "
                       "to move (default: the first 8 of the source class)")
    arith.add_argument("--sample", type=int, default=1000, metavar="N",
                       help="class arithmetic: dataset images averaged into the class means (default 1000)")
    _outputs(arith, "arithmetic")
    return latent


def _outputs(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("-o", "--out", metavar="PNG", help=f"the PNG to write (default <run>-{what}.png here)")
    parser.add_argument("--scale", type=int, default=1, metavar="N", help="enlarge the PNG N× (nearest; default 1)")


# ---- the command ------------------------------------------------------------------------------------------------
def run(args: argparse.Namespace, workspace: str | None) -> int:
    """Run one latent tool; LatentError (a user's problem) is reported like the CLI's other errors."""
    from workbench.latent.errors import LatentError

    run = find_run(Workspace(workspace), args.run)
    with reported(LatentError):
        _check_numbers(args)
        from workbench.latent.model import LatentSpace

        space = LatentSpace.from_run(run)
        tool = {"interpolate": _interpolate, "traverse": _traverse, "arithmetic": _arithmetic}[args.latent_action]
        return tool(space, args)


def _check_numbers(args: argparse.Namespace) -> None:
    from workbench.latent.errors import LatentError

    if getattr(args, "scale", 1) < 1 or args.scale > 16:
        raise LatentError(f"--scale {args.scale}: must be in [1, 16]")
    if args.latent_action == "interpolate":
        if len(args.seeds) < 2:
            raise LatentError("--seeds: an interpolation needs at least 2 codes")
        if not 2 <= args.steps <= 256:
            raise LatentError(f"--steps {args.steps}: must be in [2, 256] (images per segment, both ends included)")
        if not 0 < args.fps <= 120:
            raise LatentError(f"--fps {args.fps}: must be in (0, 120]")
    elif args.latent_action == "traverse":
        if not 1 <= args.columns <= 64:
            raise LatentError(f"--columns {args.columns}: must be in [1, 64]")
        if args.rows is not None and not 1 <= args.rows <= 512:
            raise LatentError(f"--rows {args.rows}: must be in [1, 512]")
        if not 0 <= args.k <= 100:
            raise LatentError(f"--k {args.k}: must be in [0, 100]")
        if not 2 <= args.sample <= 100_000:
            raise LatentError(f"--sample {args.sample}: must be in [2, 100000]")
    elif not 1 <= args.sample <= 100_000:
        raise LatentError(f"--sample {args.sample}: must be in [1, 100000]")


def _out(args: argparse.Namespace, space: Any, what: str) -> Path:
    return Path(args.out or f"{space.run.id}-{what}.png").expanduser()


def _say_where(space: Any) -> str:
    step = space.run.latest_checkpoint_step() if space.run is not None else None
    return f"{space.run.id}" + (f" at step {step}" if step is not None else "")


def _dataset_images(space: Any, indices: list[int]) -> tuple[Any, Any]:
    """Dataset images and labels by index; LatentError for an index out of range."""
    import torch

    from workbench.latent.errors import LatentError

    dataset = space.dataset()
    bad = [i for i in indices if not 0 <= i < len(dataset)]
    if bad:
        raise LatentError(f"dataset index {bad[0]} is out of range: {space.data_config.name} has {len(dataset)} "
                          f"images (0–{len(dataset) - 1})")
    return dataset.get_batch(torch.tensor(indices, dtype=torch.long))


def _codes(space: Any, numbers: list[int], encode: bool, label: int | None) -> Any:
    """Codes (N, D) for seeds, or for dataset images by index when `encode`."""
    import torch

    from workbench.latent.errors import LatentError

    if encode:
        if not space.has_encoder:
            raise LatentError(f"--encode: {space.method_name} has no encoder; give prior seeds instead")
        images, labels = _dataset_images(space, numbers)
        if space.conditional:
            return space.encode(images, labels if label is None else label)
        return space.encode(images)
    bad = [s for s in numbers if s < 0]
    if bad:
        raise LatentError(f"seed {bad[0]}: seeds are whole numbers ≥ 0")
    return torch.cat([space.prior(1, seed=s) for s in numbers])


def _label(space: Any, args: argparse.Namespace) -> int | None:
    from workbench.latent.errors import LatentError

    if args.label is None:
        return None
    if not space.conditional:
        raise LatentError(f"--label: {space.method_name} is not conditional; it has no classes to choose from")
    if not 0 <= args.label < len(space.classes):
        raise LatentError(f"--label {args.label}: classes are 0–{len(space.classes) - 1} "
                          f"({', '.join(space.classes)})")
    return args.label


def _decode(space: Any, codes: Any, label: int | None) -> Any:
    """Decode in chunks (bounded memory for long paths and big grids)."""
    import torch

    return torch.cat([space.decode(chunk, label) for chunk in codes.split(256)])


# ---- interpolate ------------------------------------------------------------------------------------------------
def _interpolate(space: Any, args: argparse.Namespace) -> int:
    from workbench.latent import interpolation_path
    from workbench.latent.export import save_gif, save_mp4, save_png_strip

    label = _label(space, args)
    codes = _codes(space, args.seeds, args.encode, label)
    path = interpolation_path(list(codes), steps=args.steps, mode=args.mode)
    images = _decode(space, path, label)
    what = f"{len(path)} images along a {args.mode} path through {'indices' if args.encode else 'seeds'} " \
           f"{' '.join(map(str, args.seeds))} of {_say_where(space)}"
    written = []
    if args.out or not (args.gif or args.mp4):
        written.append(save_png_strip(images, _out(args, space, "interpolation"), scale=args.scale))
    if args.gif:
        written.append(save_gif(images, args.gif, fps=args.fps, bounce=args.bounce))
    if args.mp4:
        written.append(save_mp4(images, args.mp4, fps=args.fps, bounce=args.bounce))
    for file in written:
        print(f"{file}: {what}")
    return 0


# ---- traverse ---------------------------------------------------------------------------------------------------
def _traverse(space: Any, args: argparse.Namespace) -> int:
    import numpy as np
    import torch

    from workbench.latent import (
        dimension_directions,
        dimension_order,
        kl_per_dimension,
        traversal_codes,
        variance_per_dimension,
    )
    from workbench.latent.errors import LatentError
    from workbench.latent.export import save_png_strip

    label = _label(space, args)
    order = args.order
    if order == "auto":
        order = "kl" if space.is_vae else "variance" if space.has_encoder else "index"
    if order == "kl" and not space.is_vae:
        raise LatentError(f"--order kl: {space.method_name} is not a VAE (no posterior); use --order "
                          f"{'variance' if space.has_encoder else 'index'}")
    if order == "variance" and not space.has_encoder:
        raise LatentError(f"--order variance: {space.method_name} has no encoder to measure the variance of "
                          f"real images' codes with; use --order index")
    scores: np.ndarray | None = None
    if order in ("kl", "variance"):
        dataset = space.dataset()
        n = min(args.sample, len(dataset))
        indices = torch.randperm(len(dataset), generator=torch.Generator().manual_seed(0))[:n]
        images, labels = dataset.get_batch(indices)
        chunks = zip(images.split(256), labels.split(256), strict=True)
        if order == "kl":
            pairs = [space.posterior(x, y if space.conditional else None) for x, y in chunks]
            scores = kl_per_dimension(torch.cat([p[0] for p in pairs]), torch.cat([p[1] for p in pairs]))
        else:
            codes = [space.encode(x, y) if space.conditional else space.encode(x) for x, y in chunks]
            scores = variance_per_dimension(torch.cat(codes))
        dims = dimension_order(scores)
    else:
        dims = np.arange(space.latent_dim)
    rows = min(args.rows or min(space.latent_dim, 10), space.latent_dim)
    if rows * args.columns > MAX_IMAGES:
        raise LatentError(f"{rows} rows × {args.columns} columns is more than {MAX_IMAGES} images")
    dims = dims[:rows]
    center = _codes(space, [args.seed], args.encode, label)[0]
    codes = traversal_codes(center, dimension_directions(dims, space.latent_dim), k=args.k, columns=args.columns)
    images = _decode(space, codes, label)
    out = save_png_strip(images, _out(args, space, "traversal"), nrow=args.columns, scale=args.scale)
    described = ", ".join(f"{d} ({scores[d]:.3g})" if scores is not None else str(d) for d in dims)
    unit = {"kl": "KL in nats", "variance": "variance"}.get(order)
    print(f"{out}: traversal of {_say_where(space)} around {'index' if args.encode else 'seed'} {args.seed}, "
          f"{rows} rows × {args.columns} values in [−{args.k:g}, {args.k:g}]")
    print(f"rows: dimensions {described}" + (f" ({unit})" if unit else "") + f", ordered by {order}")
    return 0


# ---- arithmetic -------------------------------------------------------------------------------------------------
def _arithmetic(space: Any, args: argparse.Namespace) -> int:
    from workbench.latent.errors import LatentError

    terms = (args.a, args.b, args.c)
    classes = (args.source_class, args.target_class)
    if any(t is not None for t in terms) and any(c is not None for c in classes):
        raise LatentError("give either --a/--b/--c (an analogy) or --source-class/--target-class, not both")
    if any(c is not None for c in classes):
        if None in classes:
            raise LatentError("class arithmetic needs both --source-class and --target-class")
        return _class_arithmetic(space, args)
    if None in terms:
        missing = [name for name, t in zip(("--a", "--b", "--c"), terms, strict=True) if t is None]
        raise LatentError(f"arithmetic needs --a, --b and --c (missing {', '.join(missing)}), or "
                          f"--source-class and --target-class")
    return _analogy(space, args)


def _analogy(space: Any, args: argparse.Namespace) -> int:
    from workbench.latent import analogy, analogy_grid_codes
    from workbench.latent.export import save_png_strip

    label = _label(space, args)
    result = analogy(*(list(_codes(space, t, args.encode, label)) for t in (args.a, args.b, args.c)))
    images = _decode(space, analogy_grid_codes(result), label)
    out = save_png_strip(images, _out(args, space, "arithmetic"), nrow=4, scale=args.scale)
    kind = "indices" if args.encode else "seeds"
    print(f"{out}: A − B + C from {_say_where(space)}: A = mean of {kind} {' '.join(map(str, args.a))}, "
          f"B = {' '.join(map(str, args.b))}, C = {' '.join(map(str, args.c))}; images A, B, C, result")
    return 0


def _class_arithmetic(space: Any, args: argparse.Namespace) -> int:
    import torch

    from workbench.latent import class_arithmetic, class_means
    from workbench.latent.errors import LatentError
    from workbench.latent.export import save_png_strip

    if args.label is not None:
        raise LatentError("--label does not apply to class arithmetic: the classes come from the dataset's labels")
    if args.encode:
        raise LatentError("class arithmetic always encodes dataset images; --encode is not needed")
    if not space.has_encoder:
        raise LatentError(f"class arithmetic averages encoded images: {space.method_name} has no encoder")
    dataset = space.dataset()
    names = tuple(getattr(dataset.info, "class_names", ()) or ())
    if len(names) < 2:
        raise LatentError(f"class arithmetic needs labelled data: {space.data_config.name} has no classes")
    for flag, k in (("--source-class", args.source_class), ("--target-class", args.target_class)):
        if not 0 <= k < len(names):
            raise LatentError(f"{flag} {k}: classes of {space.data_config.name} are 0–{len(names) - 1} "
                              f"({', '.join(names)})")
    n = min(args.sample, len(dataset))
    sample = torch.randperm(len(dataset), generator=torch.Generator().manual_seed(0))[:n]
    images, labels = dataset.get_batch(sample)
    encode = (lambda x, y: space.encode(x, y)) if space.conditional else (lambda x, y: space.encode(x))
    codes = torch.cat([encode(x, y) for x, y in zip(images.split(256), labels.split(256), strict=True)])
    means = class_means(codes, labels)
    if args.indices:
        chosen = list(args.indices)
    else:
        chosen = sample[labels == args.source_class][:8].sort().values.tolist()
        if not chosen:
            raise LatentError(f"no images of class {args.source_class} among {n} sampled; raise --sample")
    originals, original_labels = _dataset_images(space, chosen)
    own = encode(originals, original_labels)
    moved = torch.stack([class_arithmetic(z, means, args.source_class, args.target_class) for z in own])
    source = original_labels if space.conditional else None
    target = torch.full_like(original_labels, args.target_class) if space.conditional else None
    rows = torch.cat([originals, space.decode(own, source), space.decode(moved, target)])
    out = save_png_strip(rows, _out(args, space, "arithmetic"), nrow=len(chosen), scale=args.scale)
    print(f"{out}: {len(chosen)} images of {_say_where(space)} moved from class {args.source_class} "
          f"({names[args.source_class]}) to {args.target_class} ({names[args.target_class]}) by the difference of "
          f"their mean codes over {n} images; rows: images, reconstructions, moved")
    print(f"dataset indices: {' '.join(map(str, chosen))}")
    return 0

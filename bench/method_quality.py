"""Quality of every registered method after a fixed CPU-time budget of training with its default settings.

Each method trains on its built-in dataset (digits 32×32 for image methods, gaussians2d-ring for toy_gan) with
a bare loop of `train_step`s until this process has used `--seconds` of CPU time (time.process_time, so other
processes on a busy machine do not shorten the training; with --threads 2 that is about seconds/2 of wall time
on an idle machine), then is scored with the metric that fits it, against the same method at initialisation:

- generators (dcgan, gan, infogan, progan, vae, beta_tcvae, aae): FID and KID [digits-cnn] of --n samples
  against the 1,797 real digits. Bar: FID at most half the initial FID ("beats its initialisation by a wide
  margin");
- conditional_gan, conditional_vae: the same, plus the accuracy of the digits classifier on samples of a
  requested class (--n samples, classes 0..9 in turn). Bar (conditional_gan): ≥ 90%; for conditional_vae the
  accuracy is reported, its bar is the FID one;
- autoencoders (autoencoder, denoising_autoencoder, sparse_autoencoder): reconstruction MSE (pixels in [-1, 1])
  and PSNR on 500 fixed digits; no bar;
- label map → image (spade, and pix2pix on the same data): trained on labels2scenes, scored by a segmenter
  trained on the real scenes (mIoU, pixel accuracy of its reading of the translations against the input maps;
  see bench/semantic_rows.py); no bar, the two rows are the contrast;
- toy_gan, once per loss (non_saturating, wgan_gp, minimax): modes of the 8-Gaussian ring covered by 1,000
  samples (`points_mode_coverage`: within 3 std of a centre). Bar: ≥ 7 of 8 for non_saturating and wgan_gp;
  minimax is run for contrast, without a bar.

    .venv/bin/python bench/method_quality.py [--seconds 120] [--methods toy_gan,dcgan] [--threads 2]
                                             [--n 2000] [--workspace DIR]

Prints one Markdown table row per method as it finishes, then the machine's load.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cpu_budget import train_for  # noqa: E402 - bench/, next to this script
from semantic_rows import SEMANTIC_METHODS, bench_semantic, semantic_context  # noqa: E402

TOY_LOSSES = ("non_saturating", "wgan_gp", "minimax")
CONDITIONAL = ("conditional_gan", "conditional_vae", "sagan")
AUTOENCODERS = ("autoencoder", "denoising_autoencoder", "sparse_autoencoder")
FID_BAR_RATIO = 0.5
ACCURACY_BAR = 0.90
MODES_BAR = 7


@dataclass
class Row:
    name: str
    steps: int
    cpu_s: float
    wall_s: float
    metric: str
    bar: str

    def markdown(self) -> str:
        return (f"| {self.name} | {self.steps} | {self.cpu_s:.0f} / {self.wall_s:.0f} | {self.metric} | "
                f"{self.bar} |")


def load_average() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def make_session(method: str, dataset: str, **settings: Any):  # noqa: ANN201
    from workbench.config import DataConfig, RunConfig, TrainConfig
    from workbench.methods.registry import method_settings_class
    from workbench.training.session import TrainingSession

    data = DataConfig(name=dataset, image_size=32, channels=1)
    cfg = RunConfig(method_settings_class(method)(**settings), data, TrainConfig(steps=10**8, seed=0))
    return TrainingSession(cfg)


def fid_kid(method: Any, reference: Any, extractor: Any, n: int) -> tuple[float, float]:
    from workbench.metrics.evaluate import evaluate_generator

    scores = evaluate_generator(lambda count, seed: method.sample(count, seed=seed), reference, extractor, n=n,
                                seed=123, kid_subsets=50, kid_subset_size=min(1000, n, reference.count))
    fid = next(v for k, v in scores.items() if k.startswith("FID ["))
    kid = next(v for k, v in scores.items() if k.startswith("KID ["))
    return fid, kid


def class_accuracy(method: Any, extractor: Any, n: int) -> float:
    import torch

    correct = 0
    for start in range(0, n, 250):
        labels = torch.arange(start, min(start + 250, n)) % extractor.num_classes
        images = method.sample(labels.numel(), seed=7_000 + start, labels=labels)
        correct += int((extractor.predict(images) == labels).sum())
    return correct / n


def reconstruction(method: Any, images: Any) -> tuple[float, float]:
    import math

    out = method.decode(method.encode(images))
    mse = float(((out - images) ** 2).mean())
    return mse, 10 * math.log10(4.0 / mse)


def bench_toy(loss: str, seconds: float) -> Row:
    session = make_session("toy_gan", "gaussians2d-ring", loss=loss)
    before = session.method.coverage()
    steps, cpu, wall = train_for(session, seconds)
    after = session.method.coverage()
    metric = (f"modes covered {after['modes_covered']:.0f} of 8 (init {before['modes_covered']:.0f}), "
              f"high-quality {after['high_quality_fraction']:.0%} [1k samples, ≤ 3 std]")
    if loss == "minimax":
        bar = "— (contrast)"
    else:
        bar = f"≥ {MODES_BAR} of 8: {'pass' if after['modes_covered'] >= MODES_BAR else 'FAIL'}"
    return Row(f"toy_gan ({loss})", steps, cpu, wall, metric, bar)


def sampling_ms(method: Any, n: int = 256) -> float:
    """Wall milliseconds per generated image in a batch of n, after one warm-up batch (this CPU, its threads)."""
    import time

    method.sample(n, seed=1)
    start = time.perf_counter()
    method.sample(n, seed=2)
    return (time.perf_counter() - start) * 1000 / n


def bench_images(name: str, seconds: float, ctx: dict[str, Any]) -> Row:
    import torch

    session = make_session(name, "digits")
    method, extractor, n = session.method, ctx["extractor"], ctx["n"]
    from workbench.metrics.evaluate import count_text

    label = f"[{extractor.name}, {count_text(n)}, {ctx['reference'].count} real]"
    if name in AUTOENCODERS:
        images = ctx["recon_images"]
        mse0, psnr0 = reconstruction(method, images)
        steps, cpu, wall = train_for(session, seconds)
        mse, psnr = reconstruction(method, images)
        metric = f"recon. MSE {mse:.4f} (init {mse0:.4f}), PSNR {psnr:.1f} dB (init {psnr0:.1f}) [500 digits]"
        return Row(name, steps, cpu, wall, metric, "— (no bar)")
    torch.manual_seed(0)
    fid0, kid0 = fid_kid(method, ctx["reference"], extractor, n)
    acc0 = class_accuracy(method, extractor, n) if name in CONDITIONAL else None
    steps, cpu, wall = train_for(session, seconds)
    fid, kid = fid_kid(method, ctx["reference"], extractor, n)
    metric = (f"FID {fid:.1f} (init {fid0:.1f}), KID {kid:.3f} (init {kid0:.3f}) {label}; sampling "
              f"{sampling_ms(method):.2f} ms/image")
    fid_ok = fid <= FID_BAR_RATIO * fid0
    bar = f"FID ≤ ½ init: {'pass' if fid_ok else 'FAIL'}"
    if acc0 is not None:
        acc = class_accuracy(method, extractor, n)
        metric += f"; class accuracy {acc:.1%} (init {acc0:.1%})"
        if name == "conditional_gan":
            bar += f"; accuracy ≥ 90%: {'pass' if acc >= ACCURACY_BAR else 'FAIL'}"
    return Row(name, steps, cpu, wall, metric, bar)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=120.0, help="CPU seconds of training per method")
    parser.add_argument("--methods", default="", help="comma-separated method names (default: every method)")
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads (1 on a busy machine)")
    parser.add_argument("--n", type=int, default=2000, help="generated samples per FID/KID/accuracy")
    parser.add_argument("--semantic-size", type=int, default=64, help="image size of the label-map rows")
    parser.add_argument("--workspace", default="", help="where the digits classifier is cached (default: temp)")
    args = parser.parse_args()

    import torch

    from workbench.config import DataConfig
    from workbench.data import build_dataset
    from workbench.methods.registry import available_methods, method_spec
    from workbench.metrics.evaluate import reference_features
    from workbench.metrics.feature_extractors import dataset_classifier

    torch.set_num_threads(args.threads)
    names = [s.strip() for s in args.methods.split(",") if s.strip()] or \
        [s.name for s in available_methods() if "images" in s.data_kinds or "points" in s.data_kinds] + ["spade"]
    for name in names:
        method_spec(name)  # an unknown name fails here, listing the valid ones
    load_start = load_average()
    print(f"machine: {os.cpu_count()} cores, load average {load_start:.2f} at start, torch threads "
          f"{torch.get_num_threads()}, budget {args.seconds:g} CPU s per method", flush=True)

    ctx: dict[str, Any] = {"n": args.n}
    if any(name in SEMANTIC_METHODS for name in names):
        ctx["semantic"] = semantic_context(args.semantic_size)
        print(f"segmenter {ctx['semantic']['segmenter'].name}: held-out "
              f"{ctx['semantic']['segmenter'].test_scores.text()}", flush=True)
    if any(name != "toy_gan" and name not in SEMANTIC_METHODS for name in names):
        digits = build_dataset(DataConfig(name="digits", image_size=32, channels=1))
        folder = Path(args.workspace) if args.workspace else Path(tempfile.mkdtemp(prefix="method-quality-"))
        ctx["extractor"] = dataset_classifier(digits, folder)
        ctx["reference"] = reference_features(digits, ctx["extractor"], n=len(digits))
        ctx["recon_images"] = digits.get_batch(torch.arange(500))[0]
        print(f"extractor {ctx['extractor'].name}: held-out accuracy {ctx['extractor'].test_accuracy:.1%}",
              flush=True)

    print("\n| method | steps | CPU / wall s | metric | bar |\n|---|---|---|---|---|", flush=True)
    for name in names:
        if name == "toy_gan":
            for loss in TOY_LOSSES:
                print(bench_toy(loss, args.seconds).markdown(), flush=True)
        elif name in SEMANTIC_METHODS:
            print(bench_semantic(name, args.seconds, ctx["semantic"], Row).markdown(), flush=True)
        else:
            print(bench_images(name, args.seconds, ctx).markdown(), flush=True)
    print(f"\nload average {load_start:.2f} at start, {load_average():.2f} at end ({os.cpu_count()} cores; other "
          "processes shared them)", flush=True)


if __name__ == "__main__":
    main()

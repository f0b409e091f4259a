"""Quality of a 3D-GAN (gan3d) on voxels3d after a fixed CPU budget, next to real shapes for reference.

A gan3d run trains on voxels3d through the app's own runner (`workbench.training.runner.run_training`, stored in
a workspace with its metrics and a checkpoint) until this process has used `--seconds` of CPU time
(time.process_time, counted from the first training step, so the first sample render and other processes on a
busy machine do not shorten it; with --threads 2 that is about seconds/2 of wall time on an idle machine). The
app's gan3d settings are kept except what a CPU needs: a smaller D (--d-channels; G is the app's 32) and batch
(--batch-size); the set-up line prints every setting used. --run scores an existing run instead.

Then `--samples` grids from the run's prior (seeded) are scored, and so are real shapes, with the same figures:

- class coverage, judged by the voxels3d classifier of `workbench.voxels.classifier` (a small 3-D CNN trained
  in the app on the training split and cached in the workspace; its held-out accuracy on the test split is
  printed with it): shapes per class, classes covered (≥ 1% of the shapes), normalised entropy of the class
  histogram (1 = all seven classes equally often);
- mean IoU of each shape (thresholded at 0.5) to its nearest training shape out of the 2,000 (1 = a copy of a
  training shape; real held-out shapes show what "new but plausible" scores), computed with a vectorised
  bit-count IoU and checked against `VoxelModel.nearest_training_shapes` on a few samples (both timed);
- the classifier's mean confidence (top class probability): shapes unlike every class get low confidence, and
  then their class counts say little;
- empty grids (no voxel ≥ 0.5), which no class fits.

Real references: the voxels3d test split (all 200 held-out shapes; the split has no more) and `--samples` fresh
shapes drawn from the same procedural generator with a seed neither split uses (same distribution, none of them
in the training set). Also printed: the run's steps and the fraction of steps in which D was updated (the
3D-GAN rule: only while D's batch accuracy is below 80%), from its `d_updated` / `d_updates_skipped` scalars.

    .venv/bin/python bench/voxel_quality.py [--seconds 600] [--side 32] [--batch-size 32] [--g-channels 32]
        [--d-channels 16] [--latent-dim 200] [--samples 1000] [--threads 1] [--seed 0] [--workspace DIR]
        [--run RUN_ID_OR_PATH]

Prints the set-up, a Markdown table (one row per set of shapes), what each number is, then the machine's load.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DATASET = "voxels3d"
THRESHOLD = 0.5  # occupancy ≥ 0.5 is a voxel, as the Voxels tab and VoxelModel's IoU count it
DECODE_BATCH = 100
QUERY_BYTES = 32 << 20  # temporary memory of one block of the vectorised IoU
CHECKED_SAMPLES = 20  # samples also searched with VoxelModel.nearest_training_shapes (timed, compared)
FRESH_SEED = 20_777  # fresh voxels3d shapes: not the training (20240) or test (20241) seeds


def load_average() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


# --------------------------------------------------------------------------------------------------------------
# Nearest training shape by IoU, vectorised over bit-packed grids


def pack(grids: np.ndarray, threshold: float = THRESHOLD) -> tuple[np.ndarray, np.ndarray]:
    """N×D×H×W occupancy → (N×W uint64 bits of occupancy ≥ threshold, N occupied-voxel counts)."""
    flat = np.asarray(grids).reshape(len(grids), -1) >= threshold
    return bits_as_words(np.packbits(flat, axis=1)), flat.sum(axis=1, dtype=np.int64)


def bits_as_words(packed: np.ndarray) -> np.ndarray:
    """uint8 packed rows → uint64 words (zero-padded to whole words): 8× fewer elements to AND and count."""
    pad = (-packed.shape[1]) % 8
    if pad:
        packed = np.pad(packed, ((0, 0), (0, pad)))
    return np.ascontiguousarray(packed).view(np.uint64)


def training_bank(dataset: Any) -> tuple[np.ndarray, np.ndarray]:
    """Every training shape as uint64 words and voxel counts (the dataset's own packed bits when it keeps them)."""
    packed = getattr(dataset, "packed", None)
    side = dataset.info.image_size
    if isinstance(packed, np.ndarray) and packed.dtype == np.uint8 and packed.shape[1] == (side**3 + 7) // 8:
        words = bits_as_words(packed)
        return words, np.bitwise_count(words).sum(axis=1, dtype=np.int64)
    import torch

    parts = []
    for start in range(0, len(dataset), DECODE_BATCH):
        grids = dataset.get_batch(torch.arange(start, min(len(dataset), start + DECODE_BATCH)))[0]
        parts.append(pack(np.asarray(grids)[:, 0]))
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def nearest_iou(words: np.ndarray, counts: np.ndarray, bank: tuple[np.ndarray, np.ndarray]
                ) -> tuple[np.ndarray, np.ndarray]:
    """(best IoU, index of the best training shape, ties to the lower index) of each packed query.

    Two empty grids count as identical (IoU 1), as in VoxelModel.nearest_training_shapes.
    """
    bank_words, bank_counts = bank
    block = max(1, QUERY_BYTES // max(1, bank_words.nbytes))
    best = np.empty(len(words)), np.empty(len(words), dtype=np.int64)
    for start in range(0, len(words), block):
        query = words[start:start + block]
        inter = np.bitwise_count(query[:, None, :] & bank_words[None]).sum(axis=2, dtype=np.int64)
        union = counts[start:start + block, None] + bank_counts[None] - inter
        iou = np.where(union > 0, inter / np.maximum(union, 1), 1.0)
        index = iou.argmax(axis=1)  # the first maximum: the lower index on ties
        best[0][start:start + block] = iou[np.arange(len(query)), index]
        best[1][start:start + block] = index
    return best


# --------------------------------------------------------------------------------------------------------------
# Scores of a set of shapes


@dataclass
class SetScores:
    """Class coverage and nearest-training IoU of one set of shapes."""

    label: str
    n: int
    coverage: dict[str, Any]
    mean_iou: float
    median_iou: float
    empty: int
    confidence: float  # mean of the classifier's top softmax probability: low for shapes it finds unlike any class
    iou_seconds: float  # CPU seconds of the vectorised IoU search over the whole set


def score_grids(label: str, chunks: Any, classifier: Any, bank: tuple[np.ndarray, np.ndarray]) -> SetScores:
    """Classify and IoU-search shapes given as an iterable of float N×D×H×W chunks (kept packed, not whole)."""
    from workbench.voxels.classifier import class_coverage

    probabilities, words, counts = [], [], []
    for grids in chunks:
        probabilities.append(classifier.probabilities(grids, threshold=THRESHOLD))
        w, c = pack(grids)
        words.append(w)
        counts.append(c)
    all_words, all_counts = np.concatenate(words), np.concatenate(counts)
    c0 = time.process_time()
    ious, _index = nearest_iou(all_words, all_counts, bank)
    seconds = time.process_time() - c0
    probs = np.concatenate(probabilities)
    coverage = class_coverage(probs.argmax(axis=1), classifier.num_classes)
    return SetScores(label, len(all_counts), coverage, float(ious.mean()), float(np.median(ious)),
                     int((all_counts == 0).sum()), float(probs.max(axis=1).mean()), seconds)


@dataclass
class RunScores:
    """A run's samples scored, its training figures, and the cross-check against VoxelModel."""

    samples: SetScores
    steps: int
    d_update_fraction: float  # steps that updated D / steps, over the whole run
    d_update_fraction_last: float  # the same over the last 10% of the steps
    d_updates_skipped: int
    checked: int  # samples also searched with VoxelModel.nearest_training_shapes
    max_iou_difference: float  # largest |IoU difference| between the two searches on those samples
    model_seconds_each: float  # CPU seconds per sample of VoxelModel.nearest_training_shapes


def d_update_figures(run: Any) -> tuple[int, float, float, int]:
    """(steps recorded, fraction of steps that updated D, the same over the last 10%, D updates skipped)."""
    scalars = run.metrics_reader().read_new_scalars()
    updated = scalars.get("d_updated")
    if updated is None or not len(updated):
        return 0, float("nan"), float("nan"), 0
    order = np.argsort(updated[:, 0], kind="stable")
    values = updated[order, 2]
    tail = values[-max(1, len(values) // 10):]
    skipped = scalars.get("d_updates_skipped")
    last_skipped = int(skipped[np.argmax(skipped[:, 0]), 2]) if skipped is not None and len(skipped) else 0
    return int(updated[:, 0].max()), float(values.mean()), float(tail.mean()), last_skipped


def score_run(run: Any, classifier: Any, samples: int, seed: int = 0,
              checked: int = CHECKED_SAMPLES) -> RunScores:
    """Score `samples` seeded grids from a voxels3d gan3d run (latest checkpoint) with `classifier`."""
    from workbench.data.voxels3d import load_voxels3d
    from workbench.voxels.model import VoxelModel

    model = VoxelModel.from_run(run)
    if model.dataset_name != DATASET or model.resolution != classifier.side:
        raise SystemExit(f"run {run.id} is trained on {model.dataset_name} {model.resolution}³; this benchmark "
                         f"scores {DATASET} runs with the {classifier.side}³ classifier")
    bank = training_bank(load_voxels3d(model.resolution, "train"))
    z = model.prior(samples, seed=seed)
    first: list[np.ndarray] = []

    def chunks() -> Any:
        for start in range(0, samples, DECODE_BATCH):
            grids = model.decode(z[start:start + DECODE_BATCH])
            if not first:
                first.append(grids[:checked])
            yield grids

    scores = score_grids(f"{model.method_name} samples (prior, seed {seed})", chunks(), classifier, bank)
    # Cross-check on a few samples: the viewer's own search gives the same IoU (and shows what it costs).
    check = first[0] if first else np.empty((0,) + (model.resolution,) * 3, np.float32)
    c0 = time.process_time()
    model_ious = [model.nearest_training_shapes(grid, k=1)[0][1] for grid in check]
    model_seconds = (time.process_time() - c0) / max(1, len(check))
    mine = nearest_iou(*pack(check), bank)[0] if len(check) else np.empty(0)
    difference = float(np.abs(np.asarray(model_ious) - mine).max()) if len(check) else 0.0
    steps, fraction, fraction_last, skipped = d_update_figures(run)
    return RunScores(scores, steps or int(model.step or 0), fraction, fraction_last, skipped, len(check),
                     difference, model_seconds)


def fresh_shapes(n: int, side: int, seed: int = FRESH_SEED) -> Any:
    """n new voxels3d shapes (classes in equal numbers, shuffled) from the same generator, in chunks."""
    from workbench.data.voxel_shapes import CLASS_NAMES, render_shapes, sample_params

    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % len(CLASS_NAMES))
    params = sample_params(labels, rng)
    for start in range(0, n, DECODE_BATCH):
        rows = slice(start, start + DECODE_BATCH)
        yield render_shapes(labels[rows], params[rows], side).astype(np.float32)


def split_chunks(dataset: Any) -> Any:
    import torch

    for start in range(0, len(dataset), DECODE_BATCH):
        yield dataset.get_batch(torch.arange(start, min(len(dataset), start + DECODE_BATCH)))[0][:, 0].numpy()


# --------------------------------------------------------------------------------------------------------------
# Training through the runner


def gan_settings(args: argparse.Namespace) -> Any:
    """The app's gan3d defaults, except the sizes a CPU budget needs."""
    from workbench.methods.gan3d import GAN3DSettings

    return GAN3DSettings(latent_dim=args.latent_dim, g_channels=args.g_channels, d_channels=args.d_channels)


def train_run(workspace: Any, args: argparse.Namespace) -> tuple[Any, int, float, float, dict[str, int]]:
    """A new gan3d run trained through run_training for `args.seconds` CPU s: (run, steps, CPU s, wall s, alerts)."""
    from workbench.config import DataConfig, RunConfig, TrainConfig
    from workbench.runs.events import AlertEvent, StepEvent
    from workbench.training.control import TrainingControl
    from workbench.training.runner import run_training

    config = RunConfig(
        gan_settings(args),
        DataConfig(name=DATASET, image_size=args.side, channels=1, batch_size=args.batch_size),
        # One sample grid at step 0 (what the untrained G makes), then none: rendering is not what is timed.
        TrainConfig(steps=100_000_000, seed=args.seed, sample_every=1_000_000, checkpoint_every=10_000_000,
                    sample_count=8))
    run = workspace.create_run(config, name=f"voxel-quality-{time.strftime('%Y%m%d-%H%M%S')}")
    control = TrainingControl()
    alerts: dict[str, int] = {}
    steps, started = 0, False
    c0, w0 = time.process_time(), time.perf_counter()
    for event in run_training(run, control):
        if isinstance(event, StepEvent):
            started, steps = True, event.step
            if time.process_time() - c0 >= args.seconds:
                control.stop()  # the loop then writes a checkpoint and ends the run as "stopped"
        elif not started:
            c0, w0 = time.process_time(), time.perf_counter()  # the clock starts after the step-0 samples
        if isinstance(event, AlertEvent):
            alerts[event.kind] = alerts.get(event.kind, 0) + 1
            if event.kind == "non_finite":
                print(f"alert at step {event.step}: {event.message}", flush=True)
                control.stop()
    return run, steps, time.process_time() - c0, time.perf_counter() - w0, alerts


# --------------------------------------------------------------------------------------------------------------
# Report


def table(rows: list[SetScores], class_names: tuple[str, ...]) -> str:
    head = ["shapes", "n", *class_names, "classes covered", "class entropy", "classifier confidence",
            "nearest-training IoU mean (median)", "empty"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [r.label, f"{r.n:,}", *(f"{c:,}" for c in r.coverage["counts"]),
                 f"{r.coverage['covered']} of {len(class_names)}", f"{r.coverage['entropy']:.3f}",
                 f"{r.confidence:.3f}", f"{r.mean_iou:.3f} ({r.median_iou:.3f})", f"{r.empty:,}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=600.0, help="CPU seconds of training (process time)")
    parser.add_argument("--side", type=int, default=32, help="grid side (16, 32 or 64)")
    parser.add_argument("--batch-size", type=int, default=32, help="grids per step (the paper: 100; app default 64)")
    parser.add_argument("--g-channels", type=int, default=32, help="G's last hidden feature maps (app default 32)")
    parser.add_argument("--d-channels", type=int, default=16, help="D's first feature maps (app default 32)")
    parser.add_argument("--latent-dim", type=int, default=200, help="size of z (app default and paper: 200)")
    parser.add_argument("--samples", type=int, default=1000, help="generated (and fresh real) shapes scored")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (1 on a busy machine)")
    parser.add_argument("--seed", type=int, default=0, help="training seed and the samples' prior seed")
    parser.add_argument("--workspace", default="", help="workspace for the run and the cached classifier "
                                                        "(default: a temporary folder; with --run: the app's)")
    parser.add_argument("--run", default="", help="score this existing voxels3d gan3d run (id or path) instead "
                                                  "of training one")
    args = parser.parse_args()

    import torch

    from workbench.data.voxels3d import check_voxel_size, load_voxels3d
    from workbench.runs import Workspace
    from workbench.voxels.classifier import COVERAGE_MIN_SHARE, load_or_train_voxel_classifier

    torch.set_num_threads(args.threads)
    load_start = load_average()
    if args.run:
        workspace = Workspace(args.workspace or None)
        run = workspace.run(args.run)
        args.side = int(run.config.data.image_size)
    else:
        workspace = Workspace(args.workspace or tempfile.mkdtemp(prefix="voxel-quality-"))
    check_voxel_size(args.side, DATASET)
    print(f"machine: {os.cpu_count()} cores, load average {load_start:.2f} at start (other processes share the "
          f"cores), torch threads {torch.get_num_threads()}; workspace {workspace.root}", flush=True)

    c0, w0 = time.process_time(), time.perf_counter()
    classifier = load_or_train_voxel_classifier(workspace.root, DATASET, args.side)
    how = ("loaded from the workspace" if classifier.origin == "loaded" else
           f"trained now: {classifier.record.train_steps} steps, {classifier.record.train_cpu_seconds:.0f} CPU s / "
           f"{classifier.record.train_wall_seconds:.0f} wall s")
    print(f"classifier: {classifier.describe()}, {how} ({time.process_time() - c0:.0f} CPU s / "
          f"{time.perf_counter() - w0:.0f} wall s in all)", flush=True)
    if classifier.replaced_because:
        print(f"  (a cached classifier was refused and retrained: {classifier.replaced_because})")

    if args.run:
        print(f"scoring existing run {run.id}: {run.config.method_name} on {run.config.data.name} "
              f"{args.side}³, settings {run.config.to_dict()['method']}", flush=True)
        training = ""
    else:
        settings = ", ".join(f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}"
                             for k, v in dataclasses.asdict(gan_settings(args)).items())
        print(f"training gan3d on {DATASET} {args.side}³ through run_training, batch {args.batch_size}, seed "
              f"{args.seed}, budget {args.seconds:g} CPU s; settings: {settings} (the app's defaults except "
              "latent_dim, g_channels and d_channels, which are this benchmark's options)", flush=True)
        run, steps, cpu, wall, alerts = train_run(workspace, args)
        alert_text = ", ".join(f"{k} ×{v}" for k, v in sorted(alerts.items())) or "none"
        training = (f"training: {steps:,} steps in {cpu:.0f} CPU s / {wall:.0f} wall s "
                    f"({steps / max(cpu, 1e-9):.2f} steps per CPU s); alerts: {alert_text}; run {run.id}")
        print(training, flush=True)

    c0, w0 = time.process_time(), time.perf_counter()
    scores = score_run(run, classifier, args.samples, seed=args.seed)
    score_cpu, score_wall = time.process_time() - c0, time.perf_counter() - w0
    bank = training_bank(load_voxels3d(args.side, "train"))
    test_split = load_voxels3d(args.side, "test")
    rows = [scores.samples,
            score_grids(f"real: {DATASET} test split (all held-out shapes)", split_chunks(test_split), classifier,
                        bank),
            score_grids(f"real: fresh {DATASET} shapes (seed {FRESH_SEED})", fresh_shapes(args.samples, args.side),
                        classifier, bank)]

    print()
    print(table(rows, classifier.class_names))
    print()
    print(f"- per-class columns and classes covered: shapes per class as labelled by the classifier "
          f"{classifier.describe()}; a class is covered when it gets ≥ {COVERAGE_MIN_SHARE:.0%} of the shapes; "
          "class entropy: entropy of that histogram divided by log(7) (1 = every class equally often, 0 = one class)")
    print("- classifier confidence: the classifier's top class probability, averaged; well below the real shapes' "
          "means the shapes look like none of the classes, and their class counts say little")
    print(f"- nearest-training IoU: for each shape (occupancy ≥ {THRESHOLD}) the best intersection-over-union with "
          f"any of the {len(bank[1]):,} training shapes, averaged (median in brackets); 1 = a copy of a training "
          "shape, an empty grid scores 0")
    print(f"- empty: shapes with no voxel ≥ {THRESHOLD}")
    print(f"- D-update fraction of run {run.id}: {scores.d_update_fraction:.3f} of {scores.steps:,} steps updated D "
          f"({scores.d_updates_skipped:,} updates skipped), {scores.d_update_fraction_last:.3f} over the last 10% "
          "of the steps [d_updated / d_updates_skipped scalars]")
    rows_iou = scores.samples
    print(f"- IoU search time: vectorised bit-count search {rows_iou.iou_seconds:.2f} CPU s for {rows_iou.n:,} × "
          f"{len(bank[1]):,} shapes; VoxelModel.nearest_training_shapes {scores.model_seconds_each * 1000:.0f} CPU ms "
          f"per shape (≈ {scores.model_seconds_each * rows_iou.n:.0f} CPU s for {rows_iou.n:,}); on "
          f"{scores.checked} samples the two agree to {scores.max_iou_difference:.1e}")
    print(f"- scoring the run's samples took {score_cpu:.0f} CPU s / {score_wall:.0f} wall s (decode, classify, "
          "IoU, cross-check)")
    if training:
        print(f"- {training}")
    print(f"\nload average {load_start:.2f} at start, {load_average():.2f} at end ({os.cpu_count()} cores shared with "
          f"other processes)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

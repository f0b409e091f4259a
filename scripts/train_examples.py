"""Train the example runs that ship in `workbench/models/`: one reproducible script, fixed seeds, built-in data.

Each example is trained in a staging workspace through the app's own runner (`run_training`, so its folder is a
normal run folder), timed (CPU seconds by time.process_time of this process, one torch thread), scored with the
same code as the README's benchmarks (bench/method_quality.py, bench/sr_quality.py, bench/voxel_quality.py,
`workbench.evaluation`), given a `card.toml`, and copied into `<out>/<name>/`; an old copy is replaced only once
the new one is complete.

    .venv/bin/python scripts/train_examples.py                       # every example, one after the other
    .venv/bin/python scripts/train_examples.py --only dcgan-digits,cgan-digits
    .venv/bin/python scripts/train_examples.py --list

--train-only / --finish-only split the two phases (the staging run is kept between them), so that a long training
can run in the background while the rest is prepared; the card records the training exactly as it was run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

DEFAULT_OUT = ROOT / "workbench" / "models"
DEFAULT_STAGING = Path(os.environ.get("TMPDIR", "/tmp")) / "workbench-examples"
# One staging workspace for every example: the dataset classifiers (digits CNN, voxels3d CNN) that the runner's
# class-coverage probe and the scoring use are trained once and cached in it.
WORKSPACE = "workspace"
RECORDS = "records"  # <staging>/records/<name>.json: what the training phase measured


@dataclass(frozen=True)
class Example:
    """One shipped example: what is trained, how long, and how it is scored."""

    name: str
    title: str
    method: str
    dataset: str
    summary: str
    steps: int
    settings: dict[str, Any] = field(default_factory=dict)  # method settings that differ from the app's defaults
    data: dict[str, Any] = field(default_factory=dict)  # DataConfig fields
    train: dict[str, Any] = field(default_factory=dict)  # TrainConfig fields besides steps and seed
    seed: int = 0
    evaluate: str = ""  # name of the scoring function below
    optimizer_state: bool = False  # False: the shipped checkpoint has fresh (empty) optimizer states, for size


DIGITS = {"name": "digits", "image_size": 32, "channels": 1, "batch_size": 64}
EXAMPLES: tuple[Example, ...] = (
    Example("gan3d-voxels3d", "3D-GAN on voxels3d", "gan3d", "voxels3d",
            "Wu et al. 2016: a 200-d z decoded by 3-D transposed convolutions into 32³ occupancy grids; samples of "
            "all seven procedural classes, scored by a 3-D CNN and by IoU to the nearest training shape.",
            steps=4000, settings={"latent_dim": 200, "g_channels": 32, "d_channels": 16},
            data={"name": "voxels3d", "image_size": 32, "channels": 1, "batch_size": 32},
            train={"sample_every": 500, "sample_count": 16}, evaluate="voxels"),
    Example("dcgan-digits", "DCGAN on digits", "dcgan", "digits",
            "Radford et al. 2016: an all-convolutional G and D with batch norm, Adam 2e-4 / β1 0.5; digit samples "
            "whose FID (digits-CNN features) is at or below the plain GAN's in the README.",
            steps=2500, settings={"g_channels": 32, "d_channels": 32}, data=DIGITS, train={"sample_every": 500},
            evaluate="digits_fid"),
    Example("cgan-digits", "Conditional GAN on digits", "conditional_gan", "digits",
            "Mirza & Osindero 2014: G and D both see the class label, so the digit drawn is the digit asked for "
            "(class accuracy by the digits classifier).",
            steps=2000, data=DIGITS, train={"sample_every": 500}, evaluate="digits_conditional"),
    Example("vae-digits", "VAE on digits", "vae", "digits",
            "Kingma & Welling 2014: an encoder q(z|x) and decoder p(x|z) trained on the ELBO; a smooth 16-d latent "
            "space to sample from and interpolate in.",
            steps=1500, data=DIGITS, train={"sample_every": 500}, evaluate="digits_vae"),
    Example("betavae-shapes2d", "β-VAE on shapes2d", "vae", "shapes2d",
            "Higgins et al. 2017: a VAE with β = 16 on the dSprites-like factor grid; the KL pressure switches most "
            "latent dimensions off and the rest follow single factors (MIG and the traversals show which).",
            steps=10000, settings={"beta": 16.0, "latent_dim": 10},
            data={"name": "shapes2d", "image_size": 32, "channels": 1, "batch_size": 64},
            train={"sample_every": 500}, evaluate="disentanglement"),
    Example("infogan-digits", "InfoGAN on digits", "infogan", "digits",
            "Chen et al. 2016: a 10-way categorical code and two continuous codes whose mutual information with the "
            "sample is maximised; the categorical code picks the digit without labels.",
            steps=4000, data=DIGITS, train={"sample_every": 500}, evaluate="digits_infogan"),
    Example("toygan-ring", "Toy GAN on the ring of 8 Gaussians", "toy_gan", "gaussians2d-ring",
            "Goodfellow et al. 2014 on the 2-D benchmark of Metz et al.: the non-saturating loss covers all 8 modes "
            "of the ring.",
            steps=6000, data={"name": "gaussians2d-ring", "image_size": 32, "channels": 1, "batch_size": 256},
            train={"sample_every": 1000}, evaluate="ring"),
    Example("pix2pix-edges2photos", "Pix2Pix on edges2photos", "pix2pix", "edges2photos",
            "Isola et al. 2017: a U-Net G with a PatchGAN D and an L1 term turns Canny edge maps into photos; "
            "scored on the held-out photos against a flat image of the training photos' mean colour.",
            steps=4000, settings={"g_channels": 8, "d_channels": 16, "norm": "instance"},
            data={"name": "edges2photos", "image_size": 64, "channels": 3, "batch_size": 1},
            train={"sample_every": 500, "sample_count": 8}, evaluate="translation"),
    Example("cyclegan-photo2stylized", "CycleGAN on photo2stylized", "cyclegan", "photo2stylized",
            "Zhu et al. 2017: two generators and two PatchGANs with cycle consistency learn a photo → stylized "
            "mapping from unpaired crops.",
            steps=8000, settings={"g_channels": 16, "d_channels": 16},
            data={"name": "photo2stylized", "image_size": 64, "channels": 3, "batch_size": 1},
            train={"sample_every": 1000, "sample_count": 8}, evaluate="translation"),
    Example("srresnet-x4-sr-photos", "SRResNet ×4 on sr-photos", "srresnet", "sr-photos",
            "Ledig et al. 2017 (SRResNet, the MSE generator of SRGAN): 16×16 → 64×64 crops, above bicubic on PSNR "
            "and SSIM on the held-out photos.",
            steps=800, settings={"lr": 1e-3},
            data={"name": "sr-photos", "image_size": 64, "channels": 3, "batch_size": 8, "scale": 4},
            train={"sample_every": 250, "sample_count": 8}, evaluate="superres"),
)
BY_NAME = {e.name: e for e in EXAMPLES}


def run_config(example: Example) -> Any:
    """The RunConfig the example trains with (app defaults + the example's settings)."""
    from workbench.config import DataConfig, RunConfig, TrainConfig
    from workbench.methods.registry import method_settings_class

    train = {"sample_every": 200, "sample_count": 64, "checkpoint_every": 500, "keep_checkpoints": 1,
             **example.train}
    return RunConfig(method_settings_class(example.method)(**example.settings), DataConfig(**example.data),
                     TrainConfig(steps=example.steps, seed=example.seed, **train))


def machine_text() -> str:
    import torch

    info = Path("/proc/cpuinfo")
    lines = info.read_text().splitlines() if info.is_file() else []
    cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "unknown CPU")
    return (f"{platform.machine()}, {os.cpu_count()} cores, {cpu}, {platform.system()}, Python "
            f"{platform.python_version()}, torch {torch.__version__} (CPU)")


# --------------------------------------------------------------------------------------------------------------
# Training phase


def train_example(example: Example, staging: Path, stop_file: Path | None) -> dict[str, Any]:
    """Train the example in a fresh staging workspace; the measured figures, also written to training.json."""
    import torch

    from workbench.runs import Workspace
    from workbench.runs.events import AlertEvent, RunEndEvent, StepEvent
    from workbench.training.control import TrainingControl
    from workbench.training.runner import run_training

    torch.set_num_threads(1)
    workspace = Workspace(staging / WORKSPACE)
    if (workspace.runs_dir / example.name).exists():
        shutil.rmtree(workspace.runs_dir / example.name)
    run = workspace.create_run(run_config(example), name=example.name)
    control = TrainingControl()
    alerts: dict[str, int] = {}
    step, status = 0, ""
    c0, w0 = time.process_time(), time.perf_counter()
    next_report = w0 + 60
    for event in run_training(run, control):
        if isinstance(event, StepEvent):
            step = event.step
            if stop_file is not None and stop_file.exists():
                control.stop()  # a checkpoint is written and the run ends as "stopped"
            if time.perf_counter() >= next_report:
                next_report += 60
                print(f"[{example.name}] step {step} CPU {time.process_time() - c0:.0f} s wall "
                      f"{time.perf_counter() - w0:.0f} s", flush=True)
        elif isinstance(event, AlertEvent):
            alerts[event.kind] = alerts.get(event.kind, 0) + 1
        elif isinstance(event, RunEndEvent):
            status = str(event.status)
    record = {"steps": step, "planned_steps": example.steps, "status": status,
              "cpu_seconds": round(time.process_time() - c0, 1), "wall_seconds": round(time.perf_counter() - w0, 1),
              "threads": torch.get_num_threads(), "alerts": alerts, "machine": machine_text(),
              "load_average_end": round(os.getloadavg()[0], 2), "finished": time.strftime("%Y-%m-%d %H:%M UTC",
                                                                                       time.gmtime())}
    (staging / RECORDS).mkdir(parents=True, exist_ok=True)
    (staging / RECORDS / f"{example.name}.json").write_text(json.dumps(record, indent=1))
    print(f"[{example.name}] trained: {record}", flush=True)
    return record


# --------------------------------------------------------------------------------------------------------------
# Finishing phase: score, card, package


def staged_run(example: Example, staging: Path) -> Any:
    from workbench.runs import Workspace

    return Workspace(staging / WORKSPACE).run(example.name)


def checkpoint_wal(path: Path) -> None:
    """Fold the WAL into metrics.sqlite and leave rollback-journal mode, so no -wal/-shm files ship."""
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.execute("PRAGMA journal_mode=DELETE")
        con.execute("VACUUM")  # the space of rows the run deleted (a resume truncates) does not ship
    finally:
        con.close()
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def strip_optimizer_state(tensors: Path) -> None:
    """Rewrite the checkpoint with every optimizer's per-parameter state (param_groups kept) and image pool emptied,
    as freshly built ones have them: the app's loader restores them unchanged, and the moments no longer ship."""
    from workbench.training.checkpoints import load_checkpoint_file, save_checkpoint

    state = load_checkpoint_file(tensors)
    import torch

    for value in state["method"].values():
        if isinstance(value, dict) and set(value) == {"state", "param_groups"}:
            value["state"] = {}
        elif isinstance(value, dict) and set(value) == {"images", "count", "rng"}:  # CycleGAN's pools of past fakes
            value.update(images=torch.empty(0), count=0)
    for path in (tensors, tensors.with_suffix(".json")):
        path.unlink()
    save_checkpoint(tensors.parent, int(state["step"]), state)


def keep_final_checkpoint(checkpoints: Path) -> Path:
    """Delete every checkpoint but the newest complete one; its safetensors path."""
    from workbench.runs.checkpoint_files import complete_checkpoints

    complete = complete_checkpoints(checkpoints)
    if not complete:
        raise SystemExit(f"no complete checkpoint in {checkpoints}")
    final = complete[-1]
    keep = {final.tensors.name, final.meta.name}
    for path in checkpoints.iterdir():
        if path.name not in keep:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    return final.tensors


def human_size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.0f} kB"


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def describe_files(folder: Path, checkpoint: Path, networks: str, optimizer: bool) -> dict[str, str]:
    """Each file or folder of the packaged run and what it holds."""
    ckpt_rel = checkpoint.relative_to(folder).as_posix()
    described = {
        "run.toml": "the run's settings (method, data, train) and record (status, step, times, package versions)",
        "metrics.sqlite": "every logged scalar, event and evaluation of the training (WAL folded in)",
        ckpt_rel: f"{networks} ({human_size(checkpoint.stat().st_size)}), "
                  + ("with the optimizers' state" if optimizer else "optimizer state and image pools emptied (size)"),
        ckpt_rel.removesuffix(".safetensors") + ".json": "the checkpoint's structure, step, RNG and data-order state "
                                                         "and settings (JSON, no pickles)",
        "samples/": "samples written during training (PNG grids; NPZ point sets for 2-D data), the last at the end",
        "card.toml": "this model card",
    }
    if (folder / "evaluations").exists():
        described["evaluations/"] = "stored evaluations of the final checkpoint (JSON, NPZ), as the Evaluate tab shows"
    described = {k: v for k, v in described.items() if k == "card.toml" or (folder / k.rstrip("/")).exists()}
    for name in sorted(p.name for p in folder.iterdir()):
        if name not in {k.rstrip("/").split("/")[0] for k in described}:
            described[name] = "run file"
    return described


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(round(value, 6))
    return json.dumps(str(value), ensure_ascii=False)


def card_text(sections: dict[str, dict[str, Any]]) -> str:
    lines: list[str] = []
    for section, values in sections.items():
        lines.append(f"[{section}]")
        for key, value in values.items():
            bare = key.replace("_", "").replace("-", "").isalnum() and key.isascii()
            lines.append(f"{key if bare else json.dumps(key, ensure_ascii=False)} = {toml_value(value)}")
        lines.append("")
    return "\n".join(lines)


def finish_example(example: Example, staging: Path, out: Path, context: dict[str, Any]) -> Path:
    """Score the staged run, write its card and copy it into out/<name>/ (replacing an old copy last)."""
    import tomllib

    record = json.loads((staging / RECORDS / f"{example.name}.json").read_text())
    run = staged_run(example, staging)
    evaluate: Callable[..., tuple[dict[str, float], str, dict[str, Any]]] = globals()[example.evaluate]
    c0 = time.process_time()
    quality, networks, extra = evaluate(run, context)
    print(f"[{example.name}] scored in {time.process_time() - c0:.0f} CPU s: {quality}", flush=True)

    tmp = out / f".{example.name}.new"
    if tmp.exists():
        shutil.rmtree(tmp)
    skipped = ("*.lock", "*.tmp", "*-wal", "*-shm", "*-journal", "control.json", "__pycache__")
    shutil.copytree(run.path, tmp, ignore=shutil.ignore_patterns(*skipped))
    checkpoint_wal(tmp / "metrics.sqlite")
    checkpoint = keep_final_checkpoint(tmp / "checkpoints")
    if not example.optimizer_state:
        strip_optimizer_state(checkpoint)
    for path in tmp.rglob("*"):  # the app writes 0600 files; package data is read by whoever installs it
        path.chmod(0o755 if path.is_dir() else 0o644)
    steps = record["steps"]
    stopped = "" if steps >= example.steps else f" (stopped at step {steps} of the planned {example.steps})"
    training = {"seed": example.seed, "steps": steps, "cpu_seconds": record["cpu_seconds"],
                "wall_seconds": record["wall_seconds"], "threads": record["threads"], "machine": record["machine"],
                "command": f".venv/bin/python scripts/train_examples.py --only {example.name}",
                "optimizer_state": example.optimizer_state, "batch_size": int(example.data.get("batch_size", 64)),
                "image_size": int(example.data.get("image_size", 32)),
                "settings": json.dumps(example.settings) if example.settings else "app defaults",
                "status": record["status"] + stopped, "finished": record["finished"]}
    card = {"example": {"name": example.name, "title": example.title, "method": example.method,
                        "dataset": example.dataset, "summary": example.summary},
            "training": training, "quality": quality, "notes": extra}
    files = describe_files(tmp, checkpoint, networks, example.optimizer_state)
    card["files"] = files
    text = card_text({k: v for k, v in card.items() if v})
    tomllib.loads(text)  # a card that does not parse never ships
    (tmp / "card.toml").write_text(text)
    final = out / example.name
    old = out / f".{example.name}.old"
    if old.exists():
        shutil.rmtree(old)
    if final.exists():
        final.rename(old)
    tmp.rename(final)
    if old.exists():
        shutil.rmtree(old)
    print(f"[{example.name}] packaged: {final} ({human_size(folder_size(final))})", flush=True)
    return final


# --------------------------------------------------------------------------------------------------------------
# Scoring: the README benchmarks' own code. Each returns ({figure label: value}, what the checkpoint holds, notes).

Scores = tuple[dict[str, float], str, dict[str, Any]]
DIGITS_N = 2000  # generated samples per FID / KID / accuracy, as bench/method_quality.py


def _session(run: Any) -> Any:
    from workbench.training.session import TrainingSession

    return TrainingSession.from_run(run)  # the app's one loader: proves the packaged checkpoint loads


def _digits_context(context: dict[str, Any]) -> dict[str, Any]:
    """The digits-CNN extractor and the features of all 1,797 digits (bench/method_quality.py's reference)."""
    if "extractor" not in context:
        from workbench.config import DataConfig
        from workbench.data import build_dataset
        from workbench.metrics.evaluate import reference_features
        from workbench.metrics.feature_extractors import dataset_classifier

        digits = build_dataset(DataConfig(name="digits", image_size=32, channels=1))
        context["extractor"] = dataset_classifier(digits, context["workspace"])
        context["reference"] = reference_features(digits, context["extractor"], n=len(digits))
    return context


def _fid(run: Any, context: dict[str, Any]) -> tuple[Any, dict[str, float]]:
    import torch
    from method_quality import fid_kid

    ctx = _digits_context(context)
    method = _session(run).method
    torch.manual_seed(0)
    fid, kid = fid_kid(method, ctx["reference"], ctx["extractor"], DIGITS_N)
    label = f"[{ctx['extractor'].name}, 2k samples, {ctx['reference'].count} real]"
    return method, {f"FID {label}": round(fid, 2), f"KID {label}": round(kid, 3)}


def digits_fid(run: Any, context: dict[str, Any]) -> Scores:
    _, quality = _fid(run, context)
    return quality, "G and D weights", {"target": "FID ≤ 71.8, the plain gan row of the README's method-quality table"}


def digits_vae(run: Any, context: dict[str, Any]) -> Scores:
    _, quality = _fid(run, context)
    return quality, "encoder and decoder weights", {"target": "none (FID for comparison with the GANs)"}


def digits_infogan(run: Any, context: dict[str, Any]) -> Scores:
    """FID, and how well the unsupervised categorical code matches digit classes (best one-to-one mapping)."""
    import numpy as np
    import torch

    method, quality = _fid(run, context)
    extractor = _digits_context(context)["extractor"]
    k = int(method.categories)
    counts = np.zeros((k, extractor.num_classes), dtype=np.int64)
    for code in range(k):
        z, _, cont = method.draw_codes(200, torch.Generator().manual_seed(9_000 + code), torch.device("cpu"))
        images = method.decode(method.assemble(z, torch.full((200,), code), cont))
        counts[code] = np.bincount(extractor.predict(images).numpy(), minlength=extractor.num_classes)
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(-counts)
    quality["categorical code → digit accuracy [digits-cnn, best 1-to-1 mapping, 200 per code]"] = round(
        float(counts[rows, cols].sum() / counts.sum()), 4)
    torch.manual_seed(0)
    return quality, "G, D and Q weights", {"target": "FID ≤ 78.3 (its 120-s README row); the code picks the digit"}


def digits_conditional(run: Any, context: dict[str, Any]) -> Scores:
    from method_quality import class_accuracy

    method, quality = _fid(run, context)
    accuracy = class_accuracy(method, _digits_context(context)["extractor"], DIGITS_N)
    quality["class accuracy [digits-cnn, 2k samples, 200 per class]"] = round(accuracy, 4)
    return quality, "G and D weights (label-conditioned)", {"target": "class accuracy ≥ 95%"}


def ring(run: Any, context: dict[str, Any]) -> Scores:
    coverage = _session(run).method.coverage()
    return ({"modes covered [1k samples, ≤ 3 std]": int(coverage["modes_covered"]),
             "high-quality samples [1k samples, ≤ 3 std]": round(coverage["high_quality_fraction"], 4)},
            "G and D weights (MLPs)", {"target": "8 of 8 modes"})


def disentanglement(run: Any, context: dict[str, Any]) -> Scores:
    """The app's disentanglement report (stored in the run's evaluations/, as `workbench eval --disentanglement`)."""
    from workbench.evaluation.disentanglement import evaluate_disentanglement

    report = evaluate_disentanglement(run, 5000, seed=0, store=True)
    quality = {f"{name} [{report.label}]": round(float(value), 4) for name, value in report.scores.items()}
    mi = report.matrices["mutual information"]
    notes = {"target": "traversals that separate factors; MIG stated",
             "README β sweep": "MIG 0.039 at β 16 after 8,000 steps (bench/beta_sweep.py)"}
    for d in range(mi.shape[0]):
        best = int(mi[d].argmax())
        if mi[d, best] > 0.05:
            notes[f"z{d}"] = (f"follows {report.factor_names[best]} (MI {mi[d, best]:.2f} nats, next "
                              f"{sorted(mi[d])[-2]:.2f})")
    return quality, "encoder and decoder weights", notes


def superres(run: Any, context: dict[str, Any]) -> Scores:
    from sr_quality import SCALE, score

    from workbench.data import build_dataset
    from workbench.methods.srresnet.method import bicubic_upscale

    test_set = build_dataset(run.config.data, split="test")
    psnr, ssim = score(_session(run).method.upscale, test_set)
    bic_psnr, bic_ssim = score(lambda lr: bicubic_upscale(lr, SCALE), test_set)
    label = f"{len(test_set)} held-out crops, RGB, 4-px border, 8-bit"
    return ({f"PSNR dB [{label}]": round(psnr, 3), f"SSIM [{label}]": round(ssim, 4),
             f"bicubic PSNR dB [{label}]": round(bic_psnr, 3), f"bicubic SSIM [{label}]": round(bic_ssim, 4),
             "PSNR gain over bicubic dB": round(psnr - bic_psnr, 3)},
            "generator weights (8 residual blocks × 32, bicubic skip)", {"target": "above bicubic on PSNR"})


def _image_scores(outputs: Any, targets: Any) -> tuple[float, float]:
    import numpy as np

    from workbench.superres.metrics import sr_psnr, sr_ssim

    pairs = list(zip(outputs, targets, strict=True))
    return (float(np.mean([sr_psnr(o, t, 0) for o, t in pairs])), float(np.mean([sr_ssim(o, t, 0) for o, t in pairs])))


def translation(run: Any, context: dict[str, Any]) -> Scores:
    """Pix2Pix against the paired photos, held-out and training crops (baseline: a flat image of the training
    photos' mean colour); CycleGAN's photo → stylized against the dataset's fixed style applied to the same
    held-out photos (baseline: the photo unchanged)."""
    import numpy as np
    import torch
    from sr_quality import to_uint8 as _to_uint8

    from workbench.data.translation_builtin import stylize
    from workbench.translation.model import TranslationModel

    model, pix2pix, quality = TranslationModel.from_run(run), run.config.method_name == "pix2pix", {}
    train = model.dataset("train")[0]
    mean = _to_uint8(train.get_batch(torch.arange(min(500, len(train))))[1]).reshape(-1, 3).mean(axis=0)
    base_name = "flat mean training colour" if pix2pix else "the photo unchanged"
    for split in ("test", "train") if pix2pix else ("test",):
        n = min(200, model.example_count(split))
        ex = model.examples(n, split)
        outputs = np.concatenate([_to_uint8(model.translate(ex.inputs[i:i + 25])) for i in range(0, n, 25)])
        targets = _to_uint8(ex.b) if pix2pix else stylize(_to_uint8(ex.inputs))
        baseline = (np.broadcast_to(np.rint(mean).astype(np.uint8), targets.shape) if pix2pix
                    else _to_uint8(ex.inputs))
        label = f"{n} {'held-out test' if split == 'test' else 'training'} crops, RGB, 8-bit"
        psnr, ssim = _image_scores(outputs, targets)
        b_psnr, b_ssim = _image_scores(np.ascontiguousarray(baseline), targets)
        quality.update({f"PSNR dB [{label}]": round(psnr, 3), f"SSIM [{label}]": round(ssim, 4),
                        f"baseline PSNR dB ({base_name}) [{label}]": round(b_psnr, 3),
                        f"baseline SSIM ({base_name}) [{label}]": round(b_ssim, 4)})
    networks = "U-Net G and PatchGAN D weights" if pix2pix else "G_AB, G_BA, D_A and D_B weights"
    return quality, networks, {"target": f"above the baseline ({base_name}) on the held-out photos",
                               "ground truth": "paired photos" if pix2pix else "the dataset's fixed style "
                               "(workbench.data.translation_builtin.stylize) of the held-out photos"}


def voxels(run: Any, context: dict[str, Any]) -> Scores:
    """bench/voxel_quality.py's figures: class coverage by the voxels3d CNN, nearest-training IoU (1,000 samples)."""
    from voxel_quality import score_run

    from workbench.voxels.classifier import load_or_train_voxel_classifier

    classifier = load_or_train_voxel_classifier(context["workspace"], "voxels3d", int(run.config.data.image_size))
    scores = score_run(run, classifier, 1000, seed=0)
    s = scores.samples
    label = "[1k samples, voxels3d CNN, 2,000 training shapes]"
    quality: dict[str, float] = {f"classes covered (≥ 1%) {label}": int(s.coverage["covered"]),
                                 f"class entropy {label}": round(float(s.coverage["entropy"]), 4),
                                 f"classifier confidence {label}": round(s.confidence, 4),
                                 f"nearest-training IoU mean {label}": round(s.mean_iou, 4),
                                 f"nearest-training IoU median {label}": round(s.median_iou, 4),
                                 f"empty grids {label}": int(s.empty),
                                 "D-update fraction": round(scores.d_update_fraction, 4)}
    counts = {name: int(c) for name, c in zip(classifier.class_names, s.coverage["counts"], strict=True)}
    return quality, "G and D weights (3-D convolutions)", {
        "target": "all 7 classes, recognisable shapes (the README's 300-CPU-s run: 5 of 7, IoU 0.216)",
        "class counts": json.dumps(counts), "classifier": classifier.describe(),
        "real held-out shapes (README)": "7 of 7, IoU 0.731"}


def examples_table(out: Path) -> str:
    """Markdown: one row per packaged example (its card's figures), then the total size."""
    import tomllib

    lines = ["| example | method on data | steps | CPU s / wall s | figures | size |", "|---|---|---|---|---|---|"]
    total = 0
    for e in EXAMPLES:
        folder = out / e.name
        if not (folder / "card.toml").is_file():
            lines.append(f"| {e.name} | {e.method} on {e.dataset} | – | – | not trained | – |")
            continue
        card = tomllib.loads((folder / "card.toml").read_text())
        t, size = card["training"], folder_size(folder)
        total += size
        figures = "; ".join(f"{k} {v:g}" for k, v in card.get("quality", {}).items())
        lines.append(f"| `{e.name}` | {e.method} on {e.dataset} | {t['steps']:,} | {t['cpu_seconds']:.0f} / "
                     f"{t['wall_seconds']:.0f} | {figures} | {human_size(size)} |")
    lines.append(f"\nTotal: {human_size(total)}.")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="comma-separated example names (default: all)")
    parser.add_argument("--list", action="store_true", help="list the examples and exit")
    parser.add_argument("--table", action="store_true", help="print the README table of the packaged examples")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="where the packaged examples go")
    parser.add_argument("--staging", default=str(DEFAULT_STAGING), help="staging workspaces and shared caches")
    parser.add_argument("--train-only", action="store_true", help="train, do not score or package")
    parser.add_argument("--finish-only", action="store_true", help="score and package an already staged training")
    parser.add_argument("--stop-file", default="", help="stop training (with a checkpoint) once this file exists")
    args = parser.parse_args()

    if args.list:
        for e in EXAMPLES:
            print(f"{e.name:26} {e.method:16} {e.dataset:18} {e.steps:6} steps  {e.title}")
        return 0
    if args.table:
        print(examples_table(Path(args.out)))
        return 0
    names = [n.strip() for n in args.only.split(",") if n.strip()] or [e.name for e in EXAMPLES]
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        raise SystemExit(f"unknown example(s) {unknown}; known: {', '.join(BY_NAME)}")
    staging, out = Path(args.staging), Path(args.out)
    staging.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    context: dict[str, Any] = {"workspace": staging / WORKSPACE}
    failed = []
    for name in names:
        example = BY_NAME[name]
        try:
            if not args.finish_only:
                train_example(example, staging, Path(args.stop_file) if args.stop_file else None)
            if not args.train_only:
                finish_example(example, staging, out, context)
        except Exception:  # noqa: BLE001 - one failed example must not cost the others; reported at the end
            import traceback

            traceback.print_exc()
            failed.append(name)
    print(f"FAILED: {', '.join(failed)}" if failed else "done", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

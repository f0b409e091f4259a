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
sys.path.insert(0, str(ROOT / "scripts"))

import example_scoring  # noqa: E402 - found through the path above

DEFAULT_OUT = ROOT / "workbench" / "models"
DEFAULT_STAGING = Path(os.environ.get("TMPDIR", "/tmp")) / "workbench-examples"
# One staging workspace for every example: the dataset classifiers (digits CNN, voxels3d CNN) that the runner's
# class-coverage probe and the scoring use are trained once and cached in it.
WORKSPACE = "workspace"
RECORDS = "records"  # <staging>/records/<name>.json: what the training phase measured
MAX_CURVE_POINTS = 2000  # per-step scalars kept per curve in a packaged example (its metrics.sqlite's size)


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
            "Higgins et al. 2017: a VAE with β = 8 on the dSprites-like factor grid; the KL pressure switches most "
            "latent dimensions off and the rest follow single factors (MIG and the traversals show which).",
            steps=40000, settings={"beta": 8.0, "latent_dim": 10},
            data={"name": "shapes2d", "image_size": 32, "channels": 1, "batch_size": 64},
            train={"sample_every": 2000}, evaluate="disentanglement"),
    Example("infogan-digits", "InfoGAN on digits", "infogan", "digits",
            "Chen et al. 2016: a 10-way categorical code and two continuous codes whose mutual information with the "
            "sample is maximised; the categorical code picks the digit without labels.",
            steps=8000, data=DIGITS, train={"sample_every": 1000}, evaluate="digits_infogan"),
    Example("toygan-ring", "Toy GAN on the ring of 8 Gaussians", "toy_gan", "gaussians2d-ring",
            "Goodfellow et al. 2014 on the 2-D benchmark of Metz et al.: the non-saturating loss covers all 8 modes "
            "of the ring.",
            steps=6000, data={"name": "gaussians2d-ring", "image_size": 32, "channels": 1, "batch_size": 256},
            train={"sample_every": 1000}, evaluate="ring"),
    Example("pix2pix-edges2photos", "Pix2Pix on edges2photos", "pix2pix", "edges2photos",
            "Isola et al. 2017: a U-Net G with a PatchGAN D and an L1 term turns Canny edge maps into photos whose "
            "own edges fall on the input's (the edge detector run on the outputs, as the paper's FCN-score runs a "
            "segmenter on them); PSNR against the paired photos and a flat mean colour.",
            steps=12000, settings={"g_channels": 16, "d_channels": 16},
            data={"name": "edges2photos", "image_size": 64, "channels": 3, "batch_size": 4},
            train={"sample_every": 2000, "sample_count": 8}, evaluate="translation"),
    Example("cyclegan-photo2stylized", "CycleGAN on photo2stylized", "cyclegan", "photo2stylized",
            "Zhu et al. 2017: two generators and two PatchGANs with cycle consistency learn a photo → stylized "
            "mapping from unpaired crops (batch norm over 4 crops, the reference's --norm batch: instance norm "
            "discards each small crop's mean colour, which this style is about).",
            steps=6000, settings={"g_channels": 16, "d_channels": 16, "norm": "batch"},
            data={"name": "photo2stylized", "image_size": 64, "channels": 3, "batch_size": 4},
            train={"sample_every": 1000, "sample_count": 8}, evaluate="translation"),
    Example("srresnet-x4-sr-photos", "SRResNet ×4 on sr-photos", "srresnet", "sr-photos",
            "Ledig et al. 2017 (SRResNet, the MSE generator of SRGAN): 16×16 → 64×64 crops, above bicubic on PSNR "
            "and SSIM on the held-out photos.",
            steps=800, settings={"lr": 1e-3},
            data={"name": "sr-photos", "image_size": 64, "channels": 3, "batch_size": 8, "scale": 4},
            train={"sample_every": 250, "sample_count": 8}, evaluate="superres"),
    Example("ddpm-digits", "DDPM on digits", "ddpm", "digits",
            "Ho et al. 2020 with DDIM sampling (Song et al. 2021): a small U-Net predicts the noise added at a random "
            "step of 1000; class-conditional with classifier-free guidance. The Diffusion tab inverts, interpolates "
            "and sweeps steps and guidance on it.",
            steps=3000, data=DIGITS, train={"sample_every": 500, "sample_count": 40}, evaluate="digits_diffusion"),
    Example("spade-labels2scenes", "SPADE on labels2scenes", "spade", "labels2scenes",
            "Park et al. 2019: every normalisation layer of G re-reads the label map (spatially-adaptive "
            "normalisation), a multi-scale PatchGAN judges (map, image); paint a label map in the Translation tab "
            "and compare with a Pix2Pix run on the same data.",
            steps=6000, data={"name": "labels2scenes", "image_size": 64, "channels": 3, "batch_size": 4},
            train={"sample_every": 1000, "sample_count": 8}, evaluate="semantic"),
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


def thin_scalars(path: Path, max_points: int = MAX_CURVE_POINTS) -> int:
    """Keep every `stride`-th step of the per-step training scalars (losses, diagnostics), so that no curve has more
    than `max_points` points, plus each curve's last step; measured metrics (evaluations, sample diversity...),
    events and samples are all kept. The stride (1 = nothing removed). Only for the packaged copy, for size."""
    con = sqlite3.connect(path)
    try:
        last = con.execute("SELECT MAX(step) FROM scalars WHERE metric = 0").fetchone()[0] or 0
        stride = max(1, -(-last // max_points))
        if stride > 1:
            con.execute("DELETE FROM scalars WHERE metric = 0 AND step % ? != 0 AND step != "
                        "(SELECT MAX(s.step) FROM scalars s WHERE s.tag = scalars.tag)", (stride,))
            con.commit()
            con.execute("VACUUM")
    finally:
        con.close()
    return stride


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


def describe_files(folder: Path, checkpoint: Path, networks: str, optimizer: bool, stride: int) -> dict[str, str]:
    """Each file or folder of the packaged run and what it holds."""
    ckpt_rel = checkpoint.relative_to(folder).as_posix()
    scalars = ("every logged scalar" if stride == 1 else
               f"the per-step losses and diagnostics of one step in {stride} and of the last (≤ {MAX_CURVE_POINTS:,} "
               "points per curve, for size), every measured metric")
    described = {
        "run.toml": "the run's settings (method, data, train) and record (status, step, times, package versions)",
        "metrics.sqlite": f"{scalars}, event and evaluation of the training (WAL folded in)",
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
    evaluate: Callable[..., tuple[dict[str, float], str, dict[str, Any]]] = getattr(example_scoring, example.evaluate)
    c0 = time.process_time()
    quality, networks, extra = evaluate(run, context)
    print(f"[{example.name}] scored in {time.process_time() - c0:.0f} CPU s: {quality}", flush=True)

    tmp = out / f".{example.name}.new"
    if tmp.exists():
        shutil.rmtree(tmp)
    skipped = ("*.lock", "*.tmp", "*-wal", "*-shm", "*-journal", "control.json", "__pycache__")
    shutil.copytree(run.path, tmp, ignore=shutil.ignore_patterns(*skipped))
    checkpoint_wal(tmp / "metrics.sqlite")
    stride = thin_scalars(tmp / "metrics.sqlite")
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
    files = describe_files(tmp, checkpoint, networks, example.optimizer_state, stride)
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

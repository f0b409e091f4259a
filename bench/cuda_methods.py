"""Every trainable method trains a few steps on one device, plain and with the speed settings, through the real
loop: does each build, step and sample there, and are all its losses finite?

Each method runs on the tiny run its spec declares (`MethodSpec.tiny`: the same small networks and data the
method contract tests use), `--steps` steps of `workbench.training.loop.train`, once per variant:
  plain    float32, the default memory layout
  amp      train.mixed_precision (bfloat16 where the device supports it, else float16 with a gradient scaler)
  fp16     train.mixed_precision with train.amp_dtype = float16 (the gradient scaler; CUDA only)
  cl       train.channels_last
  amp+cl   both
Prints a Markdown table, a row per method and a column per variant (ok / error / non-finite / skipped), the
errors below it, and optionally writes everything as JSON. Exit status 0 when nothing failed. Without pyvista
(a headless machine) gan3d's live view draws its samples as projections, so it trains through the loop too.

    python bench/cuda_methods.py --device cuda [--steps 3] [--variants plain,amp,fp16,amp+cl] [--json PATH]
    .venv/bin/python bench/cuda_methods.py --device cpu --methods dcgan,vae --variants plain,amp
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
import time
import traceback
from pathlib import Path
from typing import Any

VARIANTS: dict[str, dict[str, Any]] = {
    "plain": {},
    "amp": {"mixed_precision": True},
    "fp16": {"mixed_precision": True, "amp_dtype": "float16"},
    "cl": {"channels_last": True},
    "amp+cl": {"mixed_precision": True, "channels_last": True},
}
DEFAULT_VARIANTS = {"cuda": "plain,amp,fp16,amp+cl", "cpu": "plain,amp", "mps": "plain"}
HALTING_ALERTS = ("non_finite", "out_of_memory")  # the loop pauses after these and waits for a person


@dataclasses.dataclass
class Outcome:
    """One method trained with one variant."""

    method: str
    variant: str
    status: str  # ok | error | non-finite | skipped
    steps: int = 0
    finite: bool | None = None  # every loss of every step finite (None: no step ran)
    seconds: float = 0.0
    message: str = ""


def train_fields() -> set[str]:
    """The TrainConfig fields this checkout has: a variant asking for a missing one is skipped, not failed."""
    from workbench.config import TrainConfig

    return {f.name for f in dataclasses.fields(TrainConfig)}


def tiny_config(spec: Any, device: str, steps: int, extra: dict[str, Any]) -> Any:
    """The method's declared tiny run (as tests/unit/test_method_contract.py builds it) on `device`."""
    from workbench.config import DataConfig, RunConfig, TrainConfig
    from workbench.data.catalog import dataset_spec

    tiny = spec.tiny
    data = DataConfig(name=tiny.data, image_size=tiny.image_size, batch_size=tiny.batch_size,
                      **{"channels": dataset_spec(tiny.data).default_channels, **dict(tiny.data_options)})
    train = TrainConfig(steps=steps, seed=0, device=device, sample_every=steps, checkpoint_every=10 * steps,
                        sample_count=4, **extra)
    return RunConfig(spec.settings(**dict(tiny.settings)), data, train)


def _one_line(err: BaseException) -> str:
    text = f"{type(err).__name__}: {err}".strip().splitlines()
    return (text[0] if text else type(err).__name__)[:300]


def _through_the_loop(session: Any) -> tuple[list[dict[str, float]], list[Any], str]:
    """The real loop to its end: each step's scalars, the alerts that halt it, how it ended."""
    from workbench.runs.events import AlertEvent, RunEndEvent, StepEvent
    from workbench.training.loop import train

    scalars, alerts, ended = [], [], "without an end"
    for event in train(session):  # the loop pauses (waits) after a non-finite loss or out of memory: leave it
        if isinstance(event, StepEvent):
            scalars.append(dict(event.scalars))
        elif isinstance(event, RunEndEvent):
            ended = event.status
        elif isinstance(event, AlertEvent) and event.kind in HALTING_ALERTS:
            alerts.append(event)
            break
    return scalars, alerts, ended


def train_once(spec: Any, device: str, steps: int, variant: str) -> Outcome:
    """Build the session and run the loop to the end; what went wrong, if anything, in one line."""
    import torch

    from workbench.training.session import TrainingSession

    extra = VARIANTS[variant]
    missing = sorted(set(extra) - train_fields())
    if missing:
        return Outcome(spec.name, variant, "skipped", message=f"no train.{', train.'.join(missing)} in this version")
    start = time.perf_counter()
    outcome = Outcome(spec.name, variant, "ok")
    scalars: list[dict[str, float]] = []
    alerts: list[Any] = []
    ended = "finished"
    session = None
    try:
        session = TrainingSession(tiny_config(spec, device, steps, extra))
        scalars, alerts, ended = _through_the_loop(session)
        if device == "cuda":
            torch.cuda.synchronize()
    except Exception as err:  # any failure is a result here: the next method still runs
        outcome.status, outcome.message = "error", _one_line(err)
        traceback.print_exc(limit=6, file=sys.stderr)
    outcome.seconds = time.perf_counter() - start
    outcome.steps = len(scalars)
    if scalars:
        outcome.finite = all(math.isfinite(v) for row in scalars for v in row.values())
    if outcome.status == "ok":
        if outcome.finite is False or any(a.kind == "non_finite" for a in alerts):
            outcome.status = "non-finite"
            outcome.message = next((a.message for a in alerts), "a loss was not finite")[:300]
        elif alerts:
            outcome.status, outcome.message = "error", alerts[0].message[:300]
        elif outcome.steps != steps or ended != "finished":
            outcome.status, outcome.message = "error", f"{outcome.steps}/{steps} steps, ended {ended}"
    del session
    if device == "cuda":
        torch.cuda.empty_cache()
    return outcome


def markdown(outcomes: list[Outcome], variants: list[str], device: str) -> str:
    """A row per method, a column per variant, then every message."""
    names = list(dict.fromkeys(o.method for o in outcomes))
    by_key = {(o.method, o.variant): o for o in outcomes}
    lines = [f"| method ({device}) | " + " | ".join(variants) + " | losses finite | seconds |",
             "|---|" + "---|" * len(variants) + "---|---|"]
    for name in names:
        row = [by_key[(name, v)] for v in variants]
        finite = [o.finite for o in row if o.finite is not None]
        shown = "yes" if finite and all(finite) else "NO" if finite else "-"
        lines.append(f"| {name} | " + " | ".join(o.status for o in row) + f" | {shown} | "
                     f"{sum(o.seconds for o in row):.1f} |")
    notes = [f"- {o.method} [{o.variant}] {o.status}: {o.message}" for o in outcomes if o.message]
    return "\n".join(lines + ([""] + notes if notes else []))


def summary(outcomes: list[Outcome]) -> dict[str, Any]:
    """What bench/gpu_check.sh shows in its table."""
    names = list(dict.fromkeys(o.method for o in outcomes))
    failed = sorted({o.method for o in outcomes if o.status in ("error", "non-finite")})
    skipped = sorted({o.method for o in outcomes if o.status == "skipped"} - set(failed))
    finite = [o.finite for o in outcomes if o.finite is not None]
    return {"methods": len(names), "ok": len(names) - len(failed) - len(skipped), "failed": failed,
            "skipped": skipped, "all_finite": bool(finite) and all(finite),
            "runs": len(outcomes)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", choices=("cuda", "cpu", "mps"))
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--variants", help=f"comma-separated, of {', '.join(VARIANTS)} "
                                           "(default: plain,amp,fp16,amp+cl on CUDA, plain,amp on the CPU)")
    parser.add_argument("--methods", help="comma-separated method names (default: every trainable method)")
    parser.add_argument("--threads", type=int, help="torch intra-op threads (default: torch's)")
    parser.add_argument("--json", metavar="PATH", help="also write the outcomes and a summary here")
    args = parser.parse_args(argv)
    variants = (args.variants or DEFAULT_VARIANTS[args.device]).split(",")
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        parser.error(f"unknown variant(s) {', '.join(unknown)}; choose from {', '.join(VARIANTS)}")

    import torch

    from workbench.methods.registry import available_methods

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.device == "cuda" and not torch.cuda.is_available():
        print("cuda_methods: no CUDA device (torch.cuda.is_available() is False)", file=sys.stderr)
        return 2
    specs = [s for s in available_methods() if s.trainable]
    if args.methods:
        wanted = args.methods.split(",")
        specs = [s for s in specs if s.name in wanted]
        if len(specs) != len(set(wanted)):
            parser.error(f"unknown or untrainable method among {args.methods}")
    device = torch.cuda.get_device_name(0) if args.device == "cuda" else args.device

    def write(outcomes: list[Outcome], complete: bool) -> None:
        """After every run, so that a run cut off by a time limit still leaves what it found."""
        if args.json:
            Path(args.json).write_text(json.dumps({
                "device": device, "steps": args.steps, "variants": variants, "complete": complete,
                "planned_runs": len(specs) * len(variants), "summary": summary(outcomes),
                "outcomes": [dataclasses.asdict(o) for o in outcomes]}, indent=1))

    outcomes: list[Outcome] = []
    for spec in specs:
        for variant in variants:
            outcome = train_once(spec, args.device, args.steps, variant)
            print(f"{spec.name} [{variant}]: {outcome.status} {outcome.seconds:.1f}s {outcome.message}", flush=True)
            outcomes.append(outcome)
            write(outcomes, complete=False)
    write(outcomes, complete=True)
    print()
    print(markdown(outcomes, variants, device))
    return 1 if summary(outcomes)["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())

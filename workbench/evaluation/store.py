"""Stored evaluations of a run (`evaluations/<step>.json`): the result type, reading and writing. Torch-free,
so the Evaluate panel lists stored results without loading torch at start-up.
"""

from __future__ import annotations

import json
import math
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.atomic import atomic_write_text
from workbench.runs.checkpoint_files import files_by_step
from workbench.runs.run import Run

EVALUATIONS_FOLDER = "evaluations"
TAG_PREFIX = "eval/"  # as workbench.metrics.model_scores.TAG_PREFIX (which imports torch)
NEIGHBOUR_SAMPLES = 8
COPY_RATIO = 0.5  # a sample closer than half the typical training-set neighbour distance is flagged

Progress = Callable[[str], None]


class EvaluationError(Exception):
    """The run cannot be evaluated (no checkpoint, nothing measurable); the message says why and what helps."""


@dataclass
class EvaluationResult:
    """The metrics of one checkpoint; `metrics` maps labels ("FID [digits-cnn, 5k]") to values."""

    run_id: str
    step: int
    method: str
    dataset: str
    metrics: dict[str, float]
    samples: int
    seed: int
    seconds: float
    extractor: str | None = None  # the feature extractor's name, e.g. "digits-cnn" or "inception-v3"
    extractor_accuracy: float | None = None  # held-out accuracy of a classifier extractor
    extractor_test_images: int | None = None
    notes: list[str] = field(default_factory=list)
    created: float = field(default_factory=time.time)
    path: Path | None = None

    @staticmethod
    def tag(label: str) -> str:
        return TAG_PREFIX + label

    def rows(self) -> list[tuple[str, float]]:
        return list(self.metrics.items())

    def to_dict(self) -> dict[str, Any]:
        return {
            "run": self.run_id, "step": self.step, "method": self.method, "dataset": self.dataset,
            "samples": self.samples, "seed": self.seed, "seconds": round(self.seconds, 3), "created": self.created,
            "extractor": None if self.extractor is None else {
                "name": self.extractor, "test_accuracy": self.extractor_accuracy,
                "test_images": self.extractor_test_images},
            "metrics": [{"label": k, "tag": self.tag(k), "value": _json_number(v)} for k, v in self.metrics.items()],
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], path: Path | None = None) -> EvaluationResult:
        ex = d.get("extractor") or {}
        return cls(run_id=d["run"], step=int(d["step"]), method=d.get("method", "?"), dataset=d.get("dataset", "?"),
                   metrics={m["label"]: _from_json_number(m["value"]) for m in d.get("metrics", [])},
                   samples=int(d.get("samples", 0)), seed=int(d.get("seed", 0)), seconds=float(d.get("seconds", 0)),
                   extractor=ex.get("name"), extractor_accuracy=ex.get("test_accuracy"),
                   extractor_test_images=ex.get("test_images"), notes=list(d.get("notes", [])),
                   created=float(d.get("created", 0.0)), path=path)

    def extractor_text(self) -> str:
        """'digits-cnn (test accuracy 97.2% on 359 held-out images)' or 'inception-v3'."""
        if self.extractor is None:
            if any(label.startswith("modes covered") for label in self.metrics):
                return "none needed (2-D points are scored against the mixture's known modes)"
            return "none"
        if self.extractor_accuracy is None:
            return self.extractor
        held = f" on {self.extractor_test_images} held-out images" if self.extractor_test_images else ""
        return f"{self.extractor} (test accuracy {100 * self.extractor_accuracy:.1f}%{held})"


def _json_number(v: float) -> float | str:
    return v if math.isfinite(v) else str(v)  # JSON has no NaN / inf: stored as "nan", "inf"


def _from_json_number(v: Any) -> float:
    return float(v)


def format_value(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    if value == int(value) and abs(value) < 1e6:
        return str(int(value))
    return f"{value:.4g}"


# ---- loading ------------------------------------------------------------------------------------------------


def evaluations_dir(run: Run) -> Path:
    return run.evaluations_dir


def metric_name(label: str) -> str:
    """The metric a label names, without its bracketed extractor and counts: "FID [digits-cnn, 5k]" → "FID"."""
    return label.split(" [", 1)[0].strip()


def store_evaluation(run: Run, result: EvaluationResult) -> Path:
    """Write `evaluations/<step>.json` (crash-safe) and the scalars "eval/<label>" at the checkpoint's step in
    metrics.sqlite.

    An earlier evaluation of the same step is merged, not lost: metrics this result recomputes (same name before
    the bracketed counts, e.g. "FID") are replaced, the others (e.g. a disentanglement report's "MIG") and their
    notes are kept.
    """
    path = evaluations_dir(run) / f"{result.step}.json"
    previous = next((r for r in stored_evaluations(run) if r.step == result.step), None)
    if previous is not None:
        recomputed = {metric_name(label) for label in result.metrics}
        kept = {k: v for k, v in previous.metrics.items() if metric_name(k) not in recomputed}
        if kept:
            result.metrics = {**result.metrics, **kept}
            result.notes = [*result.notes, *(n for n in previous.notes if n not in result.notes)]
    atomic_write_text(path, json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n")
    result.path = path
    writer = run.metrics_writer()
    try:
        writer.add_metrics(result.step, time.time(), {result.tag(k): v for k, v in result.metrics.items()})
    finally:
        writer.close()
    return path


def training_evaluations(run: Run) -> list[EvaluationResult]:
    """The metric history of `train.eval_every`: the eval/ scalars of metrics.sqlite at steps without a stored
    evaluation (whose own scalars, and those of earlier evaluations of its step, are there too), one result per
    step (oldest first, `path` None), to list beside the stored ones."""
    from workbench.config import ConfigError
    from workbench.runs.metrics_db import MetricsReader

    stored = {r.step for r in stored_evaluations(run)}
    reader = MetricsReader(run.metrics_path)
    try:
        with reader.snapshot() as conn:
            rows = [] if conn is None else conn.execute(
                "SELECT step, tag, value FROM scalars WHERE tag LIKE ? ORDER BY step, id", (TAG_PREFIX + "%",)
            ).fetchall()
    except sqlite3.Error:
        rows = []
    finally:
        reader.close()
    try:
        config = run.config
        method, dataset, samples = config.method_name, config.data.name, config.train.eval_samples
    except (OSError, ConfigError, KeyError, ValueError):
        method, dataset, samples = "?", "?", 0
    by_step: dict[int, EvaluationResult] = {}
    for step, tag, value in rows:
        label = tag.removeprefix(TAG_PREFIX)
        if step in stored:
            continue
        result = by_step.get(step)
        if result is None:
            result = by_step[step] = EvaluationResult(
                run.id, step, method, dataset, {}, samples, 0, 0.0, created=0.0,
                notes=["computed during training (train.eval_every) on a copy of the networks at this step"])
        result.metrics[label] = float("nan") if value is None else float(value)
        if metric_name(label) == "FID" and result.extractor is None:  # "FID [digits-cnn, 500]"
            result.extractor = label.split(" [", 1)[1].split(",", 1)[0]
    return list(by_step.values())


def stored_evaluations(run: Run) -> list[EvaluationResult]:
    """Every stored evaluation of the run, oldest checkpoint first (unreadable files are skipped)."""
    out = []
    for _, path in files_by_step(evaluations_dir(run)):
        try:
            out.append(EvaluationResult.from_dict(json.loads(path.read_text(encoding="utf-8")), path))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return sorted(out, key=lambda r: r.step)

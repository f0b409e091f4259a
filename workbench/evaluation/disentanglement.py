"""The disentanglement report of a trained model with an encoder on a dataset with known factors (shapes2d,
shapes2d-correlated): all five scores and the per-factor matrices behind them, stored in the run.

MIG, DCI and SAP use the posterior means (a VAE's μ(x); other encoders' codes) of a seeded sample of the
run's own dataset, so on shapes2d-correlated they see the correlated factors the model was trained on. The
β-VAE and FactorVAE scores need interventions (one factor held fixed, the others random): those images are
rendered from the full factor grid (`sampling.py`).

Stored as an evaluation of the run's latest checkpoint: the scores join `evaluations/<step>.json` (merged with
an evaluation already stored for that step) and the "eval/<label>" scalars in metrics.sqlite; the matrices
go to `evaluations/disentanglement_<step>.npz`, so heat maps can be drawn later without recomputing.
torch is imported only by the functions that encode.
"""

from __future__ import annotations

import io
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from workbench.metrics.disentanglement.beta_vae_score import beta_vae_score
from workbench.metrics.disentanglement.factor_vae_score import factor_vae_score
from workbench.metrics.disentanglement.sampling import FactorSampler
from workbench.metrics.disentanglement.scores import scores_from_codes
from workbench.runs.run import Run

SCORE_NAMES = ("MIG", "DCI disentanglement", "DCI completeness", "DCI informativeness", "SAP", "β-VAE score",
               "FactorVAE score")
MATRIX_NAMES = ("mutual information", "DCI importance", "SAP")
ENCODE_CHUNK = 500
INTERVENTIONS = 450  # β-VAE points / FactorVAE votes, train + test (disentanglement_lib: 15,000 of 64 images)
INTERVENTION_BATCH = 32
NPZ_PREFIX = "disentanglement_"


def count_text(n: int) -> str:
    """5000 → '5k', 1797 → '1797' (as the other evaluation labels)."""
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


@dataclass(frozen=True)
class DisentanglementReport:
    """Scores by short name (SCORE_NAMES), matrices D×F by name (MATRIX_NAMES), and what they were computed on.

    "mutual information" is in nats (rows: code dimensions, columns: factors); "DCI importance" columns sum to
    1; "SAP" is each single dimension's chance-adjusted accuracy for each factor."""

    scores: dict[str, float]
    matrices: dict[str, np.ndarray]
    factor_names: tuple[str, ...]
    label: str  # "shapes2d, 5k codes; β-VAE/FactorVAE: 450 × 32 interventions"
    dataset: str = ""
    codes: int = 0
    interventions: int = 0  # β-VAE points and FactorVAE votes (train + test)
    batch_size: int = 0
    seed: int = 0
    step: int | None = None
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default=())

    def metric_label(self, name: str) -> str:
        """'MIG [shapes2d, 5k codes]', 'β-VAE score [shapes2d, 450 points × 32 pairs]'."""
        if name == "β-VAE score":
            return f"{name} [{self.dataset}, {self.interventions} points × {self.batch_size} pairs]"
        if name == "FactorVAE score":
            return f"{name} [{self.dataset}, {self.interventions} votes × {self.batch_size} images]"
        return f"{name} [{self.dataset}, {count_text(self.codes)} codes]"

    def labelled_scores(self) -> dict[str, float]:
        """Scores under labels that name the data and the counts, as evaluations store them."""
        return {self.metric_label(k): v for k, v in self.scores.items()}


# ---- computing ------------------------------------------------------------------------------------------------
def require_factor_dataset(dataset: Any, what: str = "the model") -> None:
    """LatentError unless the dataset has known generative factors and can render chosen factor tuples."""
    from workbench.latent.errors import LatentError

    info = dataset.info
    if not getattr(info, "factor_names", ()) or not hasattr(dataset, "factors") or not hasattr(dataset, "render"):
        raise LatentError(f"the disentanglement report needs data with known generative factors (shapes2d or "
                          f"shapes2d-correlated); {what} was trained on {info.name!r}")


def _encoder(space: Any) -> Any:
    def encode(images: Any) -> np.ndarray:
        return np.concatenate([space.encode(chunk).numpy() for chunk in images.split(ENCODE_CHUNK)])

    return encode


def dataset_codes(space: Any, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Codes (n, D) of a seeded sample of the space's dataset and their factors (n, F)."""
    import torch

    dataset = space.dataset()
    n = min(n, len(dataset))
    indices = np.sort(np.random.default_rng(seed).choice(len(dataset), size=n, replace=False))
    codes, factors = [], []
    for chunk in torch.from_numpy(indices).split(ENCODE_CHUNK):
        codes.append(space.encode(dataset.get_batch(chunk)[0]).numpy())
        factors.append(dataset.factors(chunk).numpy())
    return np.concatenate(codes).astype(np.float64), np.concatenate(factors).astype(np.int64)


def factor_sampler(dataset: Any) -> FactorSampler:
    """Interventional sampler over the dataset's factor grid, rendering images with `dataset.render`."""
    import torch

    info = dataset.info
    return FactorSampler(tuple(info.factor_sizes), lambda f: dataset.render(torch.from_numpy(np.asarray(f))),
                         tuple(info.factor_names))


def disentanglement_report(space: Any, n: int = 5000, *, seed: int = 0, interventions: int | None = None,
                           batch_size: int | None = None, model: str = "forest", step: int | None = None,
                           progress: Any = None) -> DisentanglementReport:
    """All five scores and the matrices for a LatentSpace with an encoder, trained on shapes2d(-correlated).

    `n` codes of the run's data for MIG, DCI and SAP; `interventions` β-VAE points and FactorVAE votes (two
    thirds train, one third test) of `batch_size` images each. LatentError when the model has no encoder or
    the data no factors."""
    from workbench.compat import one_blas_thread
    from workbench.latent.errors import LatentError

    if not space.has_encoder:
        raise LatentError(f"the disentanglement report needs a model with an encoder (autoencoders, VAEs, AAE); "
                          f"{space.method_name} has none")
    if n < 10:
        raise LatentError(f"the disentanglement report needs at least 10 codes (got {n})")
    interventions = INTERVENTIONS if interventions is None else interventions
    batch_size = INTERVENTION_BATCH if batch_size is None else batch_size
    if interventions < 3 or batch_size < 2:
        raise LatentError("interventions must be ≥ 3 and batch_size ≥ 2")
    dataset = space.dataset()
    require_factor_dataset(dataset, f"{space.method_name}")
    say = progress or (lambda text: None)
    start = time.perf_counter()
    n = min(n, len(dataset))
    with one_blas_thread():
        say(f"encoding {n} images…")
        codes, factors = dataset_codes(space, n, seed)
        say("MIG, DCI, SAP…")
        scores, matrices = scores_from_codes(codes, factors, seed=seed, model=model)
        n_train = max(2, interventions * 2 // 3)
        n_test = max(1, interventions - n_train)
        sampler, encode = factor_sampler(dataset), _encoder(space)
        say("β-VAE score…")
        scores["β-VAE score"] = beta_vae_score(encode, sampler, n_train=n_train, n_test=n_test,
                                               batch_size=batch_size, seed=seed)
        say("FactorVAE score…")
        scores["FactorVAE score"] = factor_vae_score(encode, sampler, n_train=n_train, n_test=n_test,
                                                     batch_size=batch_size, n_variance=min(n, 5000), seed=seed)
    name = dataset.info.name
    notes = ("DCI classifiers: extra-trees ensembles (sklearn); SAP: chance-adjusted accuracy of one-dimension trees",
             "β-VAE and FactorVAE scores intervene on the full factor grid (factors independent)")
    return DisentanglementReport(
        scores={k: float(scores[k]) for k in SCORE_NAMES}, matrices=matrices,
        factor_names=tuple(dataset.info.factor_names),
        label=f"{name}, {count_text(n)} codes; β-VAE/FactorVAE: {n_train + n_test} × {batch_size} interventions",
        dataset=name, codes=n, interventions=n_train + n_test, batch_size=batch_size, seed=seed, step=step,
        seconds=time.perf_counter() - start, notes=notes)


# ---- storing ------------------------------------------------------------------------------------------------
def _npz_path(run: Run, step: int) -> Path:
    from workbench.evaluation.store import evaluations_dir

    return evaluations_dir(run) / f"{NPZ_PREFIX}{step}.npz"


def _is_disentanglement_label(label: str) -> bool:
    return any(label.startswith(name + " [") for name in SCORE_NAMES)


def store_disentanglement(run: Run, report: DisentanglementReport) -> Path:
    """Merge the scores into the evaluation of the report's step (evaluations/<step>.json, replacing earlier
    disentanglement scores there), write them as "eval/<label>" scalars, and the matrices to an .npz beside it.
    Returns the JSON's path."""
    from workbench.atomic import atomic_write_bytes, atomic_write_text
    from workbench.evaluation.store import EvaluationResult, evaluations_dir, stored_evaluations

    if report.step is None:
        raise ValueError("the report has no checkpoint step to store it at")
    step = report.step
    previous = next((r for r in stored_evaluations(run) if r.step == step), None)
    labelled = report.labelled_scores()
    if previous is None:
        config = run.config
        result = EvaluationResult(run.id, step, config.method_name, report.dataset, {}, report.codes, report.seed,
                                  report.seconds)
    else:
        result = previous
        result.metrics = {k: v for k, v in result.metrics.items() if not _is_disentanglement_label(k)}
        result.notes = [n for n in result.notes if not n.startswith("disentanglement:")]
    result.metrics.update(labelled)
    result.notes.extend(f"disentanglement: {note}" for note in report.notes)
    path = evaluations_dir(run) / f"{step}.json"
    atomic_write_text(path, json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n")

    buffer = io.BytesIO()
    meta = {"scores": report.scores, "label": report.label, "dataset": report.dataset, "codes": report.codes,
            "interventions": report.interventions, "batch_size": report.batch_size, "seed": report.seed,
            "step": step, "seconds": report.seconds, "notes": list(report.notes)}
    np.savez(buffer, meta=np.array(json.dumps(meta, ensure_ascii=False)),
             factor_names=np.array(report.factor_names, dtype=str),
             **{f"matrix/{k}": np.asarray(v, dtype=np.float64) for k, v in report.matrices.items()})
    atomic_write_bytes(_npz_path(run, step), buffer.getvalue())

    writer = run.metrics_writer()  # only the new scalars: the others of this step are already recorded
    try:
        writer.add_metrics(step, time.time(), {EvaluationResult.tag(k): v for k, v in labelled.items()})
    finally:
        writer.close()
    return path


def _load_npz(path: Path) -> DisentanglementReport:
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        matrices = {k.split("/", 1)[1]: np.array(data[k]) for k in data.files if k.startswith("matrix/")}
        names = tuple(str(x) for x in data["factor_names"])
    return DisentanglementReport(
        scores={k: float(v) for k, v in meta["scores"].items()}, matrices=matrices, factor_names=names,
        label=meta["label"], dataset=meta["dataset"], codes=int(meta["codes"]),
        interventions=int(meta["interventions"]), batch_size=int(meta["batch_size"]), seed=int(meta["seed"]),
        step=int(meta["step"]), seconds=float(meta["seconds"]), notes=tuple(meta.get("notes", ())))


def stored_disentanglement(run: Run, step: int | None = None) -> DisentanglementReport | None:
    """The stored report of `step` (default: the latest step that has one); None when there is none or it is
    unreadable."""
    from workbench.evaluation.store import evaluations_dir

    folder = evaluations_dir(run)
    if step is not None:
        candidates = [_npz_path(run, step)]
    else:
        found = [(int(p.stem[len(NPZ_PREFIX):]), p) for p in folder.glob(f"{NPZ_PREFIX}*.npz")
                 if p.stem[len(NPZ_PREFIX):].isdigit()] if folder.is_dir() else []
        candidates = [p for _, p in sorted(found, reverse=True)]
    for path in candidates:
        if path.is_file():
            try:
                return _load_npz(path)
            except (OSError, ValueError, KeyError, TypeError):
                continue
    return None


def evaluate_disentanglement(run: Run, n: int = 5000, *, seed: int = 0, store: bool = True,
                             progress: Any = None, **options: Any) -> DisentanglementReport:
    """Load the run's latest checkpoint, compute the report and (by default) store it. LatentError when the
    run has no checkpoint, no encoder, or was not trained on data with known factors."""
    from workbench.latent.errors import LatentError
    from workbench.latent.model import LatentSpace

    try:
        data_name = run.config.data.name
    except Exception as err:  # noqa: BLE001 - an unreadable config is reported, not raised as is
        raise LatentError(f"cannot read the configuration of run {run.path.name}: {err}") from err
    from workbench.data import dataset_spec

    if not dataset_spec(data_name).factors:  # checked before loading the checkpoint; `render` is checked after
        raise LatentError(f"the disentanglement report needs data with known generative factors (shapes2d or "
                          f"shapes2d-correlated); run {run.id} was trained on {data_name!r}")
    step = run.latest_checkpoint_step()
    say = progress or (lambda text: None)
    say("loading the latest checkpoint…")
    space = LatentSpace.from_run(run)
    if not space.has_encoder:
        raise LatentError(f"the disentanglement report needs a model with an encoder (autoencoders, VAEs, AAE); "
                          f"run {run.id} trains {space.method_name}, which has none")
    report = disentanglement_report(space, n, seed=seed, step=step, progress=say, **options)
    if store:
        store_disentanglement(run, report)
    return report

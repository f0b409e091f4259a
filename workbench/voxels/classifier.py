"""A small 3-D CNN that tells which class a voxel grid shows, trained in the app on a voxel dataset's labels.

Why: a voxel generator's samples have no labels, so "does it make every kind of shape, in fair shares?" needs
a judge. Like the image classifier behind FID/KID here (`workbench.metrics.feature_extractors`), it needs no
download: it is trained on the dataset's own labels (the training split) in seconds to a minute on a CPU, its
accuracy on the held-out test split is recorded, and it is cached in the workspace:

    <workspace>/feature_extractors/voxel-<dataset>-<side>.safetensors   the weights
    <workspace>/feature_extractors/voxel-<dataset>-<side>.json          what it is: dataset, grid side, class
                                                                        names, held-out accuracy, training
                                                                        steps, the weights' SHA-256

A cached file that cannot be read, or that does not match (another format, side, dataset or class list,
weights that are not the ones the JSON describes), is refused with a message that names the file and the
reason; `load_or_train_voxel_classifier` then trains a new one, replaces the file and keeps the reason in
`VoxelClassifier.replaced_because` (and logs it as a warning), so nothing is dropped silently.

Network (`VoxelCNN`): strided 3-D convolutions (kernel 4, stride 2, ReLU) from the grid side down to 4³,
8 → 16 → 32 feature maps (a 4-map layer in front for 64³), then 128 hidden units and one logit per class. Inputs
are thresholded at 0.5 by default: the classifier is trained on the datasets' 0/1 grids and a generator's soft
occupancy is shown (and compared by IoU) thresholded at 0.5 too, so it judges the shape a user sees.
Training flips grids left/right and front/back and swaps those two axes at random (every class keeps its
label under these), which helps it generalise from 2,000 shapes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from workbench.voxels.errors import VoxelError

log = logging.getLogger(__name__)

CACHE_FOLDER = "feature_extractors"  # the image classifiers' folder: one place for the app's judges
FORMAT_VERSION = 1
ARCHITECTURE = "VoxelCNN-1"  # bump when VoxelCNN changes, so older files are refused, not mis-loaded
HIDDEN = 128
INPUT_THRESHOLD = 0.5
COVERAGE_MIN_SHARE = 0.01  # a class is "covered" when at least 1% of the samples (and at least one) fall in it
EVAL_BATCH = 256
DEFAULT_STEPS = 600  # 32³ voxels3d: held-out accuracy 0.98–1.00 over seeds at 400, 1.00 at 600 (≈ 30 CPU s)
DEFAULT_BATCH_SIZE = 32
DEFAULT_LR = 3e-3
HOLD_OUT_SHARE = 0.2  # held out of the training split when a dataset has no test shapes

Progress = Callable[[int, int], None]  # (training steps done, steps in all)


# --------------------------------------------------------------------------------------------------------------
# The network


def _widths(side: int) -> list[int]:
    """Feature maps after each stride-2 layer, from `side` down to 4³ (8, 16, 32; 64³ adds a 4-map layer first)."""
    if side < 8 or side & (side - 1):
        raise VoxelError(f"grid side must be a power of two ≥ 8 for the voxel classifier; got {side}")
    layers = int(math.log2(side)) - 2
    base = [8, 16, 32]
    return base[-layers:] if layers <= 3 else [4] * (layers - 3) + base


class VoxelCNN(nn.Module):
    """N×1×S×S×S occupancy → N×classes logits: stride-2 3-D convolutions down to 4³, 128 hidden units."""

    def __init__(self, side: int, num_classes: int) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels = 1
        for width in _widths(side):
            layers += [nn.Conv3d(channels, width, 4, 2, 1), nn.ReLU(inplace=True)]
            channels = width
        self.body = nn.Sequential(*layers, nn.Flatten(), nn.Linear(channels * 4**3, HIDDEN), nn.ReLU(inplace=True))
        self.head = nn.Linear(HIDDEN, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


# --------------------------------------------------------------------------------------------------------------
# What is cached next to the weights


@dataclass(frozen=True)
class VoxelClassifierRecord:
    """The JSON written next to the weights: what the classifier judges and how well it does."""

    name: str
    dataset: str
    side: int
    class_names: tuple[str, ...]
    test_accuracy: float
    test_shapes: int
    test_split: str  # "test" (the dataset's held-out shapes) or "20% of train" when it has none
    train_steps: int
    batch_size: int
    train_cpu_seconds: float
    train_wall_seconds: float
    seed: int
    weights_sha256: str
    architecture: str = ARCHITECTURE
    input_threshold: float = INPUT_THRESHOLD
    format_version: int = FORMAT_VERSION

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "class_names": list(self.class_names)}, indent=2)

    @classmethod
    def from_json(cls, text: str, path: Path) -> VoxelClassifierRecord:
        """Parse and type-check the JSON; VoxelError naming `path` and the field for anything malformed."""
        try:
            data = json.loads(text)
        except ValueError as err:
            raise VoxelError(f"{path}: not valid JSON ({err})") from err
        if not isinstance(data, dict):
            raise VoxelError(f"{path}: expected a JSON object, got {type(data).__name__}")
        fields = cls.__dataclass_fields__
        missing = sorted(set(fields) - set(data))
        if missing:
            raise VoxelError(f"{path}: missing field(s) {', '.join(missing)}")
        kinds = {"name": str, "dataset": str, "side": int, "test_accuracy": (int, float), "test_shapes": int,
                 "test_split": str, "train_steps": int, "batch_size": int, "train_cpu_seconds": (int, float),
                 "train_wall_seconds": (int, float), "seed": int, "weights_sha256": str, "architecture": str,
                 "input_threshold": (int, float), "format_version": int}
        for key, kind in kinds.items():
            if not isinstance(data[key], kind) or isinstance(data[key], bool):
                raise VoxelError(f"{path}: field {key!r} has the wrong type ({type(data[key]).__name__})")
        names = data["class_names"]
        if not isinstance(names, list) or len(names) < 2 or not all(isinstance(n, str) for n in names):
            raise VoxelError(f"{path}: field 'class_names' must be a list of at least two names")
        if not 0.0 <= data["test_accuracy"] <= 1.0:
            raise VoxelError(f"{path}: field 'test_accuracy' must be in [0, 1]; got {data['test_accuracy']}")
        return cls(**{k: data[k] for k in fields if k != "class_names"}, class_names=tuple(names))


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)


def classifier_paths(workspace_root: str | Path, dataset_name: str, side: int) -> tuple[Path, Path]:
    """Where the voxel classifier of a dataset and grid side is cached: (weights, JSON record)."""
    root = Path(workspace_root if isinstance(workspace_root, (str, Path)) else workspace_root.root)  # or a Workspace
    stem = f"voxel-{_safe_name(dataset_name)}-{int(side)}"
    folder = root / CACHE_FOLDER
    return folder / f"{stem}.safetensors", folder / f"{stem}.json"


# --------------------------------------------------------------------------------------------------------------
# The classifier


def _as_batch(grids: Any, side: int, threshold: float | None) -> torch.Tensor:
    """N×D×H×W or N×1×D×H×W (numpy or torch, float in [0, 1] or bool) → float N×1×S×S×S on the CPU."""
    tensor = grids.detach() if isinstance(grids, torch.Tensor) else torch.from_numpy(np.asarray(grids))
    if tensor.ndim == 5 and tensor.shape[1] == 1:
        tensor = tensor[:, 0]
    if tensor.ndim != 4 or tuple(tensor.shape[1:]) != (side, side, side):
        raise VoxelError(f"voxel grids must be N×{side}×{side}×{side} or N×1×{side}×{side}×{side} for this "
                         f"classifier (trained at {side}³); got shape {tuple(tensor.shape)}")
    tensor = tensor.cpu().float()
    if threshold is not None:
        tensor = (tensor >= threshold).float()
    return tensor.unsqueeze(1)


class VoxelClassifier:
    """A trained VoxelCNN (CPU, eval mode) with its record: `predict`, `probabilities`, `describe`."""

    def __init__(self, net: VoxelCNN, record: VoxelClassifierRecord, *, origin: str = "trained",
                 replaced_because: str = "") -> None:
        self.net = net.eval()
        self.net.requires_grad_(False)
        self.record = record
        self.name: str = record.name
        self.side: int = record.side
        self.class_names: tuple[str, ...] = record.class_names
        self.num_classes: int = len(record.class_names)
        self.accuracy: float = record.test_accuracy
        self.origin = origin  # "trained" now, or "loaded" from the workspace's cache
        self.replaced_because = replaced_because  # why a cached file was refused and retrained ("" if none was)

    def logits(self, grids: Any, threshold: float | None = INPUT_THRESHOLD) -> torch.Tensor:
        """N×classes logits (float32 CPU tensor); `threshold` None feeds the occupancy as it is."""
        batch = _as_batch(grids, self.side, threshold)
        out = [torch.empty(0, self.num_classes)]
        with torch.no_grad():
            for start in range(0, batch.shape[0], EVAL_BATCH):
                out.append(self.net(batch[start:start + EVAL_BATCH]).float())
        return torch.cat(out)

    def probabilities(self, grids: Any, threshold: float | None = INPUT_THRESHOLD) -> np.ndarray:
        """Softmax class probabilities, float32 N×classes."""
        return self.logits(grids, threshold).softmax(1).numpy()

    def predict(self, grids: Any, threshold: float | None = INPUT_THRESHOLD) -> np.ndarray:
        """The most likely class of each grid, int64 N (indices into `class_names`)."""
        return self.logits(grids, threshold).argmax(1).numpy().astype(np.int64)

    def describe(self) -> str:
        """What the classifier is, for labelling numbers: 'voxels3d-CNN 32³ (held-out accuracy 0.975, 200 …)'."""
        r = self.record
        return (f"{r.dataset}-CNN {r.side}³ (held-out accuracy {r.test_accuracy:.3f} on {r.test_shapes:,} "
                f"{'test shapes' if r.test_split == 'test' else 'shapes held out of training'})")


# --------------------------------------------------------------------------------------------------------------
# Training


def _expected_class_names(dataset: Any) -> tuple[str, ...]:
    return tuple(getattr(dataset.info, "class_names", ()) or ())


def _augment(grids: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random left/right and front/back flips and a swap of those two axes, per grid (labels are unchanged)."""
    flips = torch.rand(grids.shape[0], 3, generator=generator) < 0.5
    out = []
    for grid, (flip_x, flip_z, swap) in zip(grids, flips.tolist(), strict=True):  # grid: 1×D×H×W
        dims = [d for d, flip in ((1, flip_z), (3, flip_x)) if flip]
        grid = grid.flip(dims) if dims else grid
        out.append(grid.transpose(1, 3) if swap else grid)
    return torch.stack(out).contiguous()


def _hold_out(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    n_test = max(1, int(n * HOLD_OUT_SHARE))
    return order[n_test:], order[:n_test]


def train_voxel_classifier(train_set: Any, test_set: Any = None, *, steps: int = DEFAULT_STEPS,
                           batch_size: int = DEFAULT_BATCH_SIZE, lr: float = DEFAULT_LR, seed: int = 0,
                           progress: Progress | None = None) -> VoxelClassifier:
    """Train a VoxelCNN on a labelled voxel dataset (`info`, `__len__`, `get_batch` → (N×1×S³ grids, labels)).

    The accuracy is measured on `test_set` (every shape), or, when it is None or empty, on 20% of `train_set`
    held out of training. Global random state is left untouched (its own generators, a forked torch RNG).
    """
    info = train_set.info
    if getattr(info, "kind", "images") != "voxels":
        raise VoxelError(f"dataset {info.name!r} holds {getattr(info, 'kind', 'images')}, not voxel grids")
    class_names = _expected_class_names(train_set)
    if len(class_names) < 2:
        raise VoxelError(f"dataset {info.name!r} has no class labels (it needs at least two classes, e.g. one "
                         "subfolder per class) to train a voxel classifier on")
    if steps < 1 or batch_size < 1:
        raise VoxelError(f"steps and batch size must be ≥ 1; got {steps} and {batch_size}")
    side = int(info.image_size)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    if test_set is not None and len(test_set) > 0:
        train_idx, test_idx, split = torch.arange(len(train_set)), torch.arange(len(test_set)), "test"
        held_out = test_set
    else:
        train_idx, test_idx = _hold_out(len(train_set), seed)
        split, held_out = f"{HOLD_OUT_SHARE:.0%} of train", train_set
    generator = torch.Generator().manual_seed(seed + 1)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = VoxelCNN(side, len(class_names))
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.15)
    net.train()
    for step in range(steps):
        pick = train_idx[torch.randint(0, train_idx.numel(), (batch_size,), generator=generator)]
        grids, labels = train_set.get_batch(pick)
        grids = _augment((torch.as_tensor(grids).float() >= INPUT_THRESHOLD).float(), generator)
        loss = F.cross_entropy(net(grids), torch.as_tensor(labels, dtype=torch.long))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        schedule.step()
        if progress is not None and ((step + 1) % 10 == 0 or step + 1 == steps):
            progress(step + 1, steps)
    net.eval()
    provisional = VoxelClassifier(net, _record(info.name, side, class_names, 0.0, 0, split, steps, batch_size,
                                               0.0, 0.0, seed, net))
    correct = 0
    for chunk in test_idx.split(EVAL_BATCH):
        grids, labels = held_out.get_batch(chunk)
        correct += int((provisional.predict(grids) == np.asarray(labels)).sum())
    record = _record(info.name, side, class_names, correct / test_idx.numel(), int(test_idx.numel()), split, steps,
                     batch_size, time.process_time() - cpu0, time.perf_counter() - wall0, seed, net)
    return VoxelClassifier(net, record)


def _state(net: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().contiguous().cpu() for k, v in net.state_dict().items()}


def _sha256_of_state(state: dict[str, torch.Tensor]) -> str:
    """A digest of the tensors themselves (names, shapes, values), independent of how the file lays them out."""
    digest = hashlib.sha256()
    for key in sorted(state):
        tensor = state[key].float().contiguous()
        digest.update(f"{key}:{tuple(tensor.shape)};".encode())
        digest.update(tensor.numpy().tobytes())
    return digest.hexdigest()


def _record(dataset: str, side: int, class_names: tuple[str, ...], accuracy: float, test_shapes: int, split: str,
            steps: int, batch_size: int, cpu: float, wall: float, seed: int, net: nn.Module) -> VoxelClassifierRecord:
    return VoxelClassifierRecord(
        name=f"{dataset}-CNN-{side}", dataset=dataset, side=side, class_names=class_names,
        test_accuracy=float(accuracy), test_shapes=test_shapes, test_split=split, train_steps=steps,
        batch_size=batch_size, train_cpu_seconds=round(cpu, 3), train_wall_seconds=round(wall, 3), seed=seed,
        weights_sha256=_sha256_of_state(_state(net)))


# --------------------------------------------------------------------------------------------------------------
# The workspace cache


def save_voxel_classifier(classifier: VoxelClassifier, workspace_root: str | Path) -> Path:
    """Write the weights and the JSON record under <workspace>/feature_extractors (each write crash-safe)."""
    from safetensors.torch import save

    from workbench.atomic import atomic_write_bytes

    r = classifier.record
    weights, meta = classifier_paths(workspace_root, r.dataset, r.side)
    atomic_write_bytes(weights, save(_state(classifier.net), metadata={"name": r.name, "dataset": r.dataset,
                                                                       "side": str(r.side)}))
    atomic_write_bytes(meta, r.to_json().encode("utf-8"))
    return weights


def load_voxel_classifier(workspace_root: str | Path, dataset_name: str, side: int,
                          class_names: tuple[str, ...] | None = None) -> VoxelClassifier | None:
    """The cached classifier, or None when there is none; VoxelError (naming the file and the reason) when a
    cached one cannot be read or does not match this dataset, side, class list or format."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    weights, meta = classifier_paths(workspace_root, dataset_name, side)
    if not weights.exists() and not meta.exists():
        return None
    for path in (weights, meta):
        if not path.is_file():
            raise VoxelError(f"{path} is missing while its companion file exists: the cached voxel classifier is "
                             "incomplete")
    try:
        text = meta.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise VoxelError(f"{meta}: cannot be read ({err})") from err
    record = VoxelClassifierRecord.from_json(text, meta)
    if record.format_version != FORMAT_VERSION or record.architecture != ARCHITECTURE:
        raise VoxelError(f"{meta}: written for format {record.format_version} / {record.architecture}; this version "
                         f"of the app reads format {FORMAT_VERSION} / {ARCHITECTURE}")
    if record.dataset != dataset_name or record.side != int(side):
        raise VoxelError(f"{meta}: describes a classifier for {record.dataset!r} at {record.side}³, not "
                         f"{dataset_name!r} at {side}³")
    if class_names is not None and tuple(class_names) != record.class_names:
        raise VoxelError(f"{meta}: classes {', '.join(record.class_names)} differ from the dataset's "
                         f"{', '.join(class_names)}")
    try:
        state = load_file(str(weights))
    except (OSError, SafetensorError, ValueError, RuntimeError) as err:
        raise VoxelError(f"{weights}: not a readable safetensors file ({err})") from err
    net = VoxelCNN(record.side, len(record.class_names))
    expected = {k: tuple(v.shape) for k, v in net.state_dict().items()}
    found = {k: tuple(v.shape) for k, v in state.items()}
    if found != expected:
        wrong = sorted(set(expected) ^ set(found)) or sorted(k for k in expected if expected[k] != found[k])
        raise VoxelError(f"{weights}: its tensors do not fit a {record.side}³ voxel classifier with "
                         f"{len(record.class_names)} classes (e.g. {', '.join(wrong[:3])})")
    if _sha256_of_state(state) != record.weights_sha256:
        raise VoxelError(f"{weights}: the weights are not the ones {meta.name} describes (SHA-256 differs)")
    net.load_state_dict(state)
    return VoxelClassifier(net, record, origin="loaded")


def _voxel_splits(dataset_name: str, side: int) -> tuple[Any, Any]:
    """(train, test) of a voxel dataset; the test split is None where the dataset has none."""
    from workbench.config import ConfigError, DataConfig
    from workbench.data.build import build_dataset

    config = DataConfig(name=dataset_name, image_size=int(side), channels=1)
    train_set = build_dataset(config, "train")
    if getattr(train_set.info, "kind", "images") != "voxels":
        raise VoxelError(f"dataset {dataset_name!r} holds {train_set.info.kind}, not voxel grids: the voxel "
                         "classifier is for voxel datasets (voxels3d, voxel-folder)")
    try:
        test_set = build_dataset(config, "test")
    except ConfigError as err:  # e.g. a folder without test/: the accuracy is then measured on held-out train
        log.info("no test split for %s (%s); holding out %.0f%% of the training shapes", dataset_name, err,
                 100 * HOLD_OUT_SHARE)
        test_set = None
    return train_set, test_set


def load_or_train_voxel_classifier(workspace_root: str | Path, dataset_name: str = "voxels3d", side: int = 32,
                                   progress: Progress | None = None, *, steps: int = DEFAULT_STEPS,
                                   batch_size: int = DEFAULT_BATCH_SIZE, seed: int = 0) -> VoxelClassifier:
    """The voxel classifier for `dataset_name` at `side`³: the workspace's cached one, else trained and cached.

    `progress(done, total)` is called every 10 training steps when one is trained. A cached file that is
    refused (see `load_voxel_classifier`) is replaced; the reason is logged and kept in `replaced_because`.
    Datasets with a root folder (voxel-folder) are trained from `DataConfig(name, image_size=side)`, so only the
    built-in `voxels3d` works without one.
    """
    known = None
    if dataset_name == "voxels3d":  # its classes are fixed: a cached classifier loads without rendering the data
        from workbench.data.voxel_shapes import CLASS_NAMES

        known = tuple(CLASS_NAMES)
    replaced_because = ""
    try:
        cached = load_voxel_classifier(workspace_root, dataset_name, side, known)
    except VoxelError as err:
        replaced_because = str(err)
        log.warning("refusing the cached voxel classifier and training a new one: %s", err)
        cached = None
    if cached is not None:
        if known is None:
            train_set, _test = _voxel_splits(dataset_name, side)
            if _expected_class_names(train_set) == cached.class_names:
                return cached
            replaced_because = (f"the cached classifier's classes ({', '.join(cached.class_names)}) differ from "
                                f"the dataset's ({', '.join(_expected_class_names(train_set))})")
            log.warning("refusing the cached voxel classifier and training a new one: %s", replaced_because)
        else:
            return cached
    train_set, test_set = _voxel_splits(dataset_name, side)
    classifier = train_voxel_classifier(train_set, test_set, steps=steps, batch_size=batch_size, seed=seed,
                                        progress=progress)
    save_voxel_classifier(classifier, workspace_root)
    classifier.replaced_because = replaced_because
    return classifier


# --------------------------------------------------------------------------------------------------------------
# Class coverage


def class_coverage(labels: Any, num_classes: int, min_share: float = COVERAGE_MIN_SHARE) -> dict[str, Any]:
    """How a set of predicted labels spreads over the classes.

    Returns {"n", "counts" (list per class), "shares", "covered" (classes with at least `min_share` of the samples
    and at least one sample; 1% by default, so a class hit by a stray sample or two out of 1,000 does not count),
    "min_share", "entropy" (normalised entropy of the class histogram: 1 = every class equally often, 0 = all
    one class; 0 for no samples)}.
    """
    if num_classes < 1:
        raise ValueError(f"num_classes must be ≥ 1; got {num_classes}")
    values = np.asarray(labels).reshape(-1)
    if values.size and (values.dtype.kind not in "iu" or values.min() < 0 or values.max() >= num_classes):
        raise ValueError(f"labels must be whole numbers in [0, {num_classes}); got {values.dtype} values "
                         f"{values.min()}..{values.max()}")
    counts = np.bincount(values.astype(np.int64), minlength=num_classes)
    n = int(values.size)
    shares = counts / n if n else np.zeros(num_classes)
    covered = int(((counts > 0) & (shares >= min_share)).sum())
    nonzero = shares[shares > 0]
    entropy = float(-(nonzero * np.log(nonzero)).sum() / math.log(num_classes)) if n and num_classes > 1 else 0.0
    return {"n": n, "counts": [int(c) for c in counts], "shares": [float(s) for s in shares], "covered": covered,
            "min_share": float(min_share), "entropy": max(0.0, min(1.0, entropy))}

"""Feature extractors for FID, KID, IS, precision/recall and mode coverage. Each result names its extractor.

Two kinds:

- `ClassifierExtractor`, named "<dataset>-cnn" (e.g. "digits-cnn"): a small CNN trained in the app on a
  labelled dataset, cached in a folder of the workspace as safetensors + a JSON record of its dataset, image
  size, channels, classes and held-out test accuracy. Features are its 128-d penultimate layer; probabilities
  its softmax. The default, because it needs no download and suits small images; its numbers are only
  comparable between runs that use the same extractor, never with papers' Inception FIDs.
- `InceptionExtractor`, named "inception-v3": torchvision's InceptionV3 architecture with the FID variant
  blocks of pytorch-fid, loading the weights file that pytorch-fid and torch-fidelity distribute
  (`pt_inception-2015-12-05-6726825d.pth`, the converted TF FID network, 1008 classes) from a path the user
  gives. Never downloaded. Features are the 2048-d pool3 activations, probabilities the softmax of the logits
  without bias (as the original Inception Score and torch-fidelity compute them). Inputs are resized to
  299×299 bilinearly as pytorch-fid does (torch-fidelity's TF-exact resize can differ in the last digits).
  torchvision's own ImageNet weights (`inception_v3_google-*.pth`, 1000 classes) also load, named
  "inception-v3-imagenet", since FIDs from them are not comparable with published ones.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import torch
import torch.nn.functional as F
from torch import nn

from workbench.child_process import FileLock

CACHE_FOLDER = "feature_extractors"
FORMAT_VERSION = 1
CNN_INPUT_SIZE = 32  # the classifier sees every image resized to 32×32
CNN_FEATURES = 128


@runtime_checkable
class FeatureExtractor(Protocol):
    name: str
    feature_dim: int
    num_classes: int

    def features(self, images: torch.Tensor) -> torch.Tensor:
        """N×D float features of images in [-1, 1] N×C×H×W."""

    def probabilities(self, images: torch.Tensor) -> torch.Tensor:
        """N×classes softmax probabilities."""


def _as_channels(images: torch.Tensor, channels: int) -> torch.Tensor:
    if images.shape[1] == channels:
        return images
    if images.shape[1] == 1:
        return images.expand(-1, channels, -1, -1)
    if channels == 1:
        return images.mean(1, keepdim=True)
    raise ValueError(f"cannot convert {images.shape[1]}-channel images to {channels} channels")


class _Batched:
    """Runs a network over large image tensors in batches, without gradients, on CPU."""

    batch_size = 256

    def _run(self, images: torch.Tensor, fn) -> torch.Tensor:  # noqa: ANN001
        outs = []
        with torch.no_grad():
            for start in range(0, images.shape[0], self.batch_size):
                outs.append(fn(images[start:start + self.batch_size].float()))
        return torch.cat(outs) if outs else torch.empty(0)


# ---------------------------------------------------------------------------------------------------------
# The small classifier CNN


class SmallCNN(nn.Module):
    """32×32 input → 3 conv blocks (16, 32, 64 channels, each halving the size) → 128-d features → classes."""

    def __init__(self, channels: int, num_classes: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, 16, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),  # 16×16
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),  # 8×8
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),  # 4×4
            nn.Flatten(),
            nn.Linear(64 * 4 * 4, CNN_FEATURES), nn.ReLU(inplace=True),
        )
        self.head = nn.Linear(CNN_FEATURES, num_classes)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.body(x)
        return features, self.head(features)


@dataclass(frozen=True)
class ClassifierRecord:
    """The JSON written next to a cached classifier."""

    name: str
    dataset: str
    image_size: int
    channels: int
    class_names: tuple[str, ...]
    test_accuracy: float
    test_images: int
    train_steps: int
    train_seconds: float
    seed: int
    feature_dim: int = CNN_FEATURES
    input_size: int = CNN_INPUT_SIZE
    format_version: int = FORMAT_VERSION

    def to_json(self) -> str:
        d = dict(self.__dict__)
        d["class_names"] = list(self.class_names)
        return json.dumps(d, indent=2)

    @classmethod
    def from_json(cls, text: str) -> ClassifierRecord:
        d = json.loads(text)
        d["class_names"] = tuple(d["class_names"])
        return cls(**d)


class ClassifierExtractor(_Batched):
    """A trained SmallCNN used as a feature extractor; `record` says what it was trained on and how well."""

    def __init__(self, net: SmallCNN, record: ClassifierRecord) -> None:
        self.net = net.eval()
        self.record = record
        self.name = record.name
        self.feature_dim = record.feature_dim
        self.class_names = record.class_names
        self.num_classes = len(record.class_names)
        self.test_accuracy = record.test_accuracy

    def _prepare(self, images: torch.Tensor) -> torch.Tensor:
        x = _as_channels(images.float(), self.record.channels)
        if x.shape[-1] != CNN_INPUT_SIZE or x.shape[-2] != CNN_INPUT_SIZE:
            x = F.interpolate(x, size=(CNN_INPUT_SIZE, CNN_INPUT_SIZE), mode="bilinear", antialias=True,
                              align_corners=False)
        return x

    def features(self, images: torch.Tensor) -> torch.Tensor:
        return self._run(images, lambda x: self.net(self._prepare(x))[0])

    def logits(self, images: torch.Tensor) -> torch.Tensor:
        return self._run(images, lambda x: self.net(self._prepare(x))[1])

    def probabilities(self, images: torch.Tensor) -> torch.Tensor:
        return self.logits(images).softmax(1)

    def features_and_probabilities(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self._run(images, lambda x: torch.cat(
            [(o := self.net(self._prepare(x)))[0], o[1].softmax(1)], 1))
        return out[:, :self.feature_dim], out[:, self.feature_dim:]

    def predict(self, images: torch.Tensor) -> torch.Tensor:
        return self.logits(images).argmax(1)


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)


def classifier_paths(folder: str | Path, dataset_name: str, image_size: int, channels: int) -> tuple[Path, Path]:
    """Where the classifier for this dataset and image format is cached: (weights, JSON record)."""
    stem = f"{_safe_name(dataset_name)}-cnn-{image_size}px-{channels}ch"
    base = Path(folder) / CACHE_FOLDER
    return base / f"{stem}.safetensors", base / f"{stem}.json"


def _split_indices(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(train, test) indices: a seeded permutation, 20% (at most 2,000) held out for testing."""
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    n_test = max(1, min(2000, n // 5))
    return order[n_test:], order[:n_test]


def train_classifier(dataset: Any, *, steps: int = 400, batch_size: int = 64, lr: float = 2e-3,
                     seed: int = 0) -> ClassifierExtractor:
    """Train a SmallCNN on a labelled image dataset (anything with `info` and `get_batch`).

    20% of the dataset (at most 2,000 images) is held out and the accuracy on it is recorded. Global RNG
    state is left untouched.
    """
    info = dataset.info
    if getattr(info, "kind", "images") != "images":
        raise ValueError(f"dataset {info.name!r} holds {info.kind}, not images: no image classifier for it")
    if info.num_classes < 2:
        raise ValueError(f"dataset {info.name!r} has no class labels; train the classifier on a labelled dataset "
                         "or use InceptionV3 weights (workbench.metrics.feature_extractors.load_inception_v3)")
    start = time.perf_counter()
    train_idx, test_idx = _split_indices(len(dataset), seed)
    g = torch.Generator().manual_seed(seed + 1)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = SmallCNN(info.channels, info.num_classes)
    extractor = ClassifierExtractor(net, ClassifierRecord(
        name=f"{info.name}-cnn", dataset=info.name, image_size=info.image_size, channels=info.channels,
        class_names=tuple(info.class_names), test_accuracy=0.0, test_images=0, train_steps=steps,
        train_seconds=0.0, seed=seed))
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.15)
    net.train()
    for _ in range(steps):
        pick = train_idx[torch.randint(0, train_idx.numel(), (batch_size,), generator=g)]
        images, labels = dataset.get_batch(pick)
        _, logits = net(extractor._prepare(images))
        loss = F.cross_entropy(logits, labels)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
    net.eval()
    correct = 0
    for chunk in test_idx.split(500):
        images, labels = dataset.get_batch(chunk)
        correct += int((extractor.predict(images) == labels).sum())
    record = ClassifierRecord(**{**extractor.record.__dict__, "test_accuracy": correct / test_idx.numel(),
                                 "test_images": int(test_idx.numel()),
                                 "train_seconds": round(time.perf_counter() - start, 3)})
    return ClassifierExtractor(net, record)


def save_classifier(extractor: ClassifierExtractor, folder: str | Path) -> Path:
    """Write the classifier's weights and record under `folder`/feature_extractors (crash-safe)."""
    from safetensors.torch import save

    from workbench.atomic import atomic_write_bytes

    r = extractor.record
    weights, meta = classifier_paths(folder, r.dataset, r.image_size, r.channels)
    state = {k: v.contiguous() for k, v in extractor.net.state_dict().items()}
    atomic_write_bytes(weights, save(state, metadata={"name": r.name, "dataset": r.dataset}))
    atomic_write_bytes(meta, r.to_json().encode("utf-8"))
    return weights


def load_classifier(folder: str | Path, dataset_name: str, image_size: int, channels: int
                    ) -> ClassifierExtractor | None:
    """The cached classifier for this dataset and image format, or None when there is none (or it is stale)."""
    from safetensors.torch import load_file

    weights, meta = classifier_paths(folder, dataset_name, image_size, channels)
    if not (weights.is_file() and meta.is_file()):
        return None
    try:
        record = ClassifierRecord.from_json(meta.read_text(encoding="utf-8"))
    except (ValueError, TypeError, KeyError):
        return None
    if record.format_version != FORMAT_VERSION or record.input_size != CNN_INPUT_SIZE:
        return None
    net = SmallCNN(record.channels, len(record.class_names))
    try:
        net.load_state_dict(load_file(str(weights)))
    except Exception:  # noqa: BLE001 - a damaged cache (truncated, foreign or mis-shaped file) is trained again
        return None
    return ClassifierExtractor(net, record)


def classifier_lock(folder: str | Path, dataset_name: str, image_size: int, channels: int) -> FileLock:
    """Held while one process trains this classifier, so that a workspace trains each one once at a time."""
    weights, _ = classifier_paths(folder, dataset_name, image_size, channels)
    return FileLock(weights.with_suffix(".lock"))


def dataset_classifier(dataset: Any, folder: str | Path, *, steps: int = 400, batch_size: int = 64, seed: int = 0,
                       retrain: bool = False, on_train: Callable[[], None] | None = None) -> ClassifierExtractor:
    """The default extractor for `dataset`: loaded from the cache in `folder`, else trained and cached.

    Another process training the same classifier is waited for (its lock), and then its cache is used.
    `on_train` is called when this call really trains it.
    """
    info = dataset.info
    with classifier_lock(folder, info.name, info.image_size, info.channels):
        if not retrain:
            cached = load_classifier(folder, info.name, info.image_size, info.channels)
            if cached is not None and cached.class_names == tuple(info.class_names):
                return cached
        if on_train is not None:
            on_train()
        extractor = train_classifier(dataset, steps=steps, batch_size=batch_size, seed=seed)
        save_classifier(extractor, folder)
    return extractor


# ---------------------------------------------------------------------------------------------------------
# InceptionV3 from a local weights file


def _fid_inception_blocks():  # noqa: ANN202 - classes built on first use (torchvision is imported lazily)
    from workbench.compat import import_torchvision

    import_torchvision()
    from torchvision.models import inception as tv

    def pool_avg(x: torch.Tensor) -> torch.Tensor:
        # TensorFlow's average pooling ignores the zero padding; pytorch-fid patches the blocks the same way.
        return F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)

    class FIDInceptionA(tv.InceptionA):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            b1 = self.branch1x1(x)
            b5 = self.branch5x5_2(self.branch5x5_1(x))
            b3 = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
            return torch.cat([b1, b5, b3, self.branch_pool(pool_avg(x))], 1)

    class FIDInceptionC(tv.InceptionC):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            b1 = self.branch1x1(x)
            b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
            bd = x
            for layer in (self.branch7x7dbl_1, self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4,
                          self.branch7x7dbl_5):
                bd = layer(bd)
            return torch.cat([b1, b7, bd, self.branch_pool(pool_avg(x))], 1)

    class FIDInceptionE(tv.InceptionE):
        def __init__(self, in_channels: int, max_pool: bool) -> None:
            super().__init__(in_channels)
            self.max_pool = max_pool

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            b1 = self.branch1x1(x)
            b3 = self.branch3x3_1(x)
            b3 = torch.cat([self.branch3x3_2a(b3), self.branch3x3_2b(b3)], 1)
            bd = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
            bd = torch.cat([self.branch3x3dbl_3a(bd), self.branch3x3dbl_3b(bd)], 1)
            # the last block of the FID network uses max pooling here (a quirk of the TF graph)
            pooled = F.max_pool2d(x, 3, stride=1, padding=1) if self.max_pool else pool_avg(x)
            return torch.cat([b1, b3, bd, self.branch_pool(pooled)], 1)

    return tv, FIDInceptionA, FIDInceptionC, FIDInceptionE


def build_inception_v3(num_classes: int = 1008, aux_logits: bool = False, fid_variant: bool = True) -> nn.Module:
    """The architecture only (no weights): pytorch-fid's FID network, or torchvision's plain InceptionV3."""
    tv, block_a, block_c, block_e = _fid_inception_blocks()
    net = tv.Inception3(num_classes=num_classes, aux_logits=aux_logits, transform_input=False, init_weights=False)
    if fid_variant:
        net.Mixed_5b = block_a(192, pool_features=32)
        net.Mixed_5c = block_a(256, pool_features=64)
        net.Mixed_5d = block_a(288, pool_features=64)
        net.Mixed_6b = block_c(768, channels_7x7=128)
        net.Mixed_6c = block_c(768, channels_7x7=160)
        net.Mixed_6d = block_c(768, channels_7x7=160)
        net.Mixed_6e = block_c(768, channels_7x7=192)
        net.Mixed_7b = block_e(1280, max_pool=False)
        net.Mixed_7c = block_e(2048, max_pool=True)
    return net.eval()


_INCEPTION_TRUNK = ("Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3", "maxpool1", "Conv2d_3b_1x1", "Conv2d_4a_3x3",
                    "maxpool2", "Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d",
                    "Mixed_6e", "Mixed_7a", "Mixed_7b", "Mixed_7c", "avgpool")


class InceptionExtractor(_Batched):
    """InceptionV3 pool3 features (2048-d) and class probabilities, inputs resized to 299×299."""

    batch_size = 50

    def __init__(self, net: nn.Module, name: str, unbiased_logits: bool, weights_path: Path) -> None:
        self.net = net.eval()
        self.name = name
        self.feature_dim = 2048
        self.num_classes = int(net.fc.out_features)
        self.unbiased_logits = unbiased_logits
        self.weights_path = weights_path

    def _pool3(self, images: torch.Tensor) -> torch.Tensor:
        x = _as_channels(images.float(), 3)
        x = F.interpolate(x, size=(299, 299), mode="bilinear", align_corners=False)  # as pytorch-fid
        for name in _INCEPTION_TRUNK:
            x = getattr(self.net, name)(x)
        return x.flatten(1)

    def _probs(self, feats: torch.Tensor) -> torch.Tensor:
        fc = self.net.fc
        logits = feats @ fc.weight.T if self.unbiased_logits else fc(feats)
        return logits.softmax(1)

    def features(self, images: torch.Tensor) -> torch.Tensor:
        return self._run(images, self._pool3)

    def probabilities(self, images: torch.Tensor) -> torch.Tensor:
        return self._run(images, lambda x: self._probs(self._pool3(x)))

    def features_and_probabilities(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self._run(images, lambda x: torch.cat([(f := self._pool3(x)), self._probs(f)], 1))
        return out[:, :2048], out[:, 2048:]


def _read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        try:
            return load_file(str(path))
        except Exception as err:  # noqa: BLE001 - SafetensorError and friends: truncated, huge or bad header
            raise ValueError(f"cannot read Inception weights from {path}: not a valid safetensors file "
                             f"({type(err).__name__}: {err})") from err
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 - unpickling errors of every kind
        raise ValueError(f"cannot read Inception weights from {path}: {err}") from err
    if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise ValueError(f"{path} does not hold a state dict of tensors (got {type(obj).__name__})")
    return {k.removeprefix("module."): v for k, v in obj.items()}


def load_inception_v3(weights_path: str | Path) -> InceptionExtractor:
    """InceptionV3 with weights from a local file: pytorch-fid's / torch-fidelity's FID weights
    (`pt_inception-2015-12-05-6726825d.pth`, 1008 classes) or torchvision's ImageNet weights (1000 classes).

    `.safetensors` files are read with safetensors, anything else with `torch.load(weights_only=True)`.
    A file that does not fit the architecture raises ValueError naming the missing, unexpected and
    mis-shaped tensors.
    """
    path = Path(weights_path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"Inception weights file {str(path)!r} does not exist (it is never downloaded: "
                                "give the path of pt_inception-2015-12-05-6726825d.pth or a .safetensors copy)")
    state = _read_state_dict(path)
    fc = state.get("fc.weight")
    num_classes = int(fc.shape[0]) if fc is not None and fc.ndim == 2 else 1008
    fid_variant = num_classes == 1008
    aux = any(k.startswith("AuxLogits.") for k in state)
    net = build_inception_v3(num_classes=num_classes, aux_logits=aux, fid_variant=fid_variant)
    expected = {k: v for k, v in net.state_dict().items() if not k.endswith("num_batches_tracked")}
    given = {k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}
    missing = sorted(set(expected) - set(given))
    unexpected = sorted(set(given) - set(expected))
    mis_shaped = [f"{k}: file {tuple(given[k].shape)}, InceptionV3 {tuple(expected[k].shape)}"
                  for k in sorted(set(expected) & set(given)) if given[k].shape != expected[k].shape]
    if missing or unexpected or mis_shaped:
        parts = []
        if missing:
            parts.append(f"{len(missing)} missing tensor(s), e.g. {', '.join(missing[:3])}")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected tensor(s), e.g. {', '.join(unexpected[:3])}")
        if mis_shaped:
            parts.append(f"{len(mis_shaped)} with the wrong shape, e.g. {'; '.join(mis_shaped[:3])}")
        raise ValueError(f"{path} does not match the InceptionV3 architecture ({'; '.join(parts)}). Expected "
                         "the FID weights of pytorch-fid / torch-fidelity (pt_inception-2015-12-05-6726825d.pth) "
                         "or torchvision's inception_v3_google weights.")
    net.load_state_dict(state, strict=False)  # num_batches_tracked may be absent in converted TF weights
    name = "inception-v3" if fid_variant else "inception-v3-imagenet"
    return InceptionExtractor(net, name, unbiased_logits=fid_variant, weights_path=path)

"""A trained image-to-image translation model (Pix2Pix, CycleGAN), as the Translate pane and the CLI see it.

`TranslationModel` wraps a method object (networks on the CPU, in eval mode) behind one small interface:
`translate(x, direction)`, `cycle(x, direction)` for CycleGAN, and `examples(n)` from the run's held-out data.
Images are float N×C×H×W in [-1, 1] on the CPU. Calls are serialised by a lock: the pane's preview and a batch
job may run in two background threads at once, and a method toggles its networks' train/eval mode per call.
The pane runs its calls on one torch thread (interactive work must not fight a training run for the cores);
the CLI leaves torch's thread count alone.
"""

from __future__ import annotations

import inspect
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from workbench.config import ConfigError, DataConfig
from workbench.methods.capabilities import CycleTranslator, Translator
from workbench.methods.registry import method_spec
from workbench.runs.run import Run
from workbench.training.explore import explorer_session
from workbench.translation.errors import TranslationError
from workbench.translation.images import load_image_file, load_label_file

DIRECTIONS = ("AtoB", "BtoA")


def is_translation_method(method_name: str) -> bool:
    """True for methods that translate images (their spec offers `Translator`: pix2pix, cyclegan); unknown: False."""
    try:
        return method_spec(method_name).offers(Translator)
    except (KeyError, ValueError, ConfigError):
        return False


def _networks(method: Any) -> list[nn.Module]:
    return [value for value in vars(method).values() if isinstance(value, nn.Module)]


@dataclass(frozen=True)
class Examples:
    """Held-out examples: `a` are inputs of the dataset's input side, `b` images of its target side.

    For paired data `b[i]` is the ground truth of `a[i]` (`paired`); for unpaired data `b[i]` is an unrelated
    image of the other domain (the input of the reverse direction). `note` says where they came from, e.g.
    that the dataset has no test split and training images are shown instead.
    """

    a: torch.Tensor  # N×C×H×W in [-1, 1]
    b: torch.Tensor  # N×C×H×W in [-1, 1]
    indices: tuple[int, ...]
    split: str  # the split they were taken from: "test" or "train"
    paired: bool
    note: str = ""

    @property
    def inputs(self) -> torch.Tensor:
        return self.a

    @property
    def ground_truth(self) -> torch.Tensor | None:
        return self.b if self.paired else None

    def __len__(self) -> int:
        return int(self.a.shape[0])


class TranslationModel:
    """A trained translation model on the CPU: translate, cycle (CycleGAN), held-out examples, image files."""

    def __init__(self, method: Any, data_config: DataConfig, run: Run | None = None, dataset: Any = None,
                 step: int | None = None) -> None:
        """Prefer `from_run` / `from_method`; this puts every network of `method` in eval mode."""
        name = getattr(type(method), "method_name", "") or ""
        if not isinstance(method, Translator):
            raise TranslationError(f"method {name!r} does not translate images; select a Pix2Pix, CycleGAN or "
                                   "SPADE run")
        info = method.data_info
        self.method = method
        self.method_name: str = name
        self.directions: tuple[str, ...] = tuple(method.directions)
        domains = tuple(getattr(info, "domains", ()) or ())
        self.domains: tuple[str, str] = (domains[0], domains[1]) if len(domains) >= 2 else ("A", "B")
        self.image_size: int = int(info.image_size)
        self.channels: int = int(info.channels)
        self.paired: bool = getattr(info, "kind", "") == "paired"
        self.has_cycle: bool = isinstance(method, CycleTranslator)
        # Label-map data (SPADE's): the input side is a label map in these class colours (the pane's brush).
        self.label_names: tuple[str, ...] = tuple(getattr(info, "label_names", ()) or ())
        self.label_colors: tuple[tuple[int, int, int], ...] = tuple(getattr(info, "label_colors", ()) or ())
        self.data_config = data_config
        self.run = run
        self.step = step
        self._train_dataset = dataset
        self._split_datasets: dict[str, tuple[Any, str]] = {}
        self._lock = threading.RLock()
        for net in _networks(method):
            net.eval()
            net.requires_grad_(False)

    # ---- construction ------------------------------------------------------------------------------------
    @classmethod
    def from_run(cls, run: Run) -> TranslationModel:
        """The run's latest checkpoint on the CPU; TranslationError for a run that is not a translation run,
        has no checkpoint, or does not load."""
        session = explorer_session(run, is_translation_method, TranslationError,
                                   lambda name: f"run {run.id} trains {name!r}, which does not translate images; "
                                                "select a Pix2Pix, CycleGAN or SPADE run")
        return cls(session.method, run.config.data, run=run, dataset=session.dataset, step=int(session.step))

    @classmethod
    def from_method(cls, method: Any, data_config: DataConfig, run: Run | None = None,
                    dataset: Any = None) -> TranslationModel:
        """A live method object (tests, notebooks); its networks are switched to eval mode."""
        return cls(method, data_config, run=run, dataset=dataset)

    # ---- naming ------------------------------------------------------------------------------------------
    def input_domain(self, direction: str = "AtoB") -> str:
        return self.domains[0] if self._direction(direction) == "AtoB" else self.domains[1]

    def output_domain(self, direction: str = "AtoB") -> str:
        return self.domains[1] if self._direction(direction) == "AtoB" else self.domains[0]

    def direction_label(self, direction: str = "AtoB") -> str:
        """E.g. "edges → photos"."""
        return f"{self.input_domain(direction)} → {self.output_domain(direction)}"

    def describe(self) -> str:
        """One line: method, domains, size, checkpoint step."""
        parts = [method_spec(self.method_name).display_name if self.method_name else "translation model",
                 " ↔ ".join(self.domains) if len(self.directions) > 1 else self.direction_label("AtoB"),
                 f"{self.image_size}×{self.image_size} px, {self.channels} ch",
                 "paired data" if self.paired else "unpaired data"]
        if self.step is not None:
            parts.append(f"checkpoint step {self.step}")
        return " · ".join(parts)

    # ---- translation -------------------------------------------------------------------------------------
    def _direction(self, direction: str) -> str:
        if direction not in DIRECTIONS:
            raise TranslationError(f"direction must be one of {', '.join(DIRECTIONS)}, got {direction!r}")
        return direction

    def check_direction(self, direction: str) -> str:
        self._direction(direction)
        if direction not in self.directions:
            raise TranslationError(f"{self.method_name} translates {self.direction_label('AtoB')} only "
                                   f"(direction AtoB); it has no {direction} generator")
        return direction

    def checked_images(self, x: torch.Tensor) -> torch.Tensor:
        if not isinstance(x, torch.Tensor) or x.dim() not in (3, 4):
            shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise TranslationError(f"images must be a tensor N×{self.channels}×H×W, got {shape}")
        if x.dim() == 3:
            x = x.unsqueeze(0)
        if x.shape[1] != self.channels:
            raise TranslationError(f"this model takes {self.channels}-channel images, got {x.shape[1]} channels "
                                   f"(shape {tuple(x.shape)})")
        return x.float().cpu()

    @property
    def has_label_maps(self) -> bool:
        """The input side is a semantic label map, painted in `label_colors`."""
        return bool(self.label_colors)

    def accepts_inputs_of(self, other: TranslationModel) -> bool:
        """This model's A→B input is the same kind of image as `other`'s (same size, channels and input domain),
        so the pane can show both translations of one input side by side."""
        return (self.image_size, self.channels, self.input_domain("AtoB")) == \
            (other.image_size, other.channels, other.input_domain("AtoB"))

    def translate(self, x: torch.Tensor, direction: str = "AtoB") -> torch.Tensor:
        """Translate N×C×H×W images in [-1, 1] in `direction`; the result has the same shape, in [-1, 1]."""
        self.check_direction(direction)
        x = self.checked_images(x)
        with self._lock, torch.no_grad():
            try:
                return self.method.translate(x, direction).float().cpu()
            except ValueError as err:  # e.g. a size that is not a multiple of the generator's downsampling
                raise TranslationError(str(err)) from err

    def cycle(self, x: torch.Tensor, direction: str = "AtoB") -> torch.Tensor:
        """CycleGAN's reconstruction F(G(x)) (or G(F(x)) for BtoA): how much of the input survives a round trip."""
        if not self.has_cycle:
            raise TranslationError(f"{self.method_name} has no reverse generator, so there is no cycle "
                                   f"reconstruction (CycleGAN has one)")
        self.check_direction(direction)
        x = self.checked_images(x)
        with self._lock, torch.no_grad():
            try:
                return self.method.cycle(x, direction).float().cpu()
            except ValueError as err:
                raise TranslationError(str(err)) from err

    # ---- inputs ------------------------------------------------------------------------------------------
    def load_image(self, path: str | Path) -> torch.Tensor:
        """An image file prepared for this model: 1×C×S×S in [-1, 1] (centre-cropped, resized, converted). A model
        of label maps also reads SPADE's label files (pixel value = class id) and draws them in its palette."""
        if self.has_label_maps:
            label_map = load_label_file(path, self.image_size, self.label_colors)
            if label_map is not None:
                return label_map
        return load_image_file(path, self.image_size, self.channels)

    def dataset(self, split: str = "test") -> tuple[Any, str]:
        """The run's dataset for `split` ("test" or "train") and a note ("" or why another split is used)."""
        if split not in ("test", "train"):
            raise TranslationError(f"split must be 'test' or 'train', got {split!r}")
        cached = self._split_datasets.get(split)
        if cached is not None:
            return cached
        from workbench.data.build import build_dataset

        dataset, note = None, ""
        if split == "test":
            if "split" in inspect.signature(build_dataset).parameters:
                try:
                    dataset = build_dataset(self.data_config, split="test")
                except ConfigError as err:  # e.g. a folder without testA/testB or test/
                    reason = str(err).splitlines()[0].split("; ")[0].removeprefix("data.root: ")
                    note = f"{self.data_config.name} has no test split ({reason}): showing training images"
            else:
                note = f"{self.data_config.name} has no test split: showing training images"
        if dataset is None:
            dataset = self._train_dataset
            if dataset is None:
                dataset = build_dataset(self.data_config) if "split" not in inspect.signature(
                    build_dataset).parameters else build_dataset(self.data_config, split="train")
                self._train_dataset = dataset
        if _image_count(dataset) == 0:
            raise TranslationError(f"the {split} split of {self.data_config.name} is empty")
        self._split_datasets[split] = (dataset, note)
        return dataset, note

    def examples(self, n: int = 8, split: str = "test", start: int = 0) -> Examples:
        """n examples from the run's dataset (held-out split by default), from index `start` on (wrapping).

        Inputs are the dataset's input side (`data.direction` applied); for paired data `b` is the ground truth.
        """
        if n < 1:
            raise TranslationError(f"number of examples must be ≥ 1, got {n}")
        dataset, note = self.dataset(split)
        size = _image_count(dataset)
        used = "train" if note else split
        count = min(n, size)
        indices = [(start + i) % size for i in range(count)]
        a, b = dataset.get_batch(torch.tensor(indices, dtype=torch.long))
        return Examples(a=a.float().cpu(), b=b.float().cpu(), indices=tuple(indices), split=used,
                        paired=self.paired, note=note)

    def example_count(self, split: str = "test") -> int:
        """Examples `examples` pages through: the input-side images (unpaired sets count pairs in `len`)."""
        return _image_count(self.dataset(split)[0])


def _image_count(dataset: Any) -> int:
    """Input images of a dataset: an unpaired set's `len` counts (A, B) pairings, each A several times."""
    domain_size = getattr(dataset, "domain_size", None)
    return int(domain_size("A")) if callable(domain_size) else len(dataset)

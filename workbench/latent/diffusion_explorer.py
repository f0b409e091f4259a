"""A trained diffusion model (DDPM/DDIM) as the Diffusion explorer and the CLI see it.

In this family the noise x_T plays the latent code's part, and deterministic DDIM (η = 0) is its decoder and, run
upwards, its encoder: `invert` maps images to their noise and samples it back (the round trip's PSNR says how
well the ODE is solved in that many steps), `interpolate` walks a great circle between two noises (slerp keeps
the norm a Gaussian noise has, so midpoints stay noise the network has seen), and `guidance_grid` shows what the
classifier-free guidance scale does to the same noise of each class.

`DiffusionModel` wraps a method object that offers `Diffusion` (networks on the CPU, in eval mode). Images are
float N×C×H×W in [-1, 1] on the CPU. Calls are serialised by a lock: the explorer's tools run in background
threads that may overlap, and the method switches its networks' mode per call.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from workbench.config import DataConfig
from workbench.latent.errors import LatentError, build_run_dataset, checked_image_batch
from workbench.latent.interpolation import slerp
from workbench.methods.capabilities import Conditional, Diffusion
from workbench.methods.registry import method_spec
from workbench.runs.run import Run
from workbench.training.explore import explorer_session

PSNR_CAP_DB = 100.0  # an exact round trip: shown as ≥ 100 dB rather than infinity
UNCONDITIONAL_GUIDANCE = ("guidance needs a class-conditional run: this one was trained without classes "
                          "(method.conditional = no, or an unlabelled dataset). Train ddpm on a labelled dataset "
                          "with conditional = auto or yes to sweep the guidance scale")


def psnr_db(images: torch.Tensor, reference: torch.Tensor) -> list[float]:
    """PSNR per image for pixels in [-1, 1] (peak-to-peak 2), capped at `PSNR_CAP_DB` for an exact match."""
    mse = (images.float() - reference.float()).pow(2).flatten(1).mean(dim=1)
    return [PSNR_CAP_DB if m <= 0 else min(PSNR_CAP_DB, 10 * math.log10(4.0 / m)) for m in mse.tolist()]


@dataclass(frozen=True)
class DatasetExamples:
    """Images of the run's dataset (with their class indices, −1 when unlabelled) to invert."""

    images: torch.Tensor  # N×C×H×W in [-1, 1]
    labels: torch.Tensor  # N, long
    indices: tuple[int, ...]
    total: int  # images in the dataset
    note: str = ""  # where they come from, e.g. that the dataset has no held-out split

    def __len__(self) -> int:
        return int(self.images.shape[0])


@dataclass(frozen=True)
class Inversion:
    """Images, the noise DDIM inversion found for them, and that noise sampled back with the same steps."""

    images: torch.Tensor  # N×C×H×W
    noise: torch.Tensor  # x_T, N×C×H×W
    reconstruction: torch.Tensor  # N×C×H×W
    labels: torch.Tensor | None  # the classes the model was conditioned on (None: unconditional)
    steps: int
    psnr: list[float]  # reconstruction against the image, dB
    noise_mean: list[float]  # ≈ 0 for an image inverted to noise the model expects
    noise_std: list[float]  # ≈ 1 likewise
    seconds: float


@dataclass(frozen=True)
class GuidanceGrid:
    """Rows = classes, columns = guidance scales; every row keeps one noise so only the scale changes."""

    images: torch.Tensor  # rows×columns×C×H×W
    class_names: tuple[str, ...]
    scales: tuple[float, ...]
    steps: int
    seed: int
    seconds: float = 0.0


@dataclass
class Interpolation:
    """Frames from noise A to noise B (slerp), as images, with the noises they were sampled from."""

    images: torch.Tensor  # n×C×H×W
    noises: torch.Tensor  # n×C×H×W
    positions: list[float] = field(default_factory=list)  # t of every frame, 0 … 1
    seconds: float = 0.0


class DiffusionModel:
    """A trained diffusion model on the CPU: dataset examples, image files, inversion, interpolation, guidance."""

    def __init__(self, method: Any, data_config: DataConfig, run: Run | None = None, dataset: Any = None,
                 step: int | None = None) -> None:
        """Prefer `from_run` / `from_method`; this puts the method's networks in eval mode."""
        name = getattr(type(method), "method_name", "") or type(method).__name__
        if not isinstance(method, Diffusion):
            raise LatentError(f"method {name!r} is not a diffusion model: select a DDPM run")
        info = method.data_info
        self.method = method
        self.method_name: str = name
        self.image_shape: tuple[int, int, int] = (int(info.channels), int(info.image_size), int(info.image_size))
        self.classes: tuple[str, ...] = tuple(method.classes) if isinstance(method, Conditional) else ()
        self.num_timesteps: int = int(method.num_timesteps)
        settings = getattr(method, "settings", None)
        self.default_steps: int = int(getattr(settings, "sample_steps", 50))
        self.default_guidance: float = float(getattr(settings, "guidance_scale", 1.0))
        self.data_config = data_config
        self.run = run
        self.step = step
        self._dataset = dataset
        self._lock = threading.RLock()
        for value in vars(method).values():
            if isinstance(value, torch.nn.Module):
                value.eval()
                value.requires_grad_(False)

    @classmethod
    def from_run(cls, run: Run) -> DiffusionModel:
        """The run's latest checkpoint on the CPU; LatentError when the run is not a diffusion run or does not load."""
        session = explorer_session(
            run, lambda name: method_spec(name).offers(Diffusion), LatentError,
            lambda name: f"run {run.id} trains {name!r}, which is not a diffusion model: select a DDPM run")
        return cls(session.method, run.config.data, run=run, dataset=session.dataset, step=int(session.step))

    @classmethod
    def from_method(cls, method: Any, data_config: DataConfig, dataset: Any = None) -> DiffusionModel:
        """A live method object (tests, notebooks)."""
        return cls(method, data_config, dataset=dataset)

    # ---- naming ----------------------------------------------------------------------------------------------
    @property
    def conditional(self) -> bool:
        return bool(self.classes)

    def describe(self) -> str:
        """One line: method, data, size, T, classes, checkpoint step."""
        c, h, _w = self.image_shape
        parts = [method_spec(self.method_name).display_name if self.method_name else "diffusion model",
                 f"{self.data_config.name}, {h}×{h} px, {c} channel{'s' if c != 1 else ''}",
                 f"T = {self.num_timesteps} noise levels",
                 f"class-conditional ({len(self.classes)} classes)" if self.conditional else "unconditional"]
        if self.step is not None:
            parts.append(f"checkpoint step {self.step}")
        return " · ".join(parts)

    # ---- inputs ----------------------------------------------------------------------------------------------
    def dataset(self) -> Any:
        """The run's dataset (built on first use)."""
        if self._dataset is None:
            self._dataset = build_run_dataset(self.data_config)
        return self._dataset

    def examples(self, n: int = 12, start: int = 0, *, seed: int = 0) -> DatasetExamples:
        """n images of the run's dataset, a seeded shuffle paged from `start` (every class shows up early)."""
        dataset = self.dataset()
        total = len(dataset)
        if total == 0:
            raise LatentError(f"the dataset {self.data_config.name!r} is empty")
        order = torch.randperm(total, generator=torch.Generator().manual_seed(seed))
        chosen = order[(torch.arange(n) + start) % total]
        images, labels = dataset.get_batch(chosen)[:2]
        labels = labels.long() if self.conditional else torch.full((len(chosen),), -1, dtype=torch.long)
        note = f"{self.data_config.name} has no held-out split: these are training images"
        return DatasetExamples(images.float().cpu(), labels.cpu(), tuple(int(i) for i in chosen), total, note)

    def load_image(self, path: str | Path) -> torch.Tensor:
        """A user's image file as the model sees images (1×C×H×W, centre-cropped, resized, converted to the run's
        channels); LatentError naming the file when it cannot be read."""
        from workbench.latent.codes import load_image_file

        return load_image_file(path, self.image_shape)

    def checked_images(self, images: torch.Tensor) -> torch.Tensor:
        return checked_image_batch(images, self.image_shape)

    def checked_labels(self, labels: torch.Tensor | Sequence[int] | int | None, n: int) -> torch.Tensor | None:
        """Class indices for a conditional model (None or −1 entries: the null class, i.e. unconditional); None for
        an unconditional model, which ignores classes."""
        if not self.conditional or labels is None:
            return None
        if isinstance(labels, int):
            labels = [labels] * n
        labels = torch.as_tensor(labels).long().cpu().reshape(-1)
        if labels.shape[0] != n:
            raise LatentError(f"expected {n} class indices (one per image), got {labels.shape[0]}")
        k = len(self.classes)
        if n and int(labels.max()) >= k:
            raise LatentError(f"class indices must lie in [0, {k - 1}] ({', '.join(self.classes)})")
        if n and int(labels.min()) < 0:
            if int(labels.max()) >= 0:  # the method conditions a whole batch on classes or on none
                raise LatentError("give every image a class, or none of them")
            return None
        return labels

    def checked_steps(self, steps: int) -> int:
        steps = int(steps)
        if not 1 <= steps <= self.num_timesteps:
            raise LatentError(f"DDIM steps must lie in [1, {self.num_timesteps}] (T of this run), got {steps}")
        return steps

    # ---- sampling --------------------------------------------------------------------------------------------
    def noise(self, n: int, *, seed: int) -> torch.Tensor:
        """n noises x_T ~ N(0, I), the same for the same seed."""
        return torch.randn(n, *self.image_shape, generator=torch.Generator().manual_seed(int(seed)))

    def sample(self, noise: torch.Tensor, steps: int, labels: torch.Tensor | Sequence[int] | int | None = None,
               guidance: float | None = None, *, clip: bool = True) -> torch.Tensor:
        """Images for `noise` in `steps` deterministic DDIM steps; `clip` keeps every predicted image in [-1, 1] (as
        the app samples; without it the path is the exact ODE that `invert` reverses)."""
        noise = self.checked_images(noise)
        labels = self.checked_labels(labels, noise.shape[0])
        guidance = guidance if labels is not None else None
        with self._lock:
            images = self.method.ddim_sample(noise, self.checked_steps(steps), 0.0, labels, guidance, seed=0, clip=clip)
        return images.float().cpu().clamp(-1, 1)

    def invert(self, images: torch.Tensor, steps: int,
               labels: torch.Tensor | Sequence[int] | int | None = None) -> Inversion:
        """DDIM inversion of `images` to their noise x_T (the encoder of this family), and that noise sampled back
        along the same ODE (no clipping): the reconstruction's PSNR and the noise's mean and std (≈ 0 and 1) say
        how faithful the inversion is."""
        started = time.perf_counter()
        images = self.checked_images(images)
        labels = self.checked_labels(labels, images.shape[0])
        steps = self.checked_steps(steps)
        with self._lock:
            noise = self.method.ddim_invert(images, steps, labels).float().cpu()
            reconstruction = self.method.ddim_sample(noise, steps, 0.0, labels, None, seed=0, clip=False)
        reconstruction = reconstruction.float().cpu().clamp(-1, 1)
        flat = noise.flatten(1)
        return Inversion(images, noise, reconstruction, labels, steps, psnr_db(reconstruction, images),
                         flat.mean(dim=1).tolist(), flat.std(dim=1).tolist(), time.perf_counter() - started)

    def interpolate(self, noise_a: torch.Tensor, noise_b: torch.Tensor, n: int, steps: int,
                    labels: int | None = None, guidance: float | None = None, *, clip: bool = True) -> Interpolation:
        """n frames by slerp from `noise_a` to `noise_b` (each C×H×W or 1×C×H×W), sampled with the same class and
        guidance; the first and last frames are the endpoints' own images. Use `clip=False` to reproduce inverted
        images exactly at the ends."""
        started = time.perf_counter()
        if n < 2:
            raise LatentError(f"an interpolation needs at least 2 frames, got {n}")
        a, b = (self.checked_images(z if z.ndim == 4 else z.unsqueeze(0))[0] for z in (noise_a, noise_b))
        positions = torch.linspace(0, 1, n, dtype=torch.float64)
        noises = slerp(a.flatten(), b.flatten(), positions).float().reshape(n, *self.image_shape)
        images = self.sample(noises, steps, None if labels is None else [labels] * n, guidance, clip=clip)
        return Interpolation(images, noises, positions.tolist(), time.perf_counter() - started)

    def guidance_grid(self, classes: Sequence[int], scales: Sequence[float], steps: int,
                      seed: int = 0) -> GuidanceGrid:
        """Images of each class (rows) at each classifier-free guidance scale (columns): ε = ε_null + w·(ε_class −
        ε_null); w = 0 ignores the class, 1 is plain conditional, larger pushes towards typical images of it.
        Row i keeps noise seed + i across its columns, so only the scale changes along a row."""
        if not self.conditional:
            raise LatentError(UNCONDITIONAL_GUIDANCE)
        classes, scales = [int(c) for c in classes], [float(s) for s in scales]
        if not classes or not scales:
            raise LatentError("choose at least one class and one guidance scale")
        if any(s < 0 for s in scales):
            raise LatentError("guidance scales must be ≥ 0 (0 = unconditional, 1 = plain conditional)")
        started = time.perf_counter()
        labels = self.checked_labels(classes, len(classes))
        noise = torch.cat([self.noise(1, seed=seed + i) for i in range(len(classes))])
        columns = [self.sample(noise, steps, labels, scale) for scale in scales]
        images = torch.stack(columns, dim=1)  # rows × columns × C×H×W
        return GuidanceGrid(images, tuple(self.classes[c] for c in classes), tuple(scales), int(steps), int(seed),
                            time.perf_counter() - started)

    def sampler(self, steps: int, guidance: float | None = None,
                clip: bool = True) -> Callable[..., torch.Tensor]:
        """`sample_fn(count, seed=...)` drawing images in `steps` DDIM steps from seeded noise (classes cycling
        through the rows for a conditional model, at `guidance`, default the run's): what FID is measured on."""
        steps = self.checked_steps(steps)
        guidance = self.default_guidance if guidance is None else guidance

        def sample_fn(count: int, *, seed: int) -> torch.Tensor:
            labels = torch.arange(count) % len(self.classes) if self.conditional else None
            return self.sample(self.noise(count, seed=seed), steps, labels, guidance, clip=clip)

        return sample_fn

    def __repr__(self) -> str:
        return f"DiffusionModel({self.method_name}, {'×'.join(map(str, self.image_shape))}, T={self.num_timesteps})"


def noise_picture(noise: torch.Tensor) -> torch.Tensor:
    """Noise x_T as a picture in [-1, 1]: ±3 standard deviations of N(0, 1) mapped to black … white."""
    return (noise.float() / 3).clamp(-1, 1)

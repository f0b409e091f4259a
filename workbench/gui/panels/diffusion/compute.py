"""What the Diffusion panel computes in background threads, as plain data (numpy arrays, numbers, strings).

Each function takes the loaded `DiffusionModel` (workbench.latent.diffusion_explorer) and returns what a tool
shows: uint8 H×W×C images, and noises as float32 arrays so that they can be handed back for an interpolation.
Nothing here touches Qt, and torch is imported inside the functions: the window builds the panel without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

STRIP_EXAMPLES = 12  # dataset examples per page of the inversion strip


@dataclass(frozen=True)
class Example:
    """An image to invert: a dataset example (with its class, −1 when unknown) or a user's file."""

    name: str
    image: np.ndarray  # float32 C×H×W in [-1, 1]
    thumbnail: np.ndarray  # uint8 H×W×C
    label: int = -1
    source: str = "example"  # or "file"


@dataclass(frozen=True)
class Loaded:
    model: Any  # DiffusionModel, used only in background tasks
    examples: list[Example]
    total: int
    note: str


@dataclass(frozen=True)
class InversionView:
    """Input | noise x_T | reconstruction of one image, with what says how good the inversion is."""

    name: str
    input: np.ndarray  # uint8 H×W×C
    noise_picture: np.ndarray  # uint8 H×W×C: ±3σ mapped to black … white
    reconstruction: np.ndarray  # uint8 H×W×C
    noise: np.ndarray  # float32 C×H×W, for the interpolation
    label: int  # the class the inversion was conditioned on (−1: none)
    steps: int
    psnr: float
    noise_mean: float
    noise_std: float
    seconds: float


@dataclass(frozen=True)
class Frames:
    images: np.ndarray  # uint8 N×H×W×C
    positions: list[float]
    seconds: float


@dataclass(frozen=True)
class GridView:
    images: np.ndarray  # uint8 (rows·columns)×H×W×C, row by row
    rows: tuple[str, ...]
    scales: tuple[float, ...]
    seconds: float


def to_uint8(images: Any) -> np.ndarray:
    """N×C×H×W (or C×H×W) in [-1, 1] → uint8 N×H×W×C (or H×W×C)."""
    import torch

    x = torch.as_tensor(images).detach().float().cpu().clamp(-1, 1).add(1).mul(127.5).round().to(torch.uint8)
    return x.movedim(-3, -1).numpy().copy()


def _examples(model: Any, start: int) -> tuple[list[Example], int, str]:
    found = model.examples(STRIP_EXAMPLES, start)
    thumbs = to_uint8(found.images)
    items = []
    for k, (index, label) in enumerate(zip(found.indices, found.labels.tolist(), strict=True)):
        name = f"#{index}" + (f" ({model.classes[label]})" if 0 <= label < len(model.classes) else "")
        items.append(Example(name, found.images[k].numpy().astype(np.float32), thumbs[k], int(label)))
    return items, found.total, found.note


def load(run: Any) -> Loaded:
    """The run's latest checkpoint and a first page of dataset examples."""
    from workbench.latent.diffusion_explorer import DiffusionModel

    model = DiffusionModel.from_run(run)
    items, total, note = _examples(model, 0)
    return Loaded(model, items, total, note)


def example_page(model: Any, start: int) -> tuple[list[Example], int, str]:
    return _examples(model, start)


def load_file(model: Any, path: Path) -> Example:
    """A user's image, centre-cropped, resized and converted to the run's channels (LatentError if unreadable)."""
    image = model.load_image(path)[0]
    return Example(Path(path).name, image.numpy().astype(np.float32), to_uint8(image), -1, "file")


def invert(model: Any, example: Example, label: int, steps: int) -> InversionView:
    """DDIM inversion of one image (conditioned on `label`, −1 = no class) and its reconstruction."""
    import torch

    from workbench.latent.diffusion_explorer import noise_picture

    image = torch.from_numpy(example.image).unsqueeze(0)
    labels = [label] if label >= 0 else None
    result = model.invert(image, steps, labels)
    return InversionView(example.name, to_uint8(result.images[0]), to_uint8(noise_picture(result.noise[0])),
                         to_uint8(result.reconstruction[0]), result.noise[0].numpy().astype(np.float32), label,
                         steps, result.psnr[0], result.noise_mean[0], result.noise_std[0], result.seconds)


def endpoint_noise(model: Any, noise: np.ndarray | None, seed: int) -> Any:
    """An interpolation endpoint: an inverted image's noise, or the seeded random noise."""
    import torch

    return torch.from_numpy(noise).unsqueeze(0) if noise is not None else model.noise(1, seed=seed)


def interpolate(model: Any, a: tuple[np.ndarray | None, int], b: tuple[np.ndarray | None, int], frames: int,
                steps: int, label: int, guidance: float) -> Frames:
    """Frames by slerp between two endpoints; exact ODE (no clipping) when an endpoint is an inverted image, so
    its frame reproduces the reconstruction."""
    exact = a[0] is not None or b[0] is not None
    result = model.interpolate(endpoint_noise(model, *a), endpoint_noise(model, *b), frames, steps,
                               label if label >= 0 else None, guidance, clip=not exact)
    return Frames(to_uint8(result.images), result.positions, result.seconds)


def guidance_grid(model: Any, classes: list[int], scales: list[float], steps: int, seed: int) -> GridView:
    grid = model.guidance_grid(classes, scales, steps, seed)
    images = to_uint8(grid.images.flatten(0, 1))
    return GridView(images, grid.class_names, grid.scales, grid.seconds)

"""GAN inversion: find a code whose decoded image reproduces a target image, by gradient descent on z.

  z* = argmin_z  ‖G(z) − x‖² / (C·H·W)  [+ λ_p · ‖φ(G(z)) − φ(x)‖² / F]  [+ λ_z · (‖z‖ / √D − 1)²]

with Adam on z alone (the weights stay fixed). The problem is non-convex, so it is solved from several
starts (`restarts`) and the best result is kept. Starts are the best-fitting of a seeded batch of prior
draws (a cheap search before descending), and for a model with an encoder the first start is the encoding
of the target. φ (optional, `perceptual`) is the first convolutional blocks of the dataset's classifier CNN,
cached in the workspace by evaluation. The z-norm term keeps z near the shell ‖z‖ ≈ √D where Gaussian prior
draws live, so the code stays decodable by the other tools.

`invert` is a generator: it yields progress every `report_every` steps and a final item with the result;
the caller stops it by not asking for more.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F

from workbench.compat import one_torch_thread
from workbench.config import Validated, setting
from workbench.latent.errors import LatentError

CANDIDATES_PER_START = 8  # prior draws scored per restart before descending
PERCEPTUAL_WEIGHT = 1.0


@dataclass(frozen=True)
class InversionSettings(Validated):
    """How hard to search for a code that reproduces an image."""

    section = "inversion"
    steps: int = setting(300, min=1, max=100_000, help="Adam steps per restart")
    lr: float = setting(0.05, min=1e-5, max=10.0, help="Adam learning rate on the code")
    restarts: int = setting(3, min=1, max=100, help="independent starts; the best result is kept")
    seed: int = setting(0, min=0, max=2**31 - 1, help="seed of the starting codes")
    perceptual: bool = setting(False, help="also match the dataset classifier's features (needs a cached "
                                           "classifier: evaluate the run once)")
    z_norm_weight: float = setting(0.0, min=0.0, max=100.0, label="z-norm weight",
                                   help="pull ‖z‖ towards √latent_dim, where prior draws lie (0 = off)")
    report_every: int = setting(10, min=1, max=10_000, help="steps between progress reports", advanced=True)


@dataclass(frozen=True)
class InversionProgress:
    """Where the search is: the last step's loss and the best code and reconstruction found so far."""

    step: int  # steps done in this restart
    restart: int  # 0-based
    loss: float  # objective at the last step
    best_loss: float  # lowest objective over all restarts so far
    reconstruction: torch.Tensor  # 1×C×H×W, decoded best code
    z: torch.Tensor  # best code so far (latent_dim,)
    done: bool = False  # True for the final item (the result)


def _target(space: Any, target: torch.Tensor) -> torch.Tensor:
    if isinstance(target, torch.Tensor) and target.ndim == 3:
        target = target.unsqueeze(0)
    if not isinstance(target, torch.Tensor) or target.ndim != 4 or target.shape[0] != 1:
        raise LatentError("inversion takes one target image (1×C×H×W)")
    target = space.checked_images(target)
    if not torch.isfinite(target).all():
        raise LatentError("the target image has non-finite pixels")
    return target.clamp(-1, 1)


def perceptual_features(space: Any) -> Callable[[torch.Tensor], torch.Tensor]:
    """φ: images → the classifier CNN's convolutional feature maps, differentiable; LatentError if unavailable."""
    from workbench.metrics.feature_extractors import CNN_INPUT_SIZE, load_classifier

    info = space.method.data_info
    if space.run is None:
        raise LatentError("perceptual inversion needs a run (its workspace caches the dataset's classifier)")
    extractor = load_classifier(space.run.workspace_root, info.name, info.image_size, info.channels)
    if extractor is None:
        raise LatentError(f"perceptual inversion needs the {info.name} classifier, which is not cached yet: "
                          f"evaluate the run once (workbench eval {space.run.id}) or turn 'perceptual' off")
    convs = extractor.net.body[:9].eval().requires_grad_(False)  # three conv-ReLU-pool blocks: 64×4×4

    def phi(images: torch.Tensor) -> torch.Tensor:
        if images.shape[-1] != CNN_INPUT_SIZE:
            images = F.interpolate(images, size=(CNN_INPUT_SIZE, CNN_INPUT_SIZE), mode="bilinear",
                                   antialias=True, align_corners=False)
        return convs(images).flatten(1)

    return phi


def _starts(space: Any, target: torch.Tensor, labels: torch.Tensor | None, settings: InversionSettings,
            loss_of: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
    """`restarts` starting codes: the best of a seeded prior batch (the target's encoding first, if any)."""
    n = settings.restarts * CANDIDATES_PER_START
    candidates = space.prior(n, seed=settings.seed)
    with torch.no_grad():
        images = space.decode(candidates, None if labels is None else labels.expand(n))
        order = loss_of(images).argsort()
    starts = candidates[order[: settings.restarts]]
    if space.has_encoder:
        starts[0] = space.encode(target, labels)[0]
    return starts


def invert(space: Any, target: torch.Tensor, settings: InversionSettings | None = None,
           label: int | None = None) -> Iterator[InversionProgress]:
    """Search for a code whose decoding reproduces `target` (1×C×H×W in [-1, 1]); yields InversionProgress.

    For a conditional model the class stays fixed at `label` (class 0 when None). Works for any LatentSpace.
    """
    settings = settings or InversionSettings()
    target = _target(space, target)
    labels = space.checked_labels(label, 1)
    phi = perceptual_features(space) if settings.perceptual else None
    dim = space.latent_dim
    with one_torch_thread(), torch.no_grad():
        target_features = phi(target) if phi is not None else None

    def objective(images: torch.Tensor, z: torch.Tensor | None = None) -> torch.Tensor:
        """Per-image objective (N,)."""
        loss = (images - target).pow(2).flatten(1).mean(dim=1)
        if phi is not None:
            loss = loss + PERCEPTUAL_WEIGHT * (phi(images) - target_features).pow(2).mean(dim=1)
        if z is not None and settings.z_norm_weight > 0:
            loss = loss + settings.z_norm_weight * (z.norm(dim=1) / math.sqrt(dim) - 1).pow(2)
        return loss

    with one_torch_thread():
        starts = _starts(space, target, labels, settings, objective)
    best_loss = math.inf
    best_z = starts[0].clone()
    best_image = torch.zeros_like(target)
    loss_value = math.inf
    for restart in range(settings.restarts):
        z = starts[restart].clone().unsqueeze(0).requires_grad_(True)
        opt = torch.optim.Adam([z], lr=settings.lr)
        step = 0
        while step < settings.steps:
            chunk = min(settings.report_every, settings.steps - step)
            with one_torch_thread():
                for _ in range(chunk):
                    images = space.decode_with_grad(z, labels)
                    loss = objective(images, z)[0]
                    (grad,) = torch.autograd.grad(loss, [z])  # the weights get no gradients
                    loss_value = float(loss.detach())
                    if loss_value < best_loss:  # the loss belongs to z before this update
                        best_loss, best_z, best_image = loss_value, z.detach()[0].clone(), images.detach().clone()
                    opt.zero_grad(set_to_none=True)
                    z.grad = grad
                    opt.step()
                    step += 1
            yield InversionProgress(step, restart, loss_value, best_loss, best_image, best_z)
    with one_torch_thread(), torch.no_grad():  # the final update of the last restart is scored too
        images = space.decode(z.detach(), labels)
        final = float(objective(images, z.detach())[0])
        if final < best_loss:
            best_loss, best_z, best_image = final, z.detach()[0].clone(), images
    yield InversionProgress(settings.steps, settings.restarts - 1, loss_value, best_loss, best_image, best_z,
                            done=True)


def invert_to_result(space: Any, target: torch.Tensor, settings: InversionSettings | None = None,
                     label: int | None = None) -> InversionProgress:
    """Run `invert` to the end and return its final item (for scripts)."""
    *_, last = invert(space, target, settings, label)
    return last

"""W as a latent space of its own: the explorer's tools (interpolation, directions, arithmetic, inversion) work on
a LatentSpace, and `w_latent_space` gives the LatentSpace whose codes are the styles w = f(z) of a model with an
intermediate latent space (`IntermediateLatent`, StyleGAN's mapping output), so every tool works in W unchanged.

Why W: the mapping lets W follow the data's factors instead of a fixed Gaussian, so straight paths and linear
directions in W change images more evenly than in z (the StyleGAN paper's perceptual path length). The prior of W
is the image of z's prior under the mapping: seed s gives w = f(z_s), so a seed names the same image in both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from workbench.latent.errors import LatentError
from workbench.latent.model import LatentSpace
from workbench.methods.capabilities import IntermediateLatent


class WSpaceView:
    """A LatentModel whose codes are the styles w of the wrapped model (decoded at every layer alike)."""

    method_name = ""  # LatentSpace reads the class's name; `w_latent_space` names the space itself

    def __init__(self, method: Any) -> None:
        if not isinstance(method, IntermediateLatent):
            name = getattr(type(method), "method_name", "") or type(method).__name__
            raise LatentError(f"{name} has no intermediate latent space W (a StyleGAN model has)")
        self.wrapped = method
        self.latent_dim = int(method.w_dim)
        self.data_info = method.data_info

    def prior_sample(self, n: int, *, seed: int) -> torch.Tensor:
        """w = f(z) for the seeded prior codes z of the wrapped model."""
        return self.wrapped.map_to_w(self.wrapped.prior_sample(n, seed=seed))

    def decode(self, w: torch.Tensor) -> torch.Tensor:
        return self.wrapped.decode_w(w)

    def decode_differentiable(self, w: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.wrapped.decode_w_differentiable(w)

    def decoder_network(self) -> torch.nn.Module:
        return self.wrapped.decoder_network()


def w_latent_space(space: LatentSpace) -> LatentSpace:
    """The LatentSpace of W for the LatentSpace (of z) of a model with an intermediate latent space."""
    w_space = LatentSpace(WSpaceView(space.method), space.data_config, run=space.run)
    w_space.method_name = f"{space.method_name} (W)"
    return w_space


class WSpaceFiles:
    """The run as the explorer's store while it explores W: pins and directions found in W are kept in
    `<run>/latent/w/`, beside the z files of `<run>/latent/` (codes of different spaces never share a file), so
    Traversal and Sliders use W directions as they use z ones. Everything else reads through to the run."""

    def __init__(self, run: Any) -> None:
        self.run = run
        self.latent_path = Path(run.path) / "latent" / "w"

    def __getattr__(self, name: str) -> Any:
        return getattr(self.run, name)

"""A trained model's latent space, as every explorer tool and panel sees it.

`LatentSpace` wraps a method object (networks on the CPU, in eval mode) behind one small interface: seeded
prior codes, decoding with and without gradients, encoding, the VAE posterior and ELBO, and the two views of
the generator's first layer the unsupervised direction finders need (SeFa's weight, GANSpace's features).
Codes are float32 N×latent_dim and images float N×C×H×W in [-1, 1], always on the CPU. Every call runs on one
torch intra-op thread (`single_thread`): interactive decoding must stay fast while training uses the cores.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from workbench.compat import one_torch_thread
from workbench.config import DataConfig
from workbench.latent.errors import LatentError, build_run_dataset, checked_image_batch
from workbench.methods.autoencoder_common import gaussian_kl
from workbench.methods.capabilities import Conditional, Encoder, LatentModel, VariationalEncoder
from workbench.methods.registry import method_spec
from workbench.runs.run import Run
from workbench.training.explore import explorer_session

HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _networks(method: Any) -> list[nn.Module]:
    """Every network the method object holds (generators, decoders, encoders, discriminators)."""
    return [value for value in vars(method).values() if isinstance(value, nn.Module)]


class LatentSpace:
    """A trained model's latent space (CPU, eval mode): prior, decode, encode, posterior, first-layer views."""

    def __init__(self, method: Any, data_config: DataConfig, run: Run | None = None, dataset: Any = None) -> None:
        """Prefer `from_run` / `from_method`; this puts every network of `method` in eval mode."""
        name = getattr(type(method), "method_name", "") or ""
        info = method.data_info
        kind = getattr(info, "kind", "images")
        if kind != "images":
            what = {"points": "2-D points", "voxels": "voxel grids (explore them in the Voxels tab)"}.get(kind, kind)
            raise LatentError(f"method {name!r} on {info.name!r} generates {what}, not images; the latent "
                              "explorer needs a model that generates images")
        if not isinstance(method, LatentModel):
            raise LatentError(f"method {name!r} has no latent space to explore")
        self.method = method
        self.method_name: str = name
        self.latent_dim: int = int(method.latent_dim)
        self.classes: tuple[str, ...] = tuple(method.classes) if isinstance(method, Conditional) else ()
        self.has_encoder: bool = isinstance(method, Encoder)
        self.is_vae: bool = isinstance(method, VariationalEncoder)
        self.image_shape: tuple[int, int, int] = (int(info.channels), int(info.image_size), int(info.image_size))
        self.data_config = data_config
        self.run = run
        self._dataset = dataset
        for net in _networks(method):
            net.eval()

    # --- construction --------------------------------------------------------------------------------------------
    @classmethod
    def from_run(cls, run: Run) -> LatentSpace:
        """The run's latest checkpoint on the CPU; LatentError when the run has no checkpoint or no latent space."""
        session = explorer_session(run, lambda name: method_spec(name).offers(LatentModel), LatentError,
                                   lambda name: f"run {run.id} trains {name!r}, which has no latent space to explore")
        for net in _networks(session.method):
            net.requires_grad_(False)  # gradients flow to codes only (inversion), never into the weights
        return cls(session.method, run.config.data, run=run, dataset=session.dataset)

    @classmethod
    def from_method(cls, method: Any, data_config: DataConfig, run: Run | None = None) -> LatentSpace:
        """A live method object (tests, notebooks); its networks are switched to eval mode."""
        return cls(method, data_config, run=run)

    # --- validation ------------------------------------------------------------------------------------------------
    @property
    def conditional(self) -> bool:
        return bool(self.classes)

    def _codes(self, z: torch.Tensor) -> torch.Tensor:
        if not isinstance(z, torch.Tensor):
            raise LatentError(f"codes must be a tensor, got {type(z).__name__}")
        if z.ndim == 1:
            z = z.unsqueeze(0)
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise LatentError(f"codes must have shape N×{self.latent_dim} for this {self.method_name} model, "
                              f"got {tuple(z.shape)}")
        return z.float().cpu()

    def checked_labels(self, labels: torch.Tensor | int | None, n: int) -> torch.Tensor | None:
        """Class per code for a conditional model (None → class 0 for all); None for other models."""
        if not self.conditional:
            return None
        if labels is None:
            return torch.zeros(n, dtype=torch.long)
        if isinstance(labels, int):
            labels = torch.full((n,), labels, dtype=torch.long)
        labels = torch.as_tensor(labels).long().cpu().reshape(-1)
        if labels.shape[0] != n:
            raise LatentError(f"expected {n} labels (one per code), got {labels.shape[0]}")
        k = len(self.classes)
        if n and (int(labels.min()) < 0 or int(labels.max()) >= k):
            raise LatentError(f"labels must be class indices in [0, {k - 1}] ({', '.join(self.classes)})")
        return labels

    def checked_images(self, x: torch.Tensor) -> torch.Tensor:
        return checked_image_batch(x, self.image_shape)

    def _require_encoder(self) -> None:
        if not self.has_encoder:
            raise LatentError(f"{self.method_name} has no encoder; use GAN inversion to find a code for an image")

    def _require_vae(self) -> None:
        if not self.is_vae:
            raise LatentError(f"{self.method_name} is not a VAE: it has no posterior or ELBO")

    # --- codes and images ----------------------------------------------------------------------------------------
    def prior(self, n: int, *, seed: int) -> torch.Tensor:
        """n codes from the model's prior (N×latent_dim); the same seed gives the same codes."""
        if n < 0:
            raise LatentError(f"number of codes must be ≥ 0, got {n}")
        if not 0 <= seed < 2**63:
            raise LatentError(f"seed must be a whole number in [0, 2^63), got {seed}")
        return self.method.prior_sample(n, seed=seed).float().cpu()

    def decode(self, z: torch.Tensor, labels: torch.Tensor | int | None = None) -> torch.Tensor:
        """Images (N×C×H×W in [-1, 1]) for codes z, without gradients."""
        z = self._codes(z)
        labels = self.checked_labels(labels, z.shape[0])
        with one_torch_thread(), torch.no_grad():
            return self.method.decode_differentiable(z, labels).float().cpu()

    def decode_with_grad(self, z: torch.Tensor, labels: torch.Tensor | int | None = None) -> torch.Tensor:
        """Like `decode` but differentiable with respect to z (inversion optimises z through it)."""
        z = self._codes(z)
        labels = self.checked_labels(labels, z.shape[0])
        with one_torch_thread():
            return self.method.decode_differentiable(z, labels).float().cpu()

    def encode(self, x: torch.Tensor, labels: torch.Tensor | int | None = None) -> torch.Tensor:
        """Codes for images in [-1, 1] (the posterior mean for VAEs); LatentError without an encoder.

        A conditional VAE encodes with the given labels, or each image's best-fitting class without them."""
        self._require_encoder()
        x = self.checked_images(x)
        with one_torch_thread(), torch.no_grad():
            if self.conditional:
                given = None if labels is None else self.checked_labels(labels, x.shape[0])
                return self.method.encode(x, given).float().cpu()
            return self.method.encode(x).float().cpu()

    def classify(self, x: torch.Tensor) -> torch.Tensor:
        """Each image's best-fitting class (N,) for a conditional VAE: the label its ELBO prefers."""
        if not (self.conditional and self.has_encoder):
            raise LatentError(f"{self.method_name} cannot tell the class of an image (only a conditional VAE can)")
        x = self.checked_images(x)
        with one_torch_thread(), torch.no_grad():
            return self.method.infer_labels(x).long().cpu()

    def _vae_labels(self, x: torch.Tensor, labels: torch.Tensor | int | None) -> torch.Tensor | None:
        if not self.conditional:
            return None
        if labels is None:
            return self.method.infer_labels(x).long().cpu()
        return self.checked_labels(labels, x.shape[0])

    def posterior(self, x: torch.Tensor, labels: torch.Tensor | int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(μ, log σ²) of q(z|x), each N×latent_dim; VAEs only (a conditional VAE uses `labels` or its best class)."""
        self._require_vae()
        x = self.checked_images(x)
        with one_torch_thread(), torch.no_grad():
            labels = self._vae_labels(x, labels)
            mu, logvar = self.method.posterior(x, labels) if self.conditional else self.method.posterior(x)
        return mu.float().cpu(), logvar.float().cpu()

    def elbo(self, x: torch.Tensor, labels: torch.Tensor | int | None = None, *, samples: int = 1,
             seed: int = 0) -> torch.Tensor:
        """Per-image evidence lower bound in nats (N,): E_q[log p(x|z)] − KL(q(z|x) ‖ p(z)) ≤ log p(x).

        log p(x|z) is the likelihood the model was trained with: Bernoulli on pixels in [0, 1] ("bce") or a
        unit-variance Gaussian on pixels in [-1, 1] ("mse", here with its normalising constant ½·log 2π per
        pixel, which the training loss leaves out). The expectation uses `samples` seeded draws of z.
        """
        self._require_vae()
        if samples < 1:
            raise LatentError(f"samples must be ≥ 1, got {samples}")
        x = self.checked_images(x)
        n = x.shape[0]
        with one_torch_thread(), torch.no_grad():
            labels = self._vae_labels(x, labels)
            mu, logvar = self.method.posterior(x, labels) if self.conditional else self.method.posterior(x)
            mu, logvar = mu.float().cpu(), logvar.float().cpu()
            eps = torch.randn((samples, *mu.shape), generator=torch.Generator().manual_seed(seed))
            z = (mu + torch.exp(0.5 * logvar) * eps).reshape(samples * n, -1)
            xs = x.repeat(samples, 1, 1, 1)
            if self.conditional:
                nll = self.method.reconstruction_nll(xs, z, labels.repeat(samples))
            else:
                nll = self.method.reconstruction_nll(xs, z)
            nll = nll.float().cpu().view(samples, n).mean(dim=0)
            if self.method.settings.reconstruction == "mse":
                nll = nll + HALF_LOG_2PI * math.prod(self.image_shape)
            return -(nll + gaussian_kl(mu, logvar))

    def reconstruction_error(self, x: torch.Tensor, labels: torch.Tensor | int | None = None) -> torch.Tensor:
        """Per-image mean squared error (N,) of decode(encode(x)) against x, pixels in [-1, 1]; encoders only."""
        self._require_encoder()
        x = self.checked_images(x)
        with one_torch_thread(), torch.no_grad():
            labels = self._vae_labels(x, labels) if self.conditional else None
            codes = self.method.encode(x, labels) if self.conditional else self.method.encode(x)
            rec = self.method.decode_differentiable(codes.float(), labels).float().cpu()
        return (rec - x).pow(2).flatten(1).mean(dim=1)

    # --- the generator's first layer (SeFa, GANSpace) --------------------------------------------------------------
    def _first_layer_inputs(self, z: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        """What the first layer sees: the code, followed by the one-hot label for a conditional model."""
        if labels is None:
            return z
        return torch.cat([z, F.one_hot(labels, len(self.classes)).to(z.dtype)], dim=1)

    def _core_network(self) -> nn.Module:
        from workbench.nets.dcgan_variants import ConditionalGenerator

        net = self.method.decoder_network()
        return net.net if isinstance(net, ConditionalGenerator) else net

    def first_layer_weight(self) -> torch.Tensor | None:
        """The generator/decoder's first linear map restricted to the code: (out_features, latent_dim).

        A DCGAN generator's first layer, a 4×4 transposed convolution of a 1×1 input, is the linear map
        latent → C·4·4. None for an architecture without such a layer.
        """
        from workbench.nets.conv_vae import ConvDecoder
        from workbench.nets.dcgan import DCGANGenerator
        from workbench.nets.progressive import ProgressiveGenerator
        from workbench.nets.stylegan import StyleGenerator

        net = self._core_network()
        if isinstance(net, DCGANGenerator):
            weight = net.net[0].weight.flatten(1).T  # (in, C, 4, 4) → (C·16, in)
        elif isinstance(net, ConvDecoder):
            weight = net.fc[0].weight  # (C·16, in)
        elif isinstance(net, ProgressiveGenerator):
            weight = net.dense.weight * net.dense.scale  # the equalized-lr weight the forward pass uses
        elif isinstance(net, StyleGenerator):
            weight = self._style_first_weight(net)
        else:
            return None
        return weight[:, : self.latent_dim].detach().float().cpu().clone()

    def _codes_are_styles(self) -> bool:
        """Whether this space's codes are a style generator's w (`workbench.latent.w_space`) rather than z."""
        return getattr(self.method, "wrapped", None) is not None

    def _style_first_weight(self, net: nn.Module) -> torch.Tensor:
        """SeFa on a style generator: in W, every layer's style affine map w → styles stacked (as the SeFa paper
        does for StyleGAN); in z, the mapping network's first linear layer."""
        from workbench.nets.stylegan import ModulatedConv2d

        if self._codes_are_styles():
            affines = [m.affine for m in net.modules() if isinstance(m, ModulatedConv2d)]
            return torch.cat([a.weight * a.weight_gain for a in affines])
        first = net.mapping_net[0]
        return first.weight * first.weight_gain

    def features(self, z: torch.Tensor, labels: torch.Tensor | int | None = None) -> torch.Tensor:
        """N×F activations after the generator/decoder's first block (GANSpace's PCA space)."""
        from workbench.nets.conv_vae import ConvDecoder
        from workbench.nets.dcgan import DCGANGenerator
        from workbench.nets.progressive import ProgressiveGenerator, pixel_norm
        from workbench.nets.stylegan import StyleGenerator

        z = self._codes(z)
        labels = self.checked_labels(labels, z.shape[0])
        net = self._core_network()
        device = next(net.parameters()).device
        with one_torch_thread(), torch.no_grad():
            inputs = self._first_layer_inputs(z, labels).to(device)
            if isinstance(net, DCGANGenerator):
                h = net.net[:3](inputs.view(inputs.shape[0], -1, 1, 1))  # transposed conv, batch norm, ReLU
            elif isinstance(net, ConvDecoder):
                h = net.fc(inputs)  # linear, ReLU
            elif isinstance(net, ProgressiveGenerator):
                h = net.dense(pixel_norm(inputs) if net.use_pixel_norm else inputs)
                h = F.leaky_relu(h, 0.2)
                h = pixel_norm(h.view(h.shape[0], -1, 4, 4)) if net.use_pixel_norm else h
            elif isinstance(net, StyleGenerator):  # GANSpace on StyleGAN: PCA of the styles w
                h = inputs if self._codes_are_styles() else net.mapping(inputs)
            else:
                raise LatentError(f"{self.method_name}: no first-block features for {type(net).__name__}")
            return h.flatten(1).float().cpu()

    # --- data ---------------------------------------------------------------------------------------------------
    def dataset(self) -> Any:
        """The run's dataset (built from `data_config` on first use, then cached)."""
        if self._dataset is None:
            self._dataset = build_run_dataset(self.data_config)
        return self._dataset

    def __repr__(self) -> str:
        shape = "×".join(map(str, self.image_shape))
        return f"LatentSpace({self.method_name}, latent_dim={self.latent_dim}, images {shape})"

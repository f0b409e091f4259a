"""An imported generator as a method: the adapter that gives the explorers what a trained method gives them
(`latent_dim`, seeded `prior_sample`, `decode_differentiable`, `decoder_network`, and `encode` / `classes` when
declared), so the user writes none of it.

Networks come from the run's copies of the user's files when the method is built; a checkpoint of an imported run
holds no weights (only the session's bookkeeping), so the weights file is the one source. Outputs are mapped from
the declared value range to [-1, 1] and checked against the declared image shape once, on a probe batch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from workbench.config import ConfigError
from workbench.methods.base import Batch, MethodBase, grid_row_labels
from workbench.methods.imported.loading import load_weights, network, one_line
from workbench.methods.registry import check_trainable, register_method

PROBE = 2  # codes decoded once to check the output shape


def _checked_output(out: Any, n: int, shape: tuple[int, int, int], what: str) -> torch.Tensor:
    """The generator's output as N×C×H×W; a flat N×(C·H·W) output is reshaped; ConfigError otherwise."""
    if isinstance(out, (tuple, list)) and out and isinstance(out[0], torch.Tensor):
        out = out[0]
    if not isinstance(out, torch.Tensor):
        raise ConfigError(f"[model] class: {what} returned {type(out).__name__}, not a tensor of images")
    if out.ndim == 2 and out.shape[0] == n and out.shape[1] == shape[0] * shape[1] * shape[2]:
        out = out.reshape(n, *shape)
    if tuple(out.shape) != (n, *shape):
        c, h, w = shape
        raise ConfigError(f"[model] image_size: {what} returned shape {'×'.join(map(str, out.shape))} for {n} codes; "
                          f"the declared image_size = {h} and channels = {c} need {n}×{c}×{h}×{w}")
    return out


@register_method("imported")
class ImportedModel(MethodBase):
    """A read-only generator from the user's files (see the package docstring); building it gives the variant
    of its declared capabilities."""

    loss_names: tuple[str, ...] = ()

    def __new__(cls, config: Any, data_info: Any, device: torch.device) -> ImportedModel:
        """The variant with exactly the declared capabilities: `encode` only with an encoder, `classes` only for a
        conditional generator (the explorers ask `isinstance(method, Encoder)`)."""
        if cls is ImportedModel:
            s = config.method
            cls = _VARIANTS[(bool(s.encoder_file), s.classes >= 2)]
        return super().__new__(cls)

    def __init__(self, config: Any, data_info: Any, device: torch.device) -> None:
        super().__init__(config, data_info, device)
        s = self.settings
        self.latent_dim = int(s.latent_dim)
        self.num_classes = int(s.classes)
        self.image_shape = (int(data_info.channels), int(data_info.image_size), int(data_info.image_size))
        folder = Path(s.run_folder)
        if not s.run_folder or not folder.is_dir():
            raise ConfigError(f"method.run_folder: the imported model's folder {s.run_folder!r} does not exist")
        if not s.model_file:
            raise ConfigError("[model] file: name the generator's file (.py, TorchScript or .pt2)")
        self.G = self._network(folder, "model", s.model_file, s.model_class, s.model_kwargs, s.weights)
        self.E = (self._network(folder, "encoder", s.encoder_file, s.encoder_class, s.encoder_kwargs,
                                s.encoder_weights) if s.encoder_file else None)
        self._probe()

    def _network(self, folder: Path, table: str, file: str, class_name: str, kwargs: str, weights: str
                 ) -> nn.Module:
        path = folder / file
        net = network(f"[{table}] file", path, f"[{table}] class", class_name, f"[{table}] kwargs", kwargs)
        what = class_name or path.name
        if weights:
            load_weights(f"[{table}] weights", folder / weights, net, what)
        elif path.suffix.lower() == ".py":
            raise ConfigError(f"[{table}] weights: {class_name} from {path.name} needs a weights file (its freshly "
                              "built layers are random)")
        for p in net.parameters():  # gradients flow to codes only (inversion); nothing trains these weights
            p.requires_grad_(False)
        return net.to(self.device).eval()

    def _probe(self) -> None:
        """Decode a probe batch once: a generator that does not fit the declared facts fails here, by name."""
        z = self.prior_sample(PROBE, seed=0)
        labels = torch.arange(PROBE) % self.num_classes if self.num_classes else None
        with torch.no_grad():
            self.decode_differentiable(z, labels)
            if self.E is not None:
                codes = self._encode(torch.zeros(PROBE, *self.image_shape))
                if tuple(codes.shape) != (PROBE, self.latent_dim):
                    raise ConfigError(f"[encoder] class: the encoder returned codes of shape "
                                      f"{'×'.join(map(str, codes.shape))} for {PROBE} images; latent_dim = "
                                      f"{self.latent_dim} needs {PROBE}×{self.latent_dim}")

    # --- the LatentModel protocol ------------------------------------------------------------------------------
    def prior_sample(self, n: int, *, seed: int) -> torch.Tensor:
        """n codes from the declared prior, the same for the same seed on every machine (drawn on the CPU)."""
        if self.settings.prior == "uniform":
            return torch.rand(n, self.latent_dim, generator=torch.Generator().manual_seed(seed)) * 2 - 1
        return self.seeded_normal(n, self.latent_dim, seed)

    def decode_differentiable(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Images in [-1, 1] for codes z, the autograd graph kept (GAN inversion optimises z through it)."""
        s = self.settings
        inputs = z.to(self.device).float()
        if s.latent_shape == "map":
            inputs = inputs.view(inputs.shape[0], -1, 1, 1)
        what = f"{s.model_class or Path(s.model_file).name}(z{', labels' if self.num_classes else ''})"
        try:
            if self.num_classes:
                if labels is None:
                    labels = grid_row_labels(z.shape[0], self.num_classes)
                out = self.G(inputs, labels.to(self.device).long())
            else:
                out = self.G(inputs)
        except Exception as err:  # noqa: BLE001 - the user's forward pass
            shape = "×".join(map(str, inputs.shape))
            raise ConfigError(f"[model] file: {what} failed on codes of shape {shape} (latent_dim = "
                              f"{self.latent_dim}, latent_shape = {s.latent_shape!r}): {one_line(err)}") from None
        out = _checked_output(out, z.shape[0], self.image_shape, what).float()
        return (out - s.value_min) * (2.0 / (s.value_max - s.value_min)) - 1.0

    def decode(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Images for codes z in eval mode, without gradients."""
        with torch.no_grad():
            return self.decode_differentiable(z, labels).cpu()

    def decoder_network(self) -> nn.Module:
        return self.G

    def _encode(self, x: torch.Tensor) -> torch.Tensor:
        """Codes for images in [-1, 1], given to the encoder in the declared value range."""
        s = self.settings
        inputs = (x.to(self.device).float() + 1.0) * ((s.value_max - s.value_min) / 2.0) + s.value_min
        try:
            out = self.E(inputs)
        except Exception as err:  # noqa: BLE001 - the user's forward pass
            raise ConfigError(f"[encoder] file: {s.encoder_class or s.encoder_file} failed on images "
                              f"{'×'.join(map(str, x.shape))}: {one_line(err)}") from None
        if s.encoder_returns == "mean_logvar" or isinstance(out, (tuple, list)):
            out = out[0]
        return out.reshape(out.shape[0], -1).float().cpu()

    # --- what every method has; nothing here trains --------------------------------------------------------------
    def sample(self, n: int, *, seed: int, labels: torch.Tensor | None = None) -> torch.Tensor:
        """n outputs from the seeded prior batch (conditional: `labels`, by default one class per grid row)."""
        return self.decode(self.prior_sample(n, seed=seed), labels)

    def train_step(self, batch: Batch) -> dict[str, float]:
        check_trainable("imported")
        return {}

    def visuals(self, batch: Batch) -> dict[str, torch.Tensor]:
        return {}


class _WithEncoder:
    """An imported generator with a declared encoder (the Encoder capability)."""

    def encode(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Codes N×latent_dim for images N×C×H×W in [-1, 1]; the encoder sees no labels."""
        with torch.no_grad():
            return self._encode(x)


class _Conditional:
    """An imported generator called as G(z, labels) (the Conditional capability)."""

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(str(i) for i in range(self.num_classes))


class ImportedGenerator(ImportedModel):
    """An unconditional imported generator without an encoder."""


class ImportedEncoderGenerator(_WithEncoder, ImportedModel):
    """With an encoder."""


class ImportedConditionalGenerator(_Conditional, ImportedModel):
    """Conditional."""


class ImportedConditionalEncoderGenerator(_WithEncoder, _Conditional, ImportedModel):
    """Conditional, with an encoder."""


_VARIANTS = {(False, False): ImportedGenerator, (True, False): ImportedEncoderGenerator,
             (False, True): ImportedConditionalGenerator, (True, True): ImportedConditionalEncoderGenerator}

"""What a trained method can do besides training, as runtime-checkable protocols.

A method's `MethodSpec.capabilities` lists the protocols its implementation satisfies, so a tab or a command can
ask `spec.offers(Translator)` before a run is loaded (and before torch is imported); once a method object
exists, `isinstance(method, Translator)` asks the object itself. tests/unit/test_method_contract.py holds every
registered method to exactly what its spec claims: each claimed protocol is satisfied and works, no other one
is satisfied. Tensors are on the CPU in every argument and result; images are in [-1, 1].

This module stays free of torch: the window lists methods and their capabilities before torch is loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import torch

    from workbench.config import RunConfig

Batch = tuple["torch.Tensor", "torch.Tensor"]


@runtime_checkable
class LatentModel(Protocol):
    """A latent space that decodes to outputs: seeded prior codes, decoding with and without gradients (the
    Latent tab's explorer, GAN inversion)."""

    latent_dim: int

    def prior_sample(self, n: int, *, seed: int) -> torch.Tensor:
        """n codes N×latent_dim from the prior, the same for the same seed."""

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Outputs for codes z, in eval mode, without gradients."""

    def decode_differentiable(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Outputs for codes z with the autograd graph kept; network modes are the caller's."""

    def decoder_network(self) -> torch.nn.Module:
        """The network whose first layer the direction finders read (SeFa, GANSpace)."""


@runtime_checkable
class StyleMixer(Protocol):
    """A generator driven by one style vector w per layer (StyleGAN): styles of different codes mix layer by layer,
    pull towards the average style (the truncation trick), and each layer's noise can be redrawn alone, which is
    how the explorer shows what the coarse, middle and fine layers and the noise inputs control."""

    num_style_layers: int  # L: style vectors w per image
    num_noise_layers: int  # noise inputs, one per convolution

    def layer_groups(self) -> dict[str, tuple[int, int]]:
        """{"coarse": (start, end), "middle": ..., "fine": ...}: contiguous [start, end) ranges covering 0…L."""

    def map_to_w(self, z: torch.Tensor) -> torch.Tensor:
        """The mapping network: codes N×latent_dim → styles N×w_dim."""

    def mean_w(self) -> torch.Tensor:
        """The average style w̄ tracked during training, 1×w_dim (the centre of the truncation trick)."""

    def truncate(self, w: torch.Tensor, psi: float) -> torch.Tensor:
        """w̄ + ψ·(w − w̄) for w of shape N×w_dim or N×L×w_dim: ψ < 1 trades variety for typical images."""

    def synthesize_ws(self, ws: torch.Tensor, noise_seed: int | None = None,
                      noise_layers: tuple[int, ...] | None = None) -> torch.Tensor:
        """Images for per-layer styles ws (N×L×w_dim), without gradients. Noise maps are shared by the images of
        the batch: the model's fixed ones, or with `noise_seed` maps drawn from that seed for the noise inputs in
        `noise_layers` (all when None) while the others stay fixed."""


@runtime_checkable
class IntermediateLatent(Protocol):
    """An intermediate latent space W (StyleGAN's mapping output) that decodes like the codes z do: interpolation,
    directions and inversion can work in W, which training leaves less entangled than z."""

    w_dim: int

    def map_to_w(self, z: torch.Tensor) -> torch.Tensor:
        """Codes N×latent_dim → styles N×w_dim."""

    def decode_w(self, w: torch.Tensor) -> torch.Tensor:
        """Outputs for styles w (N×w_dim, the same at every layer) as `decode` makes them, without gradients."""

    def decode_w_differentiable(self, w: torch.Tensor) -> torch.Tensor:
        """`decode_w` with the autograd graph kept (inversion in W); network modes are the caller's."""


@runtime_checkable
class Encoder(Protocol):
    """Outputs back to codes (reconstructions, projections of the data, inversion by encoding)."""

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Codes N×latent_dim for images N×C×H×W."""


@runtime_checkable
class VariationalEncoder(Protocol):
    """A posterior q(z|x) and the likelihood p(x|z) the model was trained with (ELBO, KL and posterior views)."""

    def posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(μ, log σ²) of q(z|x), each N×latent_dim."""

    def reconstruction_nll(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """−log p(x|z) per image, shape N, as the training loss measures it."""


@runtime_checkable
class Conditional(Protocol):
    """Outputs of a chosen class: `decode` and `sample` accept `labels` (indices into `classes`)."""

    classes: tuple[str, ...]


@runtime_checkable
class Translator(Protocol):
    """Image-to-image translation between two domains (Pix2Pix, CycleGAN)."""

    directions: tuple[str, ...]  # "AtoB", and "BtoA" for a two-way translator

    def translate(self, x: torch.Tensor, direction: str = "AtoB") -> torch.Tensor:
        """Images of the other domain, the same size as x."""


@runtime_checkable
class CycleTranslator(Translator, Protocol):
    """A two-way translator that can show the round trip A → B → A."""

    def cycle(self, x: torch.Tensor, direction: str = "AtoB") -> torch.Tensor:
        """x translated there and back."""


@runtime_checkable
class Upscaler(Protocol):
    """Super-resolution by a fixed factor (SRResNet, SRGAN)."""

    scale: int

    def upscale(self, lr: torch.Tensor) -> torch.Tensor:
        """N×C×h×w → N×C×(scale·h)×(scale·w)."""


@runtime_checkable
class VoxelGenerator(Protocol):
    """Occupancy grids from codes (the Voxels tab); with `has_encoder`, codes from silhouette images."""

    latent_dim: int
    side: int  # the grid's side in voxels
    has_encoder: bool

    def prior_sample(self, n: int, *, seed: int) -> torch.Tensor: ...

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Occupancy grids N×1×side×side×side in [0, 1]."""

    def silhouettes(self, grids: torch.Tensor) -> torch.Tensor:
        """The silhouette images the encoder reads for grids N×1×side×side×side: N×1×S×S in [-1, 1]."""

    def encode_silhouette(self, images: torch.Tensor) -> torch.Tensor:
        """Codes for silhouette images N×1×S×S (an error when the run trained no encoder)."""


@runtime_checkable
class ScatterPreview(Protocol):
    """Named 2-D point sets for the live view (codes against the prior, points over a decision surface)."""

    def scatter(self, batch: Batch) -> dict[str, dict[str, Any]]:
        """{plot name: {series name: N×2 array}}; the reserved keys "__surface__" (H×W array) and "__extent__"
        (x0, x1, y0, y1) draw a background."""


@runtime_checkable
class RunNotes(Protocol):
    """Facts about a run that its settings do not show (which content loss was used, where weights came from),
    stored in run.toml's [notes] when training starts."""

    def run_notes(self) -> dict[str, str]: ...


@runtime_checkable
class InitFrom(Protocol):
    """Networks started from another stored run (SRGAN's generator from an SRResNet run).

    The training session finds the run that `init_source()` names, checks that it trains one of
    `init_from_methods` and has a checkpoint, and hands that checkpoint's method state to `initialise_from` —
    only for a new run, never for one resumed from its own checkpoint. A method never reads the run store.
    """

    init_from_methods: tuple[str, ...]  # the methods whose runs fit
    initialised_from: str  # "" until weights were taken; kept in the method's state

    def init_source(self) -> str:
        """The run the settings name (an id, an id prefix or a folder); "" for none."""

    def initialise_from(self, state: dict[str, Any], source: RunConfig, run_id: str, origin: str) -> None:
        """Take the weights from `state` (the source run's method state; `source` its settings). A ConfigError
        naming the setting when they do not fit; `origin` describes the source for the run's notes."""


@runtime_checkable
class AttentionMaps(Protocol):
    """A generator with a self-attention layer (SAGAN): for a pixel of generated images, where that layer looks
    across the image, which the explorer overlays to show long-range structure being built."""

    attention_resolution: int  # side r of the attention layer's feature map

    def attention_map(self, z: torch.Tensor, query: tuple[int, int],
                      labels: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(images N×C×S×S, maps N×r×r) for codes z: each map holds the attention weights of the query pixel
        (row, col) of the image over the layer's r×r positions, summing to 1; without gradients."""


@runtime_checkable
class ClassInterpolation(Protocol):
    """A class-conditional generator whose classes enter through a learned embedding (BigGAN): blending two classes'
    embeddings at a fixed z shows what the classes share and where one leaks into the other."""

    classes: tuple[str, ...]

    def class_interpolation(self, z: torch.Tensor, class_a: int, class_b: int, steps: int) -> torch.Tensor:
        """Images N×steps×C×S×S: for each code, the embedding moved from class_a (first, exactly the class-a
        image) to class_b (last) in `steps` even steps; without gradients."""


@runtime_checkable
class Truncation(Protocol):
    """BigGAN's truncation trick: codes drawn from a normal truncated to |z_i| ≤ threshold give more typical and
    less varied images as the threshold falls (the explorer's fidelity/variety slider)."""

    def truncated_prior_sample(self, n: int, *, seed: int, threshold: float) -> torch.Tensor:
        """n codes from the prior truncated to [−threshold, threshold]; the same seed's codes shrink smoothly
        as the threshold falls; threshold 0 = the untruncated prior."""

    def sample_truncated(self, n: int, *, seed: int, threshold: float,
                         labels: torch.Tensor | None = None) -> torch.Tensor:
        """`sample` from the truncated codes (`labels` for a conditional model, as `sample` takes them)."""


@runtime_checkable
class Diffusion(Protocol):
    """A denoising diffusion model (DDPM/DDIM): images from noise x_T along the reverse process, and back: the
    deterministic DDIM ODE runs both ways, so an image can be inverted to the noise that makes it (editing,
    interpolation between real images), and the denoising path can be shown step by step."""

    num_timesteps: int  # T of the forward process

    def ddim_sample(self, x_T: torch.Tensor, steps: int, eta: float = 0.0, labels: torch.Tensor | None = None,
                    guidance: float | None = None, *, seed: int = 0, clip: bool = False) -> torch.Tensor:
        """Images N×C×H×W for noise x_T (same shape) in `steps` DDIM steps; η = 0 is deterministic, η > 0 draws
        its extra noise from `seed`. `labels`/`guidance` (classifier-free) for a conditional model. `clip` keeps
        each predicted image in [-1, 1] (cleaner samples; without it η = 0 is the ODE that `ddim_invert` reverses)."""

    def ddim_invert(self, images: torch.Tensor, steps: int, labels: torch.Tensor | None = None) -> torch.Tensor:
        """The noise x_T that deterministic DDIM sampling with the same steps (and labels) maps back to `images`."""

    def trajectory(self, x_T: torch.Tensor, steps: int, keep: int,
                   labels: torch.Tensor | None = None) -> list[torch.Tensor]:
        """`keep` predictions x̂₀ along the deterministic DDIM path from x_T, evenly spaced, the last = the image."""


ALL_CAPABILITIES: tuple[type, ...] = (LatentModel, Encoder, VariationalEncoder, Conditional, Translator,
                                       CycleTranslator, Upscaler, VoxelGenerator, ScatterPreview, StyleMixer,
                                       IntermediateLatent, AttentionMaps, ClassInterpolation, Truncation, RunNotes,
                                       InitFrom, Diffusion)
# The words `workbench methods` prints for the capabilities a user sees (the last two are the trainer's business).
CAPABILITY_NAMES: dict[type, str] = {
    LatentModel: "latent",
    Encoder: "encode",
    VariationalEncoder: "posterior",
    Conditional: "conditional",
    Translator: "translate",
    CycleTranslator: "two_way",
    Upscaler: "super_resolution",
    VoxelGenerator: "voxels",
    ScatterPreview: "scatter",
    StyleMixer: "style_mixing",
    IntermediateLatent: "w_space",
    AttentionMaps: "attention",
    ClassInterpolation: "class_interpolation",
    Truncation: "truncation",
    Diffusion: "diffusion",
}
# Capabilities that turn images into images: such a method draws nothing from noise (`MethodSpec.generates`).
IMAGE_TO_IMAGE: tuple[type, ...] = (Translator, Upscaler)

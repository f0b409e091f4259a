"""Setting fields that several methods share, declared once with their range and help text (torch-free, like
every method's settings in its package's `__init__.py`).

Also the one vocabulary of adversarial losses: the names a `loss` setting may take, what each means, and the
names earlier versions used (read as today's, so their run.toml still loads). The losses themselves are in
`workbench.methods.adversarial_losses`.
"""

from __future__ import annotations

from typing import Any

from workbench.config import setting

ADVERSARIAL_LOSSES = ("minimax", "non_saturating", "wgan", "wgan_gp", "least_squares", "hinge")
WASSERSTEIN_LOSSES = ("wgan", "wgan_gp")
PROBABILISTIC_LOSSES = ("minimax", "non_saturating")  # D's output is the logit of a probability
LOSS_ALIASES = {"vanilla": "non_saturating", "lsgan": "least_squares"}  # pix2pix's names before one vocabulary
LOSS_MEANINGS = {
    "minimax": "G minimises log(1 − D(G(z))) (Goodfellow 2014; saturates when D wins)",
    "non_saturating": "G maximises log D(G(z)), D the cross-entropy on its logits",
    "wgan": "Wasserstein critic with weight clipping (Arjovsky 2017)",
    "wgan_gp": "Wasserstein critic with gradient penalty (Gulrajani 2017)",
    "least_squares": "LSGAN, D regresses real→1, fake→0, G pushes fakes to 1 (Mao 2017)",
    "hinge": "D minimises max(0, 1 − D(x)) + max(0, 1 + D(G(z))), G maximises D(G(z))",
}

RECONSTRUCTION_HELP = (
    "how the reconstruction is compared with the input: mse = squared error (a Gaussian likelihood), "
    "bce = binary cross-entropy on pixels scaled to [0, 1] (a Bernoulli likelihood; sharper on digits)"
)
CHANNELS_HELP = "feature maps in the first encoder layer (doubled at each downsampling; the decoder mirrors it)"
LR_HELP = "step size of the Adam optimizer; lower it if the losses jump around or become NaN"


def adversarial_loss(default: str, choices: tuple[str, ...] = ADVERSARIAL_LOSSES, note: str = "") -> Any:
    """A `loss` setting over `choices` of the one vocabulary, its help naming what each choice means."""
    meanings = "; ".join(f"{name}: {LOSS_MEANINGS[name]}" for name in choices)
    return setting(default, choices=choices, aliases=LOSS_ALIASES, help=meanings + (f". {note}" if note else ""))


def latent_size(default: int, help: str, *, max: int = 1024) -> Any:
    return setting(default, min=1, max=max, help=help)


def feature_maps(default: int, help: str, *, min: int = 4, max: int = 1024) -> Any:
    return setting(default, min=min, max=max, help=help)


def encoder_channels(default: int) -> Any:
    return feature_maps(default, CHANNELS_HELP)


def learning_rate(default: float, help: str = LR_HELP) -> Any:
    return setting(default, min=1e-7, max=1.0, help=help)


def adam_beta1(default: float, help: str = "Adam β1") -> Any:
    return setting(default, min=0.0, max=0.999, help=help)


def adam_beta2(default: float, help: str = "Adam β2") -> Any:
    return setting(default, min=0.0, max=0.99999, help=help)


def likelihood(default: str) -> Any:
    return setting(default, choices=("bce", "mse"), help=RECONSTRUCTION_HELP)


def loss_weight(default: float, help: str, *, max: float = 1000.0, label: str | None = None) -> Any:
    return setting(default, min=0.0, max=max, help=help, label=label)

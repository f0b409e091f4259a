"""SRGAN (Ledig et al. 2017): the SRResNet generator trained to fool a discriminator, plus a content loss.

With l = D's logit for an HR-sized image and softplus(t) = log(1 + eᵗ) (`non_saturating` of
`workbench.methods.adversarial_losses`):
  D loss = −log D(HR) − log(1 − D(G(LR)))            = softplus(−l_real) + softplus(l_fake)
  G loss = content(G(LR), HR) + w · (−log D(G(LR)))  = content + w · softplus(−l_gen)
content = MSE of VGG-19 features (sr_content_loss.py) or pixel MSE when no VGG-19 weights file is given;
w = adversarial_weight (10⁻³ in the paper).

`init_from` starts G from a trained SRResNet run, as the paper does (its SRGAN starts from SRResNet-MSE, avoiding
poor local optima). The training session finds that run and hands its checkpoint to `initialise_from` (the
`InitFrom` capability) when a new run starts, never when a run resumes from its own checkpoint: a resumed run
gets everything from that checkpoint, so it neither needs the SRResNet run to still exist nor picks up that run's
later training. The VGG-19 file is likewise read when training starts, not when the method is built: a trained
SRGAN upscales without it.
"""

from __future__ import annotations

from typing import Any

import torch

from workbench.config import ConfigError
from workbench.methods.adversarial_losses import discriminator_loss, generator_loss, step_scalars
from workbench.methods.base import ADVERSARIAL_STATE, Batch, optimizer_step
from workbench.methods.registry import register_method
from workbench.methods.sr_content_loss import PixelContentLoss, VGGContentLoss, build_content_loss
from workbench.methods.srresnet.method import SuperResolutionMethod, batch_psnr
from workbench.nets.sr_discriminator import SRGANDiscriminator

INIT_FIELD = "method.init_from"
LOSS = "non_saturating"


def generator_shape(residual_blocks: int, channels: int, scale: int, image_channels: int,
                    bicubic_skip: bool) -> str:
    """The generator's architecture in words, compared between an SRGAN and the SRResNet run it starts from."""
    return (f"{residual_blocks} residual blocks, {channels} channels, ×{scale}, "
            f"{image_channels} image channel{'s' if image_channels > 1 else ''}, "
            f"bicubic skip {'on' if bicubic_skip else 'off'}")


@register_method("srgan")
class SRGAN(SuperResolutionMethod):
    loss_names = ("loss_d", "loss_g", "loss_content", "loss_adv")
    stateful = ADVERSARIAL_STATE
    init_from_methods = ("srresnet",)

    def __init__(self, config: Any, data_info: Any, device: torch.device) -> None:
        super().__init__(config, data_info, device)
        s = self.settings
        self.D = SRGANDiscriminator(data_info.channels, s.d_channels).to(device)
        self.adversarial_optimizers(self.G.parameters(), self.D.parameters(), s.lr, s.lr, (s.beta1, 0.999))
        self._content_loss: PixelContentLoss | VGGContentLoss | None = None  # built when training needs it
        self.initialised_from = ""  # "<run id> (step N, folder)" once init_from has been applied

    @property
    def content_loss(self) -> PixelContentLoss | VGGContentLoss:
        """Loaded on first use (the run's start: its notes, or its first step), not at construction: upscaling
        with a trained SRGAN, e.g. on another machine, needs no VGG-19 file."""
        if self._content_loss is None:
            self._content_loss = build_content_loss(self.settings.vgg_weights, self.settings.content_layer)
            self._content_loss.to(self.device)
        return self._content_loss

    # ---- initialisation from an SRResNet run (InitFrom; the session finds the run) ----------------------------
    def init_source(self) -> str:
        return self.settings.init_from.strip()

    def initialise_from(self, state: dict[str, Any], source: Any, run_id: str, origin: str) -> None:
        """Copy G's weights from an SRResNet run's method state, after checking the two generators match."""
        theirs, data, ours = source.method, source.data, self.settings
        wanted = generator_shape(ours.residual_blocks, ours.channels, self.scale, self.data_info.channels,
                                 ours.bicubic_skip)
        found = generator_shape(theirs.residual_blocks, theirs.channels, data.scale, data.channels,
                                theirs.bicubic_skip)
        if wanted != found:
            raise ConfigError(f"{INIT_FIELD}: run {run_id}'s generator has {found}, this SRGAN's has {wanted}; set "
                              "method.residual_blocks, method.channels, method.bicubic_skip and data.scale (and "
                              "the data's channels) to match the SRResNet run")
        try:
            self.G.load_state_dict(state["G"])
        except (KeyError, TypeError, RuntimeError) as err:
            raise ConfigError(f"{INIT_FIELD}: cannot take the generator from {origin}: {err}") from err
        self.initialised_from = origin

    def run_notes(self) -> dict[str, str]:
        """Which content loss this run trains with, and where G started from (stored in run.toml's [notes])."""
        notes = {"content_loss": self.content_loss.description}
        if self.initialised_from:
            notes["initialised_from"] = self.initialised_from
        return notes

    def base_state(self) -> dict[str, Any]:
        return {**super().base_state(), "initialised_from": self.initialised_from}

    def load_base_state(self, state: dict[str, Any]) -> None:
        super().load_base_state(state)
        self.initialised_from = str(state.get("initialised_from", ""))

    # ---- training -------------------------------------------------------------------------------------------
    def train_step(self, batch: Batch) -> dict[str, float]:
        lr, hr = self.on_device(batch)

        # D: tell HR images from super-resolved ones.
        self.opt_d.zero_grad(set_to_none=True)
        with self.autocast():
            sr = self.G(lr)
            logits_real = self.D(hr).float()
            logits_fake = self.D(sr.detach()).float()
            loss_d = discriminator_loss(LOSS, logits_real, logits_fake)
        grad_d = optimizer_step(loss_d, self.opt_d, self.scaler_d, self.D)

        # G: stay close to HR in content and fool the updated D.
        self.opt_g.zero_grad(set_to_none=True)
        with self.autocast():
            loss_adv = generator_loss(LOSS, self.D(sr).float())
            loss_content = self.content_loss(sr.float(), hr).float()
        loss_g = loss_content + self.settings.adversarial_weight * loss_adv
        grad_g = optimizer_step(loss_g, self.opt_g, self.scaler_g, self.G)

        losses = {"loss_d": loss_d, "loss_g": loss_g, "loss_content": loss_content, "loss_adv": loss_adv}
        return {**step_scalars(LOSS, losses, logits_real, logits_fake, grad_d, grad_g), "psnr": batch_psnr(sr, hr)}

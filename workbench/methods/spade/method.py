"""SPADE (Park et al. 2019): semantic image synthesis, a label map s turned into a photo-like image.

The dataset gives s as a colour image in the dataset's palette (workbench.data.label_maps); it is read back as
class ids by the nearest palette colour and one-hot encoded, K channels for K classes. G (workbench.nets.spade)
starts from s shrunk to 8×8 and lets every normalisation layer read s again, so the layout survives to the
output. D is a multi-scale PatchGAN (workbench.nets.multiscale_patchgan) on (s, image) stacked along channels,
fake and real judged in one batch as the reference does. One step, with the losses of
`workbench.methods.adversarial_losses` (hinge by default) averaged over D's num_d scales:
  D: mean_i loss_D(D_i(s, y), D_i(s, G(s)))                                      (G(s) detached)
  G: mean_i loss_G(D_i(s, G(s))) + λ_feat · Σ_i (1/num_d) Σ_j ‖D_ij(s, G(s)) − D_ij(s, y)‖₁
     [+ λ_vgg · VGG loss(G(s), y)]
with D_ij the j-th intermediate layer of scale i (the real side detached), as the reference's feature matching.
D is updated first and G against the updated D on the same G(s), as Pix2Pix here (the reference updates G
first and draws G(s) again for D). Adam with two time-scale learning rates and β = (0, 0.9), as the paper.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from workbench.config import ConfigError
from workbench.data.label_maps import one_hot, rgb_to_ids
from workbench.methods.adversarial_losses import discriminator_loss, generator_loss, step_scalars
from workbench.methods.base import (
    ADVERSARIAL_STATE,
    Batch,
    ImageToImageMethod,
    in_eval,
    optimizer_step,
    set_requires_grad,
)
from workbench.methods.registry import register_method
from workbench.methods.spade.perceptual import NO_FILE, VGGPerceptualLoss, build_perceptual_loss
from workbench.nets.multiscale_patchgan import MultiscaleDiscriminator
from workbench.nets.spade import SPADEGenerator

VISUAL_EXAMPLES = 8
Predictions = list[list[torch.Tensor]]  # per scale, every layer's output (score map last)


def check_colour(data_info: Any) -> None:
    """ConfigError naming data.channels unless the images are RGB. (A dataset without label maps never gets here:
    `build_method` refuses it by its data kind, "label_maps".)"""
    if int(data_info.channels) != 3:
        raise ConfigError(f"data.channels: spade reads label maps drawn in colour and makes colour images; set "
                          f"data.channels = 3 (got {data_info.channels})")


def split_halves(predictions: Predictions) -> tuple[Predictions, Predictions]:
    """D's outputs on cat(first, second) along the batch → (outputs on first, outputs on second)."""
    firsts = [[out[: out.shape[0] // 2] for out in scale] for scale in predictions]
    seconds = [[out[out.shape[0] // 2:] for out in scale] for scale in predictions]
    return firsts, seconds


def final_scores(predictions: Predictions) -> torch.Tensor:
    """Every scale's score map flattened into one float vector (for the step's diagnostics)."""
    return torch.cat([scale[-1].detach().float().flatten() for scale in predictions])


def feature_matching(fake: Predictions, real: Predictions) -> torch.Tensor:
    """Σ_i (1/num_d) Σ_j mean |D_ij(fake) − D_ij(real)| over the intermediate layers (score maps excluded)."""
    total = torch.zeros((), device=fake[0][0].device)
    for fake_scale, real_scale in zip(fake, real, strict=True):
        for f, r in zip(fake_scale[:-1], real_scale[:-1], strict=True):
            total = total + F.l1_loss(f.float(), r.detach().float())
    return total / len(fake)


@register_method("spade")
class SPADE(ImageToImageMethod):
    stateful = ADVERSARIAL_STATE
    directions: tuple[str, ...] = ("AtoB",)

    def __init__(self, config: Any, data_info: Any, device: torch.device) -> None:
        check_colour(data_info)
        super().__init__(config, data_info, device)
        s = self.settings
        self.colors: tuple[tuple[int, int, int], ...] = tuple(tuple(c) for c in data_info.label_colors)
        k, c = len(self.colors), data_info.channels
        self.G = SPADEGenerator(k, c, data_info.image_size, s.g_channels, s.spade_hidden, norm=s.norm).to(device)
        self.D = MultiscaleDiscriminator(k + c, s.d_channels, s.d_layers, s.num_d).to(device)  # sees (s, image)
        self.adversarial_optimizers(self.G.parameters(), self.D.parameters(), s.lr_g, s.lr_d, (s.beta1, s.beta2))
        self.size_multiple = self.G.size_multiple
        self.loss_names = ("loss_d", "loss_g", "loss_g_gan", "loss_g_feat") + (
            ("loss_g_vgg",) if s.lambda_vgg > 0 else ())
        if s.lambda_vgg > 0 and not s.vgg_weights.strip():
            raise ConfigError(NO_FILE)
        self._perceptual: VGGPerceptualLoss | None = None  # read when training first needs it

    @property
    def perceptual(self) -> VGGPerceptualLoss:
        """Loaded on the first step that uses it, not at construction: translating needs no VGG-19 file."""
        if self._perceptual is None:
            self._perceptual = build_perceptual_loss(self.settings.vgg_weights).to(self.device)
        return self._perceptual

    def segmap(self, label_image: torch.Tensor) -> torch.Tensor:
        """Colour label maps N×3×H×W in [-1, 1] → one-hot N×K×H×W by the nearest palette colour."""
        return one_hot(rgb_to_ids(label_image, self.colors), len(self.colors)).to(label_image.dtype)

    def discriminate(self, seg: torch.Tensor, fake: torch.Tensor, real: torch.Tensor
                     ) -> tuple[Predictions, Predictions]:
        """D on (s, fake) and (s, real) in one batch → (predictions on fake, predictions on real)."""
        pairs = torch.cat([torch.cat([seg, fake], dim=1), torch.cat([seg, real], dim=1)], dim=0)
        return split_halves(self.D(pairs))

    def train_step(self, batch: Batch) -> dict[str, float]:
        x, y = self.on_device(batch)
        seg = self.segmap(x)
        s = self.settings
        kind = s.gan_loss

        # D: real pairs (s, y) against generated pairs (s, G(s)), at every scale.
        set_requires_grad(self.D, True)
        self.opt_d.zero_grad(set_to_none=True)
        with self.autocast():
            fake = self.G(seg)
            pred_fake, pred_real = self.discriminate(seg, fake.detach(), y)
            loss_d = sum(discriminator_loss(kind, r[-1].float(), f[-1].float())
                         for r, f in zip(pred_real, pred_fake, strict=True)) / len(pred_real)
        grad_d = optimizer_step(loss_d, self.opt_d, self.scaler_d, self.D)
        out_real, out_fake = final_scores(pred_real), final_scores(pred_fake)

        # G: fool the updated D at every scale and match its features on the real pair.
        set_requires_grad(self.D, False)
        self.opt_g.zero_grad(set_to_none=True)
        with self.autocast():
            pred_gen, pred_real = self.discriminate(seg, fake, y)
            loss_g_gan = sum(generator_loss(kind, f[-1].float()) for f in pred_gen) / len(pred_gen)
            loss_g_feat = s.lambda_feat * feature_matching(pred_gen, pred_real)
            losses = {"loss_g_gan": loss_g_gan, "loss_g_feat": loss_g_feat}
            if s.lambda_vgg > 0:
                losses["loss_g_vgg"] = s.lambda_vgg * self.perceptual(fake.float(), y.float())
            loss_g = sum(losses.values())
        grad_g = optimizer_step(loss_g, self.opt_g, self.scaler_g, self.G)
        set_requires_grad(self.D, True)

        return step_scalars(kind, {"loss_d": loss_d, "loss_g": loss_g, **losses}, out_real, out_fake, grad_d, grad_g)

    @torch.no_grad()
    def translate(self, x: torch.Tensor, direction: str = "AtoB") -> torch.Tensor:
        """G(s) for colour label maps x in [-1, 1], in eval mode (batch norm's running statistics), on CPU."""
        if direction not in self.directions:
            raise ValueError(f"spade translates in one direction only ('AtoB': label map → image), got {direction!r}")
        with in_eval(self.G):
            return self.G(self.segmap(x.to(self.device).float())).float().cpu()

    def visuals(self, batch: Batch) -> dict[str, torch.Tensor]:
        """One row per example: label map s, output G(s), target y."""
        x, y = batch[0][:VISUAL_EXAMPLES].cpu(), batch[1][:VISUAL_EXAMPLES].cpu()
        out = self.translate(x)
        return {"translation": torch.stack([x, out, y], dim=1).flatten(0, 1)}

"""3D-GAN on voxel grids (Wu et al. 2016), with the optional silhouette encoder of 3D-VAE-GAN.

G maps z ~ N(0, I) to a sigmoid occupancy grid; D scores grids with one logit (`workbench.nets.gan3d`).
Losses are binary cross-entropy on D's logits l (`non_saturating` of `workbench.methods.adversarial_losses`):
  D loss = BCE(l_real, 1) + BCE(l_fake, 0)          = −log D(x) − log(1 − D(G(z)))
  G loss = BCE(l_gen, 1)                             = −log D(G(z))   (the non-saturating form)
with Adam (lr_g, lr_d, β1; the paper: G 0.0025, D 10⁻⁵, β1 0.5).

The paper's balancing tricks:
- D learns much more slowly than G (lr_d ≪ lr_g): a 3-D D otherwise wins within a few hundred steps.
- D is updated only while its accuracy on the current batch is below `d_accuracy_threshold` (0.8). Accuracy is
  the mean of (real grids with D(x) > 0.5) and (generated grids with D(G(z)) < 0.5). D's loss and accuracy are
  computed at every step (they are reported); when D is accurate enough, its backward pass and optimizer step
  are skipped (`d_updated` 0, `grad_norm_d` 0, `d_updates_skipped` counts them). A threshold of 1 always
  updates D.
- A large batch: that is the data batch size (`data.batch_size`). The paper uses 100; 32–64 is a good
  compromise on a CPU (with fewer, D's accuracy on a batch is a noisy signal for the rule above).

Image encoder (`image_encoder`, 3D-VAE-GAN): E maps the front silhouette of a real grid
(`workbench.data.silhouettes`) to (μ, log σ²); z = μ + σ·ε is decoded by G. Each step adds
  loss_encoder = encoder_weight × (‖G(z) − x‖² + KL(q(z|silhouette) ‖ N(0, I))), both per voxel
(the squared error averaged over voxels, the KL summed over z's dimensions and divided by the voxel count: the
usual VAE balance of the two terms, scaled so the loss stays near the GAN losses at every grid size).
Its gradient updates E and also G, as in 3D-VAE-GAN: G then learns to reconstruct every training shape from
its silhouette's code, so a silhouette can reach shapes that the adversarial loss alone leaves uncovered
(the VAE-GAN remedy for mode collapse), and E's codes land where G decodes them well. Updating E alone would
keep G a pure GAN but leave E chasing a moving target with no way to reach shapes G never makes.
`encode_silhouette(images)` returns μ.

Visuals: "real" shows up to 8 of the fixed real grids of the live view as rendered thumbnails
(`workbench.data.voxel_render`, pyvista off-screen); they are the same grids every time, so they are rendered
once and reused.
"""

from __future__ import annotations

import hashlib
from typing import Any

import torch
import torch.nn.functional as F

from workbench.config import ConfigError
from workbench.data.silhouettes import silhouettes
from workbench.methods.adversarial_losses import discriminator_loss, generator_loss, step_scalars
from workbench.methods.base import ADVERSARIAL_STATE, Batch, MethodBase, gradient_norm, in_eval, optimizer_step
from workbench.methods.registry import register_method
from workbench.nets.gan3d import SUPPORTED_SIDES, SilhouetteEncoder, VoxelDiscriminator, VoxelGenerator

VISUAL_SHAPES = 8  # real grids rendered for the live view
THUMBNAIL_SIZE = 96
LOSS = "non_saturating"


def d_accuracy(logits_real: torch.Tensor, logits_fake: torch.Tensor) -> float:
    """Share of a batch D classifies correctly: real with D(x) > 0.5, fake with D(G(z)) < 0.5, averaged."""
    return 0.5 * (float((logits_real > 0).float().mean()) + float((logits_fake < 0).float().mean()))


def should_update_d(accuracy: float, threshold: float) -> bool:
    """The paper's rule: update D only while it is less accurate than `threshold`; threshold 1 always updates."""
    return threshold >= 1.0 or accuracy < threshold


def kl_to_standard_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(μ, σ²) ‖ N(0, I)) summed over z's dimensions, averaged over the batch."""
    return (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(dim=1)).mean()


@register_method("gan3d")
class GAN3D(MethodBase):
    loss_names: tuple[str, ...] = ("loss_d", "loss_g")
    stateful: tuple[str, ...] = ADVERSARIAL_STATE

    def __init__(self, config: Any, data_info: Any, device: torch.device) -> None:
        super().__init__(config, data_info, device)
        s = self.settings
        if data_info.image_size not in SUPPORTED_SIDES:
            sides = ", ".join(map(str, SUPPORTED_SIDES))
            raise ConfigError(f"data.image_size: gan3d's grid side must be one of {sides}; got {data_info.image_size}")
        self.side = data_info.image_size
        self.latent_dim = s.latent_dim
        self.G = VoxelGenerator(s.latent_dim, self.side, s.g_channels).to(device)
        self.D = VoxelDiscriminator(self.side, s.d_channels).to(device)
        # scaler_g scales G's loss, and E's when the encoder trains with it
        self.adversarial_optimizers(self.G.parameters(), self.D.parameters(), s.lr_g, s.lr_d, (s.beta1, 0.999))
        self.has_encoder = bool(s.image_encoder)
        if self.has_encoder:
            # E is D's 2-D counterpart in width (no separate setting): D sees the same shapes in 3-D.
            self.E = SilhouetteEncoder(s.latent_dim, self.side, s.d_channels).to(device)
            # E learns at G's pace: both are fitted by the same reconstruction term.
            self.opt_e = torch.optim.Adam(self.E.parameters(), lr=s.lr_g, betas=(s.beta1, 0.999))
            self.stateful = (*type(self).stateful, "E", "opt_e")
            self.loss_names = (*type(self).loss_names, "loss_encoder")
        self.d_updates_skipped = 0
        self._real_thumbnails: tuple[str, torch.Tensor] | None = None  # (key of the grids, their pictures)

    # --- training -------------------------------------------------------------------------------------------

    def train_step(self, batch: Batch) -> dict[str, float]:
        real = batch[0].to(self.device, non_blocking=True).float()
        z = self.randn(real.shape[0], self.latent_dim)
        threshold = float(self.settings.d_accuracy_threshold)

        # D: its loss and accuracy on this batch every step; the update only while it is not yet accurate.
        with self.autocast():
            fake = self.G(z)
            logits_real = self.D(real).float()
            logits_fake = self.D(fake.detach()).float()
            loss_d = discriminator_loss(LOSS, logits_real, logits_fake)
        accuracy = d_accuracy(logits_real.detach(), logits_fake.detach())
        update_d = should_update_d(accuracy, threshold)
        self.opt_d.zero_grad(set_to_none=True)
        grad_d = 0.0
        if update_d:
            grad_d = optimizer_step(loss_d, self.opt_d, self.scaler_d, self.D)
        else:
            self.d_updates_skipped += 1

        # G (and E): fool D as it now is; with the encoder, also reconstruct real grids from their silhouettes.
        self.opt_g.zero_grad(set_to_none=True)
        encoder_scalars: dict[str, float] = {}
        with self.autocast():
            logits_gen = self.D(fake).float()
            loss_g = generator_loss(LOSS, logits_gen)
            total = loss_g
            if self.has_encoder:
                self.opt_e.zero_grad(set_to_none=True)
                loss_encoder, encoder_scalars = self._encoder_loss(real)
                total = total + loss_encoder
        self.scaler_g.scale(total).backward()
        self.scaler_g.unscale_(self.opt_g)
        grad_g = gradient_norm(self.G)
        self.scaler_g.step(self.opt_g)
        if self.has_encoder:
            self.scaler_g.unscale_(self.opt_e)
            self.scaler_g.step(self.opt_e)
        self.scaler_g.update()

        scalars = step_scalars(LOSS, {"loss_d": loss_d, "loss_g": loss_g}, logits_real, logits_fake, grad_d, grad_g)
        return {**scalars, "d_accuracy": accuracy, "d_updated": 1.0 if update_d else 0.0,
                "d_updates_skipped": float(self.d_updates_skipped), **encoder_scalars}

    def _encoder_loss(self, real: torch.Tensor) -> tuple[torch.Tensor, dict[str, float]]:
        """encoder_weight × (per-voxel squared error of G(E(silhouette)) + KL per voxel), and its parts."""
        mu, logvar = self.E(silhouettes(real))
        mu, logvar = mu.float(), logvar.float()
        z = mu + torch.exp(0.5 * logvar) * self.randn(*mu.shape)
        reconstruction = self.G(z).float()
        squared_error = (reconstruction - real).pow(2).mean()
        kl = kl_to_standard_normal(mu, logvar)
        voxels = real[0].numel()
        loss = self.settings.encoder_weight * (squared_error + kl / voxels)
        return loss, {"loss_encoder": loss.item(), "encoder_squared_error": squared_error.item(),
                      "encoder_kl": kl.item()}

    # --- generation -----------------------------------------------------------------------------------------

    @torch.no_grad()
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Occupancy grids N×1×S×S×S in [0, 1] on CPU (G in eval mode during the call)."""
        with in_eval(self.G):
            return self.G(z.to(self.device).float()).float().cpu()

    def silhouettes(self, grids: torch.Tensor) -> torch.Tensor:
        """The projection E is trained on (front view, white on black, N×1×S×S in [−1, 1])."""
        return silhouettes(grids)

    @torch.no_grad()
    def encode_silhouette(self, images: torch.Tensor) -> torch.Tensor:
        """μ of E(silhouette) for images N×1×S×S in [−1, 1] (another square size is resized to the grid side)."""
        if not self.has_encoder:
            raise ConfigError("method.image_encoder: this run was trained without the image → 3D encoder")
        if images.ndim != 4 or images.shape[1] != 1 or images.shape[2] != images.shape[3]:
            raise ValueError(f"silhouettes must be N×1×S×S; got shape {tuple(images.shape)}")
        images = images.to(self.device).float()
        if images.shape[-1] != self.side:
            images = F.interpolate(images, size=(self.side, self.side), mode="bilinear", align_corners=False,
                                   antialias=images.shape[-1] > self.side)
        with in_eval(self.E):
            return self.E(images)[0].float().cpu()

    # --- live view ------------------------------------------------------------------------------------------

    def visuals(self, batch: Batch) -> dict[str, torch.Tensor]:
        """{"real": thumbnails of up to 8 real grids, N×3×96×96 in [−1, 1]}, rendered once per set of grids."""
        grids = batch[0][:VISUAL_SHAPES].detach().float().cpu().contiguous()
        key = hashlib.sha1(grids.numpy().tobytes()).hexdigest()
        if self._real_thumbnails is None or self._real_thumbnails[0] != key:
            from workbench.data.voxel_render import render_thumbnails, thumbnails_as_images

            pictures = render_thumbnails(grids.numpy(), size=THUMBNAIL_SIZE)
            self._real_thumbnails = (key, thumbnails_as_images(pictures))
        return {"real": self._real_thumbnails[1].clone()}

    # --- checkpoints ----------------------------------------------------------------------------------------

    def base_state(self) -> dict[str, Any]:
        return {**super().base_state(), "d_updates_skipped": self.d_updates_skipped}

    def load_base_state(self, state: dict[str, Any]) -> None:
        super().load_base_state(state)
        self.d_updates_skipped = int(state["d_updates_skipped"])

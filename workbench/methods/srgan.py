"""SRGAN (Ledig et al. 2017): the SRResNet generator trained to fool a discriminator, plus a content loss.

With l = D's logit for an HR-sized image and softplus(t) = log(1 + eᵗ):
  D loss = −log D(HR) − log(1 − D(G(LR)))            = softplus(−l_real) + softplus(l_fake)
  G loss = content(G(LR), HR) + w · (−log D(G(LR)))  = content + w · softplus(−l_gen)   (non-saturating)
content = MSE of VGG-19 features (sr_content_loss.py) or pixel MSE when no VGG-19 weights file is given;
w = adversarial_weight (10⁻³ in the paper).

`init_from` starts G from a trained SRResNet run, as the paper does (its SRGAN starts from SRResNet-MSE,
avoiding poor local optima). The weights are copied when a new run first uses G (its first step, visuals or run
notes) and never when a checkpoint is restored first: a resumed run gets everything from its own checkpoint,
so it neither needs the SRResNet run to still exist nor picks up that run's later training. The VGG-19 file is
likewise read when training starts, not when the method is built: a trained SRGAN upscales without it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from workbench.config import ConfigError
from workbench.methods.base import Batch, gradient_norm
from workbench.methods.gan_losses import d_loss_bce, g_loss_non_saturating
from workbench.methods.registry import register_method
from workbench.methods.sr_content_loss import PixelContentLoss, VGGContentLoss, build_content_loss
from workbench.methods.srresnet import SuperResolutionMethod, batch_psnr
from workbench.nets.sr_discriminator import SRGANDiscriminator

INIT_FIELD = "method.init_from"


def resolve_srresnet_run(init_from: str, workspace_root: Path | None = None) -> Any:
    """The stored run `init_from` names (an id, a unique id prefix, or a run folder) in `workspace_root` (the
    workspace of the run being trained, set by the runner), else the default workspace."""
    from workbench.runs import Workspace

    try:
        run = Workspace(workspace_root).run(init_from)
        method = run.config.method_name
    except KeyError as err:
        raise ConfigError(f"{INIT_FIELD}: {err.args[0]} (give an SRResNet run's id or its folder)") from err
    except ConfigError as err:
        raise ConfigError(f"{INIT_FIELD}: cannot read run {init_from!r}: {err}") from err
    if method != "srresnet":
        raise ConfigError(f"{INIT_FIELD}: run {run.id} is a {method!r} run; SRGAN starts from an 'srresnet' run")
    return run


def generator_shape(residual_blocks: int, channels: int, scale: int, image_channels: int,
                    bicubic_skip: bool) -> str:
    """The generator's architecture in words, compared between an SRGAN and the SRResNet run it starts from."""
    return (f"{residual_blocks} residual blocks, {channels} channels, ×{scale}, "
            f"{image_channels} image channel{'s' if image_channels > 1 else ''}, "
            f"bicubic skip {'on' if bicubic_skip else 'off'}")


@register_method("srgan")
class SRGAN(SuperResolutionMethod):
    loss_names = ("loss_d", "loss_g", "loss_content", "loss_adv")
    stateful = ("G", "D", "opt_g", "opt_d", "scaler_g", "scaler_d")

    def __init__(self, config: Any, data_info: Any, device: torch.device) -> None:
        super().__init__(config, data_info, device)
        s = self.settings
        self.D = SRGANDiscriminator(data_info.channels, s.d_channels).to(device)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=s.lr, betas=(s.beta1, 0.999))
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=s.lr, betas=(s.beta1, 0.999))
        self.scaler_g = self.grad_scaler()
        self.scaler_d = self.grad_scaler()
        self._content_loss: PixelContentLoss | VGGContentLoss | None = None  # built when training needs it
        self.initialised_from = ""  # "<run id> (step N)" once init_from has been applied
        self._init_pending = bool(s.init_from.strip())
        self.workspace_root: Path | None = None  # where `init_from` ids are looked up (the runner sets it)

    @property
    def content_loss(self) -> PixelContentLoss | VGGContentLoss:
        """Loaded on first use (the run's start: its notes, or its first step), not at construction: upscaling
        with a trained SRGAN, e.g. on another machine, needs no VGG-19 file."""
        if self._content_loss is None:
            self._content_loss = build_content_loss(self.settings.vgg_weights, self.settings.content_layer)
            self._content_loss.to(self.device)
        return self._content_loss

    # ---- initialisation from an SRResNet run --------------------------------------------------------------
    def apply_init_from(self) -> None:
        """Copy G's weights from the latest checkpoint of the `init_from` run (once, for a new run only)."""
        if not self._init_pending:
            return
        from workbench.runs.checkpoint_files import latest_checkpoint
        from workbench.training.checkpoints import CheckpointError, load_checkpoint

        run = resolve_srresnet_run(self.settings.init_from.strip(), self.workspace_root)
        theirs, data = run.config.method, run.config.data
        ours = self.settings
        wanted = generator_shape(ours.residual_blocks, ours.channels, self.scale, self.data_info.channels,
                                 ours.bicubic_skip)
        found = generator_shape(theirs.residual_blocks, theirs.channels, data.scale, data.channels,
                                theirs.bicubic_skip)
        if wanted != found:
            raise ConfigError(f"{INIT_FIELD}: run {run.id}'s generator has {found}, this SRGAN's has {wanted}; set "
                              "method.residual_blocks, method.channels, method.bicubic_skip and data.scale (and "
                              "the data's channels) to match the SRResNet run")
        files = latest_checkpoint(run.checkpoints_dir)
        if files is None:
            raise ConfigError(f"{INIT_FIELD}: run {run.id} has no checkpoint yet (train it, or stop it to write one)")
        try:
            generator = load_checkpoint(files)["method"]["G"]
            self.G.load_state_dict(generator)
        except (CheckpointError, KeyError, TypeError, RuntimeError) as err:
            raise ConfigError(f"{INIT_FIELD}: cannot take the generator from run {run.id}'s checkpoint at step "
                              f"{files.step}: {err}") from err
        self.initialised_from = f"{run.id} (step {files.step}, {Path(run.path)})"
        self._init_pending = False

    def run_notes(self) -> dict[str, str]:
        """Which content loss this run trains with, and where G started from (stored in run.toml's [notes])."""
        self.apply_init_from()
        notes = {"content_loss": self.content_loss.description}
        if self.initialised_from:
            notes["initialised_from"] = self.initialised_from
        return notes

    def base_state(self) -> dict[str, Any]:
        return {**super().base_state(), "initialised_from": self.initialised_from}

    def load_base_state(self, state: dict[str, Any]) -> None:
        super().load_base_state(state)
        self.initialised_from = str(state.get("initialised_from", ""))
        self._init_pending = False  # the checkpoint holds G already

    # ---- training -------------------------------------------------------------------------------------------
    def train_step(self, batch: Batch) -> dict[str, float]:
        self.apply_init_from()
        lr = batch[0].to(self.device, non_blocking=True)
        hr = batch[1].to(self.device, non_blocking=True)

        # D: tell HR images from super-resolved ones.
        self.opt_d.zero_grad(set_to_none=True)
        with self.autocast():
            sr = self.G(lr)
            logits_real = self.D(hr)
            logits_fake = self.D(sr.detach())
            loss_d = d_loss_bce(logits_real.float(), logits_fake.float())
        self.scaler_d.scale(loss_d).backward()
        self.scaler_d.unscale_(self.opt_d)
        grad_d = gradient_norm(self.D)
        self.scaler_d.step(self.opt_d)
        self.scaler_d.update()

        # G: stay close to HR in content and fool the updated D.
        self.opt_g.zero_grad(set_to_none=True)
        with self.autocast():
            logits_gen = self.D(sr)
            loss_adv = g_loss_non_saturating(logits_gen.float())
            loss_content = self.content_loss(sr.float(), hr).float()
        loss_g = loss_content + self.settings.adversarial_weight * loss_adv
        self.scaler_g.scale(loss_g).backward()
        self.scaler_g.unscale_(self.opt_g)
        grad_g = gradient_norm(self.G)
        self.scaler_g.step(self.opt_g)
        self.scaler_g.update()

        return {
            "loss_d": loss_d.item(),
            "loss_g": loss_g.item(),
            "loss_content": loss_content.item(),
            "loss_adv": loss_adv.item(),
            "d_real": float(torch.sigmoid(logits_real.detach().float()).mean()),
            "d_fake": float(torch.sigmoid(logits_fake.detach().float()).mean()),
            "psnr": batch_psnr(sr, hr),
            "grad_norm_d": grad_d,
            "grad_norm_g": grad_g,
        }

    def upscale(self, lr: torch.Tensor) -> torch.Tensor:
        self.apply_init_from()
        return super().upscale(lr)

    def sample(self, n: int, *, seed: int) -> torch.Tensor:
        raise NotImplementedError("SRGAN upscales given images (upscale); it draws nothing from noise")

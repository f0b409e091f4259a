"""DCGAN with a selectable generator loss (Goodfellow et al. 2014; Radford et al. 2016).

D outputs a logit l, D(x) = σ(l). With softplus(t) = log(1 + eᵗ):
  D loss        = −log D(x) − log(1 − D(G(z)))      = softplus(−l_real) + softplus(l_fake)
  G minimax     =  log(1 − D(G(z)))                  = −softplus(l_fake)   (saturates when D wins)
  G non-sat.    = −log D(G(z))                       =  softplus(−l_fake)  (strong gradients early on)
This is `gan` with the paper's fixed recipe: Adam with the run's own rates, one D update per G update, batch
norm in D; the two losses are those of `workbench.methods.adversarial_losses`.
"""

from __future__ import annotations

from workbench.methods.gan import ResolvedAdversarial
from workbench.methods.gan.method import GAN
from workbench.methods.registry import register_method


@register_method("dcgan")
class DCGAN(GAN):
    def training_plan(self) -> ResolvedAdversarial:
        s = self.settings
        return ResolvedAdversarial("adam", s.lr_g, s.lr_d, s.beta1, s.beta2, n_critic=1, d_norm="batch")

    def adversarial_loss(self) -> str:
        return self.settings.g_loss

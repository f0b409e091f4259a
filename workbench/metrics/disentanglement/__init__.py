"""Disentanglement metrics (after google-research/disentanglement_lib, Locatello et al. 2019).

On arrays, for scripts and notebooks: `mig(codes, factors)`, `dci(codes, factors) -> (disentanglement,
completeness, informativeness)` and `sap(codes, factors)` take codes (N, latent_dim) and discrete factor
values (N, n_factors). `beta_vae_score(encode, sampler)` and `factor_vae_score(encode, sampler)` need an encoder
and a `FactorSampler` that renders observations with chosen factors. The report of a trained model (all five
scores, stored in its run) is `workbench.evaluation.disentanglement`. Importing this package does not import
torch.
"""

from workbench.metrics.disentanglement.beta_vae_score import beta_vae_score
from workbench.metrics.disentanglement.dci import dci, dci_result
from workbench.metrics.disentanglement.factor_vae_score import factor_vae_score
from workbench.metrics.disentanglement.mig import mig, mutual_information_matrix
from workbench.metrics.disentanglement.sampling import FactorSampler, identity_sampler
from workbench.metrics.disentanglement.sap import sap, sap_matrix
from workbench.metrics.disentanglement.scores import scores_from_codes

__all__ = [
    "FactorSampler",
    "beta_vae_score",
    "dci",
    "dci_result",
    "factor_vae_score",
    "identity_sampler",
    "mig",
    "mutual_information_matrix",
    "sap",
    "sap_matrix",
    "scores_from_codes",
]

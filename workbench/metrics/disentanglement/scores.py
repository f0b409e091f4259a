"""MIG, DCI and SAP of codes against factors with their matrices: the scores the training loop's probe and the
evaluation's report share."""

from __future__ import annotations

import numpy as np

from workbench.metrics.disentanglement.dci import dci_result
from workbench.metrics.disentanglement.mig import discrete_entropy, mig_from_matrix, mutual_information_matrix
from workbench.metrics.disentanglement.sap import sap_from_matrix, sap_matrix


def scores_from_codes(codes: np.ndarray, factors: np.ndarray, *, seed: int = 0,
                      model: str = "forest") -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """MIG, DCI and SAP of codes against factors, with their D×F matrices (no encoder needed)."""
    mi = mutual_information_matrix(codes, factors)
    result = dci_result(codes, factors, model=model, seed=seed)
    sap_scores = sap_matrix(codes, factors, seed=seed)
    scores = {"MIG": mig_from_matrix(mi, discrete_entropy(factors)), "DCI disentanglement": result.disentanglement,
              "DCI completeness": result.completeness, "DCI informativeness": result.informativeness,
              "SAP": sap_from_matrix(sap_scores)}
    return scores, {"mutual information": mi, "DCI importance": result.importance, "SAP": sap_scores}

"""Disentanglement curves during training: MIG, DCI and SAP of a fixed sample of the training data.

Used by the training loop when `train.disentanglement_every` > 0 and the run's model has an encoder and its
data known factors (shapes2d, shapes2d-correlated). The sample (2000 images by default) is drawn once with its
own seed, so every point of a curve scores the same images. Encoding and scoring leave the global random number
generators untouched (a resumed run stays bit-identical) and run BLAS on one thread.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import torch

from workbench.metrics.disentanglement.scores import scores_from_codes

PROBE_CODES = 2000
PROBE_SEED = 20_011
ENCODE_CHUNK = 500
SCALAR_NAMES = {"MIG": "mig", "DCI disentanglement": "dci_disentanglement", "DCI completeness": "dci_completeness",
                "DCI informativeness": "dci_informativeness", "SAP": "sap"}


class DisentanglementProbe:
    """Scores a method's codes of a fixed data sample against the sample's factors."""

    def __init__(self, method: Any, dataset: Any, n: int = PROBE_CODES, seed: int = PROBE_SEED) -> None:
        self.method = method
        n = min(n, len(dataset))
        generator = torch.Generator().manual_seed(seed)
        indices = torch.randperm(len(dataset), generator=generator)[:n].sort().values
        self.images = torch.cat([dataset.get_batch(chunk)[0] for chunk in indices.split(ENCODE_CHUNK)])
        self.factors = dataset.factors(indices).numpy().astype(np.int64)

    @classmethod
    def for_session(cls, session: Any, n: int | None = None) -> DisentanglementProbe | None:
        """A probe when the method encodes and the data has known factors; None otherwise."""
        dataset = session.dataset
        if not hasattr(session.method, "encode") or not getattr(dataset.info, "factor_names", ()):
            return None
        if not hasattr(dataset, "factors") or not hasattr(dataset, "render"):
            return None  # attributes of real photos (CelebA) are not the generative factors these scores assume
        return cls(session.method, dataset, PROBE_CODES if n is None else n)

    def scores(self) -> dict[str, float]:
        """{"mig": …, "dci_disentanglement": …, "dci_completeness": …, "dci_informativeness": …, "sap": …}."""
        from workbench.compat import one_blas_thread

        state = random.getstate()
        with torch.random.fork_rng(devices=[]), torch.no_grad():
            codes = torch.cat([self.method.encode(x).float().cpu() for x in self.images.split(ENCODE_CHUNK)])
        random.setstate(state)
        codes_np = codes.double().numpy()
        if not np.all(np.isfinite(codes_np)):
            return {}
        with one_blas_thread():
            scores, _ = scores_from_codes(codes_np, self.factors)
        return {SCALAR_NAMES[k]: float(v) for k, v in scores.items()}

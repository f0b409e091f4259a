"""DCI: disentanglement, completeness and informativeness (Eastwood & Williams 2018), as disentanglement_lib
computes it (Locatello et al. 2019).

One classifier per factor predicts the factor from the whole code; its feature importances fill column f of a
D×F importance matrix R. Disentanglement weighs each dimension's 1 − H(R[d, :]) (entropy over factors, base F)
by the dimension's share of the total importance; completeness weighs each factor's 1 − H(R[:, f]) (entropy over
dimensions, base D) by the factor's share; informativeness is the mean test accuracy of the classifiers.

The classifiers: disentanglement_lib uses gradient-boosted trees (`model="boosting"`, sklearn's
GradientBoostingClassifier, slow: one tree per class per round, minutes for dSprites' 40 orientations). The
default here, `model="forest"`, is sklearn's ExtraTreesClassifier (16 trees of depth ≤ 8 that weigh every
dimension at every split, max_features=None) with its impurity-based importances: about 0.3 s for 2000 codes
of 10 dimensions, and the same verdicts on the reference library's test cases (a code equal to the factors
≥ 0.9, unrelated codes ≤ 0.2). Informativeness is the mean held-out accuracy over factors (30% of the codes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import entropy

from workbench.metrics.disentanglement._arrays import (
    check_codes_factors,
    quiet_small_samples,
    train_test_split_indices,
)

MODELS = ("forest", "boosting")


@dataclass(frozen=True)
class DCIResult:
    disentanglement: float
    completeness: float
    informativeness: float  # mean test accuracy over factors
    importance: np.ndarray  # (D, F), each column sums to 1 (or all zero for an unpredictable factor)
    train_accuracy: np.ndarray  # (F,)
    test_accuracy: np.ndarray  # (F,)


def _classifier(model: str, seed: int):  # noqa: ANN202 - an sklearn estimator
    if model == "forest":
        from sklearn.ensemble import ExtraTreesClassifier

        return ExtraTreesClassifier(n_estimators=16, max_features=None, max_depth=8, random_state=seed, n_jobs=1)
    from sklearn.ensemble import GradientBoostingClassifier

    return GradientBoostingClassifier(random_state=seed)


def importance_matrix(codes: np.ndarray, factors: np.ndarray, *, model: str = "forest", test_fraction: float = 0.3,
                      seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(D, F) importances and the per-factor train and test accuracies of the classifiers."""
    if model not in MODELS:
        raise ValueError(f"model must be one of {', '.join(MODELS)} (got {model!r})")
    codes, factors = check_codes_factors(codes, factors, min_rows=4)
    train, test = train_test_split_indices(codes.shape[0], test_fraction, seed)
    n_dims, n_factors = codes.shape[1], factors.shape[1]
    importance = np.zeros((n_dims, n_factors))
    train_acc, test_acc = np.zeros(n_factors), np.zeros(n_factors)
    for f in range(n_factors):
        y_train, y_test = factors[train, f], factors[test, f]
        if np.unique(y_train).size < 2:  # nothing to predict: the majority is always right, nothing is important
            train_acc[f] = 1.0
            test_acc[f] = float(np.mean(y_test == y_train[0]))
            continue
        with quiet_small_samples():
            clf = _classifier(model, seed + f).fit(codes[train], y_train)
        importance[:, f] = np.abs(clf.feature_importances_)
        train_acc[f] = clf.score(codes[train], y_train)
        test_acc[f] = clf.score(codes[test], y_test)
    return importance, train_acc, test_acc


def _weighted_score(importance: np.ndarray) -> float:
    """Σ over rows of (1 − entropy of the row, base = its length) × the row's share of the total importance."""
    rows, cols = importance.shape
    if cols < 2:
        per_row = np.ones(rows)
    else:
        per_row = 1.0 - entropy(importance.T + 1e-11, base=cols)
    total = importance.sum()
    weights = importance.sum(axis=1) / total if total > 0 else np.full(rows, 1.0 / rows)
    if total == 0:  # nothing is important: like disentanglement_lib, treat every entry as equal (score 0)
        per_row = np.zeros(rows) if cols > 1 else per_row
    return float(np.clip(np.sum(per_row * weights), 0.0, 1.0))


def disentanglement_score(importance: np.ndarray) -> float:
    """How much each code dimension is about a single factor, weighted by the dimensions' importance."""
    return _weighted_score(importance)


def completeness_score(importance: np.ndarray) -> float:
    """How much each factor is captured by a single dimension, weighted by the factors' importance."""
    return _weighted_score(importance.T)


def dci_result(codes: np.ndarray, factors: np.ndarray, *, model: str = "forest", test_fraction: float = 0.3,
               seed: int = 0) -> DCIResult:
    """DCI scores with the importance matrix and accuracies they come from."""
    importance, train_acc, test_acc = importance_matrix(codes, factors, model=model, test_fraction=test_fraction,
                                                        seed=seed)
    return DCIResult(disentanglement_score(importance), completeness_score(importance), float(test_acc.mean()),
                     importance, train_acc, test_acc)


def dci(codes: np.ndarray, factors: np.ndarray, *, model: str = "forest", seed: int = 0) -> tuple[float, float, float]:
    """(disentanglement, completeness, informativeness) of codes (N, latent_dim) against discrete factors
    (N, n_factors); informativeness is the classifiers' mean test accuracy."""
    r = dci_result(codes, factors, model=model, seed=seed)
    return r.disentanglement, r.completeness, r.informativeness

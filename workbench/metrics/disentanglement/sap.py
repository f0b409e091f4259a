"""SAP, the Separated Attribute Predictability score (Kumar et al. 2018), after disentanglement_lib.

A D×F score matrix says how well each code dimension *alone* predicts each factor; SAP is the mean over factors
of the gap between the best and the second-best dimension. A factor shared by two dimensions scores 0.

Factors given as discrete values (the default) are scored by the balanced test accuracy of a classifier on the
single dimension, adjusted for chance (0 = no better than guessing, 1 = perfect; sklearn's
`balanced_accuracy_score(adjusted=True)`, negative values clipped to 0). The classifier is a shallow decision
tree on that one dimension, where disentanglement_lib uses a linear SVM: a linear one-vs-rest model on one
number cannot single out the middle values of a factor with many values (a code that *is* the factor would not
predict it), while a tree's thresholds can. With `continuous=True` the score is disentanglement_lib's: the R²
of a linear fit, i.e. the squared correlation of the dimension with the factor's value.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import balanced_accuracy_score
from sklearn.tree import DecisionTreeClassifier

from workbench.metrics.disentanglement._arrays import (
    check_codes_factors,
    quiet_small_samples,
    train_test_split_indices,
)


def _r2_matrix(codes: np.ndarray, factors: np.ndarray) -> np.ndarray:
    c = codes - codes.mean(0)
    f = factors.astype(np.float64) - factors.mean(0)
    cov = c.T @ f / codes.shape[0]  # (D, F)
    var_c, var_f = (c * c).mean(0), (f * f).mean(0)
    denominator = np.outer(var_c, var_f)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(denominator > 0, cov**2 / np.where(denominator > 0, denominator, 1.0), 0.0)
    return r2


def _accuracy_matrix(codes: np.ndarray, factors: np.ndarray, test_fraction: float, seed: int,
                     max_depth: int) -> np.ndarray:
    train, test = train_test_split_indices(codes.shape[0], test_fraction, seed)
    scores = np.zeros((codes.shape[1], factors.shape[1]))
    for f in range(factors.shape[1]):
        y_train, y_test = factors[train, f], factors[test, f]
        if np.unique(y_train).size < 2:
            continue  # a constant factor: no dimension can be better than guessing
        for d in range(codes.shape[1]):
            x_train, x_test = codes[train, d:d + 1], codes[test, d:d + 1]
            if np.ptp(x_train) == 0:
                continue  # a constant dimension predicts nothing
            tree = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=5, random_state=seed)
            with quiet_small_samples():
                predicted = tree.fit(x_train, y_train).predict(x_test)
                scores[d, f] = balanced_accuracy_score(y_test, predicted, adjusted=True)
    return np.clip(scores, 0.0, 1.0)


def sap_matrix(codes: np.ndarray, factors: np.ndarray, *, continuous: bool = False, test_fraction: float = 0.3,
               seed: int = 0, max_depth: int = 8) -> np.ndarray:
    """(D, F) predictability of each factor from each single code dimension, in [0, 1]."""
    codes, factors = check_codes_factors(codes, factors, min_rows=4)
    if continuous:
        return _r2_matrix(codes, factors)
    return _accuracy_matrix(codes, factors, test_fraction, seed, max_depth)


def sap_from_matrix(scores: np.ndarray) -> float:
    """Mean over factors of (best − second-best dimension's score)."""
    if scores.shape[0] == 0 or scores.shape[1] == 0:
        return 0.0
    ordered = np.sort(scores, axis=0)[::-1]
    second = ordered[1] if scores.shape[0] > 1 else np.zeros(scores.shape[1])
    return float(np.mean(ordered[0] - second))


def sap(codes: np.ndarray, factors: np.ndarray, *, continuous: bool = False, seed: int = 0) -> float:
    """SAP of codes (N, latent_dim) against factors (N, n_factors) of discrete values; in [0, 1]."""
    return sap_from_matrix(sap_matrix(codes, factors, continuous=continuous, seed=seed))

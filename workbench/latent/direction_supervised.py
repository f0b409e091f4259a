"""Directions from labelled codes: the difference of class means, and a linear boundary's normal.

Both take codes with labels (dataset classes, a shapes2d factor, a CelebA attribute, or the predictions of
an attribute predictor on generated images) and return a unit `Direction` pointing from the negative group to
the positive one, so "+amount" always means "more of the attribute".

- `class_mean_direction`: mean(positive codes) − mean(negative codes). Cheap and robust; biased by any
  other attribute that differs between the groups.
- `boundary_direction`: the normal of a linear SVM or logistic-regression boundary (InterFaceGAN, Shen et al.
  2020). It separates the groups with the least help from correlated directions; its held-out accuracy says
  how linearly separable the attribute is in this latent space.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from workbench.latent.directions import Direction
from workbench.latent.errors import LatentError

BOUNDARY_KINDS = ("svm", "logistic")
HELD_OUT_FRACTION = 0.25  # of each group, for the boundary's accuracy (InterFaceGAN validates on 30%)
MIN_PER_GROUP = 2


def as_value_set(values: int | Sequence[int]) -> tuple[int, ...]:
    """One label or several (e.g. the two largest scales of shapes2d) as a tuple of ints."""
    if isinstance(values, (int, np.integer)):
        return (int(values),)
    out = tuple(int(v) for v in values)
    if not out:
        raise LatentError("a group of labels must name at least one value")
    return out


def as_numpy_codes(codes: torch.Tensor | np.ndarray) -> np.ndarray:
    """N×D float64 array of codes (float64: sklearn's solvers and the mean differences are more exact)."""
    array = codes.detach().cpu().numpy() if isinstance(codes, torch.Tensor) else np.asarray(codes)
    if array.ndim != 2:
        raise LatentError(f"codes must be N×latent_dim, got shape {array.shape}")
    return array.astype(np.float64)


def group_mask(labels: torch.Tensor | np.ndarray, values: tuple[int, ...]) -> np.ndarray:
    """Boolean mask of the items whose label is one of `values`."""
    array = labels.detach().cpu().numpy() if isinstance(labels, torch.Tensor) else np.asarray(labels)
    return np.isin(array.reshape(-1), np.asarray(values))


def _two_groups(codes: torch.Tensor | np.ndarray, labels: torch.Tensor | np.ndarray, positive: int | Sequence[int],
                negative: int | Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple, tuple]:
    """(codes, positive mask, negative mask, positive values, negative values), checked."""
    x = as_numpy_codes(codes)
    pos_values, neg_values = as_value_set(positive), as_value_set(negative)
    if set(pos_values) & set(neg_values):
        raise LatentError("the positive and negative groups share a label value")
    pos, neg = group_mask(labels, pos_values), group_mask(labels, neg_values)
    if pos.shape[0] != x.shape[0]:
        raise LatentError(f"{x.shape[0]} codes but {pos.shape[0]} labels")
    return x, pos, neg, pos_values, neg_values


def binary_subset(codes: torch.Tensor | np.ndarray, labels: torch.Tensor | np.ndarray,
                  positive: int | Sequence[int], negative: int | Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """(codes, 0/1 labels) of the items in either group, for `boundary_direction` on a multi-valued label
    (a shapes2d factor with 6 scales, a digit class against the others): codes in neither group are dropped."""
    x, pos, neg, pos_values, neg_values = _two_groups(codes, labels, positive, negative)
    keep = pos | neg
    return x[keep], pos[keep].astype(np.int64)


def class_mean_direction(codes: torch.Tensor | np.ndarray, labels: torch.Tensor | np.ndarray,
                         positive: int | Sequence[int], negative: int | Sequence[int], name: str,
                         *, source: str = "") -> Direction:
    """mean(codes with a positive label) − mean(codes with a negative label), unit norm.

    `score` is the accuracy of telling the two groups apart by which side of the midpoint between the means
    a code's projection falls on: a direction that does not separate them at all scores about 0.5.
    """
    x, pos, neg, pos_values, neg_values = _two_groups(codes, labels, positive, negative)
    if pos.sum() < 1 or neg.sum() < 1:
        raise LatentError(f"need codes in both groups: {int(pos.sum())} positive ({pos_values}), "
                          f"{int(neg.sum())} negative ({neg_values})")
    mean_pos, mean_neg = x[pos].mean(0), x[neg].mean(0)
    diff = mean_pos - mean_neg
    if np.linalg.norm(diff) < 1e-12:
        raise LatentError("the two groups have the same mean code: no direction between them")
    unit = diff / np.linalg.norm(diff)
    midpoint = float((mean_pos + mean_neg) @ unit / 2)
    projections = x[pos | neg] @ unit
    accuracy = float(((projections > midpoint) == pos[pos | neg]).mean())
    provenance = (f"difference of class means{_source(source)}: {int(pos.sum())} codes labelled {_fmt(pos_values)} "
                  f"minus {int(neg.sum())} labelled {_fmt(neg_values)}; midpoint accuracy {accuracy:.3f}")
    return Direction(name=name, vector=torch.from_numpy(unit).float(), method="class-means", provenance=provenance,
                     score=accuracy)


def boundary_direction(codes: torch.Tensor | np.ndarray, binary_labels: torch.Tensor | np.ndarray,
                       kind: str = "svm", name: str = "boundary", *, seed: int = 0, source: str = "",
                       method: str | None = None) -> Direction:
    """The unit normal of a linear boundary between codes labelled 1 and codes labelled 0 (InterFaceGAN).

    `kind` is "svm" (scikit-learn's LinearSVC) or "logistic" (LogisticRegression). A seeded quarter of each
    group is held out and the boundary's accuracy on it is the direction's `score` (training accuracy when a
    group is too small to split). The normal points towards the codes labelled 1.
    """
    if kind not in BOUNDARY_KINDS:
        raise LatentError(f"unknown boundary kind {kind!r}; choose one of {', '.join(BOUNDARY_KINDS)}")
    x = as_numpy_codes(codes)
    y_raw = binary_labels.detach().cpu().numpy() if isinstance(binary_labels, torch.Tensor) \
        else np.asarray(binary_labels)
    y = y_raw.reshape(-1).astype(np.int64)
    if y.shape[0] != x.shape[0]:
        raise LatentError(f"{x.shape[0]} codes but {y.shape[0]} labels")
    if not np.isin(y, (0, 1)).all():
        raise LatentError("boundary labels must be 0 (negative) or 1 (positive)")
    n_pos, n_neg = int(y.sum()), int((1 - y).sum())
    if n_pos < MIN_PER_GROUP or n_neg < MIN_PER_GROUP:
        raise LatentError(f"need at least {MIN_PER_GROUP} codes on each side of the boundary; got {n_pos} positive "
                          f"and {n_neg} negative")
    train, test = _stratified_split(y, seed)
    model = _classifier(kind, seed)
    model.fit(x[train], y[train])
    accuracy = float(model.score(x[test], y[test]))
    held_out = len(test) < len(y)
    normal = np.asarray(model.coef_, dtype=np.float64).reshape(-1)
    if np.linalg.norm(normal) < 1e-12 or not np.isfinite(normal).all():
        raise LatentError("the boundary fit found no direction (the groups may be identical)")
    label = "linear SVM" if kind == "svm" else "logistic regression"
    provenance = (f"{label} boundary normal{_source(source)}: {n_pos} positive and {n_neg} negative codes; "
                  f"{'held-out' if held_out else 'training'} accuracy {accuracy:.3f}"
                  f"{f' on {len(test)} codes' if held_out else ''}")
    return Direction(name=name, vector=torch.from_numpy(normal / np.linalg.norm(normal)).float(),
                     method=method or kind, provenance=provenance, score=accuracy)


def _classifier(kind: str, seed: int):  # noqa: ANN202 - sklearn estimators, imported lazily (2 s import)
    if kind == "svm":
        from sklearn.svm import LinearSVC

        return LinearSVC(C=1.0, dual="auto", max_iter=5000, random_state=seed)
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=1.0, max_iter=2000)


def _stratified_split(y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train, test) indices holding out HELD_OUT_FRACTION of each group; all for both when a group is tiny."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for value in (0, 1):
        idx = rng.permutation(np.flatnonzero(y == value))
        n_test = int(len(idx) * HELD_OUT_FRACTION)
        if n_test < 1 or len(idx) - n_test < MIN_PER_GROUP:
            everything = np.arange(len(y))
            return everything, everything
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def _fmt(values: tuple[int, ...]) -> str:
    return str(values[0]) if len(values) == 1 else "{" + ", ".join(map(str, values)) + "}"


def _source(source: str) -> str:
    return f" on {source}" if source else ""

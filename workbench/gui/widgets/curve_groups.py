"""Which plot a scalar goes to and what that plot is called, from the tag names themselves.

A plot titled "Discriminator outputs and diagnostics" over a VAE's sample diversity tells the user nothing, and
a count (modes covered: 0 to 8) drawn on the axis of a probability (D(x): 0 to 1) flattens the probability to a
line. So each tag has a kind (losses, discriminator outputs, accuracies and fractions, counts, KL, reconstruction,
gradient norms, learning rate, PSNR, ...), kinds of different scales are not mixed on one axis, and a plot is
titled by the kinds of the tags it shows. The Training panel and the comparison of runs use the same kinds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workbench.evaluation.store import TAG_PREFIX as EVAL_PREFIX
from workbench.evaluation.store import metric_name


@dataclass(frozen=True)
class Kind:
    name: str
    title: str  # "" : the plot is titled by its tags' own names
    pattern: re.Pattern[str]


KINDS = (
    Kind("counts", "", re.compile(r"(^|_)(covered|dropping|skipped|count|resolution)($|_)|^num_|_count$")),
    Kind("learning_rate", "Learning rate", re.compile(r"^(lr|learning_rate)($|_)")),
    Kind("gradients", "Gradient norms", re.compile(r"^grad(ient)?_norm")),
    Kind("psnr", "PSNR (dB)", re.compile(r"psnr")),
    Kind("kl", "KL divergence", re.compile(r"(^|_)kl($|_)|total_correlation|mutual_information")),
    Kind("reconstruction", "Reconstruction error", re.compile(r"^reconstruction$|mse$|squared_error$")),
    Kind("discriminator", "Discriminator outputs", re.compile(r"^(d|critic)_(real|fake|prior|codes)$|wasserstein")),
    Kind("ratios", "Accuracies and fractions",
         re.compile(r"accuracy|fraction|^alpha$|saturation|^d_updated$|probability")),
    Kind("losses", "Losses", re.compile(r"loss|penalty")),
)
OTHER = Kind("other", "", re.compile(""))


def kind_of(tag: str, losses: tuple[str, ...] | frozenset[str] = ()) -> Kind:
    """The kind of `tag`; `losses` (the method's loss names) are losses whatever they are called, unless they
    are a count."""
    name = tag.lower()
    for kind in KINDS:
        if kind.pattern.search(name) and (kind.name in ("counts", "losses") or tag not in losses):
            return kind
    return next(k for k in KINDS if k.name == "losses") if tag in losses else OTHER


def tag_title(tag: str) -> str:
    """"modes_covered" → "modes covered", "eval/FID [digits-cnn, 500]" → "FID [digits-cnn, 500]"."""
    return tag.removeprefix(EVAL_PREFIX).replace("_", " ")


def plot_title(tags: list[str], fallback: str, losses: tuple[str, ...] = ()) -> str:
    """A plot's title from the kinds of its tags: "Discriminator outputs · sample diversity"; `fallback` when
    there are none yet."""
    parts: list[str] = []
    for tag in sorted(tags, key=lambda t: group_rank(kind_of(t, losses).name)):  # stable: tag order within a kind
        part = kind_of(tag, losses).title or tag_title(tag)
        if part not in parts:
            parts.append(part)
    if not parts:
        return fallback
    later = [p[:1].lower() + p[1:] if p[1:2].islower() else p for p in parts[1:]]  # "KL", "PSNR" stay
    return " · ".join([parts[0][:1].upper() + parts[0][1:], *later])


def group_of(tag: str, losses: tuple[str, ...] = ()) -> str:
    """The comparison's plot of `tag`: its kind's name, or "eval:<metric>" for a metric's history (one plot per
    metric: FID in the tens, KID in hundredths)."""
    if tag.startswith(EVAL_PREFIX):
        return f"eval:{metric_name(tag.removeprefix(EVAL_PREFIX)).removesuffix(' std')}"
    return kind_of(tag, losses).name


def group_title(group: str, tags: list[str]) -> str:
    if group.startswith("eval:"):
        return f"{group.removeprefix('eval:')} during training (eval/)"
    return plot_title(tags, group.replace("_", " ").capitalize())


GROUP_ORDER = ("losses", "kl", "reconstruction", "discriminator", "ratios", "counts", "psnr", "other", "gradients",
               "learning_rate")


def group_rank(group: str) -> tuple[int, str]:
    """Sort key of the comparison's plots: losses first, metric histories after the training scalars."""
    return (GROUP_ORDER.index(group), "") if group in GROUP_ORDER else (len(GROUP_ORDER), group)

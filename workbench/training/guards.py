"""Training guards: watch the scalars of every step and explain failures in plain language.

Each guard sees the step's scalars and returns an alert message the first time its condition holds for a
sustained window; it re-arms once the condition has cleared, so a user is told again if it comes back. The
remedies quoted are the usual ones from the GAN literature and the course notes.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass
class SustainedCondition:
    """True once `condition` has held on `fraction` of the last `window` observations."""

    window: int
    fraction: float = 0.9
    history: deque = field(default_factory=deque)
    fired: bool = False

    def update(self, holds: bool) -> bool:
        self.history.append(holds)
        if len(self.history) > self.window:
            self.history.popleft()
        sustained = len(self.history) == self.window and sum(self.history) >= self.fraction * self.window
        if sustained and not self.fired:
            self.fired = True
            return True
        if self.fired and sum(self.history) < 0.5 * len(self.history):
            self.fired = False  # recovered: re-arm
        return False


class DiscriminatorSaturationGuard:
    """D(x) near 1 and D(G(z)) near 0 for a sustained window: G receives almost no signal."""

    kind = "d_saturation"

    def __init__(self, window: int = 200, high: float = 0.95, low: float = 0.05) -> None:
        self.condition = SustainedCondition(window)
        self.high, self.low = high, low

    def observe(self, step: int, scalars: dict[str, float]) -> str | None:
        if "d_real" not in scalars or "d_fake" not in scalars:
            return None
        if self.condition.update(scalars["d_real"] > self.high and scalars["d_fake"] < self.low):
            return (
                f"The discriminator is saturated (D(x) > {self.high} and D(G(z)) < {self.low} for the last "
                f"{self.condition.window} steps, up to step {step}): it wins too easily, so the generator's "
                "gradients carry little information. What usually helps: the non-saturating generator loss, a "
                "Wasserstein loss (WGAN-GP), a lower discriminator learning rate, or label smoothing / noise "
                "on D's inputs."
            )
        return None


class VanishingGeneratorGradientGuard:
    """The generator's gradient norm has collapsed to a tiny fraction of its early value."""

    kind = "vanishing_gradient"

    def __init__(self, window: int = 200, ratio: float = 1e-3, warmup: int = 20) -> None:
        self.condition = SustainedCondition(window)
        self.ratio, self.warmup = ratio, warmup
        self.reference: list[float] = []

    def observe(self, step: int, scalars: dict[str, float]) -> str | None:
        norm = scalars.get("grad_norm_g")
        if norm is None:
            return None
        if len(self.reference) < self.warmup:
            self.reference.append(norm)
            return None
        early = max(sum(self.reference) / len(self.reference), 1e-12)
        if self.condition.update(norm < self.ratio * early):
            return (
                f"The generator's gradients have vanished (norm below {self.ratio:g}× its early value for "
                f"{self.condition.window} steps, up to step {step}). With the minimax loss this is the classic "
                "saturation: log(1 − D(G(z))) is flat when D rejects every fake. Switch to the non-saturating "
                "loss or a Wasserstein loss, or lower the discriminator's learning rate."
            )
        return None


class PeakDropGuard:
    """Fires once when a measure stays below a share of its own best for `patience` measurements in a row, and
    re-arms when it recovers: the shape shared by the collapse alerts (an untrained model starts low, so only a
    drop from a peak counts)."""

    kind = ""
    tag = ""

    def __init__(self, patience: int) -> None:
        self.patience = patience
        self.peak = 0.0
        self.strikes = 0
        self.fired = False

    def dropped(self, value: float) -> bool:
        raise NotImplementedError

    def message(self, step: int, value: float) -> str:
        raise NotImplementedError

    def observe(self, step: int, scalars: dict[str, float]) -> str | None:
        value = scalars.get(self.tag)
        if value is None:
            return None
        self.peak = max(self.peak, value)
        dropped = self.dropped(value)
        self.strikes = self.strikes + 1 if dropped else 0
        if self.strikes >= self.patience and not self.fired:
            self.fired = True
            return self.message(step, value)
        if not dropped and self.fired:
            self.fired = False
        return None


class ModeCollapseGuard(PeakDropGuard):
    """The fixed-latent samples have become much less diverse than they were at their best.

    Diversity is relative to real images (1 = as diverse as the data). An untrained generator's samples are
    also alike, so only a drop from a healthy peak counts: below `drop` × peak, the peak having reached
    `healthy`, for `patience` sample grids in a row.
    """

    kind = "mode_collapse"
    tag = "sample_diversity"

    def __init__(self, drop: float = 0.3, healthy: float = 0.5, patience: int = 2) -> None:
        super().__init__(patience)
        self.drop, self.healthy = drop, healthy

    def dropped(self, value: float) -> bool:
        return self.peak >= self.healthy and value < self.drop * self.peak

    def message(self, step: int, value: float) -> str:
        return (
            f"Possible mode collapse at step {step}: the fixed-latent samples are now {value:.0%} as "
            f"diverse as real images, down from {self.peak:.0%}, for {self.patience} sample grids in a row: "
            "different z give nearly the same output. What usually helps: a Wasserstein loss with gradient "
            "penalty, a lower generator learning rate, minibatch standard deviation in D, or restarting "
            "from an earlier checkpoint."
        )


class ClassCoverageGuard(PeakDropGuard):
    """The classes (or, for 2-D toy data, the mixture modes) the samples cover fell to half their peak."""

    kind = "classes_dropping"

    def __init__(self, tag: str = "classes_covered", drop: float = 0.5, patience: int = 2,
                 minimum_peak: int = 3) -> None:
        super().__init__(patience)
        self.tag = tag
        self.what = "modes of the data" if tag == "modes_covered" else "classes"
        self.drop, self.minimum_peak = drop, minimum_peak

    def dropped(self, value: float) -> bool:
        return self.peak >= self.minimum_peak and value <= self.drop * self.peak

    def message(self, step: int, value: float) -> str:
        return (
            f"Possible mode collapse at step {step}: the samples now cover {int(value)} {self.what}, down from "
            f"{int(self.peak)}, for {self.patience} measurements in a row. The generator is dropping modes of the "
            "data. What usually helps: the non-saturating loss instead of minimax, a Wasserstein "
            "loss with gradient penalty, a lower generator learning rate, minibatch standard deviation in D, "
            "or a conditional model."
        )


def default_guards() -> list:
    return [DiscriminatorSaturationGuard(), VanishingGeneratorGradientGuard(), ModeCollapseGuard(),
            ClassCoverageGuard("classes_covered"), ClassCoverageGuard("modes_covered")]

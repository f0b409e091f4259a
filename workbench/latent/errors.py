"""The one error type the latent explorer raises for problems a user can cause."""

from __future__ import annotations


class LatentError(ValueError):
    """A user-caused problem in the latent explorer (no checkpoint, no encoder, unreadable file...).

    A ValueError so callers that already catch bad input keep working; the message is shown as is.
    """


def method_with(model: object, capability: type, lacking: str) -> object:
    """The method object behind `model` (a method, or a `LatentSpace` around one) when it offers `capability` (a
    runtime-checkable protocol); otherwise LatentError "<method> <lacking>"."""
    method = getattr(model, "method", model)
    if not isinstance(method, capability):
        name = getattr(type(method), "method_name", "") or type(method).__name__
        raise LatentError(f"{name} {lacking}")
    return method


def build_run_dataset(data_config: object) -> object:
    """The dataset a run trained on, rebuilt from its DataConfig; LatentError naming it when it cannot be (a moved
    folder, say)."""
    from workbench.config import ConfigError
    from workbench.data import build_dataset

    try:
        return build_dataset(data_config)
    except ConfigError as err:
        raise LatentError(f"cannot build the dataset {data_config.name!r}: {err}") from err

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


def checked_image_batch(images: object, image_shape: tuple[int, int, int]) -> object:
    """`images` as float N×C×H×W on the CPU when its image shape is the model's; LatentError saying which shape
    was expected otherwise."""
    import torch

    if not isinstance(images, torch.Tensor) or images.ndim != 4 or tuple(images.shape[1:]) != image_shape:
        shape = tuple(images.shape) if isinstance(images, torch.Tensor) else type(images).__name__
        raise LatentError(f"images must have shape N×{'×'.join(map(str, image_shape))} for this model, got {shape}")
    return images.float().cpu()

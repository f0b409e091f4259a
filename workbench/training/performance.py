"""The GPU speed settings of `train`: channels-last memory, torch.compile and cuDNN's algorithm search.

Mixed precision lives with the methods (`MethodBase.autocast`, `grad_scaler`), because only a method knows
which parts of its step may run in 16 bits (a gradient penalty's double backward stays in float32). The
settings here apply to whole networks, so the session applies them once, after the method is built.
"""

from __future__ import annotations

import torch
from torch import nn

from workbench.config import TrainConfig

CHANNELS_LAST_LAYERS = (nn.Conv2d, nn.ConvTranspose2d)


def to_channels_last(network: nn.Module) -> None:
    """The 2-D convolutions' weights in NHWC order, in place (parameters keep their identity, so optimizers built
    before still hold them). 3-D networks are left as they are: channels-last applies to 4-D tensors."""
    for layer in network.modules():
        if isinstance(layer, CHANNELS_LAST_LAYERS):
            layer.to(memory_format=torch.channels_last)


def apply_speed_settings(method: object, train: TrainConfig, device: torch.device) -> None:
    """train.cudnn_benchmark, train.channels_last and train.compile for a method about to train."""
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = bool(train.cudnn_benchmark)
    networks = method.networks()  # type: ignore[attr-defined]
    if train.channels_last:
        for network in networks:
            to_channels_last(network)
    if train.compile:
        for network in networks:
            network.compile()  # in place: the state dict keeps its keys, so checkpoints stay interchangeable

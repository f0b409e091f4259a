"""Built-in `digits`: scikit-learn's 1,797 real 8×8 handwritten digits (values 0-16), with labels.

Shipped inside scikit-learn, so it works offline. Upsampled to the configured size; replicated to RGB when
three channels are asked for.
"""

from __future__ import annotations

import numpy as np
import torch

from workbench.config import DataConfig
from workbench.data.dataset import DataInfo, TensorImageDataset, resize_images, to_model_range


def load_digits_dataset(config: DataConfig) -> TensorImageDataset:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = torch.from_numpy(np.asarray(bunch.images, dtype=np.float32) / 16.0).unsqueeze(1)  # N×1×8×8
    images = resize_images(images, config.image_size).clamp(0, 1)
    if config.channels == 3:
        images = images.expand(-1, 3, -1, -1)
    labels = torch.from_numpy(np.asarray(bunch.target, dtype=np.int64))
    info = DataInfo(
        name="digits",
        size=images.shape[0],
        channels=config.channels,
        image_size=config.image_size,
        class_names=tuple(str(d) for d in range(10)),
    )
    return TensorImageDataset(to_model_range(images), labels, info)

"""The new-run form's dataset preview: a grid of real examples and an honest size line."""

from __future__ import annotations

import pytest

from workbench.config import ConfigError, DataConfig
from workbench.data.preview import dataset_preview


def test_digits_preview_is_a_grid_with_size_and_classes():
    preview = dataset_preview(DataConfig(name="digits", image_size=16), count=16)
    assert preview.description == "1,797 images, 1×16×16, 10 classes"
    assert preview.image.dtype.name == "uint8" and preview.image.shape[2] == 3
    assert preview.image.shape[1] > preview.image.shape[0]  # 8 per row, 2 rows


def test_shapes_preview_names_the_factors():
    preview = dataset_preview(DataConfig(name="shapes2d", image_size=32), count=8)
    assert preview.description.startswith("737,280 images, 1×32×32")
    assert "factors:" in preview.description


def test_points_preview_is_a_density_image():
    preview = dataset_preview(DataConfig(name="gaussians2d-ring"))
    assert preview.description == "50,000 points in 2-D, 8 modes"
    assert preview.image.shape == (256, 256, 3) and preview.image.min() < 200  # some dark (dense) pixels


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        dataset_preview(DataConfig(name="folder", root=str(tmp_path / "nowhere")))

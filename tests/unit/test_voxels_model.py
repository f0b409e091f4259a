"""VoxelModel on tiny trained 3D-GAN runs: loading, seeded codes, decoding, lerp/slerp endpoints, the nearest
training shapes by IoU (checked against a plain computation), silhouettes → codes, and the messages for runs
that are not voxel runs or have no checkpoint."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.voxels.errors import VoxelError

TINY = {"data": "voxels3d", "image_size": 16, "steps": 2, "batch_size": 4, "latent_dim": 8}


@pytest.fixture
def encoder_run(tiny_run):
    return tiny_run("gan3d", image_encoder=True, **TINY)


def test_load_prior_decode_and_interpolate(encoder_run):
    from workbench.voxels.model import VoxelModel

    model = VoxelModel.from_run(encoder_run)
    assert (model.latent_dim, model.resolution, model.step) == (8, 16, 2)
    assert model.has_encoder and model.has_dataset and model.training_size() == 2000
    assert "16³ voxels" in model.describe() and "8-D latent" in model.describe()

    z = model.prior(3, seed=5)
    assert z.shape == (3, 8) and z.dtype == np.float32
    assert np.array_equal(z, model.prior(3, seed=5)) and not np.array_equal(z, model.prior(3, seed=6))
    grids = model.decode(z)
    assert grids.shape == (3, 16, 16, 16) and grids.dtype == np.float32
    assert 0.0 <= grids.min() and grids.max() <= 1.0
    assert np.allclose(model.decode(z[0]), grids[:1], atol=1e-6)  # one code (latent_dim) is a batch of one

    for mode in ("slerp", "lerp"):
        path = model.interpolate(z[0], z[1], np.linspace(0, 1, 5), mode=mode)
        assert path.shape == (5, 8)
        assert np.array_equal(path[0], z[0]) and np.array_equal(path[-1], z[1])
        assert np.allclose(model.decode(path[[0, -1]]), grids[:2], atol=1e-6)
    middle = model.interpolate(z[0], z[1], 0.5, mode="lerp")
    assert middle.shape == (8,) and np.allclose(middle, (z[0] + z[1]) / 2, atol=1e-6)
    slerp_middle = model.interpolate(z[0], z[1], 0.5)
    assert not np.allclose(slerp_middle, middle)  # the great circle, not the chord

    with pytest.raises(VoxelError, match="N×8"):
        model.decode(np.zeros((2, 7), np.float32))
    with pytest.raises(VoxelError, match="interpolation mode"):
        model.interpolate(z[0], z[1], 0.5, mode="cubic")


def test_nearest_training_shapes_by_iou(encoder_run):
    from workbench.voxels.model import VoxelModel

    model = VoxelModel.from_run(encoder_run)
    training = model.training_grids([7])[0]
    (index, iou, grid), = model.nearest_training_shapes(training)
    assert iou == 1.0 and np.array_equal(grid, training)  # itself (or an identical twin)
    assert index == 7 or np.array_equal(model.training_grids([index])[0], training)

    sample = model.decode(model.prior(1, seed=3))[0]
    results = model.nearest_training_shapes(sample, k=4)
    assert len(results) == 4 and [r[1] for r in results] == sorted((r[1] for r in results), reverse=True)
    # the same IoUs as a plain computation over every training shape
    every = model.training_grids(np.arange(model.training_size())) >= 0.5
    query = sample >= 0.5
    inter = (every & query).reshape(len(every), -1).sum(1)
    union = (every | query).reshape(len(every), -1).sum(1)
    plain = np.where(union > 0, inter / np.maximum(union, 1), 1.0)
    assert results[0][1] == pytest.approx(plain.max())
    for index, iou, grid in results:
        assert iou == pytest.approx(plain[index]) and np.array_equal(grid, model.training_grids([index])[0])

    # a dataset without the packed bits (read through get_batch in chunks) gives the same answer
    class Plain:
        def __init__(self, dataset):
            self.dataset, self.info = dataset, dataset.info

        def __len__(self):
            return len(self.dataset)

        def get_batch(self, indices):
            return self.dataset.get_batch(indices)

    other = VoxelModel.from_method(model.method, dataset=Plain(model._dataset))
    assert [r[:2] for r in other.nearest_training_shapes(sample, k=4)] == [r[:2] for r in results]
    with pytest.raises(VoxelError, match="16×16×16"):
        model.nearest_training_shapes(np.zeros((8, 8, 8)))


def test_silhouettes_to_codes(encoder_run, tiny_run):
    from workbench.voxels.model import VoxelModel

    model = VoxelModel.from_run(encoder_run)
    drawing = np.full((60, 40), 255, np.uint8)  # a dark shape drawn on a light page
    drawing[10:50, 12:28] = 0
    picture = model.silhouette_image(drawing)
    assert picture.shape == (16, 16) and picture.min() == -1.0 and picture.max() == 1.0
    assert picture[8, 8] == 1.0 and picture[0, 0] == -1.0  # the shape white on black, as the encoder learned
    assert np.array_equal(model.silhouette_image(255 - drawing), picture)  # a light shape on black: the same
    rgb = np.repeat(drawing[:, :, None], 3, axis=2)
    z = model.encode_silhouette(rgb)
    assert z.shape == (8,) and z.dtype == np.float32 and np.isfinite(z).all()
    assert model.silhouettes(model.decode(z)).shape == (1, 16, 16)
    with pytest.raises(VoxelError, match="single colour"):
        model.encode_silhouette(np.zeros((10, 10)))

    plain = VoxelModel.from_run(tiny_run("gan3d", name="no-encoder", **TINY))
    assert not plain.has_encoder
    with pytest.raises(VoxelError, match="no image encoder"):
        plain.encode_silhouette(drawing)


def test_runs_that_are_not_voxel_runs_or_have_no_checkpoint(tiny_run, workspace):
    from workbench.config import DataConfig, RunConfig, TrainConfig
    from workbench.methods.registry import method_settings_class
    from workbench.voxels.model import VoxelModel, is_voxel_method

    assert is_voxel_method("gan3d") and not is_voxel_method("vae") and not is_voxel_method("no-such-method")
    with pytest.raises(VoxelError, match="does not generate voxel grids"):
        VoxelModel.from_run(tiny_run("vae", steps=2))
    config = RunConfig(method_settings_class("gan3d")(latent_dim=8, g_channels=8, d_channels=8),
                       DataConfig(name="voxels3d", image_size=16, batch_size=4, channels=1), TrainConfig(steps=2))
    with pytest.raises(VoxelError, match="no checkpoint"):
        VoxelModel.from_run(workspace.create_run(config, name="untrained"))

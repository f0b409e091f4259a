"""The explorer's SAGAN views on a tiny model trained 2 steps: attention overlays (shapes, determinism, maps that
are distributions before enlarging) and class interpolation grids (ends equal to the classes' own images)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from workbench.latent.attention import attention_overlay
from workbench.latent.class_grid import class_interpolation_grid
from workbench.latent.errors import LatentError
from workbench.latent.model import LatentSpace

SIZE, SIDE = 16, 8  # image side, attention side


@pytest.fixture(scope="module")
def space(tmp_path_factory) -> LatentSpace:
    return trained_space(tmp_path_factory, class_embedding_dim=4, attention_at=SIDE)


def trained_space(tmp_path_factory, **settings) -> LatentSpace:
    """A sagan run of 2 steps on digits 16×16 with tiny networks, loaded from its checkpoint as the explorer does."""
    from workbench.config import DataConfig, RunConfig, TrainConfig
    from workbench.methods.registry import method_settings_class
    from workbench.runs import Workspace
    from workbench.training.runner import run_training

    values = {"latent_dim": 4, "channels": 4, **settings}
    config = RunConfig(method_settings_class("sagan")(**values),
                       DataConfig(name="digits", image_size=SIZE, channels=1, batch_size=8),
                       TrainConfig(steps=2, sample_every=2, checkpoint_every=2, sample_count=4))
    run = Workspace(tmp_path_factory.mktemp("ws")).create_run(config, name="tiny-sagan")
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for _ in run_training(run):
            pass
    finally:
        torch.set_num_threads(previous)
    return LatentSpace.from_run(run)


def test_overlay_shapes_range_and_determinism(space):
    images, heat = attention_overlay(space, seed=3, query=(5, 9), n=4)
    assert images.shape == (4, 1, SIZE, SIZE) and heat.shape == (4, SIZE, SIZE)
    assert float(heat.min()) >= 0 and torch.allclose(heat.flatten(1).amax(dim=1), torch.ones(4))
    again = attention_overlay(space, seed=3, query=(5, 9), n=4)
    assert torch.equal(images, again[0]) and torch.equal(heat, again[1])
    by_row = torch.tensor([0, 0, 1, 1])  # without labels, the method's default: one class per row of a 2×2 grid
    assert torch.allclose(images, space.decode(space.prior(4, seed=3), by_row), atol=1e-6)
    other = attention_overlay(space, seed=3, query=(15, 0), n=4)[1]
    assert not torch.equal(heat, other)  # another query pixel attends elsewhere


def test_maps_sum_to_one_over_positions_before_enlarging(space):
    method = space.method
    z = space.prior(3, seed=1)
    images, maps = method.attention_map(z, (5, 9), torch.tensor([0, 1, 2]))
    assert maps.shape == (3, SIDE, SIDE)
    assert torch.allclose(maps.flatten(1).sum(dim=1), torch.ones(3), atol=1e-6)
    assert torch.allclose(images, space.decode(z, torch.tensor([0, 1, 2])), atol=1e-6)
    _, heat = attention_overlay(space, seed=1, query=(5, 9), n=3, labels=torch.tensor([0, 1, 2]))
    enlarged = F.interpolate(maps[:, None], size=SIZE, mode="nearest")[:, 0]
    assert torch.allclose(heat, enlarged / enlarged.flatten(1).amax(dim=1)[:, None, None])
    # pixels (5, 9) and (4, 8) share one attention position at 8×8 (2×2 pixels each): the same map
    assert torch.equal(maps, method.attention_map(z, (4, 8), torch.tensor([0, 1, 2]))[1])


def test_class_interpolation_grid_ends_are_the_class_conditional_images(space):
    grid = class_interpolation_grid(space, seeds=[0, 7, 9], class_a=1, class_b=7, steps=5)
    assert grid.images.shape == (3, 5, 1, SIZE, SIZE) and grid.t.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    z = torch.cat([space.prior(1, seed=s) for s in (0, 7, 9)])
    assert torch.allclose(grid.images[:, 0], space.decode(z, 1), atol=1e-5)
    assert torch.allclose(grid.images[:, -1], space.decode(z, 7), atol=1e-5)
    assert not torch.allclose(grid.images[:, 2], grid.images[:, 0])  # the middle is neither end
    assert torch.equal(grid.images, class_interpolation_grid(space, [0, 7, 9], 1, 7, 5).images)
    picture = grid.picture()
    assert picture.dtype.name == "uint8" and picture.shape == (2 + 3 * (SIZE + 2), 2 + 5 * (SIZE + 2), 3)


def test_truncated_codes_feed_the_views(space):
    grid = class_interpolation_grid(space, seeds=[2], class_a=0, class_b=3, steps=2, threshold=0.5)
    z = space.method.truncated_prior_sample(1, seed=2, threshold=0.5)
    assert torch.allclose(grid.images[:, 0], space.decode(z, 0), atol=1e-5)
    images, _ = attention_overlay(space, seed=2, query=(0, 0), n=1, labels=3, threshold=0.5)
    assert torch.allclose(images, space.decode(z, 3), atol=1e-6)


def test_mistakes_are_latent_errors(space, tmp_path_factory):
    with pytest.raises(LatentError, match="query pixel"):
        attention_overlay(space, seed=0, query=(SIZE, 0), n=1)
    with pytest.raises(LatentError, match="class B"):
        class_interpolation_grid(space, [0], 0, 10, 3)
    with pytest.raises(LatentError, match="at least 2 steps"):
        class_interpolation_grid(space, [0], 0, 1, 1)
    plain = trained_space(tmp_path_factory, attention_at=0, conditional="off")
    with pytest.raises(LatentError, match="no self-attention layer"):
        attention_overlay(plain, seed=0, query=(0, 0), n=1)
    with pytest.raises(LatentError, match="cannot interpolate between classes"):
        class_interpolation_grid(plain, [0], 0, 1, 3)

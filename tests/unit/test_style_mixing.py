"""The StyleGAN explorer's core on a tiny model trained for two steps: style-mixing grids, truncation rows, per-layer
noise resampling and W as a latent space (shapes, fixed seeds, and what each operation must and must not change)."""

from __future__ import annotations

import pytest
import torch

from workbench.latent.errors import LatentError
from workbench.latent.interpolation import interpolation_path
from workbench.latent.model import LatentSpace
from workbench.latent.style_mixing import mix_styles, noise_resampling, style_mixing_grid, truncation_row
from workbench.latent.w_space import w_latent_space

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py


@pytest.fixture
def space(tiny_run) -> LatentSpace:
    """A tiny StyleGAN on 8×8 digits after two training steps: 4 style layers, 3 noise inputs."""
    return LatentSpace.from_run(tiny_run("stylegan", steps=2, w_dim=4, mapping_layers=2))


def test_the_grid_has_the_sources_and_every_mix_and_is_the_same_for_the_same_seeds(space):
    grid = style_mixing_grid(space, [1, 2], [3, 4, 5], "coarse")
    assert grid.sources_a.shape == (2, 1, 8, 8) and grid.sources_b.shape == (3, 1, 8, 8)
    assert grid.mixes.shape == (2, 3, 1, 8, 8) and grid.layers == space.method.layer_groups()["coarse"]
    tiles = grid.tiles()
    assert tiles.shape == (3 * 4, 1, 8, 8) and grid.nrow == 4
    assert torch.equal(tiles[0], torch.ones(1, 8, 8))  # the blank corner
    assert torch.equal(tiles[1:4], grid.sources_b) and torch.equal(tiles[4], grid.sources_a[0])
    assert torch.equal(tiles[5:8], grid.mixes[0])
    again = style_mixing_grid(space, [1, 2], [3, 4, 5], "coarse")
    assert torch.equal(again.mixes, grid.mixes) and torch.equal(again.sources_a, grid.sources_a)
    # The sources are the seeds' own images (decode uses the same fixed noise).
    assert torch.allclose(grid.sources_a, space.decode(torch.cat([space.prior(1, seed=s) for s in (1, 2)])),
                          atol=1e-5)


@pytest.mark.parametrize("group", ["coarse", "middle", "fine"])
def test_mixing_changes_the_image_and_mixing_a_source_with_itself_gives_the_source(space, group):
    grid = style_mixing_grid(space, [1], [2], group)
    assert not torch.allclose(grid.mixes[0, 0], grid.sources_a[0], atol=1e-4)
    assert not torch.allclose(grid.mixes[0, 0], grid.sources_b[0], atol=1e-4)
    same = style_mixing_grid(space, [7], [7], group)
    assert torch.allclose(same.mixes[0, 0], same.sources_a[0], atol=1e-6)


def test_mix_styles_takes_the_chosen_layers_from_b():
    a, b = torch.zeros(2, 4, 3), torch.ones(3, 4, 3)
    mixed = mix_styles(a, b, (1, 3))
    assert mixed.shape == (2, 3, 4, 3)
    assert mixed[:, :, 1:3].eq(1).all() and mixed[:, :, 0].eq(0).all() and mixed[:, :, 3].eq(0).all()


def test_psi_zero_gives_the_mean_image_for_every_seed_and_psi_one_the_seeds_own(space):
    method = space.method
    mean_image = method.synthesize_ws(method.mean_w().unsqueeze(1).repeat(1, method.num_style_layers, 1))
    rows = [truncation_row(space, seed, [0.0, 0.5, 1.0]) for seed in (1, 2, 3)]
    assert all(row.shape == (3, 1, 8, 8) for row in rows)
    for row in rows:
        assert torch.allclose(row[0], mean_image[0], atol=1e-6)
    assert torch.allclose(rows[0][2], space.decode(space.prior(1, seed=1))[0], atol=1e-5)
    assert not torch.allclose(rows[0][2], rows[1][2], atol=1e-4)
    assert torch.equal(truncation_row(space, 1, [0.0, 0.5, 1.0]), rows[0])


def _noise_strengths(space) -> list[torch.nn.Parameter]:
    return [layer.noise_strength for layer in space.method.decoder_network().layers]


def test_resampling_one_layers_noise_changes_the_image_only_through_that_layer(space):
    strengths = _noise_strengths(space)
    assert len(strengths) == space.method.num_noise_layers == 3
    with torch.no_grad():
        for strength in strengths:  # two training steps leave the strengths near 0: make the noise visible
            strength.fill_(1.0)
    result = noise_resampling(space, seed=1, layer=1, n=4)
    assert result.images.shape == (4, 1, 8, 8) and result.std.shape == (8, 8) and result.layer == 1
    assert float(result.std.max()) > 0 and torch.equal(noise_resampling(space, 1, 1, 4).images, result.images)
    with torch.no_grad():
        strengths[1].zero_()  # that layer no longer reads its noise: redrawing it changes nothing, although the
    silent = noise_resampling(space, seed=1, layer=1, n=4)  # other layers' noise is still on
    assert float(silent.std.max()) == 0.0
    assert float(noise_resampling(space, seed=1, layer=2, n=4).std.max()) > 0


def test_bad_requests_are_refused_with_a_clear_message(space):
    with pytest.raises(LatentError, match="coarse, middle, fine"):
        style_mixing_grid(space, [1], [2], "all")
    with pytest.raises(LatentError, match="at least one seed"):
        style_mixing_grid(space, [], [2])
    with pytest.raises(LatentError, match=r"noise layer must be in \[0, 2\]"):
        noise_resampling(space, 1, 3, 2)
    with pytest.raises(LatentError, match="finite"):
        truncation_row(space, 1, [float("nan")])


def test_a_model_without_styles_is_refused(tiny_run):
    dcgan = LatentSpace.from_run(tiny_run("dcgan", steps=1))
    with pytest.raises(LatentError, match="no per-layer styles"):
        style_mixing_grid(dcgan, [1], [2])
    with pytest.raises(LatentError, match="no intermediate latent space"):
        w_latent_space(dcgan)


def test_w_is_a_latent_space_the_explorer_tools_work_in(space):
    w_space = w_latent_space(space)
    assert w_space.latent_dim == space.method.w_dim and w_space.method_name == "stylegan (W)"
    w = w_space.prior(3, seed=5)
    assert torch.allclose(w, space.method.map_to_w(space.prior(3, seed=5)))
    assert torch.allclose(w_space.decode(w), space.decode(space.prior(3, seed=5)), atol=1e-5)
    path = interpolation_path([w[0], w[1]], steps=5, mode="lerp").float()
    assert w_space.decode(path).shape == (5, 1, 8, 8)
    codes = w.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(w_space.decode_with_grad(codes).square().sum(), [codes])
    assert grad.shape == w.shape and torch.isfinite(grad).all()


@pytest.mark.parametrize("in_w", [False, True], ids=["z", "w"])
def test_sefa_and_ganspace_find_directions_in_z_and_in_w(space, in_w):
    from workbench.latent.direction_ganspace import ganspace_directions
    from workbench.latent.direction_sefa import sefa_directions
    from workbench.latent.w_space import w_latent_space

    explored = w_latent_space(space) if in_w else space
    for directions in (sefa_directions(explored, 3), ganspace_directions(explored, 3, n_samples=64)):
        assert len(directions) == 3
        vectors = torch.stack([torch.as_tensor(d.vector) for d in directions])
        assert vectors.shape == (3, explored.latent_dim) and torch.isfinite(vectors).all()


def test_what_is_found_in_w_is_kept_in_its_own_folder_of_the_run(space):
    from workbench.latent.directions import Direction, load_directions, save_directions
    from workbench.latent.w_space import WSpaceFiles

    run = space.run
    w_files = WSpaceFiles(run)
    save_directions(w_files, [Direction("style axis", torch.ones(4), "pca", "test")])
    assert [d.name for d in load_directions(w_files, 4)] == ["style axis"]
    assert load_directions(run) == []  # the z directions' files are untouched
    assert (run.path / "latent" / "w").is_dir() and w_files.id == run.id

"""Outliers by likelihood: injected out-of-distribution images rank least likely, rankings are sorted and
seeded, and criteria are validated against what the model can do."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from workbench.data.dataset import TensorImageDataset
from workbench.latent.errors import LatentError
from workbench.latent.model import LatentSpace
from workbench.latent.outliers import rank_outliers, score_images

torch.set_num_threads(1)


@pytest.fixture
def vae_with_intruders(tiny_run):
    """A VAE trained briefly on digits, its dataset replaced by 300 digits plus three intruders: black-and-white noise
    (300), an inverted digit (301) and an all-white image (302)."""
    space = LatentSpace.from_run(tiny_run("vae", steps=30, lr=5e-3, batch_size=32))
    real = space.dataset()
    images, labels = real.get_batch(torch.arange(300))
    noise = torch.randint(0, 2, (1, 1, 8, 8), generator=torch.Generator().manual_seed(0)).float() * 2 - 1
    intruders = torch.cat([noise, -images[:1], torch.ones(1, 1, 8, 8)])
    space._dataset = TensorImageDataset(torch.cat([images, intruders]), torch.cat([labels, torch.zeros(3)]),
                                        real.info)
    return space


def test_out_of_distribution_images_have_the_lowest_elbo(vae_with_intruders):
    ranking = rank_outliers(vae_with_intruders, criterion="elbo")
    assert ranking.criterion == "elbo" and ranking.higher_is_likelier
    assert len(ranking.indices) == 303 and sorted(ranking.indices.tolist()) == list(range(303))
    assert set(ranking.indices[:3].tolist()) == {300, 301, 302}
    assert np.all(np.diff(ranking.scores) >= 0)  # least likely (lowest ELBO) first
    assert "ELBO" in ranking.describe(0) and "nats" in ranking.describe(0)


def test_reconstruction_error_also_finds_the_intruders(vae_with_intruders):
    ranking = rank_outliers(vae_with_intruders, criterion="reconstruction")
    assert not ranking.higher_is_likelier
    assert {301, 302} <= set(ranking.indices[:3].tolist())
    assert np.all(np.diff(ranking.scores) <= 0)  # worst reconstruction first
    images, _ = vae_with_intruders.dataset().get_batch(torch.from_numpy(ranking.indices[:5]))
    assert np.allclose(score_images(vae_with_intruders, images, "reconstruction"), ranking.scores[:5], atol=1e-6)


def test_a_sample_of_the_dataset_is_seeded(tiny_run):
    space = LatentSpace.from_run(tiny_run("vae", steps=2))
    calls = []
    ranking = rank_outliers(space, n_images=300, seed=1, progress=lambda done, total: calls.append((done, total)))
    assert len(ranking.indices) == 300 == len(set(ranking.indices.tolist()))
    assert calls[-1] == (300, 300) and len(calls) == 2  # batches of 256
    again = rank_outliers(space, n_images=300, seed=1)
    assert np.array_equal(ranking.indices, again.indices) and np.allclose(ranking.scores, again.scores)
    other = rank_outliers(space, n_images=300, seed=2)
    assert set(other.indices.tolist()) != set(ranking.indices.tolist())


def test_conditional_vae_scores_with_the_dataset_labels(tiny_run):
    space = LatentSpace.from_run(tiny_run("conditional_vae", steps=2))
    ranking = rank_outliers(space, n_images=50)
    assert len(ranking.indices) == 50 and np.all(np.diff(ranking.scores) >= 0)
    assert np.isfinite(ranking.scores).all()


def test_criteria_are_validated(tiny_run):
    gan = LatentSpace.from_run(tiny_run("dcgan", steps=2))
    with pytest.raises(LatentError, match="no encoder"):
        rank_outliers(gan, criterion="reconstruction")
    with pytest.raises(LatentError, match="no encoder"):
        rank_outliers(gan, criterion="elbo")
    autoencoder = LatentSpace.from_run(tiny_run("autoencoder", steps=2))
    with pytest.raises(LatentError, match="not a VAE"):
        rank_outliers(autoencoder, criterion="elbo")
    assert len(rank_outliers(autoencoder, n_images=20, criterion="reconstruction").indices) == 20
    with pytest.raises(LatentError, match="one of elbo, reconstruction"):
        rank_outliers(autoencoder, criterion="likelihood")
    with pytest.raises(LatentError, match="n_images"):
        rank_outliers(autoencoder, n_images=0, criterion="reconstruction")


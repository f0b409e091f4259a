"""2-D embeddings of codes: shapes and determinism per seed; dataset embeddings carry labels and factors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from workbench.latent.embedding import dataset_embedding, embed_codes
from workbench.latent.errors import LatentError


def clustered_codes(n: int = 200, d: int = 10, seed: int = 0) -> tuple[torch.Tensor, np.ndarray]:
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 3
    centres = torch.randn(3, d, generator=g) * 6
    return centres[labels] + torch.randn(n, d, generator=g), labels.numpy()


def separated(points: np.ndarray, labels: np.ndarray) -> bool:
    """Each point's nearest other point has its label (the clusters stay apart in 2-D)."""
    dist = ((points[:, None] - points[None]) ** 2).sum(-1)
    np.fill_diagonal(dist, np.inf)
    return float((labels[dist.argmin(1)] == labels).mean()) > 0.95


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_embedding_shape_determinism_and_clusters(method):
    codes, labels = clustered_codes(150)
    a = embed_codes(codes, method, seed=0)
    assert a.shape == (150, 2) and a.dtype == np.float32 and np.isfinite(a).all()
    np.testing.assert_array_equal(a, embed_codes(codes, method, seed=0))
    assert separated(a, labels)


def test_pca_embedding_is_the_top_two_axes():
    codes, _ = clustered_codes(100)
    points = embed_codes(codes, "pca")
    centred = codes.numpy() - codes.numpy().mean(0)
    assert points[:, 0].var() >= points[:, 1].var()
    top_two = (np.linalg.svd(centred, compute_uv=False)[:2] ** 2).sum() / len(codes)
    assert points.var(0).sum() == pytest.approx(top_two, rel=1e-3)


def test_umap_on_200_points():
    # Slow but run: the first UMAP fit in a process spends about 30 s compiling umap-learn's numba kernels
    # (nothing is cached between processes); the second fit takes 0.5 s.
    codes, labels = clustered_codes(200)
    a = embed_codes(codes, "umap", seed=0)
    assert a.shape == (200, 2) and np.isfinite(a).all()
    np.testing.assert_allclose(a, embed_codes(codes, "umap", seed=0), atol=1e-5)
    assert separated(a, labels)


def test_embedding_errors():
    with pytest.raises(LatentError, match="unknown embedding"):
        embed_codes(torch.zeros(5, 2), "mds")
    with pytest.raises(LatentError, match="at least 3"):
        embed_codes(torch.zeros(2, 4), "pca")
    with pytest.raises(LatentError, match="NaN"):
        embed_codes(torch.full((5, 3), float("nan")), "pca")
    assert embed_codes(torch.arange(4.0)[:, None], "tsne").shape == (4, 2)


def test_dataset_embedding_of_an_encoder_model_carries_labels_and_factors(tiny_run):
    from workbench.latent.model import LatentSpace

    space = LatentSpace.from_run(tiny_run("vae", data="shapes2d", image_size=16, steps=6, latent_dim=6))
    e = dataset_embedding(space, n=60, method="pca", seed=3)
    assert e.source == "encoded" and e.method == "pca" and len(e) == 60
    assert e.points.shape == (60, 2) and e.codes.shape == (60, 6)
    assert e.factor_names == ("shape", "scale", "orientation", "posX", "posY") and e.factors.shape == (60, 5)
    dataset = space.dataset()
    np.testing.assert_array_equal(e.labels, e.factors[:, 0])  # shapes2d's label is the shape
    images, labels = dataset.get_batch(torch.as_tensor(e.indices[:5]))
    assert torch.allclose(space.encode(images), e.codes[:5], atol=1e-5)
    np.testing.assert_array_equal(labels.numpy(), e.labels[:5])
    again = dataset_embedding(space, n=60, method="pca", seed=3)
    np.testing.assert_array_equal(again.indices, e.indices)
    assert not np.array_equal(dataset_embedding(space, n=60, method="pca", seed=4).indices, e.indices)


def test_dataset_embedding_of_a_gan_uses_unlabelled_prior_samples(tiny_run):
    from workbench.latent.model import LatentSpace

    space = LatentSpace.from_run(tiny_run("dcgan", data="shapes2d", image_size=16, steps=4, latent_dim=6))
    e = dataset_embedding(space, n=40, method="pca", seed=0)
    assert e.source == "prior" and e.labels is None and e.factors is None and "no encoder" in e.provenance
    assert torch.equal(e.codes, space.prior(40, seed=0))

"""DCGAN and VAE: steps really train, outputs have the right shapes, and the loss formulas are the textbook ones."""

from __future__ import annotations

import math

import pytest
import torch

from workbench.config import DataConfig, RunConfig, TrainConfig
from workbench.data.dataset import DataInfo
from workbench.methods import build_method
from workbench.methods.adversarial_losses import discriminator_loss, generator_loss
from workbench.methods.autoencoder_common import gaussian_kl, reconstruction_loss
from workbench.methods.dcgan import DCGANSettings
from workbench.methods.vae import VAESettings

SIZE, CHANNELS, BATCH = 8, 1, 8


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py


INFO = DataInfo(name="test", size=64, channels=CHANNELS, image_size=SIZE)


def make(settings):
    torch.manual_seed(0)
    config = RunConfig(method=settings, data=DataConfig(image_size=SIZE, channels=CHANNELS, batch_size=BATCH),
                       train=TrainConfig(seed=3))
    return build_method(config, INFO, torch.device("cpu"))


def fixed_batch(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Dark images with one bright bar each (row or column at a seeded place): structure a VAE can learn."""
    g = torch.Generator().manual_seed(seed)
    images = torch.full((BATCH, CHANNELS, SIZE, SIZE), -1.0)
    where = torch.randint(0, SIZE, (BATCH,), generator=g).tolist()
    for i, k in enumerate(where):
        if i % 2:
            images[i, :, k, :] = 1.0
        else:
            images[i, :, :, k] = 1.0
    return images, torch.zeros(BATCH, dtype=torch.long)


METHODS = {
    "dcgan-non_saturating": lambda: make(DCGANSettings(latent_dim=8, g_channels=8, d_channels=8)),
    "dcgan-minimax": lambda: make(DCGANSettings(latent_dim=8, g_channels=8, d_channels=8, g_loss="minimax")),
    "vae-bce": lambda: make(VAESettings(latent_dim=4, channels=8, reconstruction="bce")),
    "vae-mse": lambda: make(VAESettings(latent_dim=4, channels=8, reconstruction="mse")),
}
NETWORKS = {"dcgan": ("G", "D"), "vae": ("encoder", "to_stats", "decoder")}


@pytest.mark.parametrize("kind", list(METHODS))
def test_steps_update_every_network_and_report_finite_losses(kind):
    method = METHODS[kind]()
    networks = NETWORKS[kind.split("-")[0]]
    before = {name: [p.detach().clone() for p in getattr(method, name).parameters()] for name in networks}
    for step in range(2):
        scalars = method.train_step(fixed_batch(step))
        assert set(method.loss_names) <= set(scalars)
        assert all(isinstance(v, float) and math.isfinite(v) for v in scalars.values()), scalars
    for name in networks:
        after = list(getattr(method, name).parameters())
        changed = [not torch.equal(b, a) for b, a in zip(before[name], after, strict=True)]
        assert all(changed), f"{kind}: {changed.count(False)} parameter tensor(s) of {name} did not change"


@pytest.mark.parametrize("kind", list(METHODS))
def test_sample_and_visuals_shapes(kind):
    method = METHODS[kind]()
    method.train_step(fixed_batch())
    samples = method.sample(5, seed=11)
    assert samples.shape == (5, CHANNELS, SIZE, SIZE) and samples.device.type == "cpu"
    assert samples.min() >= -1 and samples.max() <= 1
    assert torch.equal(samples, method.sample(5, seed=11))
    assert not torch.equal(samples, method.sample(5, seed=12))
    visuals = method.visuals(fixed_batch())
    if kind.startswith("dcgan"):
        assert visuals["real"].shape == (BATCH, CHANNELS, SIZE, SIZE)
    else:  # input, reconstruction, input, reconstruction ...
        pairs = visuals["reconstruction"]
        assert pairs.shape == (2 * BATCH, CHANNELS, SIZE, SIZE)
        assert torch.equal(pairs[0::2], fixed_batch()[0])
    assert all(v.min() >= -1 and v.max() <= 1 for v in visuals.values())


def test_sampling_does_not_disturb_training_noise():
    a, b = METHODS["dcgan-minimax"](), METHODS["dcgan-minimax"]()
    a.train_step(fixed_batch())
    b.train_step(fixed_batch())
    b.sample(4, seed=1)
    assert a.train_step(fixed_batch(1)) == b.train_step(fixed_batch(1))


@pytest.mark.parametrize("reconstruction", ["bce", "mse"])
def test_vae_loss_decreases_on_a_fixed_batch(reconstruction):
    method = make(VAESettings(latent_dim=4, channels=8, reconstruction=reconstruction, lr=3e-3))
    batch = fixed_batch()
    losses = [method.train_step(batch)["loss"] for _ in range(30)]
    first, last = sum(losses[:3]) / 3, sum(losses[-3:]) / 3
    assert last < 0.8 * first, losses


# ---- the formulas, against values computed by hand ---------------------------------------------------------
def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def test_discriminator_and_generator_losses_by_hand():
    real, fake = torch.tensor([0.0, 2.0]), torch.tensor([-1.0, 1.0])
    # −log D(x) − log(1 − D(G(z))), averaged separately over real and fake
    expected_d = ((-math.log(0.5) - math.log(sigmoid(2))) / 2
                  + (-math.log(1 - sigmoid(-1)) - math.log(1 - sigmoid(1))) / 2)
    assert discriminator_loss("non_saturating", real, fake).item() == pytest.approx(expected_d, rel=1e-6)
    assert expected_d == pytest.approx(1.2233, abs=1e-4)  # (0.6931 + 0.1269)/2 + (0.3133 + 1.3133)/2
    # minimax G: log(1 − D(G(z)));  non-saturating G: −log D(G(z))
    expected_minimax = (math.log(1 - sigmoid(-1)) + math.log(1 - sigmoid(1))) / 2
    expected_ns = (-math.log(sigmoid(-1)) - math.log(sigmoid(1))) / 2
    assert generator_loss("minimax", fake).item() == pytest.approx(expected_minimax, rel=1e-6)
    assert generator_loss("non_saturating", fake).item() == pytest.approx(expected_ns, rel=1e-6)
    # at D(G(z)) = 1/2 both are ±log 2
    assert generator_loss("minimax", torch.zeros(3)).item() == pytest.approx(-math.log(2), rel=1e-6)
    assert generator_loss("non_saturating", torch.zeros(3)).item() == pytest.approx(math.log(2), rel=1e-6)
    with pytest.raises(ValueError, match="unknown adversarial loss"):
        generator_loss("vanilla", fake)


def test_losses_stay_finite_for_extreme_logits():
    big = torch.tensor([200.0, -200.0])
    assert math.isfinite(discriminator_loss("non_saturating", big, -big).item())
    assert math.isfinite(generator_loss("non_saturating", -big).item())


def test_gaussian_kl_by_hand():
    mu = torch.tensor([[0.0, 0.0], [1.0, 2.0]])
    logvar = torch.tensor([[0.0, 0.0], [math.log(4.0), 0.0]])
    # ½ Σ (μ² + σ² − log σ² − 1): image 0 is the prior itself; image 1: ½((1 + 4 − log 4 − 1) + (4 + 1 − 0 − 1))
    expected = [0.0, 0.5 * ((1 + 4 - math.log(4) - 1) + (4 + 1 - 0 - 1))]
    assert gaussian_kl(mu, logvar).tolist() == pytest.approx(expected, rel=1e-6)
    # and against torch.distributions on random values
    g = torch.Generator().manual_seed(0)
    mu, logvar = torch.randn(4, 3, generator=g), torch.randn(4, 3, generator=g)
    q = torch.distributions.Normal(mu, (0.5 * logvar).exp())
    p = torch.distributions.Normal(torch.zeros(3), torch.ones(3))
    reference = torch.distributions.kl_divergence(q, p).sum(dim=1)
    assert torch.allclose(gaussian_kl(mu, logvar), reference, atol=1e-5)


def test_reconstruction_loss_by_hand():
    logits = torch.tensor([[[[0.0, 2.0], [-1.0, 0.5]]]])  # one 1×2×2 image
    target = torch.tensor([[[[-1.0, 1.0], [1.0, 0.0]]]])  # pixels 0, 1, 1, 0.5 in [0, 1]
    # Bernoulli NLL per pixel: −[y log σ(l) + (1 − y) log(1 − σ(l))], summed over the image
    y = [0.0, 1.0, 1.0, 0.5]
    ls = [0.0, 2.0, -1.0, 0.5]
    bce = sum(-(yi * math.log(sigmoid(li)) + (1 - yi) * math.log(1 - sigmoid(li)))
              for yi, li in zip(y, ls, strict=True))
    assert reconstruction_loss(logits, target, "bce").tolist() == pytest.approx([bce], rel=1e-6)
    # Gaussian NLL (unit variance, constants dropped): ½ Σ (tanh(l) − x)²
    t = [-1.0, 1.0, 1.0, 0.0]
    mse = sum(0.5 * (math.tanh(li) - ti) ** 2 for li, ti in zip(ls, t, strict=True))
    assert reconstruction_loss(logits, target, "mse").tolist() == pytest.approx([mse], rel=1e-6)
    assert reconstruction_loss(logits.repeat(3, 1, 1, 1), target.repeat(3, 1, 1, 1), "mse").shape == (3,)
    with pytest.raises(ValueError, match="unknown reconstruction loss"):
        reconstruction_loss(logits, target, "l1")

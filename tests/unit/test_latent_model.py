"""LatentSpace: every latent method of the catalogue loads from a run and decodes images of the right shape;
seeded priors, encode/decode shapes, gradients through decode, the first-layer views, VAE posterior/ELBO.
"""

from __future__ import annotations

import math

import pytest
import torch

from workbench.config import DataConfig, RunConfig, TrainConfig
from workbench.data.dataset import DataInfo
from workbench.latent.errors import LatentError
from workbench.latent.model import LatentSpace
from workbench.methods.capabilities import LatentModel
from workbench.methods.registry import available_methods, build_method, method_settings_class

torch.set_num_threads(1)

DIGITS = DataInfo("digits", 1797, 1, 8, tuple(str(i) for i in range(10)))
SMALL = {"channels": 8, "g_channels": 8, "d_channels": 8, "d_hidden": 16, "latent_dim": 4}
# Trained tiny runs of each (an imported model, which trains nothing, is loaded in test_import_model.py).
IMAGE_LATENT_METHODS = sorted(s.name for s in available_methods()
                              if s.offers(LatentModel) and s.name != "toy_gan" and s.trainable)


def make_space(name: str, **settings) -> LatentSpace:
    """An untrained tiny method on 8×8 digits, wrapped without a run (fast)."""
    cls = method_settings_class(name)
    chosen = {k: v for k, v in {**SMALL, **settings}.items() if k in cls.__dataclass_fields__}
    config = RunConfig(cls(**chosen), DataConfig(name="digits", image_size=8, batch_size=8), TrainConfig(steps=2))
    torch.manual_seed(0)
    return LatentSpace.from_method(build_method(config, DIGITS, torch.device("cpu")), config.data)


def test_the_catalogue_has_the_expected_latent_methods():
    assert {"vae", "dcgan", "gan", "conditional_gan", "conditional_vae", "infogan", "progan", "aae",
            "autoencoder", "beta_tcvae"} <= set(IMAGE_LATENT_METHODS)


@pytest.mark.parametrize("name", IMAGE_LATENT_METHODS)
def test_every_latent_method_loads_from_its_run_and_decodes(tiny_run, name):
    run = tiny_run(name, steps=2)
    space = LatentSpace.from_run(run)
    assert space.method_name == name and space.run is run
    assert space.image_shape == (1, 8, 8)
    assert space.data_config == run.config.data
    z = space.prior(3, seed=5)
    assert z.shape == (3, space.latent_dim) and z.dtype == torch.float32
    images = space.decode(z)
    assert images.shape == (3, 1, 8, 8)
    assert images.min() >= -1 and images.max() <= 1
    assert torch.equal(space.decode(space.prior(3, seed=5)), images)  # same seed → same images
    assert not torch.equal(space.prior(3, seed=6), z)
    assert space.has_encoder == (name in {"vae", "beta_tcvae", "conditional_vae", "aae", "autoencoder",
                                          "denoising_autoencoder", "sparse_autoencoder"})
    assert space.is_vae == (name in {"vae", "beta_tcvae", "conditional_vae"})
    assert bool(space.classes) == (name in {"conditional_gan", "conditional_vae", "sagan"})
    if space.has_encoder:
        assert space.encode(images).shape == (3, space.latent_dim)
    assert len(space.dataset()) > 0


def test_infogan_latent_dim_is_the_whole_generator_input():
    space = make_space("infogan", latent_dim=4, categories=3, continuous=2)
    assert space.latent_dim == 4 + 3 + 2
    assert space.prior(2, seed=0).shape == (2, 9)


def test_toy_gan_is_refused_with_a_clear_message(tiny_run):
    run = tiny_run("toy_gan", data="gaussians2d-ring", steps=2)
    with pytest.raises(LatentError, match="points"):
        LatentSpace.from_run(run)


def test_run_without_checkpoint_is_a_latent_error(workspace):
    from workbench.methods.vae import VAESettings

    run = workspace.create_run(RunConfig(VAESettings(latent_dim=4), DataConfig(name="digits", image_size=8),
                                         TrainConfig(steps=2)), name="untrained")
    with pytest.raises(LatentError, match="no checkpoint"):
        LatentSpace.from_run(run)


def test_loaded_weights_are_the_trained_ones(tiny_run):
    """from_run decodes what the trained method decodes, not a freshly initialised network."""
    from workbench.training.session import TrainingSession

    run = tiny_run("vae", steps=3)
    expected = TrainingSession.from_run(run).method.decode(torch.ones(2, 4))
    assert torch.allclose(LatentSpace.from_run(run).decode(torch.ones(2, 4)), expected, atol=1e-6)


@pytest.mark.parametrize("name", ["vae", "dcgan", "conditional_gan", "progan", "infogan"])
def test_decode_with_grad_carries_gradients_to_the_code(name):
    space = make_space(name)
    z = space.prior(2, seed=1).requires_grad_(True)
    images = space.decode_with_grad(z)
    assert images.requires_grad
    (grad,) = torch.autograd.grad(images.square().sum(), [z])
    assert grad.shape == z.shape and grad.abs().sum() > 0
    assert torch.allclose(images.detach(), space.decode(z.detach()), atol=1e-6)
    assert not space.decode(z.detach()).requires_grad


def test_decode_validates_codes_and_labels():
    space = make_space("conditional_gan")
    with pytest.raises(LatentError, match="N×4"):
        space.decode(torch.zeros(2, 5))
    with pytest.raises(LatentError, match=r"\[0, 9\]"):
        space.decode(torch.zeros(2, 4), torch.tensor([0, 10]))
    with pytest.raises(LatentError, match="2 labels"):
        space.decode(torch.zeros(2, 4), torch.tensor([0, 1, 2]))
    assert space.decode(torch.zeros(4)).shape == (1, 1, 8, 8)  # one code as a vector


def test_conditional_labels_pick_the_class_and_default_to_class_zero():
    space = make_space("conditional_gan")
    z = space.prior(3, seed=2)
    zero = space.decode(z)
    assert torch.equal(zero, space.decode(z, torch.zeros(3, dtype=torch.long)))
    assert torch.equal(zero, space.decode(z, 0))
    assert not torch.allclose(zero, space.decode(z, torch.tensor([1, 2, 3])))
    assert space.classes == DIGITS.class_names


def test_encoder_and_vae_capabilities_are_refused_where_missing():
    gan = make_space("dcgan")
    x = torch.zeros(1, 1, 8, 8)
    with pytest.raises(LatentError, match="no encoder"):
        gan.encode(x)
    with pytest.raises(LatentError, match="no encoder"):
        gan.reconstruction_error(x)
    with pytest.raises(LatentError, match="not a VAE"):
        make_space("autoencoder").elbo(x)
    with pytest.raises(LatentError, match="1×8×8"):
        make_space("vae").encode(torch.zeros(1, 3, 8, 8))


@pytest.mark.parametrize("name", ["dcgan", "gan", "vae", "conditional_vae", "progan"])
def test_first_layer_weight_is_out_features_by_latent_dim(name):
    space = make_space(name)
    weight = space.first_layer_weight()
    assert weight is not None and weight.ndim == 2 and weight.shape[1] == space.latent_dim
    assert weight.shape[0] == space.features(space.prior(1, seed=0)).shape[1]


def test_first_layer_weight_is_the_linear_part_of_the_features():
    """For a ConvDecoder the first layer is Linear: features = relu(A z + b), so A z differences show up."""
    space = make_space("vae")
    weight = space.first_layer_weight()
    z = space.prior(4, seed=3)
    linear = space.method.decoder.fc[0]
    assert torch.allclose(linear(z), z @ weight.T + linear.bias, atol=1e-5)
    assert torch.allclose(space.features(z), torch.relu(z @ weight.T + linear.bias), atol=1e-5)


def test_dcgan_first_layer_weight_reproduces_the_first_transposed_convolution():
    space = make_space("dcgan")
    z = space.prior(3, seed=4)
    conv = space.method.G.net[0]
    out = conv(z.view(3, -1, 1, 1)).flatten(1)
    assert torch.allclose(out, z @ space.first_layer_weight().T, atol=1e-5)


def test_features_shape_and_determinism():
    space = make_space("gan")
    z = space.prior(5, seed=0)
    features = space.features(z)
    assert features.shape[0] == 5 and features.ndim == 2
    assert torch.equal(features, space.features(z))


def test_posterior_elbo_and_reconstruction_error_shapes():
    space = make_space("vae")
    x = space.decode(space.prior(3, seed=0))
    mu, logvar = space.posterior(x)
    assert mu.shape == logvar.shape == (3, 4)
    assert torch.allclose(mu, space.encode(x))
    elbo = space.elbo(x)
    assert elbo.shape == (3,) and torch.isfinite(elbo).all()
    assert torch.equal(elbo, space.elbo(x))  # seeded
    assert (elbo < 0).all()  # bce on 64 pixels: log p(x) ≤ 0
    assert space.reconstruction_error(x).shape == (3,)


def test_elbo_matches_the_training_likelihood_by_hand():
    """ELBO with the mse likelihood: −(½‖x̂ − x‖² + ½·D·log 2π) − KL, with x̂ decoded from μ + σ·ε."""
    space = make_space("vae", reconstruction="mse")
    x = torch.rand(2, 1, 8, 8) * 2 - 1
    mu, logvar = space.posterior(x)
    eps = torch.randn((1, 2, 4), generator=torch.Generator().manual_seed(7))[0]
    z = mu + torch.exp(0.5 * logvar) * eps
    rec = space.decode(z)
    nll = 0.5 * (rec - x).pow(2).flatten(1).sum(1) + 0.5 * math.log(2 * math.pi) * 64
    kl = 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).sum(1)
    assert torch.allclose(space.elbo(x, seed=7), -(nll + kl), atol=1e-3)


def test_conditional_vae_elbo_uses_the_given_labels():
    space = make_space("conditional_vae")
    x = space.decode(space.prior(2, seed=0), torch.tensor([3, 4]))
    assert space.elbo(x, torch.tensor([3, 4])).shape == (2,)
    assert space.elbo(x).shape == (2,)  # best class per image
    assert space.encode(x, torch.tensor([3, 4])).shape == (2, 4)


def test_damaged_checkpoint_is_a_latent_error(tiny_run):
    run = tiny_run("dcgan", steps=2)
    (tensors,) = run.checkpoints_dir.glob("*.safetensors")
    tensors.write_bytes(tensors.read_bytes()[:100])
    with pytest.raises(LatentError, match=run.id):
        LatentSpace.from_run(run)


def test_single_thread_restores_the_thread_count_even_on_errors():
    from workbench.compat import one_torch_thread

    previous = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with one_torch_thread():
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2
        with pytest.raises(KeyError), one_torch_thread():
            raise KeyError("x")
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(previous)

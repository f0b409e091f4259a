"""The autoencoder family: training through the real session and loop, each loss formula against values
computed by hand, bit-identical resume, and settings validation. Tiny sizes (8×8 images, 8 channels, batch 8).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch

from workbench.config import ConfigError, DataConfig, RunConfig, TrainConfig
from workbench.data.dataset import DataInfo
from workbench.methods.capabilities import Conditional, Encoder, LatentModel
from workbench.methods.registry import (
    build_method,
    load_run_config,
    method_settings_class,
    method_spec,
)
from workbench.runs.events import SampleEvent, ScatterEvent, StepEvent
from workbench.training.loop import train
from workbench.training.session import TrainingSession

torch.set_num_threads(1)

METHODS = ("autoencoder", "denoising_autoencoder", "sparse_autoencoder", "beta_tcvae", "conditional_vae", "aae")
VARIANTS = [
    ("autoencoder", {"reconstruction": "bce"}),
    ("denoising_autoencoder", {}),
    ("denoising_autoencoder", {"noise": "gaussian"}),
    ("sparse_autoencoder", {}),
    ("beta_tcvae", {}),
    ("beta_tcvae", {"estimator": "mss"}),
    ("conditional_vae", {}),
    ("aae", {}),
    ("aae", {"prior": "mixture", "label_conditioned": True, "reconstruction": "mse"}),
]


def tiny_config(name: str, steps: int = 3, **settings) -> RunConfig:
    settings.setdefault("channels", 8)
    if name == "aae":
        settings.setdefault("d_hidden", 16)
    return RunConfig(
        method=method_settings_class(name)(**settings),
        data=DataConfig(name="digits", image_size=8, batch_size=8),
        train=TrainConfig(steps=steps, sample_every=steps, checkpoint_every=1000, sample_count=10),
    )


def parameters(method) -> dict[str, torch.Tensor]:
    return {f"{n}.{k}": p.detach().clone() for n, net in method.nets.items() for k, p in net.named_parameters()}


# Training through the session and the loop ------------------------------------------------------------------


@pytest.mark.parametrize(("name", "settings"), VARIANTS, ids=[f"{n}-{'-'.join(map(str, s.values()))}"
                                                              for n, s in VARIANTS])
def test_trains_a_few_steps(name, settings):
    session = TrainingSession(tiny_config(name, **settings))
    method = session.method
    before = parameters(method)
    events = list(train(session))

    steps = [e for e in events if isinstance(e, StepEvent)]
    assert len(steps) == 3
    for event in steps:
        assert all(math.isfinite(v) for v in event.scalars.values()), event.scalars
        assert set(method.loss_names) <= set(event.scalars)
    after = parameters(method)
    for net in method.nets:
        changed = [k for k in before if k.startswith(net + ".") and not torch.equal(before[k], after[k])]
        assert changed, f"no parameter of {net} changed"

    samples = method.sample(10, seed=0)
    assert samples.shape == (10, 1, 8, 8) and samples.device.type == "cpu"
    assert samples.min() >= -1 and samples.max() <= 1
    z = method.prior_sample(5, seed=1)
    assert z.shape == (5, method.latent_dim)
    assert torch.equal(z, method.prior_sample(5, seed=1))
    assert method.decode(z).shape == (5, 1, 8, 8)
    assert method.encode(session.visual_batch[0][:4]).shape == (4, method.latent_dim)
    for images in method.visuals(session.visual_batch).values():
        assert images.ndim == 4 and images.shape[1:] == (1, 8, 8)

    names = {e.name for e in events if isinstance(e, SampleEvent)}
    assert "samples" in names and len(names) >= 2
    scatters = [e for e in events if isinstance(e, ScatterEvent)]
    if name == "aae":
        assert scatters and set(scatters[-1].series) == {"encoded", "prior"}
        assert scatters[-1].series["encoded"].shape == (32, 2)
        assert scatters[-1].series["prior"].shape[1] == 2
    else:
        assert not scatters


def test_visual_layouts():
    session = TrainingSession(tiny_config("denoising_autoencoder", masking_probability=0.5))
    x = session.visual_batch[0]
    rows = session.method.visuals(session.visual_batch)["denoising"]
    assert rows.shape[0] == 48  # 16 images: rows of 8 noisy, 8 reconstructed, 8 clean, twice
    assert torch.equal(rows[16:24], x[:8]) and torch.equal(rows[40:48], x[8:16])
    assert (rows[:8] == -1).float().mean() > (x[:8] == -1).float().mean()  # the noisy row has black holes

    pairs = TrainingSession(tiny_config("autoencoder")).method.visuals(session.visual_batch)["reconstruction"]
    assert pairs.shape[0] == 64 and torch.equal(pairs[0::2], x)


def test_conditional_vae_samples_one_class_per_row_same_style_per_column():
    from workbench.methods.base import grid_row_labels

    assert grid_row_labels(9, 10).tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert grid_row_labels(64, 10).view(8, 8)[:, 0].tolist() == list(range(8))
    assert grid_row_labels(25, 3).tolist()[-5:] == [1] * 5  # rows cycle: 0 1 2 0 1

    session = TrainingSession(tiny_config("conditional_vae"))
    method = session.method
    assert method.classes == tuple(str(d) for d in range(10))
    labels = torch.tensor([3, 3, 7, 7])
    z = method.prior_sample(2, seed=5).repeat(2, 1)
    one = method.decode(z, labels)
    assert torch.equal(one, method.decode(z, labels))
    assert not torch.equal(one[0], one[2])  # same z, another class
    assert method.sample(9, seed=2, labels=torch.zeros(9, dtype=torch.long)).shape == (9, 1, 8, 8)
    inferred = method.infer_labels(session.visual_batch[0][:6])
    assert inferred.shape == (6,) and int(inferred.max()) < 10
    assert method.encode(session.visual_batch[0][:6]).shape == (6, method.latent_dim)


# Loss formulas against hand-computed values ------------------------------------------------------------------


def test_sparsity_kl_by_hand():
    from workbench.methods.sparse_autoencoder.method import bernoulli_kl, sparsity_penalty

    rho = 0.1
    expected = [
        rho * math.log(rho / 0.2) + (1 - rho) * math.log((1 - rho) / 0.8),
        rho * math.log(rho / 0.05) + (1 - rho) * math.log((1 - rho) / 0.95),
    ]
    assert expected == pytest.approx([0.0366896, 0.0206537], abs=1e-6)
    got = bernoulli_kl(rho, torch.tensor([0.2, 0.05], dtype=torch.float64))
    assert got.tolist() == pytest.approx(expected, abs=1e-12)
    assert float(bernoulli_kl(0.3, torch.tensor([0.3]))) == pytest.approx(0.0, abs=1e-7)
    # ρ̂ is the mean over the batch: unit 0 averages to 0.2, unit 1 to 0.05.
    codes = torch.tensor([[0.1, 0.0], [0.3, 0.1]], dtype=torch.float64)
    assert float(sparsity_penalty(codes, rho)) == pytest.approx(sum(expected), abs=1e-12)


def test_sparse_autoencoder_loss_and_diagnostics():
    from workbench.methods.sparse_autoencoder.method import weight_penalty

    layer = torch.nn.Linear(2, 2)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[1.0, -2.0], [0.5, 0.0]]))
        layer.bias.fill_(7.0)  # biases are not decayed
    assert weight_penalty(layer).item() == pytest.approx(0.5 * (1 + 4 + 0.25))

    config = tiny_config("sparse_autoencoder", sparsity_target=0.2, sparsity_weight=3.0, weight_decay=0.5)
    session = TrainingSession(config.replace("data", image_size=16))  # 16×16: a decoder with norm layers to drop
    method = session.method
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in method.decoder.modules())
    s = method.train_step(session.stream.next())
    assert 0 < s["mean_activation"] < 1 and 0 <= s["active_fraction"] <= 1
    assert s["loss"] == pytest.approx(s["reconstruction"] + 3.0 * s["sparsity"] + 0.5 * s["weight_decay"], rel=1e-5)


def test_masking_noise_rate_and_gaussian_std():
    from workbench.methods.denoising_autoencoder.method import gaussian_noise, masking_noise

    x = torch.zeros(4, 3, 64, 64)
    noisy = masking_noise(x, 0.3, torch.Generator().manual_seed(0))
    black = noisy == -1
    assert black.float().mean().item() == pytest.approx(0.3, abs=0.01)
    assert torch.equal(black[:, 0], black[:, 1]) and torch.equal(black[:, 0], black[:, 2])  # whole pixels
    assert torch.equal(noisy[~black], x[~black])
    assert torch.equal(masking_noise(x, 0.0, torch.Generator().manual_seed(0)), x)
    diff = gaussian_noise(x, 0.5, torch.Generator().manual_seed(0)) - x
    assert diff.std().item() == pytest.approx(0.5, rel=0.02) and abs(diff.mean().item()) < 0.01


def _log_gauss(x: float, mu: float, var: float) -> float:
    return -0.5 * (math.log(2 * math.pi * var) + (x - mu) ** 2 / var)


def test_tc_decomposition_by_hand():
    from workbench.methods.beta_tcvae.method import tc_decomposition

    z = [[0.3, -1.2], [1.0, 0.5], [-0.7, 0.2]]
    mu = [[0.1, -1.0], [0.8, 0.9], [-0.5, 0.0]]
    var = [[0.5, 1.5], [0.2, 0.8], [1.0, 0.3]]
    n_data, m, d = 100, 3, 2
    mi, tc, dim_kl = [], [], []
    for i in range(m):  # the MWS estimator written out with plain floats
        log_q_self = sum(_log_gauss(z[i][k], mu[i][k], var[i][k]) for k in range(d))
        q_joint = sum(math.exp(sum(_log_gauss(z[i][k], mu[j][k], var[j][k]) for k in range(d))) for j in range(m))
        log_qz = math.log(q_joint / (n_data * m))
        log_marg = sum(math.log(sum(math.exp(_log_gauss(z[i][k], mu[j][k], var[j][k])) for j in range(m))
                                / (n_data * m)) for k in range(d))
        log_pz = sum(_log_gauss(z[i][k], 0.0, 1.0) for k in range(d))
        mi.append(log_q_self - log_qz)
        tc.append(log_qz - log_marg)
        dim_kl.append(log_marg - log_pz)
    t = lambda v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
    got = tc_decomposition(t(z), t(mu), t(var).log(), n_data)
    for g, e in zip(got, (mi, tc, dim_kl), strict=True):
        assert g.tolist() == pytest.approx(e, abs=1e-10)
    # The three terms add up to log q(z|x) − log p(z), the one-sample KL estimate of a plain VAE.
    total = [sum(_log_gauss(z[i][k], mu[i][k], var[i][k]) - _log_gauss(z[i][k], 0, 1) for k in range(d))
             for i in range(m)]
    assert (got[0] + got[1] + got[2]).tolist() == pytest.approx(total, abs=1e-10)


def test_tc_decomposition_identical_posteriors():
    """Every image with the same posterior: q(z) ≈ q(z|n)/N, so MI = log N and TC = (D − 1) log N."""
    from workbench.methods.beta_tcvae.method import tc_decomposition

    n_data, d = 1000, 4
    mu = torch.tensor([0.5, -0.2, 0.0, 1.0], dtype=torch.float64).repeat(6, 1)
    logvar = torch.tensor([0.0, -1.0, 0.5, -0.3], dtype=torch.float64).repeat(6, 1)
    z = mu + torch.randn(6, d, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    mi, tc, dim_kl = tc_decomposition(z, mu, logvar, n_data)
    assert mi.tolist() == pytest.approx([math.log(n_data)] * 6, abs=1e-9)
    assert tc.tolist() == pytest.approx([(d - 1) * math.log(n_data)] * 6, abs=1e-9)
    var = logvar.exp()
    log_q = (-0.5 * (torch.log(2 * math.pi * var) + (z - mu) ** 2 / var)).sum(1)
    log_p = (-0.5 * (math.log(2 * math.pi) + z**2)).sum(1)
    assert dim_kl.tolist() == pytest.approx((log_q - d * math.log(n_data) - log_p).tolist(), abs=1e-9)


def test_stratified_sampling_weights_and_identical_posteriors():
    from workbench.methods.beta_tcvae.method import stratified_log_weights, tc_decomposition

    w = stratified_log_weights(3, 10).exp()  # N = 10, M′ = 2: own 1/10, one other 8/20, the rest 1/2
    assert w.flatten().tolist() == pytest.approx([0.1, 0.4, 0.5, 0.5, 0.1, 0.4, 0.4, 0.5, 0.1])
    assert stratified_log_weights(64, 1797).exp().sum(1).tolist() == pytest.approx([1.0] * 64)

    # Weights summing to one: identical posteriors give q(z) = q(z|n), so MI = TC = 0 (MWS: log N, (D−1) log N).
    mu = torch.tensor([0.5, -0.2, 0.0], dtype=torch.float64).repeat(5, 1)
    logvar = torch.tensor([0.0, -1.0, 0.5], dtype=torch.float64).repeat(5, 1)
    z = mu + torch.randn(5, 3, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    mi, tc, dim_kl = tc_decomposition(z, mu, logvar, 1000, "mss")
    assert mi.abs().max() < 1e-9 and tc.abs().max() < 1e-9
    mi_w, tc_w, dim_kl_w = tc_decomposition(z, mu, logvar, 1000, "mws")
    assert (mi + tc + dim_kl).tolist() == pytest.approx((mi_w + tc_w + dim_kl_w).tolist(), abs=1e-9)


def test_beta_tcvae_loss_weights():
    session = TrainingSession(tiny_config("beta_tcvae", alpha=2.0, beta=5.0, gamma=0.5))
    s = session.method.train_step(session.stream.next())
    expected = s["reconstruction"] + 2 * s["mutual_information"] + 5 * s["total_correlation"] + 0.5 * s["dimension_kl"]
    assert s["loss"] == pytest.approx(expected, rel=1e-5)


def test_mixture_prior_component_means():
    from workbench.methods.aae.method import mixture_means, mixture_sample

    means = mixture_means(10)
    assert means[0].tolist() == pytest.approx([1.4, 0.0], abs=1e-6)
    assert means[5].tolist() == pytest.approx([-1.4, 0.0], abs=1e-6)
    assert means[1].tolist() == pytest.approx([1.4 * math.cos(math.pi / 5), 1.4 * math.sin(math.pi / 5)], abs=1e-6)
    assert torch.linalg.vector_norm(means, dim=1).tolist() == pytest.approx([1.4] * 10, abs=1e-6)

    g = torch.Generator().manual_seed(0)
    for k in (0, 3, 7):
        draws = mixture_sample(torch.full((4000,), k), 10, g)
        assert draws.mean(0).tolist() == pytest.approx(means[k].tolist(), abs=0.03)
        direction = means[k] / 1.4
        along = draws @ direction
        across = draws @ torch.tensor([-direction[1], direction[0]])
        assert along.std().item() == pytest.approx(0.5, rel=0.05)  # petals: long along the radius,
        assert across.std().item() == pytest.approx(0.1, rel=0.05)  # narrow across it


def test_aae_losses_by_hand():
    from workbench.methods.aae.method import LOSS
    from workbench.methods.adversarial_losses import discriminator_loss, generator_loss

    zero = torch.zeros(4)
    assert float(discriminator_loss(LOSS, zero, zero)) == pytest.approx(2 * math.log(2))
    assert float(generator_loss(LOSS, zero)) == pytest.approx(math.log(2))
    d_prior, d_codes = 0.9, 0.2  # D's probabilities; the losses are the binary cross-entropies
    logit = lambda p: torch.tensor([math.log(p / (1 - p))])  # noqa: E731
    assert float(discriminator_loss(LOSS, logit(d_prior), logit(d_codes))) == pytest.approx(
        -math.log(d_prior) - math.log(1 - d_codes), rel=1e-6)
    assert float(generator_loss(LOSS, logit(d_codes))) == pytest.approx(-math.log(d_codes), rel=1e-6)


def test_label_conditioned_aae_draws_each_class_from_its_petal():
    from workbench.methods.aae.method import mixture_means

    session = TrainingSession(tiny_config("aae", prior="mixture", label_conditioned=True))
    method = session.method
    labels = torch.full((2000,), 4)
    draws = method.prior_sample(2000, seed=0, labels=labels)
    assert draws.mean(0).tolist() == pytest.approx(mixture_means(10)[4].tolist(), abs=0.05)
    assert method.discriminator.net[0].in_features == 2 + 10  # the code and the one-hot class


def test_autoencoder_psnr():
    from workbench.methods.autoencoder.method import psnr_db

    assert psnr_db(0.04) == pytest.approx(20.0)  # range 2: 10·log10(4 / 0.04)


# Resume ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", METHODS)
def test_resume_is_bit_identical(name, tmp_path):
    def losses(events):
        return [e.scalars for e in events if isinstance(e, StepEvent)]

    straight = losses(train(TrainingSession(tiny_config(name, steps=6))))

    first = TrainingSession(tiny_config(name, steps=3))
    list(train(first, checkpoint_dir=tmp_path))
    resumed = TrainingSession(tiny_config(name, steps=6))
    assert resumed.restore_latest(tmp_path) == 3
    after = losses(train(resumed))
    assert after == straight[3:]
    first_samples = TrainingSession(tiny_config(name, steps=6))
    list(train(first_samples))
    assert torch.equal(resumed.method.sample(4, seed=0), first_samples.method.sample(4, seed=0))


# Settings and validation -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", METHODS)
def test_specs_and_settings_are_complete(name):
    spec = method_spec(name)
    assert spec.offers(LatentModel) and spec.offers(Encoder)
    assert spec.offers(Conditional) == (name == "conditional_vae")
    for f in dataclasses.fields(spec.settings):
        meta = f.metadata
        assert len(meta.get("help", "")) > 20, f"{name}.{f.name} needs a help text"
        if f.type not in ("bool", bool):
            assert meta.get("choices") or (meta.get("min") is not None and meta.get("max") is not None), f.name
    spec.settings()  # the defaults are valid


def test_latent_help_explains_under_and_overcomplete():
    help_text = dataclasses.fields(method_settings_class("autoencoder"))[0].metadata["help"]
    assert "undercomplete" in help_text and "overcomplete" in help_text


@pytest.mark.parametrize(
    ("name", "values", "field"),
    [
        ("aae", {"prior": "mixture", "latent_dim": 8}, "method.latent_dim"),
        ("aae", {"label_conditioned": True}, "method.label_conditioned"),
        ("aae", {"prior": "petals"}, "method.prior"),
        ("sparse_autoencoder", {"sparsity_target": 0.0}, "method.sparsity_target"),
        ("sparse_autoencoder", {"sparsity_weight": -1.0}, "method.sparsity_weight"),
        ("denoising_autoencoder", {"masking_probability": 1.5}, "method.masking_probability"),
        ("denoising_autoencoder", {"noise": "salt"}, "method.noise"),
        ("beta_tcvae", {"beta": -2.0}, "method.beta"),
        ("beta_tcvae", {"estimator": "exact"}, "method.estimator"),
        ("autoencoder", {"latent_dim": 0}, "method.latent_dim"),
        ("conditional_vae", {"reconstruction": "l1"}, "method.reconstruction"),
    ],
)
def test_invalid_settings_name_the_field(name, values, field):
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        load_run_config({"method": {"name": name, **values}})


def _unlabelled() -> DataInfo:
    return DataInfo(name="folder:flat", size=20, channels=1, image_size=8)


def test_conditional_methods_need_labels():
    with pytest.raises(ConfigError, match=r"data\.name.*labelled"):
        build_method(tiny_config("conditional_vae"), _unlabelled(), torch.device("cpu"))
    aae = tiny_config("aae", prior="mixture", label_conditioned=True)
    with pytest.raises(ConfigError, match=r"label_conditioned.*labelled"):
        build_method(aae, _unlabelled(), torch.device("cpu"))
    few = tiny_config("aae", prior="mixture", label_conditioned=True, components=4)
    with pytest.raises(ConfigError, match=r"method\.components"):
        build_method(few, dataclasses.replace(_unlabelled(), class_names=tuple("abcdef")), torch.device("cpu"))
    # Unconditioned, an unlabelled dataset is fine.
    build_method(tiny_config("aae", prior="mixture"), _unlabelled(), torch.device("cpu"))


def test_one_dimensional_codes_scatter_on_the_x_axis():
    session = TrainingSession(tiny_config("aae", latent_dim=1))
    series = session.method.scatter(session.visual_batch)["latent"]
    assert series["encoded"].shape == (32, 2) and np.all(series["encoded"][:, 1] == 0)

"""StyleGAN's networks and training step: layer counts and groups per image size, weight demodulation, mixing
regularisation, lazy R1 with its Adam correction, the running average of w and the unequalized variant."""

from __future__ import annotations

import math

import pytest
import torch

from workbench.config import DataConfig, RunConfig, TrainConfig
from workbench.data.dataset import DataInfo
from workbench.methods.registry import build_method
from workbench.methods.stylegan import StyleGANSettings
from workbench.nets.stylegan import ModulatedConv2d, StyleDiscriminator, StyleGenerator, layer_groups

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py

DIGITS = DataInfo("digits", 1797, 1, 8, tuple(str(i) for i in range(10)))
TINY = {"latent_dim": 4, "w_dim": 4, "mapping_layers": 2, "channels": 8}


def make(**settings):
    config = RunConfig(StyleGANSettings(**{**TINY, **settings}), DataConfig(name="digits", image_size=8, batch_size=4),
                       TrainConfig(steps=4))
    torch.manual_seed(0)
    return build_method(config, DIGITS, torch.device("cpu"))


def batch(n: int = 4) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.rand(n, 1, 8, 8, generator=torch.Generator().manual_seed(0)) * 2 - 1, torch.zeros(n, dtype=torch.long)


@pytest.mark.parametrize(("size", "styles"), [(8, 4), (16, 6), (32, 8), (64, 10)])
def test_each_level_adds_two_styles_and_the_image_has_the_requested_size(size, styles):
    G = StyleGenerator(4, 4, 1, 3, size, 8, 64)
    assert G.num_ws == styles and G.num_noise_layers == styles - 1
    assert G.noise_resolutions[0] == 4 and G.noise_resolutions[-1] == size
    images = G(G.broadcast(G.mapping(torch.randn(2, 4))))
    assert images.shape == (2, 3, size, size)
    assert StyleDiscriminator(3, size, 8, 64)(images).shape == (2,)


def test_the_groups_follow_the_papers_split_and_cover_every_layer():
    assert layer_groups(18) == {"coarse": (0, 4), "middle": (4, 8), "fine": (8, 18)}  # the paper's 1024² network
    assert layer_groups(8) == {"coarse": (0, 2), "middle": (2, 4), "fine": (4, 8)}
    for n in range(4, 20, 2):
        groups = layer_groups(n)
        assert groups["coarse"][0] == 0 and groups["fine"][1] == n
        assert all(end > start for start, end in groups.values())


def test_demodulation_makes_the_output_independent_of_the_style_scale():
    conv = ModulatedConv2d(6, 5, 3, 4)
    x, w = torch.randn(2, 6, 8, 8), torch.randn(2, 4)
    out = conv(x, w).detach()
    with torch.no_grad():  # scaling every style of an image by a constant: demodulation divides it out
        conv.affine.weight.mul_(3.0)
        conv.affine.bias.mul_(3.0)
    assert torch.allclose(conv(x, w), out, atol=1e-5)
    assert 0.3 < float(out.std()) < 3.0  # roughly unit variance for unit-variance inputs


def test_mixing_regularisation_switches_from_one_style_to_another_at_one_cut():
    method = make(style_mixing=1.0)
    ws, w1 = method._training_styles(3)
    assert ws.shape == (3, method.num_style_layers, 4) and torch.equal(ws[:, 0], w1)
    switched = [not torch.equal(ws[:, k], w1) for k in range(method.num_style_layers)]
    cut = switched.index(True)
    assert cut >= 1 and all(switched[cut:]) and torch.equal(ws[:, cut], ws[:, -1])
    ws, w1 = make(style_mixing=0.0)._training_styles(3)
    assert torch.equal(ws, w1.unsqueeze(1).expand_as(ws))


def test_r1_is_applied_every_r1_every_steps_and_adam_is_corrected_for_the_interval():
    method = make(r1_every=2)
    c = 2 / 3
    group = method.opt_d.param_groups[0]
    assert group["lr"] == pytest.approx(0.002 * c) and group["betas"] == pytest.approx((0.0, 0.99**c))
    scalars = [method.train_step(batch()) for _ in range(4)]
    assert all(math.isfinite(v) for s in scalars for v in s.values())
    assert scalars[1]["r1"] == scalars[0]["r1"] and scalars[2]["r1"] != scalars[1]["r1"]  # steps 0 and 2
    assert set(scalars[0]) == {"loss_d", "loss_g", "r1", "d_real", "d_fake", "grad_norm_d", "grad_norm_g"}
    assert make(r1_every=1).opt_d.param_groups[0]["lr"] == pytest.approx(0.002)


def test_training_moves_the_average_w_and_the_sampling_copy_keeps_it():
    method = make()
    assert torch.equal(method.mean_w(), torch.zeros(1, 4))
    method.train_step(batch())
    assert float(method.G.w_avg.abs().sum()) > 0
    assert torch.equal(method.mean_w(), method.G.w_avg.unsqueeze(0))  # copied into G_ema with the weights
    w = method.map_to_w(method.prior_sample(5, seed=1))
    assert torch.allclose(method.truncate(w, 0.0), method.mean_w().expand(5, -1))
    assert torch.allclose(method.truncate(w, 0.5), (w + method.mean_w()) / 2, atol=1e-6)


def test_the_sample_grid_is_truncated_and_decode_is_not():
    plain, truncated = make(), make(truncation_psi=0.0)
    plain.train_step(batch())
    truncated.train_step(batch())
    samples = truncated.sample(3, seed=2)
    assert torch.allclose(samples, samples[:1].expand_as(samples))  # ψ = 0: the average image every time
    assert torch.equal(truncated.decode(truncated.prior_sample(3, seed=2)), plain.decode(plain.prior_sample(3, seed=2)))


def test_without_the_equalized_lr_the_mapping_learns_slower_through_its_own_rate():
    method = make(equalized_lr=False, mapping_lr_mul=0.1)
    rates = [group["lr"] for group in method.opt_g.param_groups]
    assert rates == pytest.approx([0.002, 0.0002])
    assert all(math.isfinite(v) for v in method.train_step(batch()).values())

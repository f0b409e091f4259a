"""SAGAN's parts: the self-attention block, spectral norm, the BigGAN networks and orthogonal regularisation, the
truncation trick, and which capabilities a run offers with and without classes and attention."""

from __future__ import annotations

import math

import pytest
import torch

from workbench.config import ConfigError, DataConfig, RunConfig, TrainConfig
from workbench.data.dataset import DataInfo
from workbench.methods.capabilities import AttentionMaps, ClassInterpolation, Conditional, LatentModel, Truncation
from workbench.methods.registry import method_class, method_settings_class
from workbench.methods.sagan.method import truncate_codes
from workbench.nets.biggan import (
    BigGANGenerator,
    ProjectionDiscriminator,
    attention_sides,
    latent_chunks,
    off_diagonal_gram_penalty,
)
from workbench.nets.self_attention import SelfAttention

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py

DIGITS16 = DataInfo(name="digits", size=100, channels=1, image_size=16, class_names=tuple("0123456789"))
UNLABELLED16 = DataInfo(name="faces", size=100, channels=3, image_size=16)


def build(info: DataInfo = DIGITS16, **settings):
    values = {"latent_dim": 6, "channels": 4, "class_embedding_dim": 4, "attention_at": 8, **settings}
    config = RunConfig(method_settings_class("sagan")(**values),
                       DataConfig(name="digits", image_size=info.image_size, channels=info.channels, batch_size=4),
                       TrainConfig(steps=1))
    return method_class("sagan")(config, info, torch.device("cpu"))


def test_self_attention_starts_as_the_identity_and_its_weights_are_a_softmax_over_positions():
    torch.manual_seed(0)
    layer = SelfAttention(16)
    x = torch.randn(2, 16, 4, 4)
    assert torch.equal(layer(x), x)  # γ = 0
    with torch.no_grad():
        layer.gamma.fill_(0.5)
        y = layer(x)
        beta = layer.attention(x)
    assert beta.shape == (2, 16, 16) and not torch.equal(y, x)
    assert torch.allclose(beta.sum(dim=-1), torch.ones(2, 16)) and float(beta.min()) >= 0
    q, k, v = (conv(x).flatten(2) for conv in (layer.query, layer.key, layer.value))  # C/8 = 2 channels each
    assert q.shape == (2, 2, 16)
    expected = torch.softmax(q.transpose(1, 2) @ k, dim=-1)  # β_ji = softmax_i(f(x_j)ᵀ g(x_i))
    assert torch.allclose(beta, expected, atol=1e-6)
    o = torch.einsum("nji,nci->ncj", expected, v).reshape(2, 2, 4, 4)
    assert torch.allclose(y, x + 0.5 * layer.out(o), atol=1e-5)


def test_every_weight_is_spectrally_normalised_with_the_maintained_parametrization():
    torch.manual_seed(0)
    G = BigGANGenerator(6, 1, 16, 4, num_classes=3, embedding_dim=4, attention_at=8)
    D = ProjectionDiscriminator(1, 16, 4, num_classes=3, attention_at=8)
    for net in (G, D):
        for _ in range(30):  # power iterations run in training-mode forward passes
            net(torch.randn(4, 6), torch.tensor([0, 1, 2, 0])) if net is G else net(torch.randn(4, 1, 16, 16),
                                                                                     torch.tensor([0, 1, 2, 0]))
        layers = [m for m in net.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear, torch.nn.Embedding))]
        normalised = [m for m in layers if torch.nn.utils.parametrize.is_parametrized(m, "weight")]
        assert normalised == [m for m in layers if m is not getattr(net, "shared", None)]  # all but G's embedding
        for m in normalised:
            sigma = torch.linalg.matrix_norm(m.weight.detach().flatten(1), ord=2)
            assert float(sigma) == pytest.approx(1.0, abs=0.05)


def test_networks_shapes_attention_placement_and_hierarchical_latent():
    G = BigGANGenerator(8, 3, 32, 4, num_classes=0, hierarchical=True, attention_at=16)
    assert G.chunks == latent_chunks(8, 3, True) == [2, 2, 2, 2]
    assert G(torch.randn(2, 8)).shape == (2, 3, 32, 32)
    assert G.attention is not None and G.attention.query.in_channels == 4 * 2  # width·(32/16) at side 16
    D = ProjectionDiscriminator(3, 32, 4, attention_at=16)
    assert D(torch.randn(2, 3, 32, 32)).shape == (2,) and D.embed is None
    assert attention_sides(32) == [4, 8, 16] and latent_chunks(7, 3, False) == [7]
    with pytest.raises(ValueError, match="latent_dim ≥ 4"):
        latent_chunks(3, 3, True)


def test_projection_head_adds_the_class_embedding_inner_product():
    torch.manual_seed(0)
    D = ProjectionDiscriminator(1, 16, 4, num_classes=2).eval()
    x = torch.randn(3, 1, 16, 16)
    scores = [D(x, torch.full((3,), c)) for c in (0, 1)]
    assert not torch.allclose(scores[0], scores[1])  # the class changes the score ...
    with torch.no_grad():  # both classes get the same embedding: the same scores
        original = D.embed.parametrizations.weight.original
        original[1] = original[0]
    assert torch.allclose(D(x, torch.zeros(3)), D(x, torch.ones(3)))  # ... only through the projection


def test_orthogonal_penalty_is_the_off_diagonal_gram_norm_of_gs_raw_weights():
    w = torch.randn(40, 9, dtype=torch.float64)  # a tall matrix takes the cheap route; a wide one the direct one
    for m in (w, w.T):
        gram = m @ m.T
        off_diagonal = gram - torch.diag(gram.diag())
        assert float(off_diagonal_gram_penalty(m)) == pytest.approx(float(off_diagonal.pow(2).sum()))
    G = BigGANGenerator(6, 1, 16, 4, num_classes=3, embedding_dim=4)
    raw = [p for name, p in G.named_parameters() if p.ndim >= 2 and not name.startswith("shared")]
    expected = sum(float(off_diagonal_gram_penalty(p.detach().flatten(1))) for p in raw)
    assert float(G.orthogonal_penalty().detach()) == pytest.approx(expected, rel=1e-5)
    G.orthogonal_penalty().backward()
    assert G.shared.weight.grad is None and all(p.grad is not None for p in raw)


def test_truncated_codes_lie_in_the_bound_keep_the_order_and_have_the_truncated_normal_variance():
    z = torch.randn(200_000, generator=torch.Generator().manual_seed(0))
    t = truncate_codes(z, 1.0)
    assert float(t.abs().max()) <= 1.0
    assert torch.equal(torch.argsort(z[:1000]), torch.argsort(t[:1000]))  # monotone: the same seed shrinks
    phi, cdf = math.exp(-0.5) / math.sqrt(2 * math.pi), 0.5 * (1 + math.erf(1 / math.sqrt(2)))
    assert float(t.var()) == pytest.approx(1 - 2 * phi / (2 * cdf - 1), abs=0.005)  # 0.291 for t = 1
    assert torch.allclose(truncate_codes(z[:100], 8.0), z[:100], atol=1e-4)  # a loose bound changes little


def test_a_run_offers_class_views_only_with_classes_and_attention_maps_only_with_attention():
    conditional = build()
    assert all(isinstance(conditional, c) for c in (LatentModel, Conditional, ClassInterpolation, AttentionMaps,
                                                     Truncation))
    assert conditional.classes == DIGITS16.class_names
    plain = build(UNLABELLED16, attention_at=0)
    assert isinstance(plain, LatentModel) and isinstance(plain, Truncation)
    assert not any(isinstance(plain, c) for c in (Conditional, ClassInterpolation, AttentionMaps))
    assert plain.sample(2, seed=0).shape == (2, 3, 16, 16)
    assert not isinstance(build(conditional="off"), Conditional)


def test_settings_that_do_not_fit_the_data_are_config_errors():
    assert build(attention_at=16).attention_resolution == 8  # at most half the image size
    with pytest.raises(ConfigError, match="method.latent_dim"):
        build(latent_dim=2)
    with pytest.raises(ConfigError, match="method.conditional"):
        build(UNLABELLED16, conditional="on")


def test_a_training_step_reports_hinge_scores_and_the_orthogonal_penalty():
    torch.manual_seed(0)
    method = build(d_steps=2)
    images = torch.rand(4, 1, 16, 16) * 2 - 1
    scalars = method.train_step((images, torch.tensor([0, 1, 2, 3])))
    assert {"loss_d", "loss_g", "critic_real", "critic_fake", "grad_norm_d", "grad_norm_g",
            "ortho_penalty"} == set(scalars)
    assert "ortho_penalty" not in build(orthogonal_reg=0.0).train_step((images, torch.tensor([0, 1, 2, 3])))

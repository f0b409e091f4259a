"""GAN inversion: settings validation, the loss decreasing, a decoded prior sample recovered, restarts keeping
the best, conditional labels held fixed, early stopping, the z-norm regulariser and clear errors."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest
import torch

from workbench.config import ConfigError
from workbench.latent.errors import LatentError
from workbench.latent.inversion import InversionSettings, invert, invert_to_result
from workbench.latent.model import LatentSpace

sys.path.insert(0, str(Path(__file__).parent))
from test_latent_model import make_space  # noqa: E402

torch.set_num_threads(1)


def varied(name: str, **settings) -> LatentSpace:
    """A tiny untrained model whose generator weights are large enough that images depend strongly on z
    (DCGAN's N(0, 0.02) initialisation decodes nearly the same image for every z)."""
    space = make_space(name, latent_dim=8, **settings)
    torch.manual_seed(1)
    with torch.no_grad():
        for p in space.method.decoder_network().parameters():
            if p.ndim > 1:
                p.normal_(0, 0.5)
    return space


def test_settings_are_validated():
    assert InversionSettings().steps == 300 and InversionSettings().restarts == 3
    with pytest.raises(ConfigError, match="inversion.steps"):
        InversionSettings(steps=0)
    with pytest.raises(ConfigError, match="inversion.lr"):
        InversionSettings(lr=-1.0)
    with pytest.raises(ConfigError, match="inversion.restarts"):
        InversionSettings(restarts=0)


def test_inversion_reduces_its_loss_and_recovers_a_decoded_prior_sample():
    space = varied("dcgan")
    target = space.decode(space.prior(1, seed=123))
    items = list(invert(space, target, InversionSettings(steps=150, restarts=2, report_every=10)))
    assert len(items) == 2 * 15 + 1 and items[-1].done and not any(i.done for i in items[:-1])
    first, result = items[0], items[-1]
    assert result.best_loss < first.loss / 100
    best = [i.best_loss for i in items]
    assert best == sorted(best, reverse=True)  # the best only improves
    assert result.z.shape == (8,) and result.reconstruction.shape == (1, 1, 8, 8)
    assert torch.allclose(result.reconstruction, space.decode(result.z[None]), atol=1e-5)
    assert (result.reconstruction - target).abs().max() < 0.05
    assert {i.restart for i in items} == {0, 1}


def test_restarts_keep_the_best_result():
    space = varied("dcgan")
    target = space.decode(space.prior(1, seed=9))
    items = list(invert(space, target, InversionSettings(steps=20, restarts=3, report_every=5)))
    assert items[-1].best_loss <= min(i.loss for i in items) + 1e-12
    one = invert_to_result(space, target, InversionSettings(steps=20, restarts=1, report_every=5))
    assert items[-1].best_loss <= one.best_loss + 1e-12  # the first start is the same: more restarts never lose


def test_inversion_is_reproducible():
    space = varied("gan")
    target = space.decode(space.prior(1, seed=4))
    settings = InversionSettings(steps=10, restarts=2, seed=3)
    assert torch.equal(invert_to_result(space, target, settings).z, invert_to_result(space, target, settings).z)


def test_conditional_model_inverts_with_a_fixed_label():
    space = varied("conditional_gan")
    target = space.decode(space.prior(1, seed=5), torch.tensor([3]))
    result = invert_to_result(space, target, InversionSettings(steps=120, restarts=2), label=3)
    assert (result.reconstruction - target).abs().max() < 0.1
    assert torch.allclose(result.reconstruction, space.decode(result.z[None], 3), atol=1e-5)
    with pytest.raises(LatentError):
        next(invert(space, target, InversionSettings(steps=1), label=10))


def test_encoder_models_start_from_the_encoding():
    space = make_space("vae")
    x = torch.rand(1, 1, 8, 8) * 2 - 1
    result = invert_to_result(space, x, InversionSettings(steps=1, restarts=1, report_every=1))
    encoded = space.decode(space.encode(x))
    assert result.best_loss <= float((encoded - x).pow(2).mean()) + 1e-6


def test_stopping_early_leaves_the_thread_count_alone():
    space = varied("dcgan")
    threads = torch.get_num_threads()
    target = space.decode(space.prior(1, seed=1))
    run = invert(space, target, InversionSettings(steps=1000, report_every=5))
    item = next(run)
    assert item.step == 5 and item.restart == 0 and not item.done
    run.close()
    assert torch.get_num_threads() == threads


def test_z_norm_weight_pulls_the_code_to_the_prior_shell():
    space = varied("dcgan")
    target = torch.full((1, 1, 8, 8), 0.9)  # not reachable: z is free to drift
    plain = invert_to_result(space, target, InversionSettings(steps=60, restarts=1))
    held = invert_to_result(space, target, InversionSettings(steps=60, restarts=1, z_norm_weight=50.0))
    shell = math.sqrt(8)
    assert abs(held.z.norm() - shell) < abs(plain.z.norm() - shell) + 1e-6
    assert abs(held.z.norm() - shell) < 0.2 * shell


def test_works_on_a_trained_run(tiny_run):
    space = LatentSpace.from_run(tiny_run("dcgan", steps=3))
    target = space.decode(space.prior(1, seed=2))
    items = list(invert(space, target, InversionSettings(steps=20, restarts=1, report_every=10)))
    assert items[-1].best_loss <= items[0].loss


def test_bad_targets_and_perceptual_without_a_run_are_latent_errors():
    space = varied("dcgan")
    with pytest.raises(LatentError, match="one target image"):
        next(invert(space, torch.zeros(2, 1, 8, 8), InversionSettings(steps=1)))
    with pytest.raises(LatentError, match="1×8×8"):
        next(invert(space, torch.zeros(1, 3, 8, 8), InversionSettings(steps=1)))
    with pytest.raises(LatentError, match="needs a run"):
        next(invert(space, torch.zeros(1, 1, 8, 8), InversionSettings(steps=1, perceptual=True)))
    assert invert_to_result(space, torch.zeros(1, 8, 8), InversionSettings(steps=2, restarts=1)).done  # C×H×W


def test_perceptual_without_a_cached_classifier_says_what_to_do(tiny_run):
    space = LatentSpace.from_run(tiny_run("dcgan", steps=2))
    with pytest.raises(LatentError, match="workbench eval"):
        next(invert(space, torch.zeros(1, 1, 8, 8), InversionSettings(steps=1, perceptual=True)))


def test_perceptual_inversion_uses_the_cached_classifier(tiny_run, workspace):
    from workbench.metrics.feature_extractors import save_classifier, train_classifier

    space = LatentSpace.from_run(tiny_run("dcgan", steps=2))
    assert space.run.path.parent.parent == Path(workspace.root)
    save_classifier(train_classifier(space.dataset(), steps=3, batch_size=16), workspace.root)
    target = space.decode(space.prior(1, seed=3))
    items = list(invert(space, target, InversionSettings(steps=10, restarts=1, perceptual=True, report_every=5)))
    assert items[-1].done and items[-1].best_loss <= items[0].loss

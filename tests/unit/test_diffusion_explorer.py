"""The diffusion explorer's core on tiny real ddpm runs: inversion round trips, slerp between noises, the guidance
grid and the DDIM step sweep's FID per step count."""

from __future__ import annotations

import pytest
import torch

from tests.unit.test_ddpm import GaussianOracle
from tests.unit.test_method_contract import SPECS, tiny_config
from workbench.latent.diffusion_explorer import DiffusionModel, noise_picture, psnr_db
from workbench.latent.errors import LatentError
from workbench.training.session import TrainingSession

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py


def tiny_model(**settings) -> DiffusionModel:
    config = tiny_config(SPECS["ddpm"]).replace("method", **settings)
    session = TrainingSession(config)
    for _ in range(3):
        session.method.train_step(session.next_batch())
    return DiffusionModel.from_method(session.method, config.data, dataset=session.dataset)


@pytest.fixture(scope="module")
def model() -> DiffusionModel:
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return tiny_model()
    finally:
        torch.set_num_threads(previous)


def test_a_ddpm_run_is_wrapped_and_describes_itself(model):
    assert model.conditional and len(model.classes) == 10 and model.image_shape == (1, 8, 8)
    assert "DDPM" in model.describe() and "T = 20" in model.describe()
    examples = model.examples(5)
    assert examples.images.shape == (5, 1, 8, 8) and examples.labels.shape == (5,)
    assert examples.images.min() >= -1 and examples.images.max() <= 1


def test_inverted_noise_sampled_back_gives_the_image_with_an_exact_noise_predictor():
    """The wrapper's round trip through the exact ε of Gaussian data: the solver's error alone (test_ddpm.py
    measured a mean absolute error of 0.021 at 50 steps), so a PSNR well above 25 dB and unit-normal noise."""
    model = tiny_model(timesteps=1000, conditional="no")
    model.method.ema = GaussianOracle(model.method.alpha_bar, std=0.5)
    images = (0.5 * torch.randn(3, *model.image_shape, generator=torch.Generator().manual_seed(0))).clamp(-1, 1)
    inversion = model.invert(images, 50)
    assert inversion.noise.shape == images.shape and inversion.reconstruction.shape == images.shape
    assert min(inversion.psnr) > 25, inversion.psnr
    assert abs(float(inversion.noise.mean())) < 0.2 and 0.8 < float(inversion.noise.std()) < 1.2, \
        (inversion.noise_mean, inversion.noise_std)


def test_inversion_of_a_tiny_net_is_the_ode_it_samples_back(model):
    examples = model.examples(3)
    inversion = model.invert(examples.images, 3, examples.labels)
    again = model.method.ddim_sample(inversion.noise, 3, 0.0, examples.labels, None, clip=False).clamp(-1, 1)
    assert torch.allclose(inversion.reconstruction, again, atol=1e-5)
    assert inversion.psnr == pytest.approx(psnr_db(again, examples.images), abs=1e-4)
    assert len(inversion.noise_mean) == len(inversion.noise_std) == 3 and inversion.seconds > 0
    assert noise_picture(inversion.noise).abs().max() <= 1


def test_slerp_interpolation_starts_and_ends_at_its_endpoints(model):
    a, b = model.noise(1, seed=1), model.noise(1, seed=2)
    result = model.interpolate(a, b, 5, 3, labels=4, guidance=2.0)
    assert result.images.shape == (5, 1, 8, 8) and result.positions[0] == 0 and result.positions[-1] == 1
    assert torch.allclose(result.noises[0], a[0], atol=1e-6) and torch.allclose(result.noises[-1], b[0], atol=1e-6)
    ends = model.sample(torch.cat([a, b]), 3, [4, 4], 2.0)
    assert torch.allclose(result.images[[0, -1]], ends, atol=1e-5)
    norms = result.noises.flatten(1).norm(dim=1)  # slerp keeps noise-like norms along the way
    assert float(norms.min()) > 0.8 * float(min(a.norm(), b.norm()))
    with pytest.raises(LatentError):
        model.interpolate(a, b, 1, 3)


def test_the_guidance_grid_has_a_row_per_class_and_a_column_per_scale(model):
    grid = model.guidance_grid([0, 3, 7], [0.0, 1.0, 7.5], steps=3, seed=5)
    assert grid.images.shape == (3, 3, 1, 8, 8)
    assert grid.class_names == tuple(model.classes[i] for i in (0, 3, 7)) and grid.scales == (0.0, 1.0, 7.5)
    assert not torch.allclose(grid.images[:, 0], grid.images[:, 2], atol=1e-3)  # the scale changes the images
    unconditional = model.sample(torch.cat([model.noise(1, seed=5 + i) for i in range(3)]), 3)
    assert torch.allclose(grid.images[:, 0], unconditional, atol=1e-4)  # w = 0: the class is ignored


def test_an_unconditional_run_says_guidance_needs_classes():
    model = tiny_model(conditional="no")
    with pytest.raises(LatentError, match="class-conditional"):
        model.guidance_grid([0], [1.0], 3)


def test_the_step_sweep_gives_one_labelled_fid_per_step_count(model, tmp_path):
    from workbench.evaluation.step_sweep import EvaluationError, parse_steps, run_step_sweep, step_sweep
    from workbench.metrics.feature_extractors import dataset_classifier

    extractor = dataset_classifier(model.dataset(), tmp_path, steps=20, batch_size=32)
    said: list[str] = []
    points = []
    result = step_sweep(model, [3, 1], 16, extractor, progress=said.append, on_point=points.append)
    assert [p.steps for p in result.points] == [1, 3] and len(points) == 2
    assert all(p.fid >= 0 and p.seconds > 0 for p in result.points)
    assert result.extractor == "digits-cnn" and result.label == "FID [digits-cnn, 16]"
    assert result.text().startswith("FID, digits-cnn features, 16 samples: 1 steps ")
    assert said and "digits-cnn" in result.title
    stopped = run_step_sweep(model, [1, 2], 8, workspace_root=tmp_path, should_stop=lambda: True)
    assert stopped.cancelled and not stopped.points  # the cached extractor, and nothing sampled
    assert parse_steps("20, 5 10,5") == [5, 10, 20]
    with pytest.raises(EvaluationError, match="out of range"):
        parse_steps("0, 5")


def test_the_cli_sweeps_steps_and_inverts(tiny_run, workspace, capsys, tmp_path):
    from workbench.cli import main
    from workbench.config import DataConfig
    from workbench.data import build_dataset
    from workbench.metrics.feature_extractors import dataset_classifier

    dataset_classifier(build_dataset(DataConfig(name="digits", image_size=8, batch_size=16, channels=1)),
                       workspace.root, steps=20, batch_size=32)
    run = tiny_run("ddpm", steps=2, timesteps=20, sample_steps=3, channels=8)
    root = str(workspace.root)
    assert main(["diffusion", run.id, "steps", "--steps", "3", "1", "-n", "8", "--workspace", root]) == 0
    out = capsys.readouterr().out
    assert "FID (digits-cnn features, 8 samples)" in out and "DDIM STEPS" in out
    assert main(["diffusion", run.id, "invert", "--index", "0", "5", "--ddim-steps", "3", "--workspace", root]) == 0
    assert "PSNR dB" in capsys.readouterr().out
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    assert main(["diffusion", run.id, "invert", "--image", str(broken), "--workspace", root]) == 2
    assert "broken.png" in capsys.readouterr().err

"""Every registered method against the one contract: built on the tiny run its spec declares (`MethodSpec.tiny`),
it trains a step through the real loop with finite scalars, samples (or refuses to, for image-to-image methods),
shows its visuals, restores a checkpoint bit for bit, and does exactly what its spec claims: each claimed capability
protocol is satisfied and works on tiny inputs, and no unclaimed one is satisfied. A method nothing trains
(`MethodSpec.trainable` false: the imported generator) skips the training step and is built on a tiny generator
written to files here, as a user brings one; everything else holds for it too.

A new method needs no edit here: its folder declares its spec and tiny run, and the registry finds it.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from workbench.config import ConfigError, DataConfig, RunConfig, TrainConfig
from workbench.data.catalog import dataset_spec
from workbench.methods.base import Method
from workbench.methods.capabilities import (
    ALL_CAPABILITIES,
    AttentionMaps,
    ClassInterpolation,
    Conditional,
    CycleTranslator,
    Diffusion,
    Encoder,
    InitFrom,
    IntermediateLatent,
    LatentModel,
    RunNotes,
    ScatterPreview,
    StyleMixer,
    Translator,
    Truncation,
    Upscaler,
    VariationalEncoder,
    VoxelGenerator,
)
from workbench.methods.registry import MethodSpec, available_methods, method_spec
from workbench.runs.events import SampleEvent, StepEvent
from workbench.training.checkpoints import flatten_state, load_checkpoint_file
from workbench.training.loop import train
from workbench.training.session import TrainingSession

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py

SPECS = {spec.name: spec for spec in available_methods()}
N = 3  # inputs per capability call


def imported_config(folder: Path, seed: int) -> RunConfig:
    """The imported method's run on a tiny generator's real files (<folder>/model/), as an import makes it."""
    from workbench.methods.imported.example import write_tiny_model
    from workbench.methods.imported.manifest import read_manifest, settings_values

    toml = folder / "model" / "model.toml"
    if not toml.is_file():
        write_tiny_model(toml.parent)
    manifest = read_manifest(toml)
    names = {p: p.name for p in manifest.files()}
    data = DataConfig(name="digits", image_size=manifest.image_size, channels=manifest.channels, batch_size=4)
    train_config = TrainConfig(steps=1, seed=seed, sample_every=1, checkpoint_every=1, sample_count=4)
    return RunConfig(SPECS["imported"].settings(**settings_values(manifest, names, str(folder))), data, train_config)


def tiny_config(spec: MethodSpec, *, seed: int = 0, folder: Path | None = None) -> RunConfig:
    if not spec.trainable:
        assert folder is not None, f"{spec.name} trains nothing: its tiny run needs a model's files"
        return imported_config(folder, seed)
    tiny = spec.tiny
    data = DataConfig(name=tiny.data, image_size=tiny.image_size, batch_size=tiny.batch_size,
                      **{"channels": dataset_spec(tiny.data).default_channels, **dict(tiny.data_options)})
    train_config = TrainConfig(steps=1, seed=seed, sample_every=1, checkpoint_every=1, sample_count=4)
    return RunConfig(spec.settings(**dict(tiny.settings)), data, train_config)


@pytest.fixture(scope="module")
def model_folder(tmp_path_factory) -> Path:
    """Where the tiny generator of the methods nothing trains is written (once per module)."""
    return tmp_path_factory.mktemp("imported-run")


@pytest.fixture(scope="module")
def trained(model_folder) -> dict[str, tuple[TrainingSession, list]]:
    """Each method after one step of the real loop, with the loop's events (built once, used by every test); a
    method nothing trains as built, with no events."""
    cache: dict[str, tuple[TrainingSession, list]] = {}

    def get(name: str) -> tuple[TrainingSession, list]:
        if name not in cache:
            previous = torch.get_num_threads()
            torch.set_num_threads(1)
            try:
                session = TrainingSession(tiny_config(SPECS[name], folder=model_folder))
                cache[name] = (session, list(train(session)) if SPECS[name].trainable else [])
            finally:
                torch.set_num_threads(previous)
        return cache[name]

    return get


@pytest.mark.parametrize("name", sorted(SPECS))
def test_one_step_through_the_loop_samples_and_visuals(name, trained):
    spec = SPECS[name]
    session, events = trained(name)
    method = session.method
    assert isinstance(method, Method) and type(method).method_name == name
    if not spec.trainable:  # read-only: no step, no loss; it refuses to train and shows no live visuals
        assert method.loss_names == () and method.visuals(session.visual_batch) == {}
        with pytest.raises(ConfigError, match="cannot be trained"):
            method.train_step(session.visual_batch)
    steps = [e for e in events if isinstance(e, StepEvent)]
    assert len(steps) == int(spec.trainable) and session.step == int(spec.trainable)
    if steps:
        assert set(method.loss_names) <= set(steps[0].scalars)
        assert all(isinstance(v, float) and math.isfinite(v) for v in steps[0].scalars.values()), steps[0].scalars
    views = {e.name for e in events if isinstance(e, SampleEvent)}
    visuals = method.visuals(session.visual_batch)
    assert set(visuals) <= views
    assert all(isinstance(v, torch.Tensor) and v.ndim == 4 and v.shape[0] > 0 for v in visuals.values())
    if spec.generates:
        samples = method.sample(N, seed=5)
        assert samples.shape[0] == N and torch.isfinite(samples).all()
        assert torch.equal(samples, method.sample(N, seed=5))  # the same seed, the same outputs
        if spec.trainable:
            assert ("samples" in views) == (samples.ndim in (4, 5))  # 2-D points are shown in a scatter instead
    else:
        with pytest.raises(NotImplementedError):
            method.sample(N, seed=5)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_state_round_trip_is_bit_identical(name, trained, tmp_path, model_folder):
    """A checkpoint restored into a method built from another seed continues exactly like the original."""
    spec = SPECS[name]
    session, _ = trained(name)
    path = session.save(tmp_path)
    restored = TrainingSession(tiny_config(spec, seed=1, folder=model_folder))
    restored.load_state_dict(load_checkpoint_file(path))
    assert restored.step == session.step
    (layout, expected), (found_layout, found) = (flatten_state(s.method.state_dict()) for s in (session, restored))
    assert layout == found_layout and expected.keys() == found.keys()
    assert [k for k in expected if not torch.equal(expected[k], found[k])] == []
    batch = session.visual_batch
    if spec.trainable:
        assert restored.method.train_step(batch) == session.method.train_step(batch)
    else:
        assert torch.equal(restored.method.sample(N, seed=3), session.method.sample(N, seed=3))


@pytest.mark.parametrize("name", sorted(SPECS))
def test_the_spec_claims_exactly_the_capabilities_the_method_has(name, trained):
    spec = SPECS[name]
    method = trained(name)[0].method
    for capability in ALL_CAPABILITIES:
        assert isinstance(method, capability) == spec.offers(capability), (
            f"{name}: spec {'claims' if spec.offers(capability) else 'does not claim'} {capability.__name__}")
    assert method_spec(name) is spec and spec.display_name and spec.summary


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_claimed_capability_works_on_tiny_inputs(name, trained):
    spec = SPECS[name]
    session = trained(name)[0]
    method = session.method
    x = session.visual_batch[0][:N]
    for capability in spec.capabilities:
        CHECKS[capability](method, x, session)


def check_latent(method, x, session) -> None:
    z = method.prior_sample(N, seed=0)
    assert z.shape == (N, method.latent_dim) and torch.equal(z, method.prior_sample(N, seed=0))
    assert method.decode(z).shape[0] == N
    assert isinstance(method.decoder_network(), torch.nn.Module)
    codes = z.clone().requires_grad_(True)
    method.decode_differentiable(codes).sum().backward()
    assert codes.grad is not None and torch.isfinite(codes.grad).all()


def check_encoder(method, x, session) -> None:
    assert method.encode(x).shape == (N, method.latent_dim)


def check_variational(method, x, session) -> None:
    mu, logvar = method.posterior(x)
    assert mu.shape == logvar.shape == (N, method.latent_dim)
    assert method.reconstruction_nll(x, mu).shape == (N,)


def check_conditional(method, x, session) -> None:
    assert len(method.classes) >= 2
    z = method.prior_sample(2, seed=0)
    assert method.decode(z, torch.tensor([0, 1])).shape[0] == 2
    assert method.sample(2, seed=0, labels=torch.tensor([1, 0])).shape[0] == 2


def check_translator(method, x, session) -> None:
    assert set(method.directions) <= {"AtoB", "BtoA"} and "AtoB" in method.directions
    for direction in method.directions:
        assert method.translate(x, direction).shape == x.shape


def check_cycle(method, x, session) -> None:
    assert method.cycle(x, "AtoB").shape == x.shape


def check_upscaler(method, x, session) -> None:
    out = method.upscale(x)
    assert out.shape == (N, x.shape[1], x.shape[2] * method.scale, x.shape[3] * method.scale)


def check_voxels(method, x, session) -> None:
    grids = method.decode(method.prior_sample(N, seed=0))
    assert grids.shape == (N, 1, method.side, method.side, method.side)
    assert float(grids.min()) >= 0 and float(grids.max()) <= 1
    pictures = method.silhouettes(grids)
    assert pictures.shape[:2] == (N, 1)
    if method.has_encoder:
        assert method.encode_silhouette(pictures).shape == (N, method.latent_dim)


def check_scatter(method, x, session) -> None:
    plots = method.scatter(session.visual_batch)
    assert plots
    for series in plots.values():
        for key, points in series.items():
            if not key.startswith("__"):
                assert points.ndim == 2 and points.shape[1] == 2, key


def check_notes(method, x, session) -> None:
    notes = method.run_notes()
    assert notes and all(isinstance(k, str) and isinstance(v, str) for k, v in notes.items())


def check_init_from(method, x, session) -> None:
    """The tiny run names no source; the state of a tiny run of an accepted method initialises it."""
    assert method.init_source() == "" and method.init_from_methods
    source = TrainingSession(tiny_config(SPECS[method.init_from_methods[0]]))
    method.initialise_from(source.method.state_dict(), source.config, "source", "source (step 0)")
    assert method.initialised_from == "source (step 0)"


def check_style_mixer(method, x, session) -> None:
    """Groups cover the layers in order; mixing, truncation and noise act as their definitions say."""
    layers = method.num_style_layers
    groups = method.layer_groups()
    assert list(groups) == ["coarse", "middle", "fine"]
    assert [start for start, _ in groups.values()] == [0, groups["coarse"][1], groups["middle"][1]]
    assert groups["fine"][1] == layers and all(end > start for start, end in groups.values())
    w = method.map_to_w(method.prior_sample(N, seed=0))
    assert w.ndim == 2 and w.shape[0] == N and method.mean_w().shape == (1, w.shape[1])
    ws = w.unsqueeze(1).repeat(1, layers, 1)
    images = method.synthesize_ws(ws)
    assert images.shape[0] == N and torch.isfinite(images).all()
    assert torch.equal(images, method.synthesize_ws(ws))  # the fixed noise: the same images
    assert torch.allclose(method.truncate(ws, 0.0), method.mean_w().expand(N, layers, -1))
    assert torch.equal(method.truncate(w, 1.0), w)
    seeded = method.synthesize_ws(ws, noise_seed=3, noise_layers=(0,))
    assert torch.equal(seeded, method.synthesize_ws(ws, noise_seed=3, noise_layers=(0,)))
    assert method.num_noise_layers >= 1


def check_intermediate_latent(method, x, session) -> None:
    z = method.prior_sample(N, seed=0)
    w = method.map_to_w(z)
    assert w.shape == (N, method.w_dim)
    assert torch.allclose(method.decode_w(w), method.decode(z), atol=1e-5)  # W decodes as the codes it maps
    styles = w.clone().requires_grad_(True)
    method.decode_w_differentiable(styles).sum().backward()
    assert styles.grad is not None and torch.isfinite(styles.grad).all()


def check_attention_maps(method, x, session) -> None:
    """One map per image over the r×r positions, a distribution; the images are those `decode` makes."""
    side = method.attention_resolution
    z = method.prior_sample(N, seed=0)
    images, maps = method.attention_map(z, (0, 0))
    assert maps.shape == (N, side, side) and images.shape[0] == N
    assert float(maps.min()) >= 0 and torch.allclose(maps.flatten(1).sum(dim=1), torch.ones(N))
    assert torch.equal(images, method.attention_map(z, (0, 0))[0])


def check_class_interpolation(method, x, session) -> None:
    """The ends of the blend are the two classes' own images."""
    z = method.prior_sample(2, seed=0)
    images = method.class_interpolation(z, 0, 1, 3)
    assert images.shape[:2] == (2, 3) and torch.isfinite(images).all()
    assert torch.allclose(images[:, 0], method.decode(z, torch.tensor([0, 0])), atol=1e-5)
    assert torch.allclose(images[:, -1], method.decode(z, torch.tensor([1, 1])), atol=1e-5)


def check_truncation(method, x, session) -> None:
    z = method.truncated_prior_sample(N, seed=0, threshold=0.5)
    assert z.shape == (N, method.latent_dim) and float(z.abs().max()) <= 0.5
    assert torch.equal(z, method.truncated_prior_sample(N, seed=0, threshold=0.5))
    assert torch.equal(method.truncated_prior_sample(N, seed=0, threshold=0.0), method.prior_sample(N, seed=0))
    assert method.sample_truncated(N, seed=0, threshold=0.5).shape[0] == N


def check_diffusion(method, x, session) -> None:
    """Deterministic DDIM is repeatable both ways and the trajectory ends at the image the sampler makes. How close
    inversion then sampling comes back is tested in test_ddpm.py against an exact noise predictor: through an
    untrained network the ODE is far too stiff at high noise for a round trip to mean anything."""
    steps = min(10, method.num_timesteps)
    assert method.num_timesteps >= 2
    x_T = method.ddim_invert(x, steps)
    assert x_T.shape == x.shape and torch.isfinite(x_T).all()
    assert torch.equal(x_T, method.ddim_invert(x, steps))
    back = method.ddim_sample(x_T, steps)
    assert back.shape == x.shape and torch.equal(back, method.ddim_sample(x_T, steps))
    path = method.trajectory(x_T, steps, keep=3)
    assert len(path) == 3 and all(p.shape == x.shape for p in path)
    assert torch.allclose(path[-1], back.clamp(-1, 1), atol=1e-5)


CHECKS = {
    LatentModel: check_latent,
    Encoder: check_encoder,
    VariationalEncoder: check_variational,
    Conditional: check_conditional,
    Translator: check_translator,
    CycleTranslator: check_cycle,
    Upscaler: check_upscaler,
    VoxelGenerator: check_voxels,
    ScatterPreview: check_scatter,
    RunNotes: check_notes,
    InitFrom: check_init_from,
    StyleMixer: check_style_mixer,
    IntermediateLatent: check_intermediate_latent,
    AttentionMaps: check_attention_maps,
    ClassInterpolation: check_class_interpolation,
    Truncation: check_truncation,
    Diffusion: check_diffusion,
}
assert set(CHECKS) == set(ALL_CAPABILITIES)

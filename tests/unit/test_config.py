"""Config validation: every kind of bad value fails with one message naming the field and what is allowed."""

from __future__ import annotations

import dataclasses

import pytest

from workbench.config import ConfigError, DataConfig, RunConfig, TrainConfig
from workbench.methods import available_methods, method_settings_class
from workbench.methods.dcgan import DCGANSettings
from workbench.methods.registry import load_run_config, load_run_config_toml
from workbench.methods.vae import VAESettings


def test_defaults_are_valid_for_every_method():
    names = [spec.name for spec in available_methods()]
    assert {"dcgan", "vae"} <= set(names)
    for name in names:
        config = RunConfig(method=method_settings_class(name)())
        assert config.method_name == name
        assert load_run_config(config.to_dict()) == config
    assert DataConfig().image_size & (DataConfig().image_size - 1) == 0


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        # out of range
        (lambda: DCGANSettings(lr_g=2.0), ["method.lr_g", "[1e-07, 1]", "2.0"]),
        (lambda: DataConfig(batch_size=0), ["data.batch_size", "[1, 4096]"]),
        (lambda: TrainConfig(steps=0), ["train.steps", "[1, 1e+08]"]),
        (lambda: VAESettings(beta=-0.5), ["method.beta", "[0, 1000]"]),
        # wrong type
        (lambda: DataConfig(batch_size="8"), ["data.batch_size", "whole number", "[1, 4096]", "'8'"]),
        (lambda: DataConfig(batch_size=2.5), ["data.batch_size", "whole number"]),
        (lambda: DataConfig(batch_size=True), ["data.batch_size", "whole number"]),
        (lambda: DCGANSettings(lr_d="fast"), ["method.lr_d", "must be a number", "[1e-07, 1]"]),
        (lambda: DCGANSettings(lr_d=float("nan")), ["method.lr_d", "finite"]),
        (lambda: TrainConfig(mixed_precision=1), ["train.mixed_precision", "true or false"]),
        (lambda: DataConfig(root=3), ["data.root", "text"]),
        # bad choice
        (lambda: VAESettings(reconstruction="l1"), ["method.reconstruction", "one of 'bce', 'mse'", "'l1'"]),
        (lambda: DCGANSettings(g_loss="wasserstein"), ["method.g_loss", "'non_saturating', 'minimax'"]),
        (lambda: DataConfig(channels=2), ["data.channels", "one of 1, 3"]),
        (lambda: TrainConfig(device="tpu"), ["train.device", "'cpu', 'cuda', 'mps'"]),
        # image size must be a power of two
        (lambda: DataConfig(image_size=48), ["data.image_size", "power of two", "[8, 1024]", "48"]),
        (lambda: DataConfig(image_size=4), ["data.image_size", "[8, 1024]"]),
        # float16 mixed precision only with CUDA (bfloat16 runs on the CPU)
        (lambda: TrainConfig(mixed_precision=True, device="cpu", amp_dtype="float16"), ["train.amp_dtype", "'cuda'"]),
        (lambda: TrainConfig(mixed_precision=True, device="mps"), ["train.mixed_precision", "'cuda' or 'cpu'"]),
    ],
)
def test_invalid_values_name_the_field_and_the_allowed_values(make, expected):
    with pytest.raises(ConfigError) as info:
        make()
    for text in expected:
        assert text in str(info.value)


def test_whole_floats_become_ints():
    config = DataConfig(batch_size=16.0)
    assert config.batch_size == 16 and type(config.batch_size) is int


def test_unknown_keys_and_sections_are_listed_with_the_valid_ones():
    with pytest.raises(ConfigError, match=r"unknown setting\(s\) in \[method\]: colour; valid: .*latent_dim"):
        load_run_config({"method": {"name": "dcgan", "colour": "red"}})
    with pytest.raises(ConfigError, match=r"unknown setting\(s\) in \[train\]: epochs; valid: .*steps"):
        load_run_config({"method": {"name": "vae"}, "train": {"epochs": 3}})
    with pytest.raises(ConfigError, match=r"unknown section\(s\): model; valid: method, data, train"):
        load_run_config({"method": {"name": "vae"}, "model": {}})


def test_unknown_method_lists_the_valid_ones():
    with pytest.raises(ConfigError) as info:
        load_run_config({"method": {"name": "stylegan9"}})
    message = str(info.value)
    assert "'stylegan9'" in message
    for spec in available_methods():
        assert spec.name in message
    with pytest.raises(ConfigError, match="needs a name"):
        load_run_config({"method": {"latent_dim": 4}})


def test_replace_validates_again():
    config = RunConfig(method=VAESettings())
    assert config.replace("train", steps=10).train.steps == 10
    with pytest.raises(ConfigError, match="train.steps"):
        config.replace("train", steps=-1)


@pytest.mark.parametrize(
    "method",
    [
        DCGANSettings(latent_dim=7, g_channels=12, g_loss="minimax", lr_g=1.5e-4, beta1=0.0),
        VAESettings(latent_dim=3, beta=4.0, reconstruction="mse", lr=3e-4),
    ],
)
def test_toml_round_trip(tmp_path, method):
    config = RunConfig(
        method=method,
        data=DataConfig(name="folder", root=str(tmp_path / "ünïcode dir"), image_size=64, channels=3, batch_size=17),
        train=TrainConfig(steps=123, seed=2**31 - 1, sample_every=7, checkpoint_every=11, keep_checkpoints=2),
    )
    path = tmp_path / "run.toml"
    path.write_text(config.to_toml(), encoding="utf-8")
    loaded = load_run_config_toml(path.read_text())
    assert loaded == config
    assert type(loaded.method) is type(method)
    assert all(type(getattr(loaded.method, f.name)) is type(getattr(method, f.name))
               for f in dataclasses.fields(method))


def test_invalid_toml_is_a_config_error():
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_run_config_toml("[method\nname = ")
    with pytest.raises(ConfigError, match="method.latent_dim"):
        load_run_config_toml('[method]\nname = "vae"\nlatent_dim = 0\n')


def test_registry_lists_every_method_even_after_a_direct_settings_import():
    """Importing one method's package (its settings) first must not hide the other methods."""
    import subprocess
    import sys

    code = ("import workbench.methods.gan; from workbench.methods import available_methods;"
            "names = {s.name for s in available_methods()}; assert {'vae', 'aae', 'gan', 'dcgan'} <= names, names")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).returncode == 0

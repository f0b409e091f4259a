"""Pinned codes: save/load round trip in the run folder, damaged files as LatentError, prior and encoded
codes, and users' image files converted to the model's channels and size."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from workbench.latent.codes import (
    PinnedCode,
    encoded_codes,
    latent_folder,
    load_codes,
    load_image_file,
    prior_code,
    save_codes,
)
from workbench.latent.errors import LatentError
from workbench.latent.model import LatentSpace

torch.set_num_threads(1)


@pytest.fixture
def vae_run(tiny_run):
    return tiny_run("vae", steps=3)


@pytest.fixture
def fresh_run(vae_run):
    assert not latent_folder(vae_run).exists()
    return vae_run


def some_codes() -> list[PinnedCode]:
    return [
        PinnedCode("seed 7", torch.tensor([0.5, -1.0, 2.0, 0.25]), None, "prior", "seed=7"),
        PinnedCode("A−B+C ✓", torch.tensor([1.0, 2.0, 3.0, 4.0]), 3, "arithmetic"),
    ]


def test_codes_round_trip_through_the_run_folder(fresh_run):
    assert load_codes(fresh_run) == []
    path = save_codes(fresh_run, some_codes())
    assert path.parent == fresh_run.path / "latent"
    assert (path.parent / "codes.safetensors").is_file()
    loaded = load_codes(fresh_run)
    assert [(c.name, c.label, c.source, c.detail) for c in loaded] == [
        ("seed 7", None, "prior", "seed=7"), ("A−B+C ✓", 3, "arithmetic", "")]
    for a, b in zip(loaded, some_codes(), strict=True):
        assert torch.equal(a.z, b.z) and a.z.dtype == torch.float32
    save_codes(fresh_run, [])
    assert load_codes(fresh_run) == []


def test_damaged_tensor_file_is_a_latent_error(fresh_run):
    save_codes(fresh_run, some_codes())
    tensor_file = latent_folder(fresh_run) / "codes.safetensors"
    tensor_file.write_bytes(tensor_file.read_bytes()[:-5])
    with pytest.raises(LatentError, match="damaged"):
        load_codes(fresh_run)
    tensor_file.unlink()
    with pytest.raises(LatentError, match="missing"):
        load_codes(fresh_run)


@pytest.mark.parametrize("text", ["{not json", '{"format": "other", "codes": []}', "[]"])
def test_damaged_index_is_a_latent_error(fresh_run, text):
    save_codes(fresh_run, some_codes())
    (latent_folder(fresh_run) / "codes.json").write_text(text)
    with pytest.raises(LatentError, match="codes.json"):
        load_codes(fresh_run)


def test_damaged_entry_is_a_latent_error(fresh_run):
    path = save_codes(fresh_run, some_codes())
    index = json.loads(path.read_text())
    index["codes"][0]["tensor"] = "code_99"
    path.write_text(json.dumps(index))
    with pytest.raises(LatentError, match="damaged entry"):
        load_codes(fresh_run)


def test_non_finite_code_is_refused(fresh_run):
    with pytest.raises(LatentError, match="not finite"):
        save_codes(fresh_run, [PinnedCode("bad", torch.tensor([float("nan"), 0.0]), None, "edited")])


def test_prior_code_is_seeded_and_named(vae_run):
    space = LatentSpace.from_run(vae_run)
    code = prior_code(space, 7)
    assert code.name == "seed 7" and code.source == "prior" and code.label is None and code.detail == "seed=7"
    assert code.z.shape == (4,)
    assert torch.equal(code.z, prior_code(space, 7).z)
    assert torch.equal(code.z, space.prior(1, seed=7)[0])
    assert not torch.equal(code.z, prior_code(space, 8).z)


def test_prior_code_of_a_conditional_model_records_its_class(tiny_run):
    space = LatentSpace.from_run(tiny_run("conditional_gan", steps=2))
    assert prior_code(space, 1).label == 0
    code = prior_code(space, 1, label=4)
    assert code.label == 4 and "4" in code.name
    with pytest.raises(LatentError):
        prior_code(space, 1, label=10)


def test_encoded_codes_are_the_encoder_means(vae_run):
    space = LatentSpace.from_run(vae_run)
    images, _ = space.dataset().get_batch(torch.arange(3))
    codes = encoded_codes(space, images, ["a", "b", "c"])
    assert [c.name for c in codes] == ["a", "b", "c"] and all(c.source == "encoded" for c in codes)
    assert torch.allclose(torch.stack([c.z for c in codes]), space.encode(images))
    with pytest.raises(LatentError, match="names"):
        encoded_codes(space, images, ["a"])


def test_encoded_codes_of_a_conditional_vae_carry_labels(tiny_run):
    space = LatentSpace.from_run(tiny_run("conditional_vae", steps=2))
    images, labels = space.dataset().get_batch(torch.arange(2))
    codes = encoded_codes(space, images, ["x", "y"], labels=labels)
    assert [c.label for c in codes] == labels.tolist()
    assert all(c.label is not None for c in encoded_codes(space, images, ["x", "y"]))


def test_gan_has_no_encoded_codes(tiny_run):
    space = LatentSpace.from_run(tiny_run("dcgan", steps=2))
    with pytest.raises(LatentError, match="no encoder"):
        encoded_codes(space, torch.zeros(1, 1, 8, 8), ["x"])


def test_image_file_is_converted_to_the_model_channels_and_size(tmp_path):
    rgb = np.zeros((20, 30, 3), dtype=np.uint8)
    rgb[:, 15:] = 255  # right half white
    path = tmp_path / "half.png"
    Image.fromarray(rgb).save(path)
    gray = load_image_file(path, (1, 8, 8))
    assert gray.shape == (1, 1, 8, 8) and gray.dtype == torch.float32
    assert gray.min() >= -1 and gray.max() <= 1
    assert gray[0, 0, :, 0].max() < -0.9 and gray[0, 0, :, -1].min() > 0.9  # black left, white right
    colour = load_image_file(path, (3, 16, 16))
    assert colour.shape == (1, 3, 16, 16)
    jpeg = tmp_path / "x.jpg"
    Image.fromarray(rgb).save(jpeg)
    bmp = tmp_path / "x.bmp"
    Image.fromarray(rgb[:, :, 0]).save(bmp)
    assert load_image_file(jpeg, (1, 8, 8)).shape == load_image_file(bmp, (3, 8, 8)).shape[:1] + (1, 8, 8)


def test_unreadable_image_file_is_a_latent_error_naming_it(tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    with pytest.raises(LatentError, match="broken.png"):
        load_image_file(broken, (1, 8, 8))
    truncated = tmp_path / "cut.png"
    Image.fromarray(np.full((64, 64), 128, dtype=np.uint8)).save(truncated)
    truncated.write_bytes(truncated.read_bytes()[:60])
    with pytest.raises(LatentError, match="cut.png"):
        load_image_file(truncated, (1, 8, 8))
    with pytest.raises(LatentError, match="does not exist"):
        load_image_file(tmp_path / "missing.png", (1, 8, 8))

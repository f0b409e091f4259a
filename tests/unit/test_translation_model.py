"""TranslationModel on tiny trained Pix2Pix and CycleGAN runs: loading and its refusals, translate/cycle shapes,
held-out examples with ground truth, image files (a corrupt one included), the difference map, and folder
translation with a bad file, a refused target and a cancel."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from workbench.translation import (
    TranslationError,
    TranslationModel,
    abs_difference,
    load_image_file,
    output_path,
    summarize,
    translate_files,
    translate_folder,
)

TINY = {"image_size": 16, "steps": 2, "batch_size": 2, "d_layers": 2}  # a 3-layer PatchGAN needs 24 px or more


@pytest.fixture
def pix2pix_run(tiny_run):
    return tiny_run("pix2pix", data="edges2photos", **TINY)


@pytest.fixture
def cyclegan_run(tiny_run):
    return tiny_run("cyclegan", data="photo2stylized", residual_blocks=1, **TINY)


def write_images(folder, names, size=(20, 12)):
    """Small RGB PNGs with different contents (a wide, non-square shape: the loader centre-crops)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for name in names:
        Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)).save(folder / name)


def test_from_run_refuses_other_methods_untrained_and_broken_runs(tiny_run, workspace):
    from workbench.config import DataConfig, RunConfig, TrainConfig
    from workbench.methods.registry import method_settings_class
    from workbench.runs.run import Run

    vae = tiny_run("vae", steps=2)
    with pytest.raises(TranslationError, match="'vae', which does not translate images; select a Pix2Pix, CycleGAN"):
        TranslationModel.from_run(vae)

    settings = method_settings_class("pix2pix")(g_channels=8, d_channels=8, d_layers=2)
    config = RunConfig(settings, DataConfig(name="edges2photos", image_size=16, channels=3), TrainConfig(steps=2))
    untrained = workspace.create_run(config, name="untrained")
    with pytest.raises(TranslationError, match="has no checkpoint yet"):
        TranslationModel.from_run(untrained)

    # a checkpoint that does not fit the configured networks (the run's settings were edited after training)
    run = tiny_run("pix2pix", data="edges2photos", name="edited", **TINY)
    edited = run.config.replace("method", g_channels=16)
    run.write(edited, run.info())
    with pytest.raises(TranslationError, match="cannot load run edited: step 2 does not fit this run.s settings: "
                                               "tensor method/G/"):
        TranslationModel.from_run(Run(run.path))


def test_pix2pix_translates_examples_with_ground_truth(pix2pix_run):
    model = TranslationModel.from_run(pix2pix_run)
    assert (model.method_name, model.directions, model.domains) == ("pix2pix", ("AtoB",), ("edges", "photos"))
    assert (model.image_size, model.channels, model.paired, model.has_cycle, model.step) == (16, 3, True, False, 2)
    assert "edges → photos" in model.describe() and "step 2" in model.describe()

    examples = model.examples(3)
    assert examples.split == "test" and not examples.note and examples.indices == (0, 1, 2)
    assert examples.a.shape == examples.b.shape == (3, 3, 16, 16)
    assert examples.ground_truth is examples.b and examples.inputs is examples.a
    assert model.examples(2, start=model.example_count() - 1).indices == (model.example_count() - 1, 0)  # wraps

    out = model.translate(examples.a)
    assert out.shape == (3, 3, 16, 16) and out.min() >= -1 and out.max() <= 1
    assert torch.equal(out, model.translate(examples.a))  # eval mode: no dropout noise
    assert model.translate(examples.a[0]).shape == (1, 3, 16, 16)  # one C×H×W image
    with pytest.raises(TranslationError, match="no BtoA generator"):
        model.translate(examples.a, "BtoA")
    with pytest.raises(TranslationError, match="direction must be one of AtoB, BtoA"):
        model.translate(examples.a, "sideways")
    with pytest.raises(TranslationError, match="no reverse generator"):
        model.cycle(examples.a)
    with pytest.raises(TranslationError, match="3-channel images, got 1"):
        model.translate(torch.zeros(1, 1, 16, 16))

    diff = abs_difference(out[0], examples.b[0])
    assert diff.shape == (16, 16) and diff.dtype == np.float32
    expected = ((out[0] - examples.b[0]).abs().mean(0) / 2).numpy()  # units of the [0, 1] pixel range
    assert np.allclose(diff, expected, atol=1e-6)
    assert abs_difference(out[0], out[0]).max() == 0
    black, white = -torch.ones(1, 3, 4, 4), torch.ones(1, 3, 4, 4)
    assert np.allclose(abs_difference(black, white), 1.0)
    assert np.allclose(abs_difference(np.zeros((4, 4, 3), np.uint8), np.full((4, 4, 3), 255, np.uint8)), 1.0)


def test_cyclegan_translates_and_reconstructs_both_ways(cyclegan_run):
    model = TranslationModel.from_run(cyclegan_run)
    assert model.directions == ("AtoB", "BtoA") and model.has_cycle and not model.paired
    assert model.domains == ("photo", "stylized") and model.direction_label("BtoA") == "stylized → photo"
    examples = model.examples(2)
    assert examples.ground_truth is None and examples.b.shape == (2, 3, 16, 16)  # B: the reverse row's inputs
    assert model.example_count() < 10_000  # images of the input domain, not the unpaired set's pairings
    for direction, x in (("AtoB", examples.a), ("BtoA", examples.b)):
        assert model.translate(x, direction).shape == (2, 3, 16, 16)
        reconstruction = model.cycle(x, direction)
        assert reconstruction.shape == (2, 3, 16, 16)
        assert abs_difference(reconstruction[:1], x[:1]).shape == (16, 16)


def test_examples_fall_back_to_training_images_without_a_test_split(tiny_run, tmp_path):
    """A pix2pix-folder of A|B images with only train/: training images, with a note that says why."""
    rng = np.random.default_rng(0)
    train = tmp_path / "pairs" / "train"
    train.mkdir(parents=True)
    for i in range(4):
        Image.fromarray(rng.integers(0, 256, (16, 32, 3), dtype=np.uint8)).save(train / f"{i}.png")
    run = tiny_run("pix2pix", data="pix2pix-folder", data_options={"root": str(tmp_path / "pairs"), "channels": 3},
                   **TINY)
    model = TranslationModel.from_run(run)
    examples = model.examples(8)
    assert examples.split == "train" and len(examples) == 4 and examples.ground_truth is not None
    assert examples.note.startswith("pix2pix-folder has no test split (") and "neither test/ nor val/" in examples.note
    assert examples.note.endswith(": showing training images")


def test_image_files_are_cropped_resized_and_converted(tmp_path, pix2pix_run):
    wide = tmp_path / "wide.png"
    array = np.zeros((12, 20, 4), np.uint8)  # RGBA, 20 wide: the centre 12×12 is kept
    array[:, 4:16] = (255, 255, 255, 255)
    Image.fromarray(array).save(wide)
    x = load_image_file(wide, 16, 3)
    assert x.shape == (1, 3, 16, 16) and torch.allclose(x, torch.ones_like(x))  # only the white centre remains
    grey = tmp_path / "grey.bmp"
    Image.fromarray(np.full((8, 8), 0, np.uint8)).save(grey)
    assert torch.equal(load_image_file(grey, 16, 3), -torch.ones(1, 3, 16, 16))

    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    with pytest.raises(TranslationError, match="corrupt.png: not a recognised image format"):
        load_image_file(corrupt, 16, 3)
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(wide.read_bytes()[:60])
    with pytest.raises(TranslationError, match="truncated.png: cannot decode"):
        load_image_file(truncated, 16, 3)
    with pytest.raises(TranslationError, match="no such file"):
        load_image_file(tmp_path / "missing.png", 16, 3)

    model = TranslationModel.from_run(pix2pix_run)
    assert model.translate(model.load_image(wide)).shape == (1, 3, 16, 16)


def test_translate_folder_writes_pngs_skips_bad_files_and_refuses_the_source(tmp_path, pix2pix_run):
    model = TranslationModel.from_run(pix2pix_run)
    source, target = tmp_path / "in", tmp_path / "out" / "new"
    write_images(source, ["a.png", "b.jpg", "c.bmp"])
    (source / "corrupt.png").write_bytes(b"garbage")
    (source / "notes.txt").write_text("not an image")
    (source / ".hidden.png").write_bytes(b"left alone")

    progress = list(translate_folder(model, source, target))
    assert [p.done for p in progress] == [1, 2, 3, 4, 5] and {p.total for p in progress} == {5}
    problems = {p.path.name: p.problem for p in progress if p.problem}
    assert set(problems) == {"corrupt.png", "notes.txt"}
    assert "not a recognised image format" in problems["corrupt.png"]
    assert "extension .txt is not an image type" in problems["notes.txt"]
    assert sorted(f.name for f in target.iterdir()) == ["a.png", "b.png", "c.png"]  # no temporary files left
    with Image.open(target / "b.png") as png:
        assert png.size == (16, 16) and png.mode == "RGB"
        written = np.asarray(png)
    expected = model.translate(model.load_image(source / "b.jpg"))
    assert np.array_equal(written, expected.clamp(-1, 1).add(1).mul(127.5).round().byte()[0].permute(1, 2, 0).numpy())
    summary = summarize(progress)
    assert summary.startswith("Wrote 3 of 5 files; skipped 2:") and "corrupt.png:" in summary

    with pytest.raises(TranslationError, match="output folder is the source folder"):
        translate_folder(model, source, source)
    with pytest.raises(TranslationError, match="does not exist"):
        translate_folder(model, tmp_path / "nowhere", target)
    with pytest.raises(TranslationError, match="no BtoA generator"):
        translate_folder(model, source, target, "BtoA")
    with pytest.raises(TranslationError, match="would replace an input file"):
        translate_files(model, [source / "a.png"], source)
    # two inputs with one stem would write one file: the second is skipped, not silently overwritten
    same = list(translate_files(model, [source / "a.png", tmp_path / "in" / "a.png"], tmp_path / "twice"))
    assert same[0].problem is None and "same name as a.png" in same[1].problem
    assert output_path(target, source / "b.jpg") == target / "b.png"


def test_closing_the_generator_cancels_the_batch(tmp_path, pix2pix_run):
    model = TranslationModel.from_run(pix2pix_run)
    source, target = tmp_path / "in", tmp_path / "out"
    write_images(source, [f"{i:02d}.png" for i in range(6)])
    progress = translate_folder(model, source, target)
    first = next(progress)
    assert (first.done, first.total, first.path.name, first.problem) == (1, 6, "00.png", None)
    progress.close()
    assert [f.name for f in target.iterdir()] == ["00.png"]
    assert next(progress, None) is None


def test_a_label_map_model_reads_label_files_by_class_id(tiny_run, tmp_path):
    from workbench.data.label_maps import ids_to_rgb

    model = TranslationModel.from_run(tiny_run("pix2pix", data="labels2scenes", image_size=16, steps=2,
                                               batch_size=2, d_layers=2))
    assert model.has_label_maps and len(model.label_colors) == 5
    ids = np.zeros((32, 32), dtype=np.uint8)
    ids[:, 16:] = 3  # right half: class 3, resized to 16 px without blending
    Image.fromarray(ids, mode="L").save(tmp_path / "label.png")
    image = model.load_image(tmp_path / "label.png")
    expected = ids_to_rgb(ids[::2, ::2], model.label_colors)
    assert torch.equal(image[0], torch.from_numpy(expected.transpose(2, 0, 1).astype(np.float32)) / 127.5 - 1)
    ids[0, 0] = 9
    Image.fromarray(ids, mode="L").save(tmp_path / "unknown.png")
    with pytest.raises(TranslationError, match="unknown.png: a label map with class id 9, but this model knows 5"):
        model.load_image(tmp_path / "unknown.png")
    Image.fromarray(ids_to_rgb(ids % 5, model.label_colors)).save(tmp_path / "drawn.png")  # colour: read as is
    assert model.load_image(tmp_path / "drawn.png").shape == (1, 3, 16, 16)

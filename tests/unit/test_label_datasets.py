"""Label-map datasets (SPADE's data): the built-in labels2scenes and the user's spade-folder."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch
from PIL import Image

from workbench.config import ConfigError, DataConfig
from workbench.data import available_datasets, dataset_spec
from workbench.data.build import build_dataset
from workbench.data.label_maps import MAX_CLASSES, palette_colors, rgb_to_ids
from workbench.data.label_scenes import SCENE_CLASSES, label_scenes

SIZE = 32


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """[-1, 1] N×C×H×W → uint8 N×H×W×C (exact for images that were uint8)."""
    return ((images + 1) * 127.5).round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()


def scenes(**options) -> DataConfig:
    return DataConfig(
        name="labels2scenes", image_size=options.pop("image_size", SIZE), channels=options.pop("channels", 3), **options
    )


def test_catalog_lists_both_as_paired_colour_data():
    names = {s.name for s in available_datasets()}
    assert {"labels2scenes", "spade-folder"} <= names
    for name, needs_root in (("labels2scenes", False), ("spade-folder", True)):
        spec = dataset_spec(name)
        assert spec.kind == "paired" and spec.default_channels == 3 and spec.needs_root == needs_root
        assert spec.summary and "direction" in spec.options and "channels must be 3" in spec.options


def test_labels2scenes_pairs_palette_label_maps_with_scenes():
    ds = build_dataset(scenes())
    info = ds.info
    assert len(ds) == info.size == 2000 and info.kind == "paired" and info.channels == 3 and info.image_size == SIZE
    assert info.domains == ("label map", "scene") and info.has_label_maps
    assert info.label_names == SCENE_CLASSES and info.label_colors == palette_colors(len(SCENE_CLASSES))
    a, b = ds.get_batch(torch.arange(64))
    assert a.shape == b.shape == (64, 3, SIZE, SIZE) and a.dtype == b.dtype == torch.float32
    assert a.min() >= -1 and a.max() <= 1 and b.min() >= -1 and b.max() <= 1
    # every label pixel is exactly a palette colour, and reading the colours back gives the class ids
    colours = {tuple(c) for c in to_uint8(a).reshape(-1, 3).tolist()}
    assert colours <= set(info.label_colors) and len(colours) == len(SCENE_CLASSES)
    ids = label_scenes("train", SIZE).ids[:64]
    assert torch.equal(rgb_to_ids(a, info.label_colors), torch.from_numpy(ids.copy()).long())
    # each scene has sky, ground and at least one shape; the scenes are textured, not flat class colours
    per_scene = [set(np.unique(i).tolist()) for i in ids]
    assert all({0, 1} <= s and s & {2, 3, 4} for s in per_scene)
    assert b.std(dim=(2, 3)).mean() > 0.1


def test_labels2scenes_classes_decide_the_look_and_details_vary():
    data = label_scenes("train", SIZE)
    ids, pixels = data.ids.reshape(-1), data.scenes.reshape(-1, 3).astype(np.float32)
    means = np.stack([pixels[ids == k].mean(0) for k in range(len(SCENE_CLASSES))])
    assert means[0, 2] > means[0, 0] + 40  # sky blue
    assert means[1, 1] > means[1, 2] + 20  # ground green-brown
    assert means[2, 0] > means[2, 1] + 40  # bricks red
    assert means[3, 0] > 150 and means[3, 1] > 120 and means[3, 2] < 100  # ellipse yellow-orange
    assert means[4, 0] > means[4, 1] + 40 and means[4, 2] > means[4, 1]  # heart pink
    # the same class in two scenes looks different in detail: per-scene sky means spread out
    sky = [data.scenes[i][data.ids[i] == 0].mean(0) for i in range(50)]
    assert np.std(sky, axis=0).max() > 8


def test_labels2scenes_is_deterministic_and_test_is_held_out():
    train = label_scenes("train", SIZE)
    test = label_scenes("test", SIZE)
    assert train.ids.dtype == train.scenes.dtype == np.uint8 and not train.scenes.flags.writeable
    assert test.ids.shape == (200, SIZE, SIZE) and test.scenes.shape == (200, SIZE, SIZE, 3)
    assert not np.array_equal(train.ids[:200], test.ids)
    label_scenes.cache_clear()
    again = label_scenes("train", SIZE)
    assert again is not train and np.array_equal(again.ids, train.ids) and np.array_equal(again.scenes, train.scenes)
    assert len(build_dataset(scenes(), split="test")) == 200
    # the same scenes at another size (the layout is drawn independently of the size)
    small = label_scenes("train", 16)
    assert (small.ids == train.ids[:, 1::2, 1::2]).mean() > 0.9


def test_labels2scenes_btoa_swaps_sides_and_clears_the_label_fields():
    forward = build_dataset(scenes())
    backward = build_dataset(scenes(direction="BtoA"))
    assert backward.info.domains == ("scene", "label map") and not backward.info.has_label_maps
    assert backward.info.label_names == () and backward.info.label_colors == ()
    a, b = forward.get_batch(torch.arange(4))
    b2, a2 = backward.get_batch(torch.arange(4))
    assert torch.equal(a, a2) and torch.equal(b, b2)


def test_labels2scenes_needs_colour_and_sixteen_pixels():
    with pytest.raises(ConfigError, match=r"data\.channels.*channels = 3"):
        build_dataset(scenes(channels=1))
    with pytest.raises(ConfigError, match=r"data\.image_size"):
        build_dataset(scenes(image_size=8))


# -- spade-folder: real files written into tmp_path --


def write_label(path, ids: np.ndarray, palette: bool = False) -> None:
    """Class ids as an 8-bit greyscale PNG, or as a palette PNG whose indices are the ids."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ids = ids.astype(np.uint8)
    if palette:
        image = Image.new("P", (ids.shape[1], ids.shape[0]))
        image.putpalette([v for k in range(256) for v in ((k * 40) % 256, (k * 90) % 256, (k * 20) % 256)])
        image.putdata(ids.reshape(-1).tolist())
    else:
        image = Image.fromarray(ids)
    image.save(path)


def write_photo(path, width: int, height: int, seed: int, suffix_mode: str = "RGB") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    Image.fromarray(pixels).convert(suffix_mode).save(path)


def stripes(width: int, height: int, classes: int) -> np.ndarray:
    """Vertical bands of ids 0 … classes-1, each band several pixels wide."""
    return np.broadcast_to((np.arange(width) * classes // width)[None, :], (height, width)).copy()


def spade(root, **options) -> DataConfig:
    return DataConfig(
        name="spade-folder",
        root=str(root),
        image_size=options.pop("image_size", 16),
        channels=options.pop("channels", 3),
        **options,
    )


@pytest.fixture
def spade_root(tmp_path):
    root = tmp_path / "city"
    for i in range(3):
        write_label(root / "labels" / f"scene{i}.png", stripes(32, 32, 4))
        write_photo(root / "images" / f"scene{i}.jpg", 32, 32, seed=i)
    write_label(root / "labels" / "sub" / "deep.png", stripes(48, 32, 4), palette=True)  # palette PNG, in a subfolder
    write_photo(root / "images" / "sub" / "deep.png", 48, 32, seed=9)
    write_label(root / "test" / "labels" / "t.png", stripes(32, 32, 4))
    write_photo(root / "test" / "images" / "t.png", 32, 32, seed=7)
    return root


def test_spade_folder_reads_ids_names_and_keeps_them_exact(spade_root):
    (spade_root / "classes.txt").write_text("road\nsky\n\ncar\n\n", encoding="utf-8")
    ds = build_dataset(spade(spade_root))
    info = ds.info
    assert len(ds) == 4 and info.name == "spade-folder:city" and info.domains == ("label map", "photo")
    assert info.label_names == ("road", "sky", "class 2", "car") and info.label_colors == palette_colors(4)
    a, b = ds.get_batch(torch.arange(4))
    assert a.shape == b.shape == (4, 3, 16, 16)
    ids = rgb_to_ids(a, info.label_colors)
    # nearest resize of the 32-pixel bands keeps whole ids: band k covers columns 4k … 4k+3
    assert torch.equal(ids[0], torch.from_numpy(stripes(16, 16, 4)).long())
    # the 48×32 palette label is centre-cropped like its photo (columns 8 … 39 of bands 12 pixels wide), then
    # NEAREST takes every other pixel (PIL samples the source at 2x + 1)
    crop = stripes(48, 32, 4)[:, 8:40][1::2, 1::2]
    deep = [i for i in range(4) if not torch.equal(ids[i], ids[0])]
    assert len(deep) == 1 and torch.equal(ids[deep[0]], torch.from_numpy(crop.copy()).long())
    assert {tuple(c) for c in to_uint8(a).reshape(-1, 3).tolist()} <= set(palette_colors(4))


def test_spade_folder_resizes_labels_nearest_never_blending_ids(tmp_path):
    root = tmp_path / "noisy"
    ids = np.random.default_rng(0).integers(0, 5, (40, 40))  # neighbours differ: any blending shows
    write_label(root / "labels" / "a.png", ids)
    write_photo(root / "images" / "a.png", 40, 40, seed=0)
    ds = build_dataset(spade(root))
    got = rgb_to_ids(ds.get_batch(torch.arange(1))[0], ds.info.label_colors)[0].numpy()
    source = np.floor((np.arange(16) + 0.5) * 40 / 16).astype(int)  # the pixel NEAREST samples
    assert np.array_equal(got, ids[np.ix_(source, source)])


def test_spade_folder_reads_16_bit_and_1_bit_labels(tmp_path):
    root = tmp_path / "masks"
    root.joinpath("labels").mkdir(parents=True)
    Image.fromarray(stripes(32, 32, 3).astype(np.uint16)).save(root / "labels" / "deep.png")  # 16-bit greyscale
    Image.fromarray(stripes(32, 32, 2).astype(bool)).save(root / "labels" / "mask.png")  # 1-bit
    for name in ("deep", "mask"):
        write_photo(root / "images" / f"{name}.png", 32, 32, seed=1)
    assert Image.open(root / "labels" / "deep.png").mode.startswith("I")
    ds = build_dataset(spade(root))
    assert len(ds) == 2 and ds.info.label_names == ("class 0", "class 1", "class 2")
    ids = rgb_to_ids(ds.get_batch(torch.arange(2))[0], ds.info.label_colors)
    assert torch.equal(ids[0], torch.from_numpy(stripes(32, 32, 3)[1::2, 1::2].copy()).long())
    assert set(ids[1].unique().tolist()) == {0, 1}


def test_spade_folder_default_names_test_split_and_direction(spade_root):
    ds = build_dataset(spade(spade_root))
    assert ds.info.label_names == ("class 0", "class 1", "class 2", "class 3")
    test = build_dataset(spade(spade_root), split="test")
    assert len(test) == 1 and test.info.label_names == ds.info.label_names
    backward = build_dataset(spade(spade_root, direction="BtoA"))
    assert backward.info.domains == ("photo", "label map") and not backward.info.has_label_maps
    with pytest.raises(ConfigError, match=r"data\.channels"):
        build_dataset(spade(spade_root, channels=1))


def test_spade_folder_without_test_folders_has_no_test_split(spade_root):
    import shutil

    shutil.rmtree(spade_root / "test")
    with pytest.raises(ConfigError, match=r"data\.root: .* no test/labels/ and test/images/"):
        build_dataset(spade(spade_root), split="test")


def test_spade_folder_reports_and_skips_each_unusable_file(spade_root, caplog):
    write_label(spade_root / "labels" / "lonely.png", stripes(32, 32, 4))  # no photo
    write_photo(spade_root / "images" / "orphan.png", 32, 32, seed=3)  # no label
    write_photo(spade_root / "labels" / "colour.png", 32, 32, seed=4)  # an RGB "label"
    write_photo(spade_root / "images" / "colour.png", 32, 32, seed=4)
    write_label(spade_root / "labels" / "small.png", stripes(24, 24, 4))  # size differs from its photo
    write_photo(spade_root / "images" / "small.png", 32, 32, seed=5)
    (spade_root / "labels" / "notes.txt").write_text("not an image")
    with caplog.at_level(logging.WARNING):
        ds = build_dataset(spade(spade_root))
    assert len(ds) == 4
    text = caplog.text
    assert "lonely.png: no image named lonely.*" in text and "orphan.png: no label named orphan.*" in text
    assert "colour.png: label is a colour (RGB) image" in text
    assert "small.png: label is 24×24 but its image small.png is 32×32" in text
    assert "notes.txt: extension .txt is not an image type" in text


def test_spade_folder_with_nothing_usable_names_data_root(tmp_path):
    root = tmp_path / "empty"
    write_photo(root / "labels" / "a.png", 32, 32, seed=1)  # colour, not ids
    write_photo(root / "images" / "a.png", 32, 32, seed=1)
    write_label(root / "labels" / "b.png", stripes(32, 32, 2))  # no photo
    with pytest.raises(ConfigError, match=r"data\.root: no usable label/image pairs") as caught:
        build_dataset(spade(root))
    assert "a.png: label is a colour" in str(caught.value) and "b.png: no image named b.*" in str(caught.value)
    (root / "images").rename(root / "photos")
    with pytest.raises(ConfigError, match=r"data\.root: .*images does not exist"):
        build_dataset(spade(root))


def test_spade_folder_refuses_too_many_classes_naming_the_file(spade_root):
    ids = stripes(32, 32, 4)
    ids[0, 0] = MAX_CLASSES  # one class too many
    write_label(spade_root / "labels" / "scene1.png", ids)
    with pytest.raises(ConfigError, match=rf"data\.root: .*scene1\.png has class id {MAX_CLASSES}"):
        build_dataset(spade(spade_root))
    ids[0, 0] = 3
    write_label(spade_root / "labels" / "scene1.png", ids)
    (spade_root / "classes.txt").write_text("road\nsky\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"classes\.txt names only 2 classes"):
        build_dataset(spade(spade_root))


def test_spade_folder_test_labels_with_unknown_ids_are_skipped(spade_root, caplog):
    write_label(spade_root / "test" / "labels" / "odd.png", stripes(32, 32, 6))  # ids 4, 5: not in training
    write_photo(spade_root / "test" / "images" / "odd.png", 32, 32, seed=8)
    with caplog.at_level(logging.WARNING):
        test = build_dataset(spade(spade_root), split="test")
    assert len(test) == 1 and "odd.png: class id 5 is none of the 4 classes" in caplog.text

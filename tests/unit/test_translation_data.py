"""Built-in image-to-image data: photo crops, edges2photos, gray2color, photo2stylized, sr-photos, unpaired pairing."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from workbench.config import ConfigError, DataConfig
from workbench.data import available_datasets, dataset_spec
from workbench.data.build import build_dataset
from workbench.data.dataset import DataInfo
from workbench.data.image_pairs import MAX_UNPAIRED_LENGTH, UnpairedImageDataset
from workbench.data.photos import SPLIT_PHOTOS, TEST_PHOTOS, photo_crops
from workbench.data.translation_builtin import STYLE_LEVELS

SIZE = 16


def data(name: str, **options) -> DataConfig:
    return DataConfig(name=name, image_size=options.pop("image_size", SIZE), channels=options.pop("channels", 3),
                      **options)


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """[-1, 1] N×C×H×W → uint8 N×H×W×C (exact for images that were uint8)."""
    return ((images + 1) * 127.5).round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()


def test_catalog_declares_kinds_channels_and_options():
    names = {s.name for s in available_datasets()}
    assert {"edges2photos", "gray2color", "photo2stylized", "sr-photos"} <= names
    kinds = {n: dataset_spec(n).kind for n in ("edges2photos", "gray2color", "photo2stylized", "sr-photos")}
    assert kinds == {"edges2photos": "paired", "gray2color": "paired", "photo2stylized": "unpaired",
                     "sr-photos": "super_resolution"}
    for name in kinds:
        spec = dataset_spec(name)
        assert spec.default_channels == 3 and not spec.needs_root and not spec.labelled
        assert spec.summary and "image_size" in spec.options
    assert "scale" in dataset_spec("sr-photos").options and "direction" in dataset_spec("edges2photos").options


def test_crops_are_deterministic_and_test_photos_are_held_out():
    train = photo_crops("train", SIZE)
    test = photo_crops("test", SIZE)
    assert train.images.shape == (2000, SIZE, SIZE, 3) and train.images.dtype == np.uint8
    assert test.images.shape == (200, SIZE, SIZE, 3)
    assert set(train.sources) == set(SPLIT_PHOTOS["train"]) and not set(train.sources) & set(TEST_PHOTOS)
    assert set(test.sources) == set(TEST_PHOTOS)
    # random sides between image_size and half the short side, random positions
    assert train.boxes[:, 2].min() >= SIZE and len(set(train.boxes[:, 2].tolist())) > 50
    photo_crops.cache_clear()
    again = photo_crops("train", SIZE)
    assert np.array_equal(again.images, train.images) and np.array_equal(again.boxes, train.boxes)


def test_edges2photos_pairs_an_edge_map_with_its_photo():
    ds = build_dataset(data("edges2photos"))
    info = ds.info
    assert (info.kind, info.domains, info.channels, info.image_size) == ("paired", ("edges", "photos"), 3, SIZE)
    assert len(ds) == info.size == 2000 and info.is_image_to_image and info.scale == 1
    edges, photos = ds.get_batch(torch.arange(0, 2000, 50))
    assert edges.shape == photos.shape == (40, 3, SIZE, SIZE) and edges.dtype == torch.float32
    assert set(edges.unique().tolist()) == {-1.0, 1.0}  # black lines on white
    assert 0.5 < (edges > 0).float().mean() < 0.99
    assert photos.min() >= -1 and photos.max() <= 1
    assert torch.equal(photos, torch.from_numpy(photo_crops("train", SIZE).images[::50].copy()).permute(0, 3, 1, 2)
                       .float().div(127.5).sub(1))
    swapped = build_dataset(data("edges2photos", direction="BtoA"))
    assert swapped.info.domains == ("photos", "edges")
    a, b = swapped.get_batch(torch.tensor([3, 7]))
    a0, b0 = ds.get_batch(torch.tensor([3, 7]))
    assert torch.equal(a, b0) and torch.equal(b, a0)
    grey = build_dataset(data("edges2photos", channels=1)).get_batch(torch.tensor([3]))
    assert grey[0].shape == grey[1].shape == (1, 1, SIZE, SIZE)


def test_gray2color_needs_three_channels_and_gives_grey_inputs():
    with pytest.raises(ConfigError, match="data.channels"):
        build_dataset(data("gray2color", channels=1))
    ds = build_dataset(data("gray2color"))
    assert ds.info.domains == ("gray", "color") and ds.info.kind == "paired"
    gray, color = ds.get_batch(torch.arange(8))
    assert torch.equal(gray[:, 0], gray[:, 1]) and torch.equal(gray[:, 1], gray[:, 2])
    assert not torch.equal(color[:, 0], color[:, 2])
    expected = (to_uint8(color).astype(np.float32) @ np.array([0.299, 0.587, 0.114])).round()
    assert np.abs(to_uint8(gray)[..., 0] - expected).max() <= 1


def test_photo2stylized_domains_are_disjoint_alike_and_styled():
    ds = build_dataset(data("photo2stylized"))
    info = ds.info
    assert info.kind == "unpaired" and info.domains == ("photo", "stylized") and info.size == len(ds)
    n_a, n_b = ds.domain_size("A"), ds.domain_size("B")
    assert n_a == n_b == 1000 and len(ds) <= MAX_UNPAIRED_LENGTH
    photos = to_uint8(ds.domain_batch("A", torch.arange(n_a)))
    styled = to_uint8(ds.domain_batch("B", torch.arange(n_b)))
    assert len(np.unique(styled)) <= STYLE_LEVELS  # posterised
    assert len(np.unique(photos)) > 200
    crops = photo_crops("train", SIZE)  # the two domains: alternate crops of the same photos, none in both
    photo_keys = {p.tobytes() for p in photos}
    assert photo_keys == {c.tobytes() for c in crops.images[0::2]}
    assert not photo_keys & {c.tobytes() for c in crops.images[1::2]}
    assert sorted(set(crops.sources[0::2])) == sorted(set(crops.sources[1::2]))  # the same scenes on both sides
    a, b = ds.get_batch(torch.tensor([0, 1, 2, 3]))
    assert a.shape == b.shape == (4, 3, SIZE, SIZE)
    assert build_dataset(data("photo2stylized", direction="BtoA")).info.domains == ("stylized", "photo")


def test_unpaired_pairing_covers_every_image_and_varies_partners():
    for n_a, n_b in ((5, 7), (7, 3), (1, 4), (40, 40)):
        a = torch.arange(n_a, dtype=torch.uint8).view(n_a, 1, 1, 1).expand(n_a, 1, 2, 2).contiguous()
        b = torch.arange(n_b, dtype=torch.uint8).view(n_b, 1, 1, 1).expand(n_b, 1, 2, 2).contiguous()
        ds = UnpairedImageDataset(a, b, DataInfo("t", 0, 1, 2, kind="unpaired", domains=("a", "b")))
        a_idx, b_idx = ds.pair_indices(torch.arange(len(ds)))
        assert sorted(set(a_idx.tolist())) == list(range(n_a)) and sorted(set(b_idx.tolist())) == list(range(n_b))
        for i in range(n_a):  # each A meets `rounds` different Bs
            assert len(set(b_idx[a_idx == i].tolist())) == ds.rounds >= min(n_b, 2)
        some = torch.tensor([4, 0, 2]) % len(ds)
        first, again = ds.get_batch(some), ds.get_batch(some.clone())
        assert torch.equal(first[1], again[1])  # a function of the indices
        assert to_uint8(first[0])[:, 0, 0, 0].tolist() == (some % n_a).tolist()
        with pytest.raises(IndexError):
            ds.get_batch(torch.tensor([len(ds)]))
    big = UnpairedImageDataset(torch.zeros(3000, 1, 1, 1, dtype=torch.uint8),
                               torch.zeros(5000, 1, 1, 1, dtype=torch.uint8), DataInfo("t", 0, 1, 1, kind="unpaired"))
    assert len(big) <= MAX_UNPAIRED_LENGTH and big.rounds > 100


def test_sr_photos_low_resolution_is_the_bicubic_downscale():
    ds = build_dataset(data("sr-photos", image_size=32, scale=4))
    info = ds.info
    assert info.kind == "super_resolution" and info.scale == 4 and info.image_size == 32 and len(ds) == 2000
    lr, hr = ds.get_batch(torch.tensor([0, 999]))
    assert lr.shape == (2, 3, 8, 8) and hr.shape == (2, 3, 32, 32)
    hr8 = to_uint8(hr)
    expected = np.stack([np.asarray(Image.fromarray(h).resize((8, 8), Image.Resampling.BICUBIC)) for h in hr8])
    assert np.array_equal(to_uint8(lr), expected)
    two = build_dataset(data("sr-photos", image_size=32, scale=2, channels=1))
    assert two.get_batch(torch.tensor([1]))[0].shape == (1, 1, 16, 16) and two.info.scale == 2
    with pytest.raises(ConfigError, match="data.image_size"):
        build_dataset(data("sr-photos", image_size=8, scale=4))


def test_test_split_uses_held_out_photos_only():
    test = build_dataset(data("edges2photos"), split="test")
    assert len(test) == 200 and test.info.domains == ("edges", "photos")
    photos = to_uint8(test.get_batch(torch.arange(200))[1])
    assert np.array_equal(photos, photo_crops("test", SIZE).images)
    sr = build_dataset(data("sr-photos", image_size=16, scale=2), split="test")
    assert len(sr) == 200 and sr.get_batch(torch.tensor([0]))[0].shape == (1, 3, 8, 8)
    unpaired = build_dataset(data("photo2stylized"), split="test")
    assert unpaired.domain_size("A") == unpaired.domain_size("B") == 100
    with pytest.raises(ConfigError, match="no test split"):
        build_dataset(DataConfig(name="digits"), split="test")
    with pytest.raises(ConfigError, match="split"):
        build_dataset(data("edges2photos"), split="validation")


def test_preview_shows_inputs_next_to_targets():
    from workbench.data.preview import dataset_preview

    paired = dataset_preview(data("edges2photos"), count=32)
    assert paired.description == "2,000 pairs, 3×16×16: edges (input, left) → photos (target, right)"
    assert paired.image.dtype == np.uint8 and paired.image.shape[2] == 3
    assert paired.image.shape[1] == 2 * (2 * SIZE + 1) + 3 * 4  # two examples per row, each input | target
    sr = dataset_preview(data("sr-photos", image_size=16, scale=2), count=8)
    assert sr.description.startswith("2,000 super-resolution pairs ×2: input 8×8")
    assert sr.image.shape[0] == SIZE + 2 * 4  # 2 examples: one row
    unpaired = dataset_preview(data("photo2stylized"))
    assert unpaired.description.startswith("unpaired: 1,000 photo and 1,000 stylized images")

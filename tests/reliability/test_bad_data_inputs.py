"""The reliability campaign, part 2: bad files in a user's data folders, as one table.

Each case writes a real data folder in tmp_path (two good files in the dataset's layout, then one bad input),
builds the dataset exactly as training does (`build_dataset`), and asserts the outcome a user should get:
- ERROR: a ConfigError whose message names the file (or folder) and the reason;
- SKIPPED: the file is reported with its reason (the logged problem list) and the good files still load;
- ACCEPTED: the file loads, with the right values.
Datasets covered: `folder`, `cyclegan-folder` (trainA/ trainB/), `pix2pix-folder` (A|B), `sr-folder` and
`voxel-folder`. No pickle in a .npy is ever unpickled: a payload would leave a file behind, which is checked.
"""

from __future__ import annotations

import logging
import os
import pickle
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import tifffile
from PIL import Image

from workbench.config import ConfigError, DataConfig
from workbench.data import build_dataset

ERROR, SKIPPED, ACCEPTED = "clear error naming the file", "skipped with reason", "accepted correctly"

OPTIONS = {  # small sizes: every case builds its dataset in well under a second
    "folder": {"image_size": 8, "channels": 1},
    "cyclegan-folder": {"image_size": 8, "channels": 1},
    "pix2pix-folder": {"image_size": 8, "channels": 1},
    "sr-folder": {"image_size": 16, "channels": 1, "scale": 2},
    "voxel-folder": {"image_size": 16},
}


@dataclass(frozen=True)
class Case:
    name: str
    dataset: str
    bad: Callable[[Path], Path]  # writes the bad input into the data folder, returns its path
    outcome: str
    says: tuple[str, ...] = ()  # what the error or the problem's reason must contain
    check: Callable | None = None  # ACCEPTED: (dataset) → asserts the bad input's values
    good: bool = True  # write the two good files first
    options: dict = field(default_factory=dict)


# ---- writing files ------------------------------------------------------------------------------------------
def _noise(path: Path, width: int = 16, height: int = 16, seed: int = 0) -> Path:
    pixels = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path)
    return path


def _ball(side: int = 16, radius: float = 5) -> np.ndarray:
    c = np.arange(side) - (side - 1) / 2
    return c[:, None, None] ** 2 + c[None, :, None] ** 2 + c[None, None, :] ** 2 <= radius**2


def _good_files(dataset: str, root: Path) -> None:
    """Two usable files in the dataset's layout; sorted after every bad file (their names start with "z")."""
    if dataset == "cyclegan-folder":
        for side in "AB":
            (root / f"train{side}").mkdir()
            for i in range(2):
                _noise(root / f"train{side}" / f"z{i}.png", seed=i)
    elif dataset == "pix2pix-folder":
        for i in range(2):
            _noise(root / f"z{i}.png", 32, 16, seed=i)
    elif dataset == "voxel-folder":
        for i in range(2):
            np.save(root / f"z{i}.npy", _ball(16, 4 + i))
    else:
        for i in range(2):
            _noise(root / f"z{i}.png", seed=i)


def _write(name: str, data: bytes) -> Callable[[Path], Path]:
    def bad(root: Path) -> Path:
        (root / name).write_bytes(data)
        return root / name

    return bad


def _png_bytes() -> bytes:
    import io

    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(5).integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def _bomb_header(root: Path) -> Path:
    """A valid PNG signature and header claiming 50,000 × 50,000 pixels (10 GB as RGB), and no pixel data."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 50_000, 50_000, 8, 2, 0, 0, 0)
    path = root / "bomb.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b""))
    return path


def _image(name: str, make: Callable[[], Image.Image], **save) -> Callable[[Path], Path]:
    def bad(root: Path) -> Path:
        make().save(root / name, **save)
        return root / name

    return bad


def _gray16(value: int, width: int = 16, height: int = 16) -> Callable[[], Image.Image]:
    return lambda: Image.fromarray(np.full((height, width), value, np.uint16))


def _tiff(name: str, array: np.ndarray) -> Callable[[Path], Path]:
    def bad(root: Path) -> Path:
        tifffile.imwrite(root / name, array)
        return root / name

    return bad


def _exif_turned() -> Image.Image:
    image = Image.new("RGB", (16, 8), "black")
    image.paste(Image.new("RGB", (8, 8), "white"), (8, 0))  # white on the right; shown turned: at the bottom
    return image


_TURNED_EXIF = Image.Exif()
_TURNED_EXIF[0x0112] = 6


def _symlink_loop(root: Path) -> Path:
    (root / "sub").mkdir()
    (root / "sub" / "loop").symlink_to(root)
    return root / "sub" / "loop"


def _dangling(name: str) -> Callable[[Path], Path]:
    def bad(root: Path) -> Path:
        (root / name).symlink_to(root.parent / f"deleted-{name}")
        return root / name

    return bad


def _in(folder: str, bad: Callable[[Path], Path]) -> Callable[[Path], Path]:
    return lambda root: bad(root / folder)


def _npy(name: str, array: np.ndarray, **save) -> Callable[[Path], Path]:
    def bad(root: Path) -> Path:
        np.save(root / name, array, **save)
        return root / name

    return bad


class _Payload:
    """Unpickling this creates a file: the proof that a pickle ran code."""

    def __reduce__(self):  # noqa: ANN204
        return (os.system, ("touch PICKLE_RAN",))


def _object_npy(root: Path) -> Path:
    np.save(root / "objects.npy", np.array([_Payload(), None], dtype=object), allow_pickle=True)
    return root / "objects.npy"


def _truncated_npy(root: Path) -> Path:
    np.save(root / "cut.npy", _ball(16, 5))
    data = (root / "cut.npy").read_bytes()
    (root / "cut.npy").write_bytes(data[: len(data) // 2])
    return root / "cut.npy"


def _huge_npy_header(root: Path) -> Path:
    with (root / "huge.npy").open("wb") as f:
        np.lib.format.write_array_header_1_0(f, {"descr": "<f8", "fortran_order": False, "shape": (2000,) * 3})
    return root / "huge.npy"


def _nan_grid() -> np.ndarray:
    grid = _ball(16, 5).astype(np.float32)
    grid[0, 0, 0] = np.nan
    return grid


def _root_is_file(root: Path) -> Path:
    root.rmdir()
    root.write_bytes(_png_bytes())
    return root


def _no_train_b(root: Path) -> Path:
    (root / "trainA").mkdir()
    _noise(root / "trainA" / "a.png")
    return root / "trainB"


def _only_corrupt_b(root: Path) -> Path:
    (root / "trainA").mkdir()
    (root / "trainB").mkdir()
    _noise(root / "trainA" / "a.png")
    (root / "trainB" / "corrupt.png").write_bytes(np.random.default_rng(1).bytes(500))
    return root / "trainB" / "corrupt.png"


# ---- checking accepted values --------------------------------------------------------------------------------
def _first(dataset) -> np.ndarray:  # noqa: ANN001
    """The bad input's image (it sorts first) in [0, 1], C×H×W."""
    kind = dataset.info.kind
    if kind == "unpaired":
        image = dataset.domain_batch("A", np.array([0]))[0]
    elif kind in ("paired", "super_resolution"):
        image = dataset.get_batch(np.array([0]))[1][0]  # the target side
    else:
        image = dataset.get_batch(np.array([0]))[0][0]
    return ((image.numpy() + 1) / 2).astype(np.float64)


def _mean_is(value: float, tolerance: float = 0.01) -> Callable:
    def check(dataset) -> None:  # noqa: ANN001
        assert abs(_first(dataset).mean() - value) < tolerance, _first(dataset).mean()

    return check


def _colour_is(rgb: tuple[int, int, int], tolerance: float = 0.02) -> Callable:
    def check(dataset) -> None:  # noqa: ANN001
        means = _first(dataset).mean(axis=(1, 2))
        assert np.allclose(means, np.array(rgb) / 255, atol=tolerance), means

    return check


def _bottom_brighter(dataset) -> None:  # noqa: ANN001
    image = _first(dataset)[0]  # upright: black above, white below
    assert image[:3].mean() < 0.2 and image[-3:].mean() > 0.8, image


def _quarter_then_three_quarters(dataset) -> None:  # noqa: ANN001
    a, b = ((x[0].numpy() + 1) / 2 for x in dataset.get_batch(np.array([0])))
    assert abs(a.mean() - 0.25) < 0.01 and abs(b.mean() - 0.75) < 0.01  # clipped 16-bit was white | white


def _voxel_ball(dataset) -> None:  # noqa: ANN001
    names = [p.name for p in dataset.paths]
    assert np.array_equal(dataset.grids([names.index("linked.npy")])[0], _ball(16, 6))


def _linked_file(root: Path) -> Path:
    np.save(root.parent / "elsewhere.npy", _ball(16, 6))
    (root / "linked.npy").symlink_to(root.parent / "elsewhere.npy")
    return root / "linked.npy"


def _wide_pair() -> Image.Image:
    """A 33×16 A|B image (one pixel of slack): A grey 64 on the left, B grey 192 on the right, a white seam."""
    pixels = np.full((16, 33), 255, np.uint8)
    pixels[:, :16], pixels[:, 17:] = 64, 192
    return Image.fromarray(pixels)


def _halves_64_192(dataset) -> None:  # noqa: ANN001
    a, b = ((x[0].numpy() + 1) / 2 for x in dataset.get_batch(np.array([0])))
    assert np.allclose(a, 64 / 255, atol=0.005) and np.allclose(b, 192 / 255, atol=0.005)


def _pix2pix_16bit() -> Image.Image:
    pixels = np.full((16, 32), 16384, np.uint16)
    pixels[:, 16:] = 49151
    return Image.fromarray(pixels)


_SYMLINKS = pytest.mark.skipif(os.name == "nt", reason="symbolic links need privileges on Windows")

CASES = [
    # ---- folder ---------------------------------------------------------------------------------------------
    Case("empty file", "folder", _write("empty.png", b""), SKIPPED, ("not a recognised image format",)),
    Case("truncated PNG", "folder", _write("cut.png", _png_bytes()[:400]), SKIPPED, ("cannot decode",)),
    Case("text file named .png", "folder", _write("notes.png", b"my notes\n"), SKIPPED,
         ("not a recognised image format",)),
    Case("not an image extension", "folder", _write("data.csv", b"1,2\n"), SKIPPED, ("extension .csv",)),
    Case("16-bit greyscale PNG", "folder", _image("a16.png", _gray16(32768)), ACCEPTED, check=_mean_is(0.5)),
    Case("16-bit RGB TIFF", "folder", _tiff("rgb48.tif", np.full((16, 16, 3), (65535, 32768, 0), np.uint16)),
         ACCEPTED, check=_colour_is((255, 128, 0)), options={"channels": 3}),
    Case("32-bit integer TIFF", "folder", _tiff("i32.tif", np.full((16, 16), 2**29, np.int32)), ACCEPTED,
         check=_mean_is(0.25)),
    Case("float TIFF in [0, 1]", "folder", _tiff("f.tif", np.full((16, 16), 0.75, np.float32)), ACCEPTED,
         check=_mean_is(0.75)),
    Case("float TIFF out of [0, 1]", "folder", _tiff("hdr.tif", np.full((16, 16), 40.0, np.float32)), SKIPPED,
         ("range from 40 to 40", "[0, 1]")),
    Case("1x1 image", "folder", _image("dot.png", lambda: Image.new("L", (1, 1), 255)), SKIPPED,
         ("image is 1×1 pixels, smaller than the minimum 8×8",)),
    Case("decompression bomb header", "folder", _bomb_header, SKIPPED, ("refused", "decompression bomb")),
    Case("palette PNG", "folder", _image("pal.png", lambda: Image.new("RGB", (16, 16), (200, 30, 60)).quantize(4)),
         ACCEPTED, check=_colour_is((200, 30, 60)), options={"channels": 3}),
    Case("CMYK JPEG", "folder", _image("cmyk.jpg", lambda: Image.new("CMYK", (16, 16), (0, 255, 255, 0))),
         ACCEPTED, check=_colour_is((255, 0, 0), 0.05), options={"channels": 3}),
    Case("EXIF-rotated JPEG", "folder", _image("turned.jpg", _exif_turned, exif=_TURNED_EXIF, quality=95),
         ACCEPTED, check=_bottom_brighter),
    pytest.param(Case("symlink loop in a subfolder", "folder", _symlink_loop, SKIPPED, ("symbolic link loop",)),
                 marks=_SYMLINKS),
    pytest.param(Case("dangling symlink", "folder", _dangling("gone.png"), SKIPPED, ("broken symbolic link",)),
                 marks=_SYMLINKS),
    Case("only non-images", "folder", _write("readme.txt", b"hello"), ERROR, ("extension .txt", "no readable images"),
         good=False),
    Case("root is a file", "folder", _root_is_file, ERROR, ("is a file",), good=False),
    # ---- cyclegan-folder --------------------------------------------------------------------------------------
    Case("missing trainB/", "cyclegan-folder", _no_train_b, ERROR, ("does not exist", "trainA/ and root/trainB/"),
         good=False),
    Case("trainB holds only a corrupt file", "cyclegan-folder", _only_corrupt_b, ERROR,
         ("no usable images", "not a recognised image format"), good=False),
    Case("16-bit PNG in trainA", "cyclegan-folder", _in("trainA", _image("a16.png", _gray16(16384))), ACCEPTED,
         check=_mean_is(0.25)),
    Case("1x1 image in trainB", "cyclegan-folder", _in("trainB", _image("dot.png", lambda: Image.new("L", (1, 1)))),
         SKIPPED, ("smaller than the minimum 8×8",)),
    pytest.param(Case("symlink loop in trainA", "cyclegan-folder", _in("trainA", _symlink_loop), SKIPPED,
                      ("symbolic link loop",)), marks=_SYMLINKS),
    # ---- pix2pix-folder ---------------------------------------------------------------------------------------
    Case("unaligned A|B image", "pix2pix-folder", lambda root: _noise(root / "odd.png", 25, 16), SKIPPED,
         ("not an aligned A|B image (25×16)",)),
    Case("A|B image one pixel too wide", "pix2pix-folder", _image("a_wide.png", _wide_pair), ACCEPTED,
         check=_halves_64_192),
    Case("16-bit A|B image", "pix2pix-folder", _image("a16.png", _pix2pix_16bit), ACCEPTED,
         check=_quarter_then_three_quarters),
    # ---- sr-folder --------------------------------------------------------------------------------------------
    Case("image smaller than the crop", "sr-folder", lambda root: _noise(root / "small.png", 12, 40), SKIPPED,
         ("smaller than data.image_size (12×40 < 16×16)",)),
    Case("16-bit PNG for super-resolution", "sr-folder", _image("a16.png", _gray16(49151)), ACCEPTED,
         check=_mean_is(0.75)),
    Case("float TIFF with NaN", "sr-folder",
         _tiff("nan.tif", np.where(np.eye(16, dtype=bool), np.nan, 0.5).astype(np.float32)), SKIPPED, ("NaN",)),
    # ---- voxel-folder -----------------------------------------------------------------------------------------
    Case("zero-byte .npy", "voxel-folder", _write("empty.npy", b""), SKIPPED, ("not a NumPy .npy file",)),
    Case(".npy holding a pickle", "voxel-folder", _write("pickled.npy", pickle.dumps(_Payload())), SKIPPED,
         ("refused", "pickle")),
    Case(".npy of Python objects", "voxel-folder", _object_npy, SKIPPED, ("refused", "Python objects")),
    Case(".npy of wrong dims", "voxel-folder", _npy("flat.npy", np.ones((16, 16), bool)), SKIPPED,
         ("not a 3-D grid",)),
    Case("NaN in .npy", "voxel-folder", _npy("nan.npy", _nan_grid()), SKIPPED, ("NaN",)),
    Case("truncated .npy", "voxel-folder", _truncated_npy, SKIPPED, ("cannot read the array",)),
    Case(".npy header of a huge grid", "voxel-folder", _huge_npy_header, SKIPPED, ("too large",)),
    Case("binvox with a bad header", "voxel-folder", _write("bad.binvox", b"#binvox 1\ndim 16 16\ndata\n"), SKIPPED,
         ("header line 'dim' needs 3",)),
    pytest.param(Case("dangling symlink to a shape", "voxel-folder", _dangling("gone.npy"), SKIPPED,
                      ("broken symbolic link",)), marks=_SYMLINKS),
    pytest.param(Case("symlink to a shape elsewhere", "voxel-folder", _linked_file, ACCEPTED, check=_voxel_ball),
                 marks=_SYMLINKS),
    Case("only non-shapes", "voxel-folder", _write("notes.txt", b"my shapes"), ERROR,
         ("no readable voxel grids", "not a voxel grid or mesh type"), good=False),
]


def _case(param) -> Case:  # noqa: ANN001
    return param.values[0] if hasattr(param, "values") else param


def _count(dataset) -> int:  # noqa: ANN001
    """Usable files in the dataset (every image here gives one crop, and unpaired sets count both domains)."""
    if dataset.info.kind == "unpaired":
        return dataset.domain_size("A") + dataset.domain_size("B")
    return len(dataset)


@pytest.mark.parametrize("case", CASES, ids=[_case(c).name for c in CASES])
def test_bad_data_input(case: Case, tmp_path, caplog, monkeypatch):
    root = tmp_path / "data"
    root.mkdir()
    monkeypatch.chdir(tmp_path)  # where a pickle payload would leave its file
    if case.good:
        _good_files(case.dataset, root)
    bad = case.bad(root)
    config = DataConfig(name=case.dataset, root=str(root), **{**OPTIONS[case.dataset], **case.options})
    caplog.set_level(logging.WARNING)
    if case.outcome == ERROR:
        with pytest.raises(ConfigError) as err:
            build_dataset(config)
        message = str(err.value)
        assert bad.name in message, message
        for text in case.says:
            assert text in message, message
    else:
        dataset = build_dataset(config)
        good = 4 if case.dataset == "cyclegan-folder" else 2  # two files per domain
        problems = [line.strip() for line in caplog.text.splitlines() if line.startswith("  ")]
        if case.outcome == SKIPPED:
            line = next((line for line in problems if line.startswith(f"{bad}: ")), None)
            assert line is not None, caplog.text
            for text in case.says:
                assert text in line, line
            assert _count(dataset) == good  # the good files still load
        else:
            assert not any(str(bad) in line for line in problems), caplog.text
            assert _count(dataset) == good + 1
            case.check(dataset)
    assert not (tmp_path / "PICKLE_RAN").exists(), "a pickle payload was executed"

"""`workbench latent RUN interpolate|traverse|arithmetic` on tiny trained runs: the files and the messages."""

from __future__ import annotations

import imageio.v2 as imageio
import pytest
import torch
from PIL import Image

from workbench.cli import main


@pytest.fixture(autouse=True)
def one_thread(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # default output files land here
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture
def vae_run(tiny_run):
    return tiny_run("vae", data="shapes2d", image_size=16, steps=6, latent_dim=6)


def latent(run, *args: str) -> int:
    return main(["latent", run.id, *map(str, args)])


def test_interpolate_writes_a_strip_a_gif_and_an_mp4(vae_run, tmp_path, capsys):
    strip, gif, mp4 = tmp_path / "strip.png", tmp_path / "anim.gif", tmp_path / "out" / "anim.mp4"
    assert latent(vae_run, "interpolate", "--seeds", 3, 9, 4, "--steps", 5, "--mode", "slerp", "--out", strip,
                  "--gif", gif, "--mp4", mp4, "--fps", 8) == 0
    out = capsys.readouterr().out
    assert f"{strip}: 9 images along a slerp path through seeds 3 9 4 of tiny-vae at step 6" in out
    with Image.open(strip) as png:
        assert png.size == (9 * 18 + 2, 18 + 2)  # one row: 2 segments of 5 sharing seed 9; make_grid padding
    with Image.open(gif) as anim:
        assert anim.n_frames == 9 and anim.size == (128, 128)
    reader = imageio.get_reader(mp4, format="FFMPEG")
    try:
        assert len(list(reader.iter_data())) == 9
    finally:
        reader.close()


def test_interpolation_endpoints_are_the_seeds_images(vae_run, tmp_path):
    from workbench.latent.export import to_uint8_frames
    from workbench.latent.model import LatentSpace

    strip = tmp_path / "lerp.png"
    assert latent(vae_run, "interpolate", "--seeds", 1, 2, "--steps", 3, "--mode", "lerp", "-o", strip,
                  "--scale", 2) == 0
    space = LatentSpace.from_run(vae_run)
    expected = to_uint8_frames(space.decode(space.prior(1, seed=2)))[0]
    with Image.open(strip) as png:
        grid = png.convert("RGB")
        assert grid.size == (2 * (3 * 18 + 2), 2 * (18 + 2))
        last = grid.crop((2 * (2 + 2 * 18), 4, 2 * (2 + 2 * 18) + 32, 4 + 32)).resize((16, 16), Image.NEAREST)
    import numpy as np

    assert np.abs(np.asarray(last)[:, :, 0].astype(int) - expected[:, :, 0].astype(int)).max() <= 1


def test_traverse_orders_rows_by_kl_and_writes_the_grid(vae_run, tmp_path, capsys):
    grid = tmp_path / "grid.png"
    assert latent(vae_run, "traverse", "--seed", 3, "--k", 3, "--columns", 7, "--rows", 4, "--order", "kl",
                  "--sample", 64, "--out", grid) == 0
    out = capsys.readouterr().out
    assert "4 rows × 7 values in [−3, 3]" in out and "ordered by kl" in out
    with Image.open(grid) as png:
        assert png.size == (7 * 18 + 2, 4 * 18 + 2)
    listed = out.split("rows: dimensions ")[1].split(" (KL")[0]
    kls = [float(part.split("(")[1].rstrip(")")) for part in listed.split(", ")]
    assert kls == sorted(kls, reverse=True)

    assert latent(vae_run, "traverse", "--order", "index", "--columns", 3, "--out", grid) == 0
    assert "rows: dimensions 0, 1, 2, 3, 4, 5, ordered by index" in capsys.readouterr().out


def test_arithmetic_analogy_and_class_arithmetic(vae_run, tmp_path, capsys):
    analogy = tmp_path / "analogy.png"
    assert latent(vae_run, "arithmetic", "--a", 1, 2, "--b", 3, "--c", 4, "--out", analogy) == 0
    assert "A = mean of seeds 1 2, B = 3, C = 4" in capsys.readouterr().out
    with Image.open(analogy) as png:
        assert png.size == (4 * 18 + 2, 18 + 2)

    moved = tmp_path / "moved.png"
    assert latent(vae_run, "arithmetic", "--source-class", 0, "--target-class", 1, "--sample", 200,
                  "--out", moved) == 0
    out = capsys.readouterr().out
    assert "moved from class 0" in out and "rows: images, reconstructions, moved" in out
    with Image.open(moved) as png:
        assert png.size == (8 * 18 + 2, 3 * 18 + 2)


def test_user_mistakes_are_one_line_errors(vae_run, tiny_run, tmp_path, capsys):
    cases = [
        (("interpolate", "--seeds", 1), "at least 2 codes"),
        (("interpolate", "--seeds", 1, 2, "--steps", 1), "--steps 1"),
        (("interpolate", "--seeds", 1, 2, "--encode", "--out", tmp_path / "x.png"), None),  # VAE encodes: fine
        (("interpolate", "--seeds", 1, 10**9, "--encode"), f"dataset index {10**9} is out of range"),
        (("arithmetic", "--a", 1, "--b", 2), "missing --c"),
        (("arithmetic", "--source-class", 0, "--target-class", 9), "--target-class 9: classes of shapes2d"),
        (("traverse", "--label", 1), "not conditional"),
        (("interpolate", "--seeds", 1, 2, "--out", tmp_path), "is a folder"),
    ]
    for args, message in cases:
        code = latent(vae_run, *args)
        err = capsys.readouterr().err
        if message is None:
            assert code == 0, err
        else:
            assert code == 2 and message in err and err.count("\n") == 1, (args, err)

    gan = tiny_run("dcgan", image_size=8, steps=2)
    assert latent(gan, "traverse", "--order", "kl") == 2
    assert "dcgan is not a VAE" in capsys.readouterr().err
    assert latent(gan, "interpolate", "--seeds", 1, 2, "--encode") == 2
    assert "has no encoder" in capsys.readouterr().err
    assert main(["latent", "no-such-run", "traverse"]) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ws", "x.png"]  # failed commands wrote nothing
